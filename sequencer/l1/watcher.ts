// The L1 watcher: reads the rollup's L1Request and BatchVerified logs from blocks with the
// configured confirmations, and records them in one transaction per range together with the last
// block read. Replaying a range is harmless: a known queue position must carry the hash already
// stored, a verified batch stays verified. A restart resumes after the stored block.
//
// Reorganisations deeper than the confirmations: the hashes of the blocks acted on are kept
// (l1_blocks: each range's last block, and every block that held a log). Before each read, the
// last block's hash is compared with the chain's; when it changed, the watcher walks back to the
// newest kept block still on the chain (the fork) and rewinds what came after it, in one
// transaction: L1 requests no batch has consumed are forgotten (read again if the new chain has
// them), a batch verified after the fork is verified no more, and one submitted after the fork goes
// back to `submitting`, so that the submitter finds its transaction again or broadcasts the signed
// bytes once more (same nonce). An L1 request a batch already consumed that the new chain lacks
// cannot be rewound without rebuilding those batches: the watcher stops the sequencer with what
// happened and what to do, before anything builds on it.

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

  /** Reads every confirmed block not read yet (after rewinding a reorganisation). Returns the number of logs recorded. */
  async poll(): Promise<number> {
    await this.checkReorg();
    const head = await this.provider.getBlockNumber();
    const safe = head - this.l1.confirmations;
    let n = 0;
    for (let from = this.lastBlock + 1; from <= safe; ) {
      const to = Math.min(safe, from + this.l1.logChunk - 1);
      const end = await this.hashAt(to);
      const logs = await readRollupLogs(this.provider, this.ctx.config.rollup, from, to);
      // The chain changed under the read: read again at the next poll.
      if (!end || (await this.hashAt(to)) !== end || logs.some((l) => l.block === to && l.blockHash !== end)) return n;
      this.apply(logs, to, end);
      n += logs.length;
      from = to + 1;
    }
    return n;
  }

  private async hashAt(block: number): Promise<string | undefined> {
    return (await this.provider.getBlock(block))?.hash ?? undefined;
  }

  /** Compares the last block acted on with the chain's; rewinds to the fork when they differ. */
  async checkReorg(): Promise<void> {
    const { db } = this.ctx;
    const last = this.lastBlock;
    const kept = db.prepare("SELECT hash FROM l1_blocks WHERE number = ?").get(last) as { hash: string } | undefined;
    // Nothing read yet, or a database from before block hashes were kept.
    if (!kept || (await this.hashAt(last)) === kept.hash) return;
    const rows = db.prepare("SELECT number, hash FROM l1_blocks WHERE number < ? ORDER BY number DESC").all(last) as { number: number; hash: string }[];
    let fork = this.l1.deployBlock - 1;
    for (const r of rows) {
      if ((await this.hashAt(r.number)) === r.hash) {
        fork = r.number;
        break;
      }
    }
    this.rewind(fork, last);
  }

  /** Forgets what L1 blocks after `fork` said (see the file's header); one transaction. */
  rewind(fork: number, last: number): void {
    const { db } = this.ctx;
    db.transaction(() => {
      const gone = db.prepare("SELECT position, block, tx_hash FROM l1_requests WHERE block > ? ORDER BY position").all(fork) as { position: number; block: number; tx_hash: string }[];
      if (gone.length) {
        const used = db.prepare("SELECT number, queue_end FROM batches WHERE queue_end > ? ORDER BY number LIMIT 1").get(gone[0].position) as { number: number; queue_end: number } | undefined;
        if (used) {
          const r = gone[0];
          throw new StateCorruptError(
            `L1 reorganised below block ${fork + 1}, deeper than the ${this.l1.confirmations} confirmations this sequencer waits for: ` +
              `L1 request ${r.position} (block ${r.block}, tx ${r.tx_hash}), which batch ${used.number} consumed, may no longer be on L1. ` +
              `Stopped before building on it: once the chain settles, rebuild the database from L1 ('zkr sync --db <new file>') and start from it, and wait for more confirmations (l1.confirmations).`,
          );
        }
        db.prepare("DELETE FROM l1_requests WHERE block > ?").run(fork);
      }
      const unverified = db.prepare("UPDATE batches SET status = 'submitted', verified_block = NULL WHERE status = 'verified' AND verified_block > ?").run(fork).changes;
      const resend = db.prepare("UPDATE batches SET status = 'submitting', l1_block = NULL WHERE status IN ('submitted', 'verified') AND l1_block > ?").run(fork).changes;
      db.prepare("DELETE FROM l1_blocks WHERE number > ?").run(fork);
      setMeta(db, "l1_block", fork);
      this.ctx.log(
        `L1 reorganised: block ${last} is no longer on the chain; rewound to block ${fork} (${gone.length} unbatched L1 request(s) to read again, ` +
          `${unverified} batch(es) no longer verified, ${resend} to send again)`,
      );
    })();
    if (this.ctx.queue.length !== loadQueue(db).length) {
      this.ctx.queue = loadQueue(db);
      this.ctx.mempool.resetForcedExits();
    }
  }

  /** Records the logs of blocks up to `to`, whose hash is `toHash` (one transaction). */
  apply(logs: RollupLog[], to: number, toHash?: string): void {
    const { db } = this.ctx;
    let appended = 0;
    try {
      db.transaction(() => {
        const keep = db.prepare("INSERT OR REPLACE INTO l1_blocks (number, hash) VALUES (?, ?)");
        for (const log of logs) keep.run(log.block, log.blockHash);
        if (toHash) keep.run(to, toHash);
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
