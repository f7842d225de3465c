/**
 * The proof-job flow on BullMQ (Redis), for many provers on many machines.
 *
 * - {@link ProofJobBridge} runs in the sequencer's process. It is an outbox: it marks a queued
 *   SQLite row as forwarded, then adds it to BullMQ under a job id derived from the batch number
 *   (and its public input), so forwarding twice is harmless; it mirrors BullMQ's progress into the
 *   row (proving, attempts, last error) and writes the verified result or the final failure back.
 *   The row stays the source of truth: a job that Redis lost (a restart without persistence) is
 *   forwarded again, and a sequencer restart resumes from the rows.
 * - {@link RedisProverWorker} runs in a prover process: BullMQ hands each job to one worker under
 *   a lock that the worker keeps renewing; a worker that dies loses the lock, and the stalled-job
 *   check of any live worker puts the job back in the queue. Completion needs the lock, so an
 *   overtaken worker's late result is refused. Permanent failures (the input does not satisfy the
 *   circuit) are not retried; others are, up to the row's `max_attempts`.
 */
import { createHash } from "node:crypto";
import type Database from "better-sqlite3";
import { DelayedError, Queue, UnrecoverableError, WaitingError, Worker, type Job } from "bullmq";
import { Redis } from "ioredis";
import type { JobProver } from "./engine.js";
import { isPermanent } from "./errors.js";
import { errorLine } from "../../core/errors.js";
import {
  forwardedOpenProofJobs,
  markProofJobForwarded,
  mirrorForwardedProofJob,
  settleForwardedProofJob,
  unforwardedProofJobs,
  unmarkProofJobForwarded,
} from "./sqlite-queue.js";
import type { ProofJobResult, ProofJobSpec } from "../../core/jobs/types.js";
import { provenLine, type WorkerStats } from "./worker.js";

/** The BullMQ queue's default name. */
export const DEFAULT_QUEUE_NAME = "zkr-proofs";
/** BullMQ's lock on an active job (renewed at half of it); a dead worker's job waits this long. */
export const DEFAULT_LOCK_MS = 60_000;

/**
 * The BullMQ job id of a batch: its number, and a digest of its public input so that a Redis that
 * outlived a reset sequencer database never hands back another chain's batch n.
 */
export function proofJobId(spec: Pick<ProofJobSpec, "batchNumber" | "publicInput">): string {
  return `batch-${spec.batchNumber}-${createHash("sha256").update(spec.publicInput).digest("hex").slice(0, 16)}`;
}

/**
 * A Redis client for BullMQ. BullMQ cannot load ioredis itself from native ES modules, so it gets
 * a client (which it then does not close: its owner does). Workers need `maxRetriesPerRequest: null`.
 */
function redisClient(url: string, worker: boolean, log: (line: string) => void): Redis {
  const client = new Redis(url, worker ? { maxRetriesPerRequest: null } : {});
  const report = onceInARow((line) => log(`redis: ${line}`));
  client.on("error", (err: Error) => report(errorLine(err)));
  client.on("ready", () => report.reset());
  return client;
}

/** ioredis and BullMQ repeat a connection error on every reconnect attempt: say it once. */
function onceInARow(log: (line: string) => void): ((line: string) => void) & { reset(): void } {
  let last = "";
  const f = (line: string) => {
    if (line !== last) log(line);
    last = line;
  };
  return Object.assign(f, { reset: () => (last = "") });
}

/** Options of {@link ProofJobBridge}. */
export interface BridgeOptions {
  db: Database.Database;
  /** `redis://host:port` */
  redis: string;
  queueName?: string;
  /** Between sync rounds. */
  pollMs?: number;
  log?: (line: string) => void;
}

/** What one sync round did. */
export interface SyncReport {
  forwarded: number[];
  proven: number[];
  failed: number[];
  /** Forwarded again because BullMQ no longer had them. */
  reforwarded: number[];
}

/** Forwards SQLite jobs to BullMQ and writes outcomes back; see the file's header. */
export class ProofJobBridge {
  readonly queue: Queue;
  private readonly client: Redis;
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<unknown> = Promise.resolve();
  private stopped = false;
  private readonly log: (line: string) => void;

  constructor(readonly options: BridgeOptions) {
    const log = options.log ?? (() => {});
    this.log = (l) => log(`[bridge] ${l}`);
    this.client = redisClient(options.redis, false, this.log);
    this.queue = new Queue(options.queueName ?? DEFAULT_QUEUE_NAME, { connection: this.client });
    this.queue.on("error", () => {}); // the client reports it
  }

