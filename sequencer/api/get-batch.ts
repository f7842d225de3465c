// GET /batches/:number: a batch, its slots decoded, its L2 transactions' hashes and its L1 status.

import { decodeBatchData } from "../model/tx.js";
import { getProofJob } from "../../core/jobs/table.js";
import { TxType } from "../model/constants.js";
import { RequestRejectedError, badRequest } from "../errors.js";
import type { SequencerContext } from "../context.js";
import type { BatchRow } from "../store.js";
import type { ApiRequest, ApiResponse } from "./http.js";

const TYPE_NAMES = ["noop", "deposit", "transfer", "withdraw", "forced_exit", "rejected"];

export function getBatch(ctx: SequencerContext, req: ApiRequest): ApiResponse {
  const s = req.params.number;
  if (!/^(0|[1-9][0-9]{0,9})$/.test(s)) throw badRequest("invalid_field", `number: a batch number expected, got ${JSON.stringify(s.slice(0, 80))}`);
  const b = ctx.db.prepare("SELECT * FROM batches WHERE number = ?").get(Number(s)) as BatchRow | undefined;
  if (!b) throw new RequestRejectedError(404, "not_found", `batch ${s}: not created yet (next is ${ctx.state.batchNumber})`);
  const hashes = new Map((ctx.db.prepare("SELECT slot, hash FROM txs WHERE batch = ?").all(b.number) as Array<{ slot: number; hash: string }>).map((r) => [r.slot, r.hash]));
  const slots = decodeBatchData(new Uint8Array(b.tx_data)).map((tx, slot) => {
    const out: Record<string, unknown> = { type: TYPE_NAMES[tx.type] };
    for (const [k, v] of Object.entries(tx)) if (k !== "type") out[k] = typeof v === "bigint" ? v.toString() : v;
    if (tx.type === TxType.Transfer || tx.type === TxType.Withdraw) out.hash = hashes.get(slot);
    return out;
  });
  const job = getProofJob(ctx.db, b.number);
  const proofJob = job && {
    status: job.status, attempts: job.attempts, maxAttempts: job.maxAttempts, worker: job.worker, lastError: job.lastError,
    ...(job.result ? { backend: job.result.backend, provingMs: job.result.provingMs, ...(job.result.fallbackFrom ? { fallbackFrom: job.result.fallbackFrom } : {}) } : {}),
  };
  return {
    status: 200,
    body: {
      number: b.number, status: b.status, oldRoot: b.old_root, newRoot: b.new_root,
      queueStart: b.queue_start, queueEnd: b.queue_end, feeAccount: b.fee_account, publicInput: b.public_input,
      txData: "0x" + Buffer.from(b.tx_data).toString("hex"), slots,
      createdAt: new Date(b.created_at).toISOString(), provenAt: b.proven_at ? new Date(b.proven_at).toISOString() : null,
      l1Tx: b.l1_tx, l1Block: b.l1_block, verifiedBlock: b.verified_block, error: b.error, proofJob: proofJob ?? null,
    },
  };
}
