/** The stages of a batch and of a transaction, as the explorer draws them. */
import type { BatchJson, ProofJobJson, TxStage } from "../../../sequencer/api/types.js";
import { Badge } from "./format.js";

export const BATCH_STAGES = ["proposed", "proving", "proven", "submitted", "verified"] as const;
export type BatchStage = (typeof BATCH_STAGES)[number] | "proof_failed";

/** A batch's stage from its status and its proof job's. */
export function batchStage(status: BatchJson["status"], job: Pick<ProofJobJson, "status"> | null | undefined): BatchStage {
  if (status === "created") return job?.status === "failed" ? "proof_failed" : job?.status === "proving" ? "proving" : "proposed";
  if (status === "submitting") return "proven";
  return status;
}

export const TX_STAGES: readonly TxStage[] = ["pending", "in_batch", "proving", "proven", "submitted", "verified"];

/** Steps drawn in order, done ones filled, the current one marked; `failed` ends the line with the reason. */
export function Steps(p: { steps: readonly string[]; current: string; failed?: string }) {
  const at = p.steps.indexOf(p.current);
  return (
    <ol class="steps" aria-label="stages">
      {p.steps.map((s, i) => (
        <li key={s} class={i < at || (i === at && i === p.steps.length - 1) ? "done" : i === at ? "current" : "todo"} aria-current={i === at ? "step" : undefined}>
          {s.replace(/_/g, " ")}
        </li>
      ))}
      {p.failed !== undefined && <li class="failed" aria-current="step">{p.failed}</li>}
    </ol>
  );
}

export const StageBadge = (p: { stage: string }) => <Badge status={p.stage} />;
