// POST /txs: admit a signed transfer or withdrawal into the mempool. 202 with its hash once it is
// stored; 4xx with `{ error, message }` and nothing stored otherwise.

import { parseTxJson } from "../codec.js";
import type { SequencerContext } from "../context.js";
import type { ApiRequest, ApiResponse } from "./http.js";
import type { SubmittedJson } from "./types.js";

export async function submitTx(ctx: SequencerContext, req: ApiRequest): Promise<ApiResponse> {
  const tx = parseTxJson(req.body);
  const hash = await ctx.mempool.admitAsync(tx);
  const body: SubmittedJson = { hash, stage: "pending" };
  return { status: 202, body };
}