  /** Syncs every `pollMs` until {@link stop}. */
  start(): this {
    const tick = () => {
      if (this.stopped) return;
      this.round = this.sync()
        .catch((err: unknown) => this.log(`sync failed (retrying): ${errorLine(err)}`))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.options.pollMs ?? 500);
        });
    };
    tick();
    return this;
  }

  /** Stops syncing and closes the Redis connection. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.round;
    await this.queue.close();
    this.client.disconnect();
  }

  /** One round: forward new rows, then mirror and settle the forwarded ones. */
  async sync(): Promise<SyncReport> {
    const { db } = this.options;
    const report: SyncReport = { forwarded: [], proven: [], failed: [], reforwarded: [] };

    for (const { spec, maxAttempts } of unforwardedProofJobs(db)) {
      // Marked first: a crash before the add leaves a forwarded row without a BullMQ job, which
      // the next round notices and forwards again.
      if (!markProofJobForwarded(db, spec.batchNumber)) continue;
      const jobId = proofJobId(spec);
      const old = await this.queue.getJob(jobId);
      // A failed job under this id is an earlier round of this row, retried by an operator.
      if (old && (await old.getState()) === "failed") await old.remove();
      await this.queue.add("prove", spec, {
        jobId,
        attempts: maxAttempts,
        backoff: { type: "fixed", delay: 1000 },
        removeOnComplete: { age: 7 * 24 * 3600 },
        removeOnFail: { age: 30 * 24 * 3600 },
      });
      report.forwarded.push(spec.batchNumber);
      this.log(`batch ${spec.batchNumber} forwarded as ${jobId}`);
    }

    for (const row of forwardedOpenProofJobs(db)) {
      const n = row.batchNumber;
      const id = proofJobId(row);
      // The state first, then the job: a job read before its completion has no return value yet.
      const state = await this.queue.getJobState(id);
      const job = (await this.queue.getJob(id)) as Job<ProofJobSpec, ProofJobResult> | undefined;
      const attempts = job?.attemptsStarted ?? 0;
      if (!job || state === "unknown") {
        if (unmarkProofJobForwarded(db, n)) {
          report.reforwarded.push(n);
          this.log(`batch ${n}: BullMQ no longer has its job (Redis restarted?); forwarding it again`);
        }
      } else if (state === "completed") {
        if (!job.returnvalue) continue; // not readable yet: next round
        try {
          if (settleForwardedProofJob(db, n, { result: job.returnvalue, attempts })) {
            report.proven.push(n);
            this.log(`batch ${n} proven by ${job.returnvalue.worker} on ${job.returnvalue.backend} (written back)`);
          }
          await job.remove();
        } catch (err) {
          // Not this row's proof: drop it and prove again.
          this.log(`batch ${n}: BullMQ result refused (${errorLine(err)}); forwarding it again`);
          await job.remove();
          if (unmarkProofJobForwarded(db, n)) report.reforwarded.push(n);
        }
      } else if (state === "failed") {
        if (settleForwardedProofJob(db, n, { error: job.failedReason || "failed in BullMQ", attempts })) {
          report.failed.push(n);
          this.log(`batch ${n} FAILED: ${job.failedReason}`);
        }
      } else {
        mirrorForwardedProofJob(db, n, {
          status: state === "active" ? "proving" : "queued",
          attempts,
          worker: state === "active" ? (job.processedBy ?? null) : null,
          lastError: job.failedReason || null,
        });
      }
    }
    return report;
  }
}

/** Options of {@link RedisProverWorker}. */
export interface RedisWorkerOptions {
  /** `redis://host:port` */
  redis: string;
  prover: JobProver;
  workerId: string;
  queueName?: string;
  /** BullMQ's lock duration (renewed at half of it): longer than the longest stall of this thread. */
  lockMs?: number;
  /** How often this worker looks for jobs whose worker died (default: the lock duration, at most 15 s). */
  stalledCheckMs?: number;
  /** Prove one job, then stop. */
  once?: boolean;
  log?: (line: string) => void;
}

/** A prover worker on the BullMQ queue; see the file's header. */
export class RedisProverWorker {
  readonly worker: Worker<ProofJobSpec, ProofJobResult>;
  readonly stats: WorkerStats = { proven: [], failed: [], requeued: [], released: [], refused: [] };
  private readonly client: Redis;
  private release: (() => void) | undefined;
  private releasing = false;
  private closing: Promise<void> | undefined;
  private readonly closed: Promise<void>;
  private markClosed!: () => void;
  private readonly log: (line: string) => void;

