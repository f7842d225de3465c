/**
 * Typed errors of the prover service, on the model's base error (short message, details, cause).
 * `permanent` says whether another attempt could succeed: a permanent failure ends the job
 * `failed` at once instead of retrying it.
 */
import { ZkrError, type ZkrErrorOptions } from "../../sequencer/model/errors.js";

/** Base of the prover service's errors. */
export class ProverServiceError extends ZkrError {
  override name: string = "ProverServiceError";
  /** True when retrying the job cannot help (the job itself is wrong). */
  readonly permanent: boolean = false;
}

/** The job's input does not satisfy the circuit (the witness generator rejected it). */
export class JobInputError extends ProverServiceError {
  override name = "JobInputError" as const;
  override readonly permanent = true;
  constructor(
    readonly batchNumber: number,
    reason: string,
    options?: ZkrErrorOptions,
  ) {
    super(`batch ${batchNumber}: the circuit rejects the job's input: ${reason}`, options);
  }
}

/** The circuit computes another public input than the job says (the job is inconsistent). */
export class PublicInputMismatchError extends ProverServiceError {
  override name = "PublicInputMismatchError" as const;
  override readonly permanent = true;
  constructor(
    readonly batchNumber: number,
    readonly expected: string,
    readonly got: string,
  ) {
    super(`batch ${batchNumber}: public input ${expected} expected (the job's), the circuit computes ${got}`);
  }
}

/** A proof did not verify against the verification key. */
export class ProofVerificationError extends ProverServiceError {
  override name = "ProofVerificationError" as const;
  constructor(
    readonly batchNumber: number,
    readonly backend: string,
  ) {
    super(`batch ${batchNumber}: the proof made on the ${backend} backend does not verify against the verification key`);
  }
}

/** A worker tried to complete, fail, renew or release a job whose lease it no longer holds. */
export class LeaseLostError extends ProverServiceError {
  override name = "LeaseLostError" as const;
  constructor(
    readonly batchNumber: number,
    readonly worker: string,
    readonly holder: string | null,
    readonly status: string | null,
  ) {
    super(
      `batch ${batchNumber}: worker ${worker} no longer holds the job's lease (` +
        (status === null ? "no such job" : `now ${status}${holder ? `, held by ${holder}` : ""}`) +
        "); its result is refused",
    );
  }
}

/** A batch number was enqueued again with a different public input. */
export class ProofJobConflictError extends ProverServiceError {
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
export class ProofJobSpecError extends ProverServiceError {
  override name = "ProofJobSpecError" as const;
  override readonly permanent = true;
}

/** This prover has no keys for the job's circuit (configuration, not the job's fault). */
export class CircuitNotServedError extends ProverServiceError {
  override name = "CircuitNotServedError" as const;
  constructor(
    readonly circuit: string,
    readonly served: string,
  ) {
    super(`circuit ${circuit}: this prover has keys for ${served} only`);
  }
}

/** Whether an error ends a job at once (see {@link ProverServiceError.permanent}). */
export function isPermanent(err: unknown): boolean {
  return err instanceof ProverServiceError && err.permanent;
}

/** One line for logs and the job row. */
export function errorLine(err: unknown): string {
  if (err instanceof ZkrError) return err.shortMessage;
  if (err instanceof Error) return `${err.name === "Error" ? "" : `${err.name}: `}${err.message}`;
  return String(err);
}
