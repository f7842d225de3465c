// GET /batches?before=&limit=: a page of batches, newest first, each without its data but with its
// slots counted by type, its L1 status, gas and proof job (what an explorer lists). `before` is an
// exclusive batch number; `next` the `before` of the following page, null when this one reaches
// batch 0. One query for the batches, one for their proof jobs (an index only); at most 100
// batches decoded.

import { decodeBatchData } from "../model/tx.js";
import { proofJobSummaries } from "../../core/jobs/table.js";
import { TxType } from "../model/constants.js";
import type { SequencerContext } from "../context.js";
import type { BatchRow } from "../store.js";
import type { ApiRequest, ApiResponse } from "./http.js";
import type { BatchPageJson, BatchSummaryJson } from "./types.js";
import { batchBaseJson, totalFeeOf } from "./get-batch.js";
import { BATCH_BOUND, batchNumberParam, pageLimit } from "./params.js";

export function listBatches(ctx: SequencerContext, req: ApiRequest): ApiResponse {
  const limit = pageLimit(req.query);
  const before = req.query.has("before") ? batchNumberParam("before", req.query.get("before"), true) : BATCH_BOUND;
  // One more than the page: whether a next page exists.
  const rows = ctx.db.prepare("SELECT * FROM batches WHERE number < ? ORDER BY number DESC LIMIT ?").all(before, limit + 1) as BatchRow[];
  const page = rows.slice(0, limit);
  // Batch numbers follow each other, and so do their jobs' (a job missing, e.g. after 'zkr sync', is no batch's).
  const jobs = new Map(page.length === 0 ? [] : proofJobSummaries(ctx.db, { below: page[0].number + 1, last: page[0].number - page[page.length - 1].number + 1 }).map((j) => [j.batchNumber, j]));
  const batches = page.map((b): BatchSummaryJson => {
    const decoded = decodeBatchData(new Uint8Array(b.tx_data));
    const n = (...types: TxType[]) => String(decoded.filter((tx) => types.includes(tx.type)).length);
    return {
      ...batchBaseJson(b, totalFeeOf(decoded), jobs.get(b.number)),
      txs: n(TxType.Deposit, TxType.Transfer, TxType.Withdraw, TxType.ForcedExit, TxType.Rejected),
      l2Txs: n(TxType.Transfer, TxType.Withdraw), transfers: n(TxType.Transfer), withdrawals: n(TxType.Withdraw),
      deposits: n(TxType.Deposit), forcedExits: n(TxType.ForcedExit), rejected: n(TxType.Rejected),
    };
  });
  const body: BatchPageJson = { batches, next: rows.length > limit ? String(page[page.length - 1].number) : null };
  return { status: 200, body };
}
