/**
 * A prover worker on the SQLite queue: claim the lowest queued batch with a lease, keep the lease
 * alive while proving, then complete the row with the verified proof or record the failure. The
 * lease makes a crashed worker's job claimable again; the lease token makes a late result from an
 * overtaken worker harmless (sqlite-queue.ts refuses it).
 *
 * Stopping: `stop()` lets the job in hand finish and then ends the loop; `stop({ release: true })`
 * gives the job back to the queue at once (the attempt does not count) and abandons its proof.
 */
import type Database from "better-sqlite3";
import type { JobProver } from "./engine.js";
import { LeaseLostError, isPermanent } from "./errors.js";
import { errorLine } from "../../core/errors.js";
import { claimProofJob, completeProofJob, failProofJob, releaseProofJob, renewProofJobLease, type ProofJobLease } from "./sqlite-queue.js";
import { DEFAULT_LEASE_MS } from "../../core/jobs/table.js";
import type { EngineResult } from "./engine.js";

/**
 * The line a worker logs for a proven job: two durations, each measured once and named: the job
 * (from the claim to the verified proof: witness, proving, verification, and any key loading or
 * waiting), measured by the worker; and its Groth16 proving step, measured by the prover (the
 * `provingMs` that /batches and 'zkr proofs' show).
 */
export function provenLine(batch: number, jobMs: number, r: Pick<EngineResult, "backend" | "fallbackFrom" | "provingMs">): string {
  const s = (ms: number) => (ms / 1000).toFixed(2);
  return `batch ${batch} proven on ${r.backend}${r.fallbackFrom ? ` (after ${r.fallbackFrom} failed)` : ""}: job ${s(jobMs)} s from claim to verified proof, of which proving ${s(r.provingMs)} s`;
}

/** Options of {@link SqliteProverWorker}. */
export interface SqliteWorkerOptions {
  db: Database.Database;
  prover: JobProver;
  workerId: string;
  /** Lease length; renewed every third of it while proving. */
  leaseMs?: number;
  /** Wait between looks at an empty queue. */
  pollMs?: number;
  /** Prove one job (waiting for one if none is queued), then stop. */
  once?: boolean;
  log?: (line: string) => void;
}

/** What a worker did, for logs and tests. */
export interface WorkerStats {
  proven: number[];
  failed: number[];
  requeued: number[];
  released: number[];
  /** Results refused because the lease was lost meanwhile. */
  refused: number[];
}

/** Takes jobs from the SQLite queue until stopped; see the file's header. */
export class SqliteProverWorker {
  readonly stats: WorkerStats = { proven: [], failed: [], requeued: [], released: [], refused: [] };
  private stopping = false;
  private releasing = false;
  private wake: (() => void) | undefined;
  private release: (() => void) | undefined;
  private running: Promise<void> | undefined;
  private readonly leaseMs: number;
  private readonly log: (line: string) => void;

  constructor(readonly options: SqliteWorkerOptions) {
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    const log = options.log ?? (() => {});
    this.log = (l) => log(`[${options.workerId}] ${l}`);
  }

  /** Runs the loop (once); resolves when it stops. */
  run(): Promise<void> {
    this.running ??= this.loop();
    return this.running;
  }

  /** Stops taking jobs; resolves when the loop has ended (see the file's header). */
  async stop(opts: { release?: boolean } = {}): Promise<void> {
    this.stopping = true;
    if (opts.release) {
      this.releasing = true;
      this.release?.();
    }
    this.wake?.();
    await this.running;
  }

  private async loop(): Promise<void> {
    const { db, prover, workerId } = this.options;
    this.log(`waiting for jobs (sqlite, lease ${this.leaseMs / 1000} s${prover.circuits ? `, circuits ${prover.circuits.map((c) => `${c.txs}x${c.depth}`).join(", ")}` : ""})`);
    while (!this.stopping) {
      let lease: ProofJobLease | undefined;
      try {
        lease = claimProofJob(db, { worker: workerId, leaseMs: this.leaseMs, circuits: prover.circuits });
        if (lease) await this.handle(lease);
      } catch (err) {
        // The database was busy past its timeout, or is gone: a held lease runs out and the job is
        // claimed again; keep going.
        this.log(`queue error${lease ? ` on batch ${lease.spec.batchNumber}` : ""}: ${errorLine(err)}`);
      }
      if (lease && this.options.once) break;
      if (!lease) await this.sleep(this.options.pollMs ?? 500);
    }
    this.log("stopped");
  }

  private async sleep(ms: number): Promise<void> {
    if (this.stopping) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
    this.wake = undefined;
  }

  private async handle(lease: ProofJobLease): Promise<void> {
    const { db, prover, workerId } = this.options;
    const n = lease.spec.batchNumber;
    const t0 = performance.now();
    this.log(`batch ${n} claimed: attempt ${lease.attempt} of ${lease.maxAttempts}, circuit ${lease.spec.circuit.txs}x${lease.spec.circuit.depth}`);
    const beat = setInterval(() => {
      try {
        if (!renewProofJobLease(db, lease, { leaseMs: this.leaseMs })) this.log(`batch ${n}: lease lost to another worker; finishing, but the result will be refused`);
      } catch (err) {
        this.log(`batch ${n}: lease renewal failed: ${errorLine(err)}`);
      }
    }, Math.max(50, Math.floor(this.leaseMs / 3)));
    const released = new Promise<"release">((resolve) => {
      this.release = () => resolve("release");
      if (this.releasing) resolve("release");
    });
    const work = prover.prove(lease.spec, this.log).then(
      (r) => ({ ok: r }),
      (err: unknown) => ({ err }),
    );
    const outcome = await Promise.race([work, released]);
    clearInterval(beat);
    this.release = undefined;

    if (outcome === "release") {
      const ok = releaseProofJob(db, lease);
      this.stats.released.push(n);
      this.log(`batch ${n}: ${ok ? "released back to the queue (shutting down)" : "lease already lost; nothing to release"}`);
      return;
    }
    if ("ok" in outcome) {
      try {
        completeProofJob(db, lease, { ...outcome.ok, worker: workerId });
        this.stats.proven.push(n);
        this.log(provenLine(n, performance.now() - t0, outcome.ok));
      } catch (err) {
        if (!(err instanceof LeaseLostError)) throw err;
        this.stats.refused.push(n);
        this.log(`batch ${n}: result refused: ${err.shortMessage}`);
      }
      return;
    }
    const line = errorLine(outcome.err);
    try {
      const status = failProofJob(db, lease, line, { permanent: isPermanent(outcome.err) });
      (status === "failed" ? this.stats.failed : this.stats.requeued).push(n);
      this.log(`batch ${n} ${status === "failed" ? "FAILED for good" : `attempt ${lease.attempt} failed, queued again`}: ${line}`);
    } catch (err) {
      if (!(err instanceof LeaseLostError)) throw err;
      this.stats.refused.push(n);
      this.log(`batch ${n}: failure not recorded (${err.shortMessage}): ${line}`);
    }
  }
}
