// The batcher: turns waiting L1 requests and pending L2 transactions into a batch.
//
// 1. A batch is due when `slots` items wait, or when the oldest waiting item has waited
//    `batchMaxWaitMs`, and fewer than `maxUnprovenBatches` batches wait for the prover.
// 2. L1 requests (deposits, forced exits) come first, in queue order: they are never refused. One
//    that cannot apply (a key off the curve, a top-up past 2^128) is consumed as rejected, and
//    the contract refunds its deposit.
// 3. Pending L2 transactions follow in arrival order. Each is checked against a running copy of
//    the balances and nonces (after the L1 requests of this batch and the transactions before it);
//    one that no longer fits (a forced exit emptied the account, an earlier one was dropped) is
//    dropped with its reason, never put into the batch.
// 4. applyBatch, the model's one state transition, applies the batch and checks everything again,
//    signatures included; should it still refuse a transaction, that transaction is dropped and
//    the batch rebuilt.
// 5. One SQLite transaction writes the batch, its accounts, the transactions' new status, the
//    state's counters and root, and the batch's proof job. A crash before the commit leaves no
//    trace of the batch: the restart builds it again from the same mempool.

import { applyBatch, BatchTxError, type BatchResult } from "./model/batch.js";
import type { Account } from "./model/account.js";
import { TxType } from "./model/constants.js";
import { l1Outcome } from "./model/l1.js";
import { checkSignedTx, type SignedTxAccounts } from "./model/check-tx.js";
import { ZkrError } from "../core/errors.js";
import type { Tx } from "./model/tx.js";
import { setMeta } from "./db.js";
import { recordUndo, reorgCheck, saveAccount, txFromRow, loadState, type TxRow } from "./store.js";
import { crashPoint, type SequencerContext } from "./context.js";
import { proofJobSpec } from "./proofs.js";
import { StateCorruptError } from "./errors.js";
import { hex32 } from "../core/bytes.js";

/** Why the batcher is (not) making a batch now. */
export type BatchDue = { due: true; l1: number; l2: number } | { due: false; reason: string };

/** Whether a batch is due (see the file's header, step 1). */
export function batchDue(ctx: SequencerContext, now = Date.now()): BatchDue {
  const { db, config, state, queue, mempool } = ctx;
  const l1 = queue.length - Number(state.queueNext);
  const l2 = mempool.size;
  if (l1 + l2 === 0) return { due: false, reason: "nothing waits" };
  const reorg = reorgCheck(db);
  if (reorg) return { due: false, reason: `L1 reorganised: reading L1 again up to block ${reorg.until} first` };
  const unproven = (db.prepare("SELECT COUNT(*) AS n FROM batches WHERE status = 'created'").get() as { n: number }).n;
  if (unproven >= config.maxUnprovenBatches) return { due: false, reason: `${unproven} batches wait for proofs` };
  if (l1 + l2 >= config.slots) return { due: true, l1, l2 };
  let oldest = Infinity;
  if (l1 > 0) oldest = (db.prepare("SELECT seen_at FROM l1_requests WHERE position = ?").get(Number(state.queueNext)) as { seen_at: number }).seen_at;
  if (l2 > 0) oldest = Math.min(oldest, (db.prepare("SELECT received_at FROM txs WHERE status = 'pending' ORDER BY id LIMIT 1").get() as { received_at: number }).received_at);
  if (now - oldest >= config.batchMaxWaitMs) return { due: true, l1, l2 };
  return { due: false, reason: `waiting for more (oldest ${now - oldest} ms)` };
}

interface Dropped { row: TxRow; reason: string }

/**
 * Picks the batch's transactions: L1 requests in order, then pending L2 transactions that still
 * fit a running copy of the state. Returns the slots (without padding) and what to drop.
 */
function pick(ctx: SequencerContext): { txs: Tx[]; rows: TxRow[]; dropped: Dropped[] } {
  const { db, config, state, queue } = ctx;
  const sim = new Map<bigint, Account>();
  const acct = (i: bigint): Account | undefined => sim.get(i) ?? state.accounts.get(i);
  const txs: Tx[] = [];
  for (let p = state.queueNext; p < BigInt(queue.length) && txs.length < config.slots; p++) {
    // The model decides whether the request applies or is consumed as rejected.
    const outcome = l1Outcome(queue.at(p), acct(queue.at(p).index));
    if (outcome.applied) sim.set(outcome.tx.index, outcome.account);
    txs.push(outcome.tx);
  }
  const rows: TxRow[] = [];
  const dropped: Dropped[] = [];
  const feeAccount = config.feeAccount;
  const stmt = db.prepare("SELECT * FROM txs WHERE status = 'pending' AND id > ? ORDER BY id LIMIT 256");
  let after = 0;
  scan: while (txs.length < config.slots) {
    const batch = stmt.all(after) as TxRow[];
    if (batch.length === 0) break;
    for (const row of batch) {
      after = row.id;
      if (txs.length >= config.slots) break scan;
      const tx = txFromRow(row);
      // The model's rules against the running copy (the signature was verified at admission).
      const fa = feeAccount === undefined ? undefined : acct(feeAccount);
      let checked: SignedTxAccounts;
      try {
        checked = checkSignedTx(acct, tx, { feeAccount: fa ? feeAccount : undefined, feeToken: fa?.tokenId });
      } catch (e) {
        if (!(e instanceof ZkrError)) throw e;
        dropped.push({ row, reason: e.shortMessage });
        continue;
      }
      const { from: a, to: b } = checked;
      if (tx.type === TxType.Transfer && b) sim.set(tx.to, { ...b, balance: b.balance + tx.amount });
      sim.set(tx.from, { ...acct(tx.from)!, balance: a.balance - tx.amount - tx.fee, nonce: a.nonce + 1n });
      txs.push(tx);
      rows.push(row);
    }
  }
  return { txs, rows, dropped };
}

