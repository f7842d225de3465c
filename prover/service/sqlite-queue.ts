/**
 * The proof-job queue in the sequencer's SQLite database: one row per batch in `proof_jobs`.
 *
 * The sequencer enqueues a job inside the transaction that creates its batch, so a batch never
 * exists without its job; provers on the same machine claim rows with a lease; results are written
 * back into the row, where the submitter reads them in batch order. With Redis, a bridge
 * (redis-queue.ts) forwards rows to BullMQ instead and writes results back here: the row stays the
 * source of truth either way.
 *
 * Exactly once into the chain: `batch_number` is the primary key, and a worker's completion is
 * an UPDATE conditional on the lease token it was given at claim time. A worker that stalls past
 * its lease can be overtaken (the job is claimed again with a new token); its late result is then
 * refused. A result that arrives after the lease ran out but before anyone else claimed the job
 * is accepted: it is verified, and nobody else holds the job.
 *
 * Concurrency: WAL mode, a busy timeout on every connection, and claims in `BEGIN IMMEDIATE`
 * transactions, so several prover processes and the sequencer share one file.
 *
 *   queued ──claim──▶ proving ──complete──▶ proven
 *     ▲                  │ ──fail (permanent, or last attempt)──▶ failed
 *     └──fail / release / lease expired──┘
 */
import { randomUUID } from "node:crypto";
import Database from "better-sqlite3";
import { R as FR_MODULUS } from "../curve.js";
import { LeaseLostError, ProofJobConflictError, ProofJobSpecError } from "./errors.js";
import { PROOF_JOB_STATUSES, type ProofJob, type ProofJobResult, type ProofJobSpec, type ProofJobStatus } from "./types.js";

