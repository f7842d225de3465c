// GET /accounts/:index/txs?before=&limit=: an account's history, newest first: the L2 transactions
// it sent or received (pending, batched or dropped, each with its stage, as GET /txs/:hash says)
// and its L1 requests (deposits, top-ups, forced exits), each with the batch that consumed it.
//
// Order: by the time this sequencer received the transaction or read the request (ms), then L2
// before L1, then the later row first; one key (time, rank, id) over both tables. The cursor
// (`before`, `next`) is that key written `<ms>-<l2|l1>-<id>`: exclusive, so a page boundary inside
// one millisecond loses and repeats nothing. Three index range scans (txs by sender, txs by
// recipient, l1_requests by account; db.ts migration 3), each of at most limit + 1 rows, merged.

import { L1Kind, TxType } from "../model/constants.js";
import { decodeBatchData, type DecodedTx } from "../model/tx.js";
import { RequestRejectedError, badRequest } from "../errors.js";
import type { SequencerContext } from "../context.js";
import type { BatchRow, L1RequestRow, TxRow } from "../store.js";
import type { ApiRequest, ApiResponse } from "./http.js";
import type { AccountHistoryJson, AccountL1RequestJson, AccountTxJson } from "./types.js";
import { batchStage, stageOf, txStatusJson, type BatchStage } from "./get-tx.js";
import { decimalParam, pageLimit, quoteValue } from "./params.js";

/** A history entry's place: newest first by `t`, then `rank` (L2 1, L1 0), then `id` (txs.id, queue position). */
interface Key { t: number; rank: 0 | 1; id: number }

const CURSOR = /^(0|[1-9][0-9]{0,14})-(l1|l2)-(0|[1-9][0-9]{0,14})$/;
const cursorOf = (k: Key) => `${k.t}-${k.rank === 1 ? "l2" : "l1"}-${k.id}`;
const after = (a: Key, b: Key) => a.t - b.t || a.rank - b.rank || a.id - b.id;

function parseCursor(v: string | null): Key {
  const m = v === null ? null : CURSOR.exec(v);
  if (!m) throw badRequest("invalid_field", `before: a cursor <ms>-<l2|l1>-<id> as a page's \`next\` gives expected, got ${quoteValue(v)}`);
  return { t: Number(m[1]), rank: m[2] === "l2" ? 1 : 0, id: Number(m[3]) };
}

const KIND_NAMES: Record<number, AccountL1RequestJson["type"]> = { [L1Kind.CreateDeposit]: "deposit", [L1Kind.TopUp]: "top_up", [L1Kind.ForcedExit]: "forced_exit" };
/** Slot types that consume an L1 queue entry, in queue order within their batch. */
const L1_SLOTS: ReadonlySet<TxType> = new Set([TxType.Deposit, TxType.ForcedExit, TxType.Rejected]);

/** A batch as its L1 requests read it (decoded once per request). */
interface ConsumingBatch { number: number; queueStart: number; decoded: DecodedTx[]; stage: BatchStage }