  constructor(readonly options: RedisWorkerOptions) {
    const log = options.log ?? (() => {});
    this.log = (l) => log(`[${options.workerId}] ${l}`);
    this.closed = new Promise((resolve) => (this.markClosed = resolve));
    const lockMs = options.lockMs ?? DEFAULT_LOCK_MS;
    this.client = redisClient(options.redis, true, this.log);
    this.worker = new Worker<ProofJobSpec, ProofJobResult>(options.queueName ?? DEFAULT_QUEUE_NAME, (job, token) => this.process(job, token), {
      connection: this.client,
      name: options.workerId,
      concurrency: 1,
      lockDuration: lockMs,
      stalledInterval: options.stalledCheckMs ?? Math.min(lockMs, 15_000),
      // A job whose workers keep dying on it fails on the third stall instead of looping.
      maxStalledCount: 2,
      drainDelay: 1,
    });
    const report = onceInARow((line) => this.log(`queue: ${line}`));
    this.worker.on("error", (err) => report(errorLine(err)));
    // Counted once BullMQ accepted the result (it refuses a worker that lost the job's lock).
    this.worker.on("completed", (job) => {
      this.stats.proven.push(job.data.batchNumber);
      this.log(`batch ${job.data.batchNumber}: result accepted by the queue`);
    });
    this.worker.on("ready", () => this.log(`waiting for jobs (redis queue ${this.worker.name}, lock ${lockMs / 1000} s)`));
  }

  /** Resolves when the worker has closed (after {@link stop}, or after one job with `once`). */
  run(): Promise<void> {
    return this.closed;
  }

  /** Closes the worker: lets the job in hand finish, or with `release` puts it back in the queue now. */
  stop(opts: { release?: boolean } = {}): Promise<void> {
    if (opts.release) {
      this.releasing = true;
      this.release?.();
    }
    this.closing ??= this.worker.close().then(() => {
      this.client.disconnect();
      this.log("stopped");
      this.markClosed();
    });
    return this.closing;
  }

  private async process(job: Job<ProofJobSpec, ProofJobResult>, token: string | undefined): Promise<ProofJobResult> {
    const spec = job.data;
    const n = spec.batchNumber;
    const circuits = this.options.prover.circuits;
    if (circuits && !circuits.some((c) => c.txs === spec.circuit.txs && c.depth === spec.circuit.depth)) {
      // Another prover's job: back in the queue without spending an attempt.
      this.log(`batch ${n}: circuit ${spec.circuit.txs}x${spec.circuit.depth} is not served here; leaving it to another prover`);
      await job.moveToDelayed(Date.now() + 5000, token);
      throw new DelayedError();
    }
    const t0 = performance.now();
    this.log(`batch ${n} claimed: attempt ${job.attemptsMade + 1} of ${job.opts.attempts ?? 1}, circuit ${spec.circuit.txs}x${spec.circuit.depth}`);
    const released = new Promise<"release">((resolve) => {
      this.release = () => resolve("release");
      if (this.releasing) resolve("release");
    });
    const work = this.options.prover.prove(spec, this.log).then(
      (r) => ({ ok: r }),
      (err: unknown) => ({ err }),
    );
    const outcome = await Promise.race([work, released]);
    this.release = undefined;
    try {
      if (outcome === "release") {
        await job.moveToWait(token);
        this.stats.released.push(n);
        this.log(`batch ${n}: released back to the queue (shutting down)`);
        throw new WaitingError();
      }
      if ("ok" in outcome) {
        this.log(provenLine(n, performance.now() - t0, outcome.ok));
        return { ...outcome.ok, worker: this.options.workerId };
      }
      const line = errorLine(outcome.err);
      if (isPermanent(outcome.err)) {
        this.stats.failed.push(n);
        this.log(`batch ${n} FAILED for good: ${line}`);
        throw new UnrecoverableError(line);
      }
      const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      (last ? this.stats.failed : this.stats.requeued).push(n);
      this.log(`batch ${n} attempt ${job.attemptsMade + 1} failed${last ? ", no attempts left" : ", queued again"}: ${line}`);
      throw new Error(line);
    } finally {
      if (this.options.once && !this.releasing) void this.stop();
    }
  }
}
