/**
 * The proof-job table, `proof_jobs`: the contract the sequencer and the prover service share, in
 * the sequencer's SQLite database. One row per batch. The sequencer enqueues a job inside the
 * transaction that creates its batch, so a batch never exists without its job, and reads results
 * and statuses back here; provers claim rows with a lease (prover/service/sqlite-queue.ts) or, with
 * Redis, a bridge forwards rows to BullMQ (prover/service/redis-queue.ts) and writes results back:
 * the row stays the source of truth either way.
 *
 * Concurrency: WAL mode and a busy timeout on every connection, so several prover processes and
 * the sequencer share one file.
 *
 *   queued ──claim──▶ proving ──complete──▶ proven
 *     ▲                  │ ──fail (not retryable, or last attempt)──▶ failed
 *     └──fail / release / lease expired──┘          failed ──retry (operator)──▶ queued
 */
import Database from "better-sqlite3";
import { R as FR_MODULUS } from "../bn254.js";
import { ProofJobConflictError, ProofJobSpecError } from "./errors.js";
import { PROOF_JOB_STATUSES, type ProofJob, type ProofJobResult, type ProofJobSpec, type ProofJobStatus } from "./types.js";

export type Db = Database.Database;

/** Attempts a job gets when the caller does not say (a crashed worker's attempt counts). */
export const DEFAULT_MAX_ATTEMPTS = 3;
/** How long a claim holds a job before another worker may take it, unless renewed. */
export const DEFAULT_LEASE_MS = 60_000;
/** How long a connection waits for another process's write lock before failing. */
export const BUSY_TIMEOUT_MS = 10_000;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS proof_jobs (
  batch_number     INTEGER PRIMARY KEY,
  circuit_txs      INTEGER NOT NULL,
  circuit_depth    INTEGER NOT NULL,
  input            TEXT    NOT NULL,
  public_input     TEXT    NOT NULL,
  status           TEXT    NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'proving', 'proven', 'failed')),
  attempts         INTEGER NOT NULL DEFAULT 0,
  max_attempts     INTEGER NOT NULL DEFAULT ${DEFAULT_MAX_ATTEMPTS},
  last_error       TEXT,
  worker           TEXT,
  lease_token      TEXT,
  lease_expires_at INTEGER,
  forwarded_at     INTEGER,
  proof            TEXT,
  public_signals   TEXT,
  backend          TEXT,
  fallback_from    TEXT,
  proving_ms       INTEGER,
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL,
  proven_at        INTEGER
);
CREATE INDEX IF NOT EXISTS proof_jobs_status ON proof_jobs (status, batch_number);
-- What lists of jobs show (the sequencer's GET /batches and GET /operator), read from these indexes
-- alone: in the table, a row's columns after its input (hundreds of KB at production sizes) are
-- reached only by walking the input's overflow pages, on the sequencer's one thread.
CREATE INDEX IF NOT EXISTS proof_jobs_summary ON proof_jobs (
  batch_number, status, attempts, max_attempts, worker, backend, fallback_from, proving_ms, lease_expires_at, created_at, updated_at, proven_at, last_error
);
CREATE INDEX IF NOT EXISTS proof_jobs_worker ON proof_jobs (worker, updated_at, status, backend);
`;

/** A row as stored. */
export interface Row {
  batch_number: number;
  circuit_txs: number;
  circuit_depth: number;
  input: string;
  public_input: string;
  status: ProofJobStatus;
  attempts: number;
  max_attempts: number;
  last_error: string | null;
  worker: string | null;
  lease_token: string | null;
  lease_expires_at: number | null;
  forwarded_at: number | null;
  proof: string | null;
  public_signals: string | null;
  backend: string | null;
  fallback_from: string | null;
  proving_ms: number | null;
  created_at: number;
  updated_at: number;
  proven_at: number | null;
}

/** Columns of {@link ProofJob} (everything but the input). */
export const JOB_COLUMNS =
  "batch_number, circuit_txs, circuit_depth, public_input, status, attempts, max_attempts, last_error, worker, lease_expires_at, " +
  "forwarded_at, proof, public_signals, backend, fallback_from, proving_ms, created_at, updated_at, proven_at";

/**
 * Sets the connection up for sharing (WAL, busy timeout) and creates the table when missing.
 * Call once per connection, outside a transaction (SQLite cannot switch to WAL inside one).
 */
export function ensureProofJobSchema(db: Db): void {
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  if (!db.inTransaction && !db.memory) db.pragma("journal_mode = WAL");
  db.exec(SCHEMA);
}

/** Opens (creating when missing) a database file for the proof queue: WAL, busy timeout, schema. */
export function openProofJobDb(file: string): Db {
  const db = new Database(file);
  ensureProofJobSchema(db);
  return db;
}

/** Checks a spec before it is stored; throws {@link ProofJobSpecError} naming the bad field. */
export function validateProofJobSpec(spec: ProofJobSpec): void {
  const bad = (m: string) => new ProofJobSpecError(`enqueueProofJob: ${m}`);
  if (!Number.isSafeInteger(spec.batchNumber) || spec.batchNumber < 0) throw bad(`batchNumber: a non-negative integer expected, got ${spec.batchNumber}`);
  const c = spec.circuit;
  if (!c || !Number.isInteger(c.txs) || c.txs < 1 || !Number.isInteger(c.depth) || c.depth < 1) {
    throw bad(`circuit: { txs, depth } with positive integers expected, got ${JSON.stringify(c)}`);
  }
  if (typeof spec.publicInput !== "string" || !/^(0|[1-9][0-9]*)$/.test(spec.publicInput) || BigInt(spec.publicInput) >= FR_MODULUS) {
    throw bad(`publicInput: a decimal string below the field modulus expected, got ${JSON.stringify(spec.publicInput)}`);
  }
  if (spec.input === null || typeof spec.input !== "object" || Array.isArray(spec.input)) throw bad(`input: an object of circuit signals expected, got ${typeof spec.input}`);
}

/** Bigints (if a caller passes the model's values) become decimal strings. */
function inputJson(input: Record<string, unknown>): string {
  return JSON.stringify(input, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
}

/**
 * Enqueues the proof job of a batch. Synchronous and safe inside the caller's `db.transaction`
 * (a rolled-back batch leaves no job). Idempotent on `batchNumber`: enqueueing the same batch again
 * does nothing and returns `false`; enqueueing another public input under the same number throws
 * {@link ProofJobConflictError}.
 * @returns true when the job was created.
 */
export function enqueueProofJob(db: Db, spec: ProofJobSpec, opts: { maxAttempts?: number; now?: number } = {}): boolean {
  validateProofJobSpec(spec);
  const maxAttempts = opts.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new ProofJobSpecError(`enqueueProofJob: maxAttempts: a positive integer expected, got ${maxAttempts}`);
  const now = opts.now ?? Date.now();
  const res = db
    .prepare(
      `INSERT INTO proof_jobs (batch_number, circuit_txs, circuit_depth, input, public_input, max_attempts, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (batch_number) DO NOTHING`,
    )
    .run(spec.batchNumber, spec.circuit.txs, spec.circuit.depth, inputJson(spec.input), spec.publicInput, maxAttempts, now, now);
  if (res.changes === 1) return true;
  const existing = db.prepare("SELECT public_input FROM proof_jobs WHERE batch_number = ?").get(spec.batchNumber) as { public_input: string };
  if (existing.public_input !== spec.publicInput) throw new ProofJobConflictError(spec.batchNumber, existing.public_input, spec.publicInput);
  return false;
}

export function toJob(r: Omit<Row, "input" | "lease_token">): ProofJob {
  const result: ProofJobResult | null =
    r.status === "proven" && r.proof !== null
      ? {
          batchNumber: r.batch_number,
          proof: JSON.parse(r.proof) as ProofJobResult["proof"],
          publicSignals: JSON.parse(r.public_signals ?? "[]") as string[],
          backend: r.backend ?? "",
          worker: r.worker ?? "",
          provingMs: r.proving_ms ?? 0,
          ...(r.fallback_from ? { fallbackFrom: r.fallback_from } : {}),
        }
      : null;
  return {
    batchNumber: r.batch_number,
    circuit: { txs: r.circuit_txs, depth: r.circuit_depth },
    publicInput: r.public_input,
    status: r.status,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    lastError: r.last_error,
    worker: r.worker,
    leaseExpiresAt: r.lease_expires_at,
    forwardedAt: r.forwarded_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    provenAt: r.proven_at,
    result,
  };
}

/** A job's row (status, attempts, last error, result once proven), or undefined. */
export function getProofJob(db: Db, batchNumber: number): ProofJob | undefined {
  const r = db.prepare(`SELECT ${JOB_COLUMNS} FROM proof_jobs WHERE batch_number = ?`).get(batchNumber) as Row | undefined;
  return r && toJob(r);
}

/** A job's full spec (with the circuit input), or undefined. */
export function getProofJobSpec(db: Db, batchNumber: number): ProofJobSpec | undefined {
  const r = db.prepare("SELECT batch_number, circuit_txs, circuit_depth, input, public_input FROM proof_jobs WHERE batch_number = ?").get(batchNumber) as Row | undefined;
  return r && specOf(r);
}

export function specOf(r: Pick<Row, "batch_number" | "circuit_txs" | "circuit_depth" | "input" | "public_input">): ProofJobSpec {
  return {
    batchNumber: r.batch_number,
    circuit: { txs: r.circuit_txs, depth: r.circuit_depth },
    input: JSON.parse(r.input) as Record<string, unknown>,
    publicInput: r.public_input,
  };
}

/**
 * Proven results in batch order, for the submitter: those with a batch number above `after`
 * (default: all), at most `limit`. Not necessarily contiguous: batch n+1 may be proven before n.
 */
export function provenJobs(db: Db, opts: { after?: number; limit?: number } = {}): ProofJobResult[] {
  const rows = db
    .prepare(`SELECT ${JOB_COLUMNS} FROM proof_jobs WHERE status = 'proven' AND batch_number > ? ORDER BY batch_number LIMIT ?`)
    .all(opts.after ?? -1, opts.limit ?? -1) as Row[];
  return rows.map((r) => toJob(r).result!);
}

/** Jobs per status, for health reports. */
export function proofJobCounts(db: Db): Record<ProofJobStatus, number> {
  const out = Object.fromEntries(PROOF_JOB_STATUSES.map((s) => [s, 0])) as Record<ProofJobStatus, number>;
  for (const r of db.prepare("SELECT status, COUNT(*) AS n FROM proof_jobs GROUP BY status").all() as Array<{ status: ProofJobStatus; n: number }>) out[r.status] = r.n;
  return out;
}

/** Jobs in batch order, newest first when `last` is set: all, or those with one status. */
export function listProofJobs(db: Db, opts: { status?: ProofJobStatus; last?: number } = {}): ProofJob[] {
  const where = opts.status ? "WHERE status = ?" : "";
  const rows = db
    .prepare(`SELECT * FROM (SELECT ${JOB_COLUMNS} FROM proof_jobs ${where} ORDER BY batch_number DESC LIMIT ?) ORDER BY batch_number`)
    .all(...(opts.status ? [opts.status] : []), opts.last ?? -1) as Row[];
  return rows.map(toJob);
}

/** A job as lists show it: no input, no proof. `backend`, `provingMs`, `fallbackFrom` once proven. */
export interface ProofJobSummary {
  batchNumber: number;
  status: ProofJobStatus;
  attempts: number;
  maxAttempts: number;
  worker: string | null;
  lastError: string | null;
  backend: string | null;
  provingMs: number | null;
  fallbackFrom: string | null;
  leaseExpiresAt: number | null;
  createdAt: number;
  updatedAt: number;
  provenAt: number | null;
}

/**
 * Job summaries, newest batch first: at most `last`, below batch `below` (default: all), of one
 * status or any. Read from the proof_jobs_summary index only (see the schema), so a list costs no
 * walk through the jobs' inputs.
 */
export function proofJobSummaries(db: Db, opts: { last: number; below?: number; status?: ProofJobStatus }): ProofJobSummary[] {
  const rows = db.prepare(
    `SELECT batch_number, status, attempts, max_attempts, worker, backend, fallback_from, proving_ms, lease_expires_at, created_at, updated_at, proven_at, last_error
     FROM proof_jobs INDEXED BY proof_jobs_summary WHERE batch_number < ? ${opts.status ? "AND status = ?" : ""} ORDER BY batch_number DESC LIMIT ?`,
  ).all(opts.below ?? Number.MAX_SAFE_INTEGER, ...(opts.status ? [opts.status] : []), opts.last) as Array<Omit<Row, "input" | "lease_token" | "proof" | "public_signals" | "circuit_txs" | "circuit_depth" | "public_input" | "forwarded_at">>;
  return rows.map((r) => {
    const proven = r.status === "proven";
    return {
      batchNumber: r.batch_number, status: r.status, attempts: r.attempts, maxAttempts: r.max_attempts, worker: r.worker, lastError: r.last_error,
      backend: proven ? r.backend ?? "" : null, provingMs: proven ? r.proving_ms ?? 0 : null, fallbackFrom: proven ? r.fallback_from : null,
      leaseExpiresAt: r.lease_expires_at, createdAt: r.created_at, updatedAt: r.updated_at, provenAt: r.proven_at,
    };
  });
}

/** Jobs that ended `failed`, in batch order (the sequencer should alert on any). */
export function failedProofJobs(db: Db): ProofJob[] {
  return listProofJobs(db, { status: "failed" });
}

/**
 * Puts a `failed` job back in the queue with fresh attempts (an operator's decision, e.g. after
 * fixing the provers). @returns false when the job is not `failed`.
 */
export function retryProofJob(db: Db, batchNumber: number, opts: { now?: number } = {}): boolean {
  const now = opts.now ?? Date.now();
  const res = db
    .prepare(`UPDATE proof_jobs SET status = 'queued', attempts = 0, worker = NULL, forwarded_at = NULL, updated_at = ? WHERE batch_number = ? AND status = 'failed'`)
    .run(now, batchNumber);
  return res.changes === 1;
}
