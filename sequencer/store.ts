// Row ⇄ model conversions and the start-up load: the in-memory state (tree, L1 queue, mempool
// totals) is rebuilt from the database and checked against the root the database recorded, so a
// restart is exact or refuses to run.

import type { Account } from "./model/account.js";
import { L1Kind, TxType } from "./model/constants.js";
import { L1Queue, type L1Request } from "./model/queue.js";
import { RollupState } from "./model/state.js";
import type { SignedTx } from "./model/tx.js";
import type { Signature } from "./model/keys.js";
import { getMeta, setMeta, type Db } from "./db.js";
import { StateCorruptError } from "./errors.js";
import { hex32 } from "../core/bytes.js";

export interface AccountRow {
  idx: number; ax: string; ay: string; eth_addr: string; token_id: number; balance: string; nonce: number;
}

export interface L1RequestRow {
  position: number; kind: number; account: number; token_id: number; eth_addr: string; amount: string;
  ax: string; ay: string; queue_hash: string; block: number; tx_hash: string; seen_at: number;
}

export interface TxRow {
  id: number; hash: string; type: number; from_idx: number; to_idx: number | null; amount: string; fee: string;
  nonce: number; sig_r8x: string; sig_r8y: string; sig_s: string; status: "pending" | "batched" | "dropped";
  batch: number | null; slot: number | null; reason: string | null; received_at: number;
}

export type BatchStatus = "created" | "proven" | "submitting" | "submitted" | "verified";

export interface BatchRow {
  number: number; old_root: string; new_root: string; queue_start: number; queue_end: number; fee_account: number;
  tx_data: Buffer; public_input: string; status: BatchStatus; proof: string | null; created_at: number;
  proven_at: number | null; l1_tx: string | null; l1_block: number | null; verified_block: number | null; error: string | null;
  /** Gas its submitBatch used, once its receipt was seen; when L1 verified it (ms). */
  gas_used: number | null; verified_at: number | null;
}

export function accountFromRow(r: AccountRow): Account {
  return { ax: BigInt(r.ax), ay: BigInt(r.ay), ethAddr: BigInt(r.eth_addr), tokenId: BigInt(r.token_id), balance: BigInt(r.balance), nonce: BigInt(r.nonce) };
}

export function requestFromRow(r: L1RequestRow): L1Request {
  const base = { index: BigInt(r.account), tokenId: BigInt(r.token_id), ethAddr: BigInt(r.eth_addr) };
  switch (r.kind) {
    case L1Kind.CreateDeposit: return { kind: L1Kind.CreateDeposit, ...base, amount: BigInt(r.amount), ax: BigInt(r.ax), ay: BigInt(r.ay) };
    case L1Kind.TopUp: return { kind: L1Kind.TopUp, ...base, amount: BigInt(r.amount) };
    case L1Kind.ForcedExit: return { kind: L1Kind.ForcedExit, ...base };
    default: throw new StateCorruptError(`l1_requests position ${r.position}: kind 1, 2 or 3 expected, got ${r.kind}`);
  }
}

export function txFromRow(r: TxRow): SignedTx & { sig: Signature } {
  const sig = { r8x: BigInt(r.sig_r8x), r8y: BigInt(r.sig_r8y), s: BigInt(r.sig_s) };
  const base = { from: BigInt(r.from_idx), amount: BigInt(r.amount), fee: BigInt(r.fee), nonce: BigInt(r.nonce), sig };
  return r.type === TxType.Transfer ? { type: TxType.Transfer, to: BigInt(r.to_idx!), ...base } : { type: TxType.Withdraw, ...base };
}

/** Writes one account row (insert or replace). */
export function saveAccount(db: Db, index: bigint, a: Account): void {
  db.prepare(
    "INSERT INTO accounts (idx, ax, ay, eth_addr, token_id, balance, nonce) VALUES (?, ?, ?, ?, ?, ?, ?) " +
      "ON CONFLICT (idx) DO UPDATE SET ax = excluded.ax, ay = excluded.ay, eth_addr = excluded.eth_addr, " +
      "token_id = excluded.token_id, balance = excluded.balance, nonce = excluded.nonce",
  ).run(Number(index), a.ax.toString(), a.ay.toString(), a.ethAddr.toString(), Number(a.tokenId), a.balance.toString(), Number(a.nonce));
}

/**
 * Records, before batch `batch` writes them, the accounts it changes as they are (a missing one as
 * NULLs): the batch's undo record (db.ts, table account_undo). Inside the batch's transaction.
 */
export function recordUndo(db: Db, batch: number, indices: Iterable<bigint>): void {
  const get = db.prepare("SELECT * FROM accounts WHERE idx = ?");
  const put = db.prepare("INSERT INTO account_undo (batch, idx, ax, ay, eth_addr, token_id, balance, nonce) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  for (const i of indices) {
    const r = get.get(Number(i)) as AccountRow | undefined;
    put.run(batch, Number(i), r?.ax ?? null, r?.ay ?? null, r?.eth_addr ?? null, r?.token_id ?? null, r?.balance ?? null, r?.nonce ?? null);
  }
}