/** Accounts a batch wrote. */
function touched(res: BatchResult): Set<bigint> {
  const s = new Set<bigint>();
  for (const tx of res.txs) {
    if (tx.type === TxType.Deposit || tx.type === TxType.ForcedExit) s.add(tx.index);
    else if (tx.type === TxType.Transfer) { s.add(tx.from); s.add(tx.to); }
    else if (tx.type === TxType.Withdraw) s.add(tx.from);
  }
  if (res.totalFee > 0n) s.add(res.feeAccount);
  return s;
}

/**
 * Builds, applies and stores one batch now (whether or not one is due).
 * Returns undefined when nothing waits (dropped transactions are still recorded).
 */
export function createBatch(ctx: SequencerContext): BatchResult | undefined {
  const { db, config, state, queue, mempool, proofs } = ctx;
  for (;;) {
    const { txs, rows, dropped } = pick(ctx);
    const l1Count = txs.length - rows.length;
    let res: BatchResult | undefined;
    if (txs.length > 0) {
      try {
        res = applyBatch(state, txs, queue, { slots: config.slots, feeAccount: config.feeAccount });
      } catch (e) {
        if (e instanceof BatchTxError && e.slot >= l1Count) {
          // The model refused what the simulation let through: drop it and build again.
          const row = rows[e.slot - l1Count];
          ctx.log(`batcher: dropping tx ${row.hash}: ${e.cause.shortMessage}`);
          db.prepare("UPDATE txs SET status = 'dropped', reason = ? WHERE id = ?").run(e.cause.shortMessage, row.id);
          mempool.remove(BigInt(row.from_idx), BigInt(row.amount) + BigInt(row.fee));
          continue;
        }
        throw new StateCorruptError(`the L1 requests at ${state.queueNext} do not apply: ${(e as Error).message}`, { cause: e });
      }
    }
    try {
      db.transaction(() => {
        for (const d of dropped) db.prepare("UPDATE txs SET status = 'dropped', reason = ? WHERE id = ?").run(d.reason, d.row.id);
        if (!res) return;
        const number = Number(res.batchNumber);
        db.prepare(
          "INSERT INTO batches (number, old_root, new_root, queue_start, queue_end, fee_account, tx_data, public_input, status, created_at) " +
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'created', ?)",
        ).run(number, res.oldRoot.toString(), res.newRoot.toString(), Number(res.queueStart), Number(res.queueEnd), Number(res.feeAccount),
          Buffer.from(res.txData), res.publicInput.toString(), Date.now());
        recordUndo(db, number, touched(res));
        for (const i of touched(res)) saveAccount(db, i, state.accounts.get(i)!);
        const mark = db.prepare("UPDATE txs SET status = 'batched', batch = ?, slot = ? WHERE id = ?");
        rows.forEach((row, k) => mark.run(number, l1Count + k, row.id));
        setMeta(db, "batch_number", state.batchNumber);
        setMeta(db, "queue_next", state.queueNext);
        setMeta(db, "root", state.root);
        proofs.enqueue(db, proofJobSpec(res, { txs: config.slots, depth: config.depth }));
        crashPoint("batch:before-commit", res.batchNumber);
      })();
    } catch (e) {
      // The state was changed in memory but not stored: take it back from the database.
      ctx.state = loadState(db, { chainId: state.chainId, depth: state.depth, slots: config.slots, rollup: config.rollup });
      throw e;
    }
    if (res) crashPoint("batch:after-commit", res.batchNumber);
    for (const d of dropped) {
      mempool.remove(BigInt(d.row.from_idx), BigInt(d.row.amount) + BigInt(d.row.fee));
      ctx.log(`batcher: dropped tx ${d.row.hash}: ${d.reason}`);
    }
    for (const row of rows) mempool.remove(BigInt(row.from_idx), BigInt(row.amount) + BigInt(row.fee));
    if (res) {
      if (l1Count > 0) mempool.resetForcedExits();
      ctx.log(`batch ${res.batchNumber}: ${l1Count} L1 + ${rows.length} L2 txs, root ${hex32(res.newRoot)}, proof job queued`);
      for (const r of res.rejected) {
        ctx.log(`batch ${res.batchNumber}: L1 request ${r.position} rejected, its deposit is refunded on L1: ${r.reason.shortMessage}`);
      }
    }
    return res;
  }
}
