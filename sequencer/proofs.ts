// The sequencer's side of the proof queue, the prover service's `proof_jobs` table in the same
// database (core/jobs/table.ts; the provers claim rows through prover/service/sqlite-queue.ts): a job is enqueued inside the transaction that creates
// its batch, and results are read back from the same table. The interface lets tests substitute
// a queue whose results they control.

import type { Db } from "./db.js";
import type { ProofJobResult, ProofJobSpec } from "../core/jobs/types.js";
import { ensureProofJobSchema, enqueueProofJob, getProofJob } from "../core/jobs/table.js";
import { proofJobSpec as serviceSpec } from "../core/jobs/types.js";
import type { BatchResult } from "./model/batch.js";

export interface ProofQueue {
  /** Creates the queue's tables when absent (called once at start, outside any transaction). */
  init(db: Db): void;
  /** Enqueues a job; called inside the batch's transaction. */
  enqueue(db: Db, spec: ProofJobSpec): void;
  /** The verified result of a batch's job, once a prover has made it. */
  result(db: Db, batchNumber: number): ProofJobResult | undefined;
  /** The job's status (`queued`, `proving`, `proven`, `failed`), if any. */
  status(db: Db, batchNumber: number): string | undefined;
}

/** The prover service's SQLite queue. */
export const sqliteProofQueue: ProofQueue = {
  init: (db) => ensureProofJobSchema(db),
  enqueue: (db, spec) => void enqueueProofJob(db, spec),
  result: (db, n) => getProofJob(db, n)?.result ?? undefined,
  status: (db, n) => getProofJob(db, n)?.status,
};

/** The job of a batch. */
export function proofJobSpec(res: BatchResult, circuit: { txs: number; depth: number }): ProofJobSpec {
  return serviceSpec(res, circuit);
}
