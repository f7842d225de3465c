/** Errors of the proof-job table (core/jobs/table.ts): a malformed or conflicting job. */
import { ZkrError } from "../errors.js";

/** A batch number was enqueued again with a different public input. */
export class ProofJobConflictError extends ZkrError {
  override name = "ProofJobConflictError" as const;
  constructor(
    readonly batchNumber: number,
    readonly existing: string,
    readonly given: string,
  ) {
    super(`batch ${batchNumber}: already enqueued with public input ${existing}, enqueued again with ${given}`);
  }
}

/** A job spec or a service option is malformed. */
export class ProofJobSpecError extends ZkrError {
  override name = "ProofJobSpecError" as const;
}
