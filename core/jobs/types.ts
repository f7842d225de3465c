/**
 * The contract between the sequencer and the prover service: what a proof job carries and what
 * comes back. The sequencer writes a job in the same SQLite transaction that creates its batch
 * (`enqueueProofJob` in `table.ts`), so a batch never exists without its job; provers take
 * jobs from that table or, when Redis is configured, from a BullMQ queue fed from it. Results are
 * written back into the same table, where the sequencer's submitter finds them.
 */

/** One batch to prove. `batchNumber` is the job's identity: a batch is proven into the chain once. */
export interface ProofJobSpec {
  batchNumber: number;
  /** The circuit configuration, e.g. `{ txs: 4, depth: 8 }` (`rollup_4x8`). */
  circuit: { txs: number; depth: number };
  /** The circuit's inputs from `applyBatch(...).witnessInputs`, with bigints as decimal strings. */
  input: Record<string, unknown>;
  /** `applyBatch(...).publicInput` as a decimal string: the proof's one public signal. */
  publicInput: string;
}

/**
 * Where a job stands. `queued` → `proving` → `proven`, or `failed` (terminal: the input does not
 * satisfy the circuit, or every attempt failed). A failed attempt that may succeed again goes back
 * to `queued` with `attempts` and `lastError` set.
 */
export type ProofJobStatus = "queued" | "proving" | "proven" | "failed";

/** Every status, for checks and counts. */
export const PROOF_JOB_STATUSES: readonly ProofJobStatus[] = ["queued", "proving", "proven", "failed"];

/** What a prover hands back, already verified against the verification key. */
export interface ProofJobResult {
  batchNumber: number;
  /** snarkjs's JSON proof (pi_a, pi_b, pi_c, protocol, curve). */
  proof: { pi_a: string[]; pi_b: string[][]; pi_c: string[]; protocol: string; curve: string };
  publicSignals: string[];
  /** The backend that made the proof (`webgpu`, `cpu`, …) and who ran it. */
  backend: string;
  worker: string;
  provingMs: number;
  /** Set when the requested backend failed on this job and the proof was made on the CPU instead. */
  fallbackFrom?: string;
}

/** A job's row as the sequencer reads it (without the circuit input, which can be large). */
export interface ProofJob {
  batchNumber: number;
  circuit: { txs: number; depth: number };
  publicInput: string;
  status: ProofJobStatus;
  /** Attempts started so far (a released job does not count; a crashed worker's does). */
  attempts: number;
  maxAttempts: number;
  lastError: string | null;
  /** The worker proving it now (`proving`) or that proved it (`proven`). */
  worker: string | null;
  /** SQLite workers: when the current lease runs out (ms since the epoch). */
  leaseExpiresAt: number | null;
  /** Redis mode: when the bridge handed the job to BullMQ (ms since the epoch); null otherwise. */
  forwardedAt: number | null;
  createdAt: number;
  updatedAt: number;
  provenAt: number | null;
  /** The verified proof, once `proven`. */
  result: ProofJobResult | null;
}

/**
 * The spec of a batch from the state model's result: bigints become decimal strings (the JSON the
 * witness generator takes). `batch` is what `applyBatch` returned.
 */
export function proofJobSpec(
  batch: { batchNumber: bigint | number; publicInput: bigint; witnessInputs: object },
  circuit: { txs: number; depth: number },
): ProofJobSpec {
  const input = JSON.parse(JSON.stringify(batch.witnessInputs, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))) as Record<string, unknown>;
  return { batchNumber: Number(batch.batchNumber), circuit: { txs: circuit.txs, depth: circuit.depth }, input, publicInput: batch.publicInput.toString() };
}
