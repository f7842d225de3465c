// The L1 watcher: reads the rollup's L1Request and BatchVerified logs from blocks with the
// configured confirmations, and records them in one transaction per range together with the last
// block read. Replaying a range is harmless: a known queue position must carry the hash already
// stored, a verified batch stays verified. A restart resumes after the stored block.
//
// Reorganisations deeper than the confirmations: the hashes of the blocks acted on are kept
// (l1_blocks: each range's last block, and every block that held a log). Before each read, the
// last block's hash is compared with the chain's; when it changed, the watcher walks back to the
// newest kept block still on the chain (the fork) and rewinds what came after it, in one
// transaction: the L1 requests of later blocks are forgotten (read again if the new chain has
// them, possibly at other positions), a batch verified after the fork is verified no more, and one
// submitted after the fork goes back to `submitting`, so that the submitter finds its transaction
// again or broadcasts the signed bytes once more (same nonce). When a batch had consumed one of
// the forgotten requests, it and every later batch are undone: the state is replayed from the
// batches before it, their L2 transactions return to the mempool in their first order, and the
// batcher makes the batches again from what L1 now holds (a transaction that no longer fits, say
// from an account whose deposit is gone, is dropped with the reason). Nothing is lost or doubled:
// no undone batch can be verified on the new chain, since its queue hash is not L1's.

import type { Provider } from "ethers";
import { getMeta, setMeta } from "../db.js";
import { StateCorruptError } from "../errors.js";
import type { SequencerContext } from "../context.js";
import type { L1Config } from "../config.js";
import { loadQueue, saveAccount, type BatchRow } from "../store.js";
import { RollupState } from "../model/state.js";
import { replayBatch } from "../sync.js";
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
    let rebuilt: { from: number; batches: number; txs: number; state: RollupState } | undefined;
    db.transaction(() => {
      const unverified = db.prepare("UPDATE batches SET status = 'submitted', verified_block = NULL WHERE status = 'verified' AND verified_block > ?").run(fork).changes;
      const resend = db.prepare("UPDATE batches SET status = 'submitting', l1_block = NULL WHERE status IN ('submitted', 'verified') AND l1_block > ?").run(fork).changes;
      const gone = db.prepare("SELECT position FROM l1_requests WHERE block > ? ORDER BY position LIMIT 1").get(fork) as { position: number } | undefined;
      // The first batch that consumed a request L1 no longer holds: it and every later one are made again.
      const used = gone && (db.prepare("SELECT number FROM batches WHERE queue_end > ? ORDER BY number LIMIT 1").get(gone.position) as { number: number } | undefined);
      if (used) rebuilt = this.unmakeBatches(used.number);
      const requests = db.prepare("DELETE FROM l1_requests WHERE block > ?").run(fork).changes;
      db.prepare("DELETE FROM l1_blocks WHERE number > ?").run(fork);
      setMeta(db, "l1_block", fork);
      this.ctx.log(
        `L1 reorganised: block ${last} is no longer on the chain; rewound to block ${fork} (${requests} L1 request(s) to read again, ` +
          `${unverified} batch(es) no longer verified, ${resend} to send again` +
          (rebuilt ? `, batches ${rebuilt.from}–${rebuilt.from + rebuilt.batches - 1} made again from their ${rebuilt.txs} L2 transaction(s), back in the mempool)` : ")"),
      );
    })();
    if (rebuilt) this.ctx.state = rebuilt.state;
    this.ctx.queue = loadQueue(db);
    if (rebuilt) this.ctx.mempool.recount();
    this.ctx.mempool.resetForcedExits();
  }

  /**
   * Undoes batches `from` on (inside the caller's transaction): the state is replayed from the
   * stored batches before `from` (each must land on its stored root), their L2 transactions go
   * back to pending in their first order (the batcher drops, with the reason, those that no longer
   * fit), their proof jobs and submissions are deleted. None of them may be verified on this chain.
   */
  private unmakeBatches(from: number): { from: number; batches: number; txs: number; state: RollupState } {
    const { db, config } = this.ctx;
    const verified = db.prepare("SELECT number FROM batches WHERE number >= ? AND status = 'verified' LIMIT 1").get(from) as { number: number } | undefined;
    if (verified) throw new StateCorruptError(`L1 reorganised: batch ${verified.number} is verified on L1 but consumed an L1 request that L1 no longer holds`);
    const state = new RollupState({ depth: config.depth, chainId: config.chainId, rollup: config.rollup });
    const queue = loadQueue(db);
    for (const b of db.prepare("SELECT * FROM batches WHERE number < ? ORDER BY number").iterate(from) as IterableIterator<BatchRow>) {
      replayBatch(state, queue, {
        kind: "batchVerified", batchNumber: b.number, oldRoot: BigInt(b.old_root), newRoot: BigInt(b.new_root), queueStart: b.queue_start, queueEnd: b.queue_end,
        feeAccount: b.fee_account, txData: new Uint8Array(b.tx_data), block: 0, blockHash: "", txHash: "", logIndex: 0,
      }, config.slots);
    }
    const batches = db.prepare("SELECT COUNT(*) AS n FROM batches WHERE number >= ?").get(from) as { n: number };
    const txs = db.prepare("UPDATE txs SET status = 'pending', batch = NULL, slot = NULL WHERE status = 'batched' AND batch >= ?").run(from).changes;
    db.prepare("DELETE FROM proof_jobs WHERE batch_number >= ?").run(from);
    db.prepare("DELETE FROM submissions WHERE batch >= ?").run(from);
    db.prepare("DELETE FROM batches WHERE number >= ?").run(from);
    db.prepare("DELETE FROM accounts").run();
    for (const [i, a] of state.accounts) saveAccount(db, i, a);
    setMeta(db, "batch_number", state.batchNumber);
    setMeta(db, "queue_next", state.queueNext);
    setMeta(db, "root", state.root);
    return { from, batches: batches.n, txs, state };
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
