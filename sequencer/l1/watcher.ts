// The L1 watcher: reads the rollup's L1Request and BatchVerified logs from blocks with the
// configured confirmations, and records them in one transaction per range together with the last
// block read. Replaying a range is harmless: a known queue position must carry the hash already
// stored, a verified batch stays verified. A restart resumes after the stored block.

import type { Provider } from "ethers";
import { getMeta, setMeta } from "../db.js";
import { StateCorruptError } from "../errors.js";
import type { SequencerContext } from "../context.js";
import type { L1Config } from "../config.js";
import { loadQueue, type BatchRow } from "../store.js";
import { queueEntryFields } from "../model/queue.js";
import { readRollupLogs, type RollupLog } from "./events.js";
import { hex32 } from "../../core/bytes.js";

export class L1Watcher {
  constructor(
    private readonly ctx: SequencerContext,
    private readonly provider: Provider,
    private readonly l1: L1Config,
  ) {}

  /** The last L1 block whose logs are recorded. */
  get lastBlock(): number {
    return Number(getMeta(this.ctx.db, "l1_block") ?? this.l1.deployBlock - 1);
  }

  /** Reads every confirmed block not read yet. Returns the number of logs recorded. */
  async poll(): Promise<number> {
    const head = await this.provider.getBlockNumber();
    const safe = head - this.l1.confirmations;
    let n = 0;
    for (let from = this.lastBlock + 1; from <= safe; ) {
      const to = Math.min(safe, from + this.l1.logChunk - 1);
      const logs = await readRollupLogs(this.provider, this.ctx.config.rollup, from, to);
      this.apply(logs, to);
      n += logs.length;
      from = to + 1;
    }
    return n;
  }

  /** Records the logs of blocks up to `to` (one transaction). */
  apply(logs: RollupLog[], to: number): void {
    const { db } = this.ctx;
    let appended = 0;
    try {
      db.transaction(() => {
        for (const log of logs) {
          if (log.kind === "l1Request") {
            const queue = this.ctx.queue;
            if (log.position < queue.length) {
              if (queue.hashAt(log.position + 1) !== log.queueHash) {
                throw new StateCorruptError(`L1 queue position ${log.position}: hash ${log.queueHash} on L1, ${queue.hashAt(log.position + 1)} stored`);
              }
              continue;
            }
            if (log.position > queue.length) throw new StateCorruptError(`L1 queue position ${queue.length} expected next, got ${log.position}`);
            const h = queue.append(log.request);
            appended++;
            if (h !== log.queueHash) throw new StateCorruptError(`L1 queue position ${log.position}: hash ${log.queueHash} on L1, ${h} computed`);
            const [, ethAddr, amount, ax, ay] = queueEntryFields(log.request);
            db.prepare(
              "INSERT INTO l1_requests (position, kind, account, token_id, eth_addr, amount, ax, ay, queue_hash, block, tx_hash, seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ).run(log.position, log.request.kind, Number(log.request.index), Number(log.request.tokenId), ethAddr.toString(), amount.toString(),
              ax.toString(), ay.toString(), h.toString(), log.block, log.txHash, Date.now());
          } else {
            const row = db.prepare("SELECT number, new_root, status FROM batches WHERE number = ?").get(log.batchNumber) as Pick<BatchRow, "number" | "new_root" | "status"> | undefined;
            if (!row) throw new StateCorruptError(`L1 verified batch ${log.batchNumber}, which this database does not hold (rebuild the database from L1 with 'zkr sync --db')`);
            if (BigInt(row.new_root) !== log.newRoot) throw new StateCorruptError(`batch ${log.batchNumber}: root ${hex32(log.newRoot)} on L1, ${hex32(BigInt(row.new_root))} here`);
            if (row.status !== "verified") {
              db.prepare("UPDATE batches SET status = 'verified', verified_block = ?, l1_tx = ?, l1_block = ?, error = NULL WHERE number = ?").run(log.block, log.txHash, log.block, log.batchNumber);
              this.ctx.log(`batch ${log.batchNumber}: verified on L1 in block ${log.block}`);
            }
          }
        }
        setMeta(db, "l1_block", to);
      })();
    } catch (e) {
      if (appended > 0) this.ctx.queue = loadQueue(db);
      throw e;
    }
    if (appended > 0) {
      this.ctx.mempool.resetForcedExits();
      this.ctx.log(`L1: ${appended} new request(s), queue length ${this.ctx.queue.length}`);
    }
  }
}
