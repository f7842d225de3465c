// GET /health and GET /info: liveness with the counters a monitor wants, and what a wallet needs
// to sign (chain id, circuit, fee account, contract).

import type { SequencerContext } from "../context.js";
import type { ApiResponse } from "./http.js";
import { getMeta } from "../db.js";
import { failedProofJobs, proofJobCounts } from "../../core/jobs/table.js";

export function health(ctx: SequencerContext, extra: () => Record<string, unknown>): ApiResponse {
  const counts = Object.fromEntries(
    (ctx.db.prepare("SELECT status, COUNT(*) AS n FROM batches GROUP BY status").all() as Array<{ status: string; n: number }>).map((r) => [r.status, r.n]),
  );
  const failed = failedProofJobs(ctx.db).map((j) => ({ batch: j.batchNumber, error: j.lastError }));
  return {
    status: 200,
    body: {
      // A batch whose proof failed for good blocks every later one from L1.
      ok: failed.length === 0,
      root: ctx.state.root.toString(),
      nextBatch: ctx.state.batchNumber.toString(),
      queueConsumed: ctx.state.queueNext.toString(),
      queueLength: ctx.queue.length,
      mempool: ctx.mempool.size,
      batches: counts,
      proofJobs: proofJobCounts(ctx.db),
      ...(failed.length > 0 ? { failedProofJobs: failed } : {}),
      l1Block: getMeta(ctx.db, "l1_block") ?? null,
      ...extra(),
    },
  };
}

export function info(ctx: SequencerContext): ApiResponse {
  const c = ctx.config;
  return {
    status: 200,
    body: {
      chainId: c.chainId.toString(),
      domain: ctx.state.domain.toString(),
      slots: c.slots,
      depth: c.depth,
      feeAccount: c.feeAccount?.toString() ?? null,
      rollup: c.rollup,
      batchMaxWaitMs: c.batchMaxWaitMs,
    },
  };
}
