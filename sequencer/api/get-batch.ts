// GET /batches/:number: a batch, its slots decoded (each transfer's and withdrawal's `fee`), its
// total fee and the account credited with it, its L2 transactions' hashes and its L1 status.

import { decodeBatchData } from "../model/tx.js";
import { getProofJob } from "../../core/jobs/table.js";
import { TxType } from "../model/constants.js";
import { RequestRejectedError, badRequest } from "../errors.js";
import type { SequencerContext } from "../context.js";
import type { BatchRow } from "../store.js";
import type { ApiRequest, ApiResponse } from "./http.js";
import type { BatchJson, ProofJobJson, SlotJson } from "./types.js";
import { hex32 } from "../../core/bytes.js";

const TYPE_NAMES: readonly SlotJson["type"][] = ["noop", "deposit", "transfer", "withdraw", "forced_exit", "rejected"];

/** A nullable integer column as the API writes it. */
const decimalOrNull = (v: number | null): string | null => (v === null ? null : String(v));

export function getBatch(ctx: SequencerContext, req: ApiRequest): ApiResponse {
  const s = req.params.number;
  if (!/^(0|[1-9][0-9]{0,9})$/.test(s)) throw badRequest("invalid_field", `number: a batch number expected, got ${JSON.stringify(s.slice(0, 80))}`);
  const b = ctx.db.prepare("SELECT * FROM batches WHERE number = ?").get(Number(s)) as BatchRow | undefined;
  if (!b) throw new RequestRejectedError(404, "not_found", `batch ${s}: not created yet (next is ${ctx.state.batchNumber})`);
  const hashes = new Map((ctx.db.prepare("SELECT slot, hash FROM txs WHERE batch = ?").all(b.number) as Array<{ slot: number; hash: string }>).map((r) => [r.slot, r.hash]));
  const decoded = decodeBatchData(new Uint8Array(b.tx_data));
  const slots = decoded.map((tx, slot) => {
    const out: SlotJson = { type: TYPE_NAMES[tx.type] };
    for (const [k, v] of Object.entries(tx)) if (k !== "type") out[k] = String(v as bigint | number);
    if (tx.type === TxType.Transfer || tx.type === TxType.Withdraw) out.hash = hashes.get(slot);
    return out;
  });
  // The public data says 0 both for "account 0 collected the fees" and for "no fee": only the
  // slots tell them apart (docs/PROTOCOL.md: a batch with no fees has fee account 0).
  const totalFee = decoded.reduce((sum, tx) => sum + (tx.type === TxType.Transfer || tx.type === TxType.Withdraw ? tx.fee : 0n), 0n);
  const job = getProofJob(ctx.db, b.number);
  const proofJob: ProofJobJson | null = job ? {
    status: job.status, attempts: String(job.attempts), maxAttempts: String(job.maxAttempts), worker: job.worker, lastError: job.lastError,
    ...(job.result ? { backend: job.result.backend, provingMs: String(job.result.provingMs), ...(job.result.fallbackFrom ? { fallbackFrom: job.result.fallbackFrom } : {}) } : {}),
  } : null;
  const body: BatchJson = {
    number: String(b.number), status: b.status, oldRoot: hex32(BigInt(b.old_root)), newRoot: hex32(BigInt(b.new_root)),
    queueStart: String(b.queue_start), queueEnd: String(b.queue_end), feeAccount: totalFee > 0n ? String(b.fee_account) : null, totalFee: String(totalFee),
    publicInput: hex32(BigInt(b.public_input)), txData: "0x" + Buffer.from(b.tx_data).toString("hex"), slots,
    createdAt: new Date(b.created_at).toISOString(), provenAt: b.proven_at ? new Date(b.proven_at).toISOString() : null,
    l1Tx: b.l1_tx?.toLowerCase() ?? null, l1Block: decimalOrNull(b.l1_block), verifiedBlock: decimalOrNull(b.verified_block), error: b.error, proofJob,
  };
  return { status: 200, body };
}