/**
 * Undoes batches `from` on in the accounts table from their undo records, newest first, and sets
 * the counters to what they were before batch `from` (its old root, its first queue position).
 * Returns false, changing nothing, when some of those batches have no record (made before the
 * records existed, or pruned): the caller replays from the first batch instead. Inside the
 * caller's transaction; the caller rebuilds the state (loadState checks the root).
 */
export function undoBatches(db: Db, from: number): boolean {
  if (from < Number(getMeta(db, "undo_from") ?? Infinity)) return false;
  const first = db.prepare("SELECT old_root, queue_start FROM batches WHERE number = ?").get(from) as Pick<BatchRow, "old_root" | "queue_start"> | undefined;
  if (!first) return false;
  const del = db.prepare("DELETE FROM accounts WHERE idx = ?");
  for (const r of db.prepare("SELECT * FROM account_undo WHERE batch >= ? ORDER BY batch DESC").all(from) as (AccountRow & { batch: number })[]) {
    if (r.ax === null) del.run(r.idx);
    else saveAccount(db, BigInt(r.idx), accountFromRow(r));
  }
  db.prepare("DELETE FROM account_undo WHERE batch >= ?").run(from);
  setMeta(db, "batch_number", from);
  setMeta(db, "queue_next", first.queue_start);
  setMeta(db, "root", first.old_root);
  return true;
}

/**
 * How far below L1's head a verified batch's block must be before its undo record is dropped:
 * a reorganisation deeper than this that undoes it is still handled, by replaying from the first
 * batch. Deeper than any confirmations setting in use.
 */
export const UNDO_KEEP_BLOCKS = 256;

/** Drops the undo records of batches verified at or below block `head − UNDO_KEEP_BLOCKS` (and of every batch before them). */
export function pruneUndo(db: Db, head: number): void {
  const r = db.prepare("SELECT MAX(number) AS n FROM batches WHERE status = 'verified' AND verified_block <= ?").get(head - UNDO_KEEP_BLOCKS) as { n: number | null };
  if (r.n === null || r.n < Number(getMeta(db, "undo_from") ?? 0)) return;
  db.prepare("DELETE FROM account_undo WHERE batch <= ?").run(r.n);
  setMeta(db, "undo_from", r.n + 1);
}

/** What identifies the rollup a database belongs to; a mismatch at start is refused. */
export interface Identity {
  chainId: bigint;
  depth: number;
  slots: number;
  /** The rollup contract's address. */
  rollup: string;
}

/** Records the identity on a fresh database, or checks it on an existing one. */
export function checkIdentity(db: Db, id: Identity): void {
  const want: Record<string, string> = { chain_id: id.chainId.toString(), depth: String(id.depth), slots: String(id.slots) };
  want.rollup = id.rollup.toLowerCase();
  db.transaction(() => {
    for (const [k, v] of Object.entries(want)) {
      const have = getMeta(db, k);
      if (have === undefined) setMeta(db, k, v);
      else if (have !== v) throw new StateCorruptError(`database belongs to another rollup: ${k} ${v} expected, got ${have}`);
    }
  })();
}

/** Rebuilds the state (tree and counters) from the database and checks its root. */
export function loadState(db: Db, id: Identity): RollupState {
  const state = new RollupState({ depth: id.depth, chainId: id.chainId, rollup: id.rollup });
  for (const r of db.prepare("SELECT * FROM accounts ORDER BY idx").iterate() as IterableIterator<AccountRow>) {
    state.setAccount(BigInt(r.idx), accountFromRow(r));
  }
  state.batchNumber = BigInt(getMeta(db, "batch_number") ?? "0");
  state.queueNext = BigInt(getMeta(db, "queue_next") ?? "0");
  const root = getMeta(db, "root");
  if (root !== undefined && BigInt(root) !== state.root) {
    throw new StateCorruptError(`accounts rebuild to root ${hex32(state.root)}, the database recorded ${hex32(BigInt(root))}`);
  }
  return state;
}

/** Rebuilds the L1 queue from the stored requests, checking every running hash. */
export function loadQueue(db: Db): L1Queue {
  const queue = new L1Queue();
  for (const r of db.prepare("SELECT * FROM l1_requests ORDER BY position").iterate() as IterableIterator<L1RequestRow>) {
    if (r.position !== queue.length) throw new StateCorruptError(`l1_requests: position ${queue.length} expected, got ${r.position}`);
    const h = queue.append(requestFromRow(r));
    if (h.toString() !== r.queue_hash) throw new StateCorruptError(`l1_requests position ${r.position}: queue hash ${h} computed, ${r.queue_hash} stored`);
  }
  return queue;
}

/** Meta key of a reorganisation being read again (see {@link reorgCheck}). */
export const REORG_CHECK = "reorg_check";

/** A reorganisation that took L1 requests batches had consumed, while L1 is read again. */
export interface ReorgCheck {
  /** The last block read before the reorganisation: L1 is read again as far before batches are judged. */
  until: number;
  /** Position → the running queue hash after it, as the batches consumed it. */
  hashes: Record<string, string>;
}

/** The reorganisation being read again, if any: meanwhile no batch is made or sent (batcher, submitter). */
export function reorgCheck(db: Db): ReorgCheck | undefined {
  const v = getMeta(db, REORG_CHECK);
  return v === undefined ? undefined : (JSON.parse(v) as ReorgCheck);
}
