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
// again or broadcasts the signed bytes once more (same nonce). When batches had consumed some of
// the forgotten requests, nothing is batched or sent until L1 is read again as far as before (a
// real reorganisation usually mines the same requests again, at the same positions): then the
// batches whose requests came back with the same running hashes stand, and from the first one
// that lost one, the batches are undone: the accounts they changed are restored from their undo
// records, newest first (or, for batches without records, the state is replayed from the batches
// before them), their L2 transactions return to the mempool in their first order (one from or to an account an undone
// batch created is dropped with the reason: its index may be someone else's on the new chain), and
// the batcher makes them again from what L1 now holds. Nothing is lost or doubled: an undone
// batch cannot be verified on the new chain, since its queue hash is not L1's.

import type { Provider } from "ethers";
import { getMeta, setMeta } from "../db.js";
import { StateCorruptError } from "../errors.js";
import type { SequencerContext } from "../context.js";
import type { L1Config } from "../config.js";
import { REORG_CHECK, loadQueue, loadState, pruneUndo, reorgCheck, saveAccount, undoBatches, type BatchRow, type ReorgCheck } from "../store.js";
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

  /** The chain's head as last read (before confirmations), for the operator's dashboard; undefined before the first read. */
  head: number | undefined;

  /** The last L1 block whose logs are recorded. */
  get lastBlock(): number {
    return Number(getMeta(this.ctx.db, "l1_block") ?? this.l1.deployBlock - 1);
  }

  /** Reads every confirmed block not read yet (after rewinding a reorganisation). Returns the number of logs recorded. */
  async poll(): Promise<number> {
    await this.checkReorg();
    const head = await this.provider.getBlockNumber();
    this.head = head;
    const safe = head - this.l1.confirmations;
    let n = 0;
    for (let from = this.lastBlock + 1; from <= safe; ) {
      const to = Math.min(safe, from + this.l1.logChunk - 1);
      const end = await this.hashAt(to);
      const logs = await readRollupLogs(this.provider, this.ctx.config.rollup, from, to);
      // The chain changed under the read (the range's end, or the blocks acted on before it): read again at the next poll.
      const kept = this.keptHash(from - 1);
      if (!end || (await this.hashAt(to)) !== end || logs.some((l) => l.block === to && l.blockHash !== end)) return n;
      if (kept && (await this.provider.getBlock(from))?.parentHash !== kept) return n;
      this.apply(logs, to, end, await this.gasOf(logs));
      n += logs.length;
      from = to + 1;
    }
    const check = this.pendingCheck();
    if (check && this.lastBlock >= check.until) this.finishCheck(check);
    return n;
  }

  /**
   * The gas each verified batch's submitBatch used, from its receipt: the submitter records it when
   * it sees the receipt first, but a batch often reaches the watcher's BatchVerified log before
   * (the devnet mines at once), or was sent by another process. One receipt per verified batch.
   */
  private async gasOf(logs: RollupLog[]): Promise<Map<string, bigint>> {
    const gas = new Map<string, bigint>();
    for (const l of logs) {
      if (l.kind !== "batchVerified") continue;
      const r = await this.provider.getTransactionReceipt(l.txHash);
      if (r) gas.set(l.txHash, r.gasUsed);
    }
    return gas;
  }

  /** The hash kept for a block the watcher acted on, if any. */
  private keptHash(block: number): string | undefined {
    return (this.ctx.db.prepare("SELECT hash FROM l1_blocks WHERE number = ?").get(block) as { hash: string } | undefined)?.hash;
  }

  private async hashAt(block: number): Promise<string | undefined> {
    return (await this.provider.getBlock(block))?.hash ?? undefined;
  }

  /** Compares the last block acted on with the chain's; rewinds to the fork when they differ. */
  async checkReorg(): Promise<void> {
    const { db } = this.ctx;
    const last = this.lastBlock;
    const kept = this.keptHash(last);
    // Nothing read yet, or a database from before block hashes were kept.
    if (!kept) return;
    const now = await this.hashAt(last);
    if (now === kept) return;
    // A node that does not serve the block yet (a lagging replica) is not a reorganisation; a chain shorter than it is.
    if (now === undefined && (await this.provider.getBlockNumber()) >= last) return;
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

  private pendingCheck(): ReorgCheck | undefined {
    return reorgCheck(this.ctx.db);
  }

  /** Forgets what L1 blocks after `fork` said (see the file's header); one transaction. */
  rewind(fork: number, last: number): void {
    const { db, state } = this.ctx;
    db.transaction(() => {
      const unverified = db.prepare("UPDATE batches SET status = 'submitted', verified_block = NULL, verified_at = NULL WHERE status = 'verified' AND verified_block > ?").run(fork).changes;
      // Sent again from the recorded submission; one without a record (restored by 'zkr sync', or found on L1) waits for its log again.
      const resend = db.prepare(
        "UPDATE batches SET status = 'submitting', l1_block = NULL, gas_used = NULL WHERE status IN ('submitted', 'verified') AND l1_block > ? AND EXISTS (SELECT 1 FROM submissions WHERE batch = batches.number)",
      ).run(fork).changes;
      db.prepare("UPDATE batches SET l1_block = NULL, gas_used = NULL WHERE status = 'submitted' AND l1_block > ?").run(fork);
      // Requests batches consumed: their running hashes, to compare once the new chain is read as far.
      const consumed = db.prepare("SELECT position, queue_hash FROM l1_requests WHERE block > ? AND position < ? ORDER BY position").all(fork, Number(state.queueNext)) as { position: number; queue_hash: string }[];
      if (consumed.length) {
        const before = this.pendingCheck();
        const hashes = Object.fromEntries(consumed.map((r) => [r.position, r.queue_hash]));
        // A second reorganisation before the first is read again keeps the first's hashes: they are what the batches consumed.
        const check: ReorgCheck = { until: Math.max(last, before?.until ?? 0), hashes: { ...hashes, ...before?.hashes } };
        setMeta(db, REORG_CHECK, JSON.stringify(check));
      }
      const requests = db.prepare("DELETE FROM l1_requests WHERE block > ?").run(fork).changes;
      db.prepare("DELETE FROM l1_blocks WHERE number > ?").run(fork);
      setMeta(db, "l1_block", fork);
      this.ctx.log(
        `L1 reorganised: block ${last} is no longer on the chain; rewound to block ${fork} (${requests} L1 request(s) to read again, ` +
          `${unverified} batch(es) no longer verified, ${resend} to send again` +
          (consumed.length ? `; ${consumed.length} of them consumed by batches: no batch is made or sent until L1 is read again up to block ${last})` : ")"),
      );
    })();
    this.ctx.queue = loadQueue(db);
    this.ctx.mempool.resetForcedExits();
  }

  /**
   * Once L1 is read again as far as before the reorganisation: the batches whose consumed requests
   * came back (same positions, same running hashes) stand; from the first one that lost one, the
   * batches are undone and made again from what L1 now holds. One transaction.
   */
  private finishCheck(check: ReorgCheck): void {
    const { db, queue } = this.ctx;
    let undone: ReturnType<L1Watcher["unmakeBatches"]> | undefined;
    db.transaction(() => {
      const lost = Object.entries(check.hashes)
        .map(([p, h]) => [Number(p), h] as const)
        .sort((x, y) => x[0] - y[0])
        .find(([p, h]) => p >= queue.length || queue.hashAt(p + 1).toString() !== h);
      if (lost) {
        const first = db.prepare("SELECT number FROM batches WHERE queue_end > ? ORDER BY number LIMIT 1").get(lost[0]) as { number: number };
        undone = this.unmakeBatches(first.number, lost[0]);
      }
      db.prepare("DELETE FROM meta WHERE key = ?").run(REORG_CHECK);
    })();
    if (undone) {
      this.ctx.state = undone.state;
      this.ctx.mempool.recount();
      this.ctx.log(
        `L1 read again up to block ${check.until}: L1 request ${undone.position} is not what batch ${undone.from} consumed; ` +
          `batches ${undone.from}–${undone.from + undone.batches - 1} undone (${undone.how}), their ${undone.txs} L2 transaction(s) back in the mempool` +
          (undone.dropped ? `, ${undone.dropped} dropped (they name an account a lost deposit made)` : "") + "; batches are made again",
      );
    } else {
      this.ctx.log(`L1 read again up to block ${check.until}: every L1 request the batches consumed is back where it was; batching resumes`);
    }
  }

  /**
   * Undoes batches `from` on (inside the caller's transaction): the accounts are restored from the
   * batches' undo records (store.ts undoBatches; the rebuilt tree must land on the root before
   * them), or, where some batch has none, the state is replayed from the stored batches before
   * `from` (each must land on its stored root); their L2 transactions go
   * back to pending in their first order (the batcher drops, with the reason, those that no longer
   * fit), their proof jobs and submissions are deleted. A transaction from or to an account that
   * one of the undone batches created is dropped: the index may belong to someone else on the new
   * chain. None of the batches may be verified on this chain.
   */
  private unmakeBatches(from: number, position: number): { from: number; position: number; batches: number; txs: number; dropped: number; state: RollupState; how: string } {
    const { db, config } = this.ctx;
    const verified = db.prepare("SELECT number FROM batches WHERE number >= ? AND status = 'verified' LIMIT 1").get(from) as { number: number } | undefined;
    if (verified) throw new StateCorruptError(`L1 reorganised: batch ${verified.number} is verified on L1 but consumed an L1 request that L1 no longer holds`);
    const id = { depth: config.depth, chainId: config.chainId, slots: config.slots, rollup: config.rollup };
    let state: RollupState;
    let how = "from their undo records";
    if (undoBatches(db, from)) {
      // The batches' undo records restored the accounts; the rebuild checks the root before them.
      state = loadState(db, id);
    } else {
      // No records for some of them (made before records were kept, or verified deep and pruned):
      // replay every stored batch before `from`, each landing on its stored root.
      state = new RollupState({ depth: config.depth, chainId: config.chainId, rollup: config.rollup });
      const queue = loadQueue(db);
      for (const b of db.prepare("SELECT * FROM batches WHERE number < ? ORDER BY number").iterate(from) as IterableIterator<BatchRow>) {
        replayBatch(state, queue, {
          kind: "batchVerified", batchNumber: b.number, oldRoot: BigInt(b.old_root), newRoot: BigInt(b.new_root), queueStart: b.queue_start, queueEnd: b.queue_end,
          feeAccount: b.fee_account, txData: new Uint8Array(b.tx_data), block: 0, blockHash: "", txHash: "", logIndex: 0,
        }, config.slots);
      }
      db.prepare("DELETE FROM accounts").run();
      for (const [i, a] of state.accounts) saveAccount(db, i, a);
      setMeta(db, "batch_number", state.batchNumber);
      setMeta(db, "queue_next", state.queueNext);
      setMeta(db, "root", state.root);
      // The batches made again from `from` on keep records.
      db.prepare("DELETE FROM account_undo WHERE batch >= ?").run(from);
      setMeta(db, "undo_from", from);
      how = "replayed from the first batch";
    }
    const batches = db.prepare("SELECT COUNT(*) AS n FROM batches WHERE number >= ?").get(from) as { n: number };
    const txs = db.prepare("UPDATE txs SET status = 'pending', batch = NULL, slot = NULL WHERE status = 'batched' AND batch >= ?").run(from).changes;
    let dropped = 0;
    const drop = db.prepare("UPDATE txs SET status = 'dropped', reason = ? WHERE status = 'pending' AND (from_idx = ? OR to_idx = ?)");
    for (const i of this.ctx.state.accounts.keys()) {
      if (state.accounts.has(i)) continue;
      dropped += drop.run(`L1 reorganised: account ${i} was made by a deposit the new chain does not hold as it was; sign again once it exists`, Number(i), Number(i)).changes;
    }
    db.prepare("DELETE FROM proof_jobs WHERE batch_number >= ?").run(from);
    db.prepare("DELETE FROM submissions WHERE batch >= ?").run(from);
    db.prepare("DELETE FROM batches WHERE number >= ?").run(from);
    return { from, position, batches: batches.n, txs, dropped, state, how };
  }

  /**
   * Records the logs of blocks up to `to`, whose hash is `toHash` (one transaction). `gasUsed`: the
   * gas of verified batches' L1 transactions, by transaction hash, where their receipts were read.
   */
  apply(logs: RollupLog[], to: number, toHash?: string, gasUsed: ReadonlyMap<string, bigint> = new Map()): void {
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
              db.prepare("UPDATE batches SET status = 'verified', verified_block = ?, l1_tx = ?, l1_block = ?, error = NULL, verified_at = ?, gas_used = COALESCE(?, gas_used) WHERE number = ?")
                .run(log.block, log.txHash, log.block, Date.now(), gasUsed.get(log.txHash) ?? null, log.batchNumber);
              this.ctx.log(`batch ${log.batchNumber}: verified on L1 in block ${log.block}`);
            }
          }
        }
        setMeta(db, "l1_block", to);
        pruneUndo(db, to);
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
