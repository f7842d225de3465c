// POST /proofs/:batch/retry: the operator's dashboard's `zkr proofs retry N`: a proof job that
// failed for good gets fresh attempts (core/jobs/table.ts retryProofJob), after the operator fixed
// what made it fail. Operator-only: `Authorization: Bearer <token>`, the secret given to the API
// (operator-auth.ts). Checked in this order, so that nobody without the token learns anything of
// the jobs: 403 when the API has no token, 401 without the right one, then 400 (batch number,
// body `{}`), 404 (no job), 409 (not failed), 200 `{ batch, status: "queued" }`.

import { getProofJob, retryProofJob } from "../../core/jobs/table.js";
import { RequestRejectedError, badRequest } from "../errors.js";
import type { SequencerContext } from "../context.js";
import type { ApiRequest, ApiResponse } from "./http.js";
import type { RetriedJson } from "./types.js";
import { batchNumberParam } from "./params.js";
import { requireOperator } from "./operator-auth.js";

export function retryProof(ctx: SequencerContext, token: string | undefined, req: ApiRequest): ApiResponse {
  requireOperator(token, req);
  const n = batchNumberParam("batch", req.params.batch);
  const b = req.body;
  if (b === null || typeof b !== "object" || Array.isArray(b) || Object.keys(b).length > 0) {
    throw badRequest("invalid_field", `body: {} expected (the batch is in the path), got ${Array.isArray(b) ? "an array" : b === null ? "null" : typeof b === "object" ? `fields ${Object.keys(b).slice(0, 5).map((k) => JSON.stringify(k.slice(0, 40))).join(", ")}` : typeof b}`);
  }
  if (!retryProofJob(ctx.db, n)) {
    const job = getProofJob(ctx.db, n);
    if (!job) throw new RequestRejectedError(404, "not_found", `batch ${n}: no proof job (next batch is ${ctx.state.batchNumber})`);
    throw new RequestRejectedError(409, "not_failed", `batch ${n}: a failed proof job expected, got one ${job.status}; only a job that failed for good is retried`);
  }
  ctx.log(`batch ${n}: proof job queued again with fresh attempts (an operator, through the API)`);
  const body: RetriedJson = { batch: String(n), status: "queued" };
  return { status: 200, body };
}