export function getAccountTxs(ctx: SequencerContext, req: ApiRequest): ApiResponse {
  const index = decimalParam("index", req.params.index, 8);
  if (!ctx.state.accounts.has(index)) throw new RequestRejectedError(404, "not_found", `account ${index}: an existing account expected, got an empty leaf`);
  const limit = pageLimit(req.query);
  const cursor = req.query.has("before") ? parseCursor(req.query.get("before")) : undefined;
  // Each table's (time, id) bound below which its rows come after the cursor in the merged order.
  const MAX = Number.MAX_SAFE_INTEGER;
  const l2Bound = !cursor ? [MAX, MAX] : cursor.rank === 1 ? [cursor.t, cursor.id] : [cursor.t, -1];
  const l1Bound = !cursor ? [MAX, MAX] : cursor.rank === 0 ? [cursor.t, cursor.id] : [cursor.t, MAX];
  const i = Number(index);
  const { db } = ctx;
  const txsBy = (column: "from_idx" | "to_idx") =>
    db.prepare(`SELECT * FROM txs WHERE ${column} = ? AND (received_at, id) < (?, ?) ORDER BY received_at DESC, id DESC LIMIT ?`).all(i, ...l2Bound, limit + 1) as TxRow[];
  const requests = db.prepare("SELECT * FROM l1_requests WHERE account = ? AND (seen_at, position) < (?, ?) ORDER BY seen_at DESC, position DESC LIMIT ?")
    .all(i, ...l1Bound, limit + 1) as L1RequestRow[];
  const entries: Array<{ key: Key; row: TxRow } | { key: Key; request: L1RequestRow }> = [
    ...[...txsBy("from_idx"), ...txsBy("to_idx")].map((row) => ({ key: { t: row.received_at, rank: 1 as const, id: row.id }, row })),
    ...requests.map((request) => ({ key: { t: request.seen_at, rank: 0 as const, id: request.position }, request })),
  ].sort((a, b) => after(b.key, a.key));
  const page = entries.slice(0, limit);

  const stages = new Map<number, BatchStage>();
  const consuming = new Map<number, ConsumingBatch>();
  const items = page.map((e) => {
    if ("row" in e) {
      const item: AccountTxJson = { kind: "l2", ...txStatusJson(ctx, e.row, stages), direction: e.row.from_idx === i ? "out" : "in", receivedAt: new Date(e.row.received_at).toISOString() };
      return item;
    }
    return l1Item(ctx, e.request, consuming, stages);
  });
  const body: AccountHistoryJson = { account: index.toString(), items, next: entries.length > limit ? cursorOf(page[page.length - 1].key) : null };
  return { status: 200, body };
}

function l1Item(ctx: SequencerContext, r: L1RequestRow, consuming: Map<number, ConsumingBatch>, stages: Map<number, BatchStage>): AccountL1RequestJson {
  const item: AccountL1RequestJson = {
    kind: "l1", position: String(r.position), type: KIND_NAMES[r.kind], tokenId: String(r.token_id),
    amount: r.kind === L1Kind.ForcedExit ? null : r.amount, ethAddr: "0x" + BigInt(r.eth_addr).toString(16).padStart(40, "0"),
    l1Tx: r.tx_hash.toLowerCase(), l1Block: String(r.block), seenAt: new Date(r.seen_at).toISOString(),
    stage: "queued", batch: null, slot: null, outcome: null,
  };
  if (r.position >= Number(ctx.state.queueNext)) return item;
  // The first batch whose queue range ends after the position consumed it (ranges follow each other).
  const row = ctx.db.prepare("SELECT number, queue_start, tx_data FROM batches WHERE queue_end > ? ORDER BY queue_end, number LIMIT 1").get(r.position) as
    Pick<BatchRow, "number" | "queue_start" | "tx_data"> | undefined;
  if (!row || row.queue_start > r.position) return item; // consumed by a batch this database does not hold (restored by 'zkr sync' before it)
  let b = consuming.get(row.number);
  if (!b) {
    b = { number: row.number, queueStart: row.queue_start, decoded: decodeBatchData(new Uint8Array(row.tx_data)), stage: batchStage(ctx, row.number, stages) };
    consuming.set(row.number, b);
  }
  // Its slot: the (position − queueStart)-th of the batch's slots that consume the queue.
  let k = r.position - b.queueStart;
  const slot = b.decoded.findIndex((tx) => L1_SLOTS.has(tx.type) && k-- === 0);
  const tx = b.decoded[slot];
  item.stage = stageOf(b.stage.status, b.stage.job) as AccountL1RequestJson["stage"];
  item.batch = String(b.number);
  item.slot = String(slot);
  item.outcome = tx.type === TxType.Rejected ? "rejected" : "applied";
  if (tx.type === TxType.ForcedExit) item.amount = tx.amount.toString();
  return item;
}

