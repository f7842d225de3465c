// GET /batches/:number: a batch, its slots decoded (each transfer's and withdrawal's `fee`), its
// total fee and the account credited with it, its L2 transactions' hashes and its L1 status. The
// fields it shares with a page of batches (list-batches.ts) are written here, once.

import { decodeBatchData, type DecodedTx } from "../model/tx.js";
import { proofJobSummaries, type ProofJobSummary } from "../../core/jobs/table.js";
import { TxType } from "../model/constants.js";
import { RequestRejectedError } from "../errors.js";
import type { SequencerContext } from "../context.js";
import type { BatchRow } from "../store.js";
import type { ApiRequest, ApiResponse } from "./http.js";
import type { BatchBaseJson, BatchJson, ProofJobJson, SlotJson } from "./types.js";
import { batchNumberParam } from "./params.js";
import { hex32 } from "../../core/bytes.js";

export const TYPE_NAMES: readonly SlotJson["type"][] = ["noop", "deposit", "transfer", "withdraw", "forced_exit", "rejected"];

/** A nullable integer column as the API writes it. */
export const decimalOrNull = (v: number | null): string | null => (v === null ? null : String(v));
/** A nullable time column (ms) as the API writes it. */
export const timeOrNull = (v: number | null): string | null => (v === null ? null : new Date(v).toISOString());

/** A batch's proof job as the API writes it. */
export function proofJobJson(job: ProofJobSummary | undefined): ProofJobJson | null {
  return job ? {
    status: job.status, attempts: String(job.attempts), maxAttempts: String(job.maxAttempts), worker: job.worker, lastError: job.lastError,
    ...(job.status === "proven" ? { backend: job.backend ?? "", provingMs: String(job.provingMs ?? 0), ...(job.fallbackFrom ? { fallbackFrom: job.fallbackFrom } : {}) } : {}),
  } : null;
}

/** The sum of the fees of a batch's transfers and withdrawals. */
export function totalFeeOf(decoded: readonly DecodedTx[]): bigint {
  return decoded.reduce((sum, tx) => sum + (tx.type === TxType.Transfer || tx.type === TxType.Withdraw ? tx.fee : 0n), 0n);
}

/** What a batch's full view and its page entry share. */
export function batchBaseJson(b: BatchRow, totalFee: bigint, job: ProofJobSummary | undefined): BatchBaseJson {
  return {
    number: String(b.number), status: b.status, oldRoot: hex32(BigInt(b.old_root)), newRoot: hex32(BigInt(b.new_root)),
    queueStart: String(b.queue_start), queueEnd: String(b.queue_end),
    // The public data says 0 both for "account 0 collected the fees" and for "no fee": only the
    // slots tell them apart (docs/PROTOCOL.md: a batch with no fees has fee account 0).
    feeAccount: totalFee > 0n ? String(b.fee_account) : null, totalFee: String(totalFee),
    createdAt: new Date(b.created_at).toISOString(), provenAt: timeOrNull(b.proven_at),
    l1Tx: b.l1_tx?.toLowerCase() ?? null, l1Block: decimalOrNull(b.l1_block), verifiedBlock: decimalOrNull(b.verified_block),
    verifiedAt: timeOrNull(b.verified_at), gasUsed: decimalOrNull(b.gas_used), error: b.error, proofJob: proofJobJson(job),
  };
}

export function getBatch(ctx: SequencerContext, req: ApiRequest): ApiResponse {
  const n = batchNumberParam("number", req.params.number);
  const b = ctx.db.prepare("SELECT * FROM batches WHERE number = ?").get(n) as BatchRow | undefined;
  if (!b) throw new RequestRejectedError(404, "not_found", `batch ${n}: not created yet (next is ${ctx.state.batchNumber})`);
  const hashes = new Map((ctx.db.prepare("SELECT slot, hash FROM txs WHERE batch = ?").all(b.number) as Array<{ slot: number; hash: string }>).map((r) => [r.slot, r.hash]));
  const decoded = decodeBatchData(new Uint8Array(b.tx_data));
  const slots = decoded.map((tx, slot) => {
    const out: SlotJson = { type: TYPE_NAMES[tx.type] };
    for (const [k, v] of Object.entries(tx)) if (k !== "type") out[k] = String(v as bigint | number);
    if (tx.type === TxType.Transfer || tx.type === TxType.Withdraw) out.hash = hashes.get(slot);
    return out;
  });
  const job = proofJobSummaries(ctx.db, { below: b.number + 1, last: 1 }).find((j) => j.batchNumber === b.number);
  const { proofJob, ...base } = batchBaseJson(b, totalFeeOf(decoded), job);
  const body: BatchJson = { ...base, publicInput: hex32(BigInt(b.public_input)), txData: "0x" + Buffer.from(b.tx_data).toString("hex"), slots, proofJob };
  return { status: 200, body };
}
