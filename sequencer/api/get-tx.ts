// GET /txs/:hash: a transaction and its stage: pending → in_batch (N) → proving → proven → submitted (L1 tx)
// → verified (L1 block); or dropped, with the reason.

import { TxType } from "../model/constants.js";
import { RequestRejectedError, badRequest } from "../errors.js";
import type { SequencerContext } from "../context.js";
import type { BatchRow, TxRow } from "../store.js";
import type { ApiRequest, ApiResponse } from "./http.js";
import type { TxStage, TxStatusJson } from "./types.js";

export type { TxStage } from "./types.js";

/** The stage of a transaction in a batch with this status (and, before it is proven, its proof job's). */
export function stageOf(status: BatchRow["status"], jobStatus?: string): TxStage {
  switch (status) {
    // The prover's verified proof may be waiting for the sequencer to collect it: proven already.
    case "created": return jobStatus === "proving" ? "proving" : jobStatus === "proven" ? "proven" : "in_batch";
    case "proven":
    case "submitting": return "proven";
    case "submitted": return "submitted";
    case "verified": return "verified";
  }
}

export function getTx(ctx: SequencerContext, req: ApiRequest): ApiResponse {
  const hash = req.params.hash.toLowerCase();
  if (!/^0x[0-9a-f]{64}$/.test(hash)) throw badRequest("invalid_field", `hash: 0x and 64 hex digits expected, got ${JSON.stringify(hash.slice(0, 80))}`);
  const row = ctx.db.prepare("SELECT * FROM txs WHERE hash = ?").get(hash) as TxRow | undefined;
  if (!row) throw new RequestRejectedError(404, "not_found", `transaction ${hash}: not known to this sequencer`);
  return { status: 200, body: txStatusJson(ctx, row) };
}

/** A batch as a transaction's stage reads it: its status, L1 fields and, before it is proven, its proof job's status. */
export type BatchStage = Pick<BatchRow, "status" | "l1_tx" | "l1_block" | "verified_block"> & { job: string | undefined };

/** The batch's stage, read once per request (`cache`) when several transactions share it. */
export function batchStage(ctx: SequencerContext, batch: number, cache?: Map<number, BatchStage>): BatchStage {
  const known = cache?.get(batch);
  if (known) return known;
  const b = ctx.db.prepare("SELECT status, l1_tx, l1_block, verified_block FROM batches WHERE number = ?").get(batch) as Omit<BatchStage, "job">;
  const stage = { ...b, job: b.status === "created" ? ctx.proofs.status(ctx.db, batch) : undefined };
  cache?.set(batch, stage);
  return stage;
}

/** A stored transaction and its stage, as `GET /txs/:hash` answers it. */
export function txStatusJson(ctx: SequencerContext, row: TxRow, cache?: Map<number, BatchStage>): TxStatusJson {
  const body: TxStatusJson = {
    hash: row.hash,
    type: row.type === TxType.Transfer ? "transfer" : "withdraw",
    from: String(row.from_idx),
    ...(row.to_idx !== null ? { to: String(row.to_idx) } : {}),
    amount: row.amount,
    fee: row.fee,
    nonce: String(row.nonce),
    stage: row.status === "dropped" ? "dropped" : "pending",
  };
  // The token of the amount and the fee: the sender's (absent when its account is gone, after a reorganisation).
  const tokenId = ctx.state.accounts.get(BigInt(row.from_idx))?.tokenId;
  if (tokenId !== undefined) body.tokenId = tokenId.toString();
  if (row.status === "dropped") body.reason = row.reason ?? undefined;
  if (row.status === "batched") {
    const b = batchStage(ctx, row.batch!, cache);
    body.stage = stageOf(b.status, b.job);
    body.batch = String(row.batch);
    body.slot = String(row.slot);
    // Stuck until an operator retries the job ('zkr proofs retry'): say so rather than wait in silence.
    if (b.job === "failed") body.reason = `the proof job of batch ${row.batch} failed for good; it waits for an operator to retry it`;
    if (b.status === "submitted" || b.status === "verified") {
      if (b.l1_tx !== null) body.l1Tx = b.l1_tx.toLowerCase();
      if (b.l1_block !== null) body.l1Block = String(b.l1_block);
    }
    if (b.status === "verified" && b.verified_block !== null) body.verifiedBlock = String(b.verified_block);
  }
  return body;
}
