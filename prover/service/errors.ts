/**
 * Typed errors of the prover service, on zkr's one error base (core/errors.ts). `retryable` says
 * whether another attempt could succeed: a job that fails with an error that is not ends `failed`
 * at once instead of being tried again (isRetryable reads it down the cause chain).
 */
import { ZkrError, isRetryable, type ZkrErrorOptions } from "../../core/errors.js";

/** Base of the prover service's errors. */
export class ProverServiceError extends ZkrError {
  override name: string = "ProverServiceError";
  /** Unless the job itself is wrong, another attempt (another worker, another backend) may succeed. */
  override readonly retryable: boolean = true;
}

/** The job's input does not satisfy the circuit (the witness generator rejected it). */
export class JobInputError extends ProverServiceError {
  override name = "JobInputError" as const;
  override readonly retryable = false;
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
  override readonly retryable = false;
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

/** Whether an error ends a job at once: nothing in its cause chain says another attempt could help. */
export function isPermanent(err: unknown): boolean {
  return !isRetryable(err);
}
