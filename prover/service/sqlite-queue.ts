/**
 * The prover's side of the proof-job table (core/jobs/table.ts): claiming a job with a lease,
 * renewing, completing, failing and releasing it, and the Redis bridge's outbox and write-back.
 *
 * Exactly once into the chain: `batch_number` is the primary key, and a worker's completion is
 * an UPDATE conditional on the lease token it was given at claim time. A worker that stalls past
 * its lease can be overtaken (the job is claimed again with a new token); its late result is then
 * refused. A result that arrives after the lease ran out but before anyone else claimed the job
 * is accepted: it is verified, and nobody else holds the job. Claims run in `BEGIN IMMEDIATE`
 * transactions.
 */
import { randomUUID } from "node:crypto";
import { DEFAULT_LEASE_MS, JOB_COLUMNS, specOf, toJob, type Db, type Row } from "../../core/jobs/table.js";
import type { ProofJob, ProofJobResult, ProofJobSpec } from "../../core/jobs/types.js";
import { ProofJobSpecError } from "../../core/jobs/errors.js";
import { LeaseLostError } from "./errors.js";

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