type Db = Database.Database;

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
`;

/** A row as stored. */
interface Row {
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
const JOB_COLUMNS =
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

function toJob(r: Omit<Row, "input" | "lease_token">): ProofJob {
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

function specOf(r: Pick<Row, "batch_number" | "circuit_txs" | "circuit_depth" | "input" | "public_input">): ProofJobSpec {
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

/** Jobs that ended `failed`, in batch order (the sequencer should alert on any). */
export function failedProofJobs(db: Db): ProofJob[] {
  return listProofJobs(db, { status: "failed" });
}

// ───────────────────────────── prover side ─────────────────────────────

/** A claimed job: the spec and the lease that proves the claim. */
export interface ProofJobLease {
  spec: ProofJobSpec;
  worker: string;
  /** Secret of this claim; completion, failure, renewal and release must present it. */
  token: string;
  /** 1 for the first attempt. */
  attempt: number;
  maxAttempts: number;
  expiresAt: number;
}

/** Options of {@link claimProofJob}. */
export interface ClaimOptions {
  worker: string;
  leaseMs?: number;
  /** Only jobs of these circuits (a prover with keys for some circuits only); default any. */
  circuits?: ReadonlyArray<{ txs: number; depth: number }>;
  now?: number;
}

/**
 * Claims the lowest-numbered job that is queued, or whose lease ran out, for `worker`. A job whose
 * lease ran out on its last attempt ends `failed` instead (its workers keep dying on it).
 * Jobs forwarded to Redis are left to the bridge.
 * @returns the lease, or undefined when nothing is claimable.
 */
export function claimProofJob(db: Db, opts: ClaimOptions): ProofJobLease | undefined {
  const now = opts.now ?? Date.now();
  const leaseMs = opts.leaseMs ?? DEFAULT_LEASE_MS;
  const circuitFilter = opts.circuits?.length
    ? ` AND (${opts.circuits.map(() => "(circuit_txs = ? AND circuit_depth = ?)").join(" OR ")})`
    : "";
  const circuitArgs = opts.circuits?.flatMap((c) => [c.txs, c.depth]) ?? [];
  const pick = db.prepare(
    `SELECT batch_number, circuit_txs, circuit_depth, input, public_input, status, attempts, max_attempts, worker
     FROM proof_jobs
     WHERE forwarded_at IS NULL AND (status = 'queued' OR (status = 'proving' AND lease_expires_at <= ?))${circuitFilter}
     ORDER BY batch_number LIMIT 1`,
  );
  const claim = db.transaction((): ProofJobLease | undefined => {
    for (;;) {
      const r = pick.get(now, ...circuitArgs) as Row | undefined;
      if (!r) return undefined;
      const expired = r.status === "proving";
      const lapse = expired ? `lease of worker ${r.worker} ran out during attempt ${r.attempts} (worker crashed or stalled)` : null;
      if (expired && r.attempts >= r.max_attempts) {
        db.prepare(
          `UPDATE proof_jobs SET status = 'failed', last_error = ?, lease_token = NULL, lease_expires_at = NULL, updated_at = ? WHERE batch_number = ?`,
        ).run(`${lapse}; no attempts left (${r.attempts} of ${r.max_attempts})`, now, r.batch_number);
        continue;
      }
      const token = randomUUID();
      db.prepare(
        `UPDATE proof_jobs SET status = 'proving', attempts = attempts + 1, worker = ?, lease_token = ?, lease_expires_at = ?,
           last_error = COALESCE(?, last_error), updated_at = ? WHERE batch_number = ?`,
      ).run(opts.worker, token, now + leaseMs, lapse, now, r.batch_number);
      return { spec: specOf(r), worker: opts.worker, token, attempt: r.attempts + 1, maxAttempts: r.max_attempts, expiresAt: now + leaseMs };
    }
  });
  return claim.immediate();
}

function refuse(db: Db, lease: ProofJobLease): LeaseLostError {
  const r = db.prepare("SELECT status, worker FROM proof_jobs WHERE batch_number = ?").get(lease.spec.batchNumber) as Row | undefined;
  return new LeaseLostError(lease.spec.batchNumber, lease.worker, r?.worker ?? null, r?.status ?? null);
}

const HELD = "batch_number = ? AND status = 'proving' AND lease_token = ?";

/** Extends a lease. @returns false when the lease is lost (another worker claimed the job). */
export function renewProofJobLease(db: Db, lease: ProofJobLease, opts: { leaseMs?: number; now?: number } = {}): boolean {
  const now = opts.now ?? Date.now();
  const expiresAt = now + (opts.leaseMs ?? DEFAULT_LEASE_MS);
  const res = db.prepare(`UPDATE proof_jobs SET lease_expires_at = ?, updated_at = ? WHERE ${HELD}`).run(expiresAt, now, lease.spec.batchNumber, lease.token);
  if (res.changes === 1) lease.expiresAt = expiresAt;
  return res.changes === 1;
}

/**
 * Stores a verified proof. Refused with {@link LeaseLostError} unless `lease` still holds the job,
 * and with a {@link ProofJobSpecError} when the result is not this job's.
 */
export function completeProofJob(db: Db, lease: ProofJobLease, result: ProofJobResult, opts: { now?: number } = {}): void {
  const n = lease.spec.batchNumber;
  if (result.batchNumber !== n) throw new ProofJobSpecError(`completeProofJob: a result for batch ${n} expected, got batch ${result.batchNumber}`);
  const now = opts.now ?? Date.now();
  db.transaction(() => {
    const row = db.prepare("SELECT public_input FROM proof_jobs WHERE batch_number = ?").get(n) as Row | undefined;
    if (row && (result.publicSignals.length !== 1 || result.publicSignals[0] !== row.public_input)) {
      throw new ProofJobSpecError(`completeProofJob: batch ${n}: public signals [${row.public_input}] expected, got [${result.publicSignals.join(", ")}]`);
    }
    const res = db
      .prepare(
        `UPDATE proof_jobs SET status = 'proven', proof = ?, public_signals = ?, backend = ?, fallback_from = ?, proving_ms = ?, worker = ?,
           lease_token = NULL, lease_expires_at = NULL, last_error = NULL, proven_at = ?, updated_at = ? WHERE ${HELD}`,
      )
      .run(JSON.stringify(result.proof), JSON.stringify(result.publicSignals), result.backend, result.fallbackFrom ?? null, Math.round(result.provingMs), result.worker, now, now, n, lease.token);
    if (res.changes !== 1) throw refuse(db, lease);
  }).immediate();
}

/**
 * Records a failed attempt: back to `queued` for another try, or `failed` when the error is
 * permanent or this was the last attempt. Refused with {@link LeaseLostError} without the lease.
 * @returns the job's new status.
 */
export function failProofJob(db: Db, lease: ProofJobLease, error: string, opts: { permanent?: boolean; now?: number } = {}): "queued" | "failed" {
  const now = opts.now ?? Date.now();
  const last = opts.permanent || lease.attempt >= lease.maxAttempts;
  const status = last ? "failed" : "queued";
  const line = opts.permanent ? error : `attempt ${lease.attempt} of ${lease.maxAttempts}: ${error}`;
  const res = db
    .prepare(`UPDATE proof_jobs SET status = ?, last_error = ?, worker = ?, lease_token = NULL, lease_expires_at = NULL, updated_at = ? WHERE ${HELD}`)
    .run(status, line, last ? lease.worker : null, now, lease.spec.batchNumber, lease.token);
  if (res.changes !== 1) throw refuse(db, lease);
  return status;
}

/**
 * Gives a job back unproven (a worker shutting down): `queued` again, and the attempt does not
 * count. @returns false when the lease was already lost.
 */
export function releaseProofJob(db: Db, lease: ProofJobLease, opts: { now?: number } = {}): boolean {
  const now = opts.now ?? Date.now();
  const res = db
    .prepare(`UPDATE proof_jobs SET status = 'queued', attempts = MAX(attempts - 1, 0), worker = NULL, lease_token = NULL, lease_expires_at = NULL, updated_at = ? WHERE ${HELD}`)
    .run(now, lease.spec.batchNumber, lease.token);
  return res.changes === 1;
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

// ───────────────────────────── Redis bridge side ─────────────────────────────
// Used by redis-queue.ts only: the outbox of rows to forward and the write-back of what BullMQ did.

/** Queued rows not yet handed to BullMQ, in batch order. */
export function unforwardedProofJobs(db: Db, limit = 100): Array<{ spec: ProofJobSpec; maxAttempts: number }> {
  const rows = db
    .prepare("SELECT batch_number, circuit_txs, circuit_depth, input, public_input, max_attempts FROM proof_jobs WHERE status = 'queued' AND forwarded_at IS NULL ORDER BY batch_number LIMIT ?")
    .all(limit) as Row[];
  return rows.map((r) => ({ spec: specOf(r), maxAttempts: r.max_attempts }));
}

/** Rows handed to BullMQ and not yet final. */
export function forwardedOpenProofJobs(db: Db): ProofJob[] {
  return (db.prepare(`SELECT ${JOB_COLUMNS} FROM proof_jobs WHERE forwarded_at IS NOT NULL AND status IN ('queued', 'proving') ORDER BY batch_number`).all() as Row[]).map(toJob);
}

/** Marks a queued row as handed to BullMQ. @returns false when the row is no longer queued and unforwarded. */
export function markProofJobForwarded(db: Db, batchNumber: number, opts: { now?: number } = {}): boolean {
  const now = opts.now ?? Date.now();
  const res = db.prepare("UPDATE proof_jobs SET forwarded_at = ?, updated_at = ? WHERE batch_number = ? AND status = 'queued' AND forwarded_at IS NULL").run(now, now, batchNumber);
  return res.changes === 1;
}

/** Clears the forwarded mark of an open row (its BullMQ job vanished): the bridge forwards it again. */
export function unmarkProofJobForwarded(db: Db, batchNumber: number, opts: { now?: number } = {}): boolean {
  const now = opts.now ?? Date.now();
  const res = db.prepare("UPDATE proof_jobs SET forwarded_at = NULL, status = 'queued', worker = NULL, updated_at = ? WHERE batch_number = ? AND status IN ('queued', 'proving') AND forwarded_at IS NOT NULL").run(now, batchNumber);
  return res.changes === 1;
}

/** Mirrors BullMQ's view of an open forwarded job (queued or proving, attempts, last error) into the row. */
export function mirrorForwardedProofJob(
  db: Db,
  batchNumber: number,
  s: { status: "queued" | "proving"; attempts: number; worker: string | null; lastError: string | null },
  opts: { now?: number } = {},
): void {
  const now = opts.now ?? Date.now();
  db.prepare(
    `UPDATE proof_jobs SET status = ?, attempts = ?, worker = ?, last_error = COALESCE(?, last_error), updated_at = ?
     WHERE batch_number = ? AND status IN ('queued', 'proving') AND forwarded_at IS NOT NULL
       AND (status != ? OR attempts != ? OR worker IS NOT ? OR (? IS NOT NULL AND last_error IS NOT ?))`,
  ).run(s.status, s.attempts, s.worker, s.lastError, now, batchNumber, s.status, s.attempts, s.worker, s.lastError, s.lastError);
}

/**
 * Writes a forwarded job's final outcome. A result must carry the row's public input. Conditional
 * on the row being open: a second write-back of the same batch is ignored.
 * @returns true when the row changed.
 */
export function settleForwardedProofJob(
  db: Db,
  batchNumber: number,
  outcome: { result: ProofJobResult; attempts: number } | { error: string; attempts: number },
  opts: { now?: number } = {},
): boolean {
  const now = opts.now ?? Date.now();
  const open = "batch_number = ? AND status IN ('queued', 'proving') AND forwarded_at IS NOT NULL";
  if ("result" in outcome) {
    const r = outcome.result;
    const row = db.prepare("SELECT public_input FROM proof_jobs WHERE batch_number = ?").get(batchNumber) as Row | undefined;
    if (!row || r.batchNumber !== batchNumber || r.publicSignals.length !== 1 || r.publicSignals[0] !== row.public_input) {
      throw new ProofJobSpecError(`settleForwardedProofJob: batch ${batchNumber}: a result with public signals [${row?.public_input}] expected, got batch ${r.batchNumber} [${r.publicSignals.join(", ")}]`);
    }
    return (
      db
        .prepare(
          `UPDATE proof_jobs SET status = 'proven', proof = ?, public_signals = ?, backend = ?, fallback_from = ?, proving_ms = ?, worker = ?, attempts = ?,
             last_error = NULL, proven_at = ?, updated_at = ? WHERE ${open}`,
        )
        .run(JSON.stringify(r.proof), JSON.stringify(r.publicSignals), r.backend, r.fallbackFrom ?? null, Math.round(r.provingMs), r.worker, outcome.attempts, now, now, batchNumber).changes === 1
    );
  }
  return db.prepare(`UPDATE proof_jobs SET status = 'failed', last_error = ?, attempts = ?, updated_at = ? WHERE ${open}`).run(outcome.error, outcome.attempts, now, batchNumber).changes === 1;
}
