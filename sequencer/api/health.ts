// GET /health and GET /info: liveness with the counters a monitor wants, and what a wallet needs
// to sign and pay (chain id, circuit, contract, fee account and token, minimum fees) and, in a
// browser, to reach L1 (the RPC URL the operator published, if any).

import type { SequencerContext } from "../context.js";
import type { ApiResponse } from "./http.js";
import type { BatchJson, HealthExtraJson, HealthJson, InfoJson } from "./types.js";
import { getMeta } from "../db.js";
import { failedProofJobs, proofJobCounts } from "../../core/jobs/table.js";
import { hex32 } from "../../core/bytes.js";

const BATCH_STATUSES: readonly BatchJson["status"][] = ["created", "proven", "submitting", "submitted", "verified"];

/** Counts by status as the API writes them: every status, each a decimal string. */
function counts<S extends string>(statuses: readonly S[], rows: Iterable<[string, number]>): Record<S, string> {
  const out = Object.fromEntries(statuses.map((s) => [s, "0"])) as Record<S, string>;
  for (const [s, n] of rows) out[s as S] = String(n);
  return out;
}

export function health(ctx: SequencerContext, extra: () => Partial<HealthExtraJson>): ApiResponse {
  const batches = (ctx.db.prepare("SELECT status, COUNT(*) AS n FROM batches GROUP BY status").all() as Array<{ status: string; n: number }>).map((r) => [r.status, r.n] as [string, number]);
  const jobs = proofJobCounts(ctx.db);
  const failed = failedProofJobs(ctx.db).map((j) => ({ batch: String(j.batchNumber), error: j.lastError }));
  const body: HealthJson = {
    // A batch whose proof failed for good blocks every later one from L1.
    ok: failed.length === 0,
    root: hex32(ctx.state.root),
    nextBatch: ctx.state.batchNumber.toString(),
    queueConsumed: ctx.state.queueNext.toString(),
    queueLength: String(ctx.queue.length),
    mempool: String(ctx.mempool.size),
    batches: counts(BATCH_STATUSES, batches),
    proofJobs: counts(Object.keys(jobs) as Array<keyof typeof jobs>, Object.entries(jobs)),
    ...(failed.length > 0 ? { failedProofJobs: failed } : {}),
    l1Block: getMeta(ctx.db, "l1_block") ?? null,
    ...extra(),
  };
  return { status: 200, body };
}

export function info(ctx: SequencerContext): ApiResponse {
  const c = ctx.config;
  const body: InfoJson = {
    chainId: c.chainId.toString(),
    domain: ctx.state.domain.toString(),
    slots: String(c.slots),
    depth: String(c.depth),
    feeAccount: c.feeAccount?.toString() ?? null,
    feeToken: (c.feeAccount === undefined ? undefined : ctx.state.accounts.get(c.feeAccount)?.tokenId.toString()) ?? null,
    minFees: Object.fromEntries(Object.entries(c.minFees ?? {}).map(([token, fee]) => [token, fee.toString()])),
    rollup: c.rollup,
    batchMaxWaitMs: String(c.batchMaxWaitMs),
    maxMempool: String(c.maxMempool),
    // Only the URL published for browsers: the sequencer's own (l1.rpcUrl) may embed an API key.
    l1Rpc: c.api.publicL1Rpc ?? null,
    devnet: c.l1?.devnet === true,
  };
  return { status: 200, body };
}
