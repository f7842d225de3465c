/**
 * The prover service: an engine (engine.ts) fed by a worker on the SQLite queue (worker.ts) or on
 * BullMQ (redis-queue.ts), with a clean shutdown. This is what `zkr prover` runs.
 *
 * Shutdown: the first SIGINT/SIGTERM stops taking jobs and lets the job in hand finish; if it has
 * not finished after `graceMs`, or on a second signal, the job goes back to the queue at once.
 */
import os from "node:os";
import type Database from "better-sqlite3";
import { ProofEngine, type BackendFactory } from "./engine.js";
import { errorLine } from "../../core/errors.js";
import type { CircuitId, KeySource } from "./keys.js";
import { DEFAULT_LOCK_MS, ProofJobBridge, RedisProverWorker } from "./redis-queue.js";
import { DEFAULT_LEASE_MS, ensureProofJobSchema, openProofJobDb } from "../../core/jobs/table.js";
import { SqliteProverWorker, type WorkerStats } from "./worker.js";

/** Options of {@link startProverService}. */
export interface ProverServiceOptions {
  /**
   * The sequencer's SQLite database (file or open connection). Without `redis`: the queue this
   * service proves from. With `redis`: this process also runs the bridge that forwards the file's
   * jobs to BullMQ (normally the sequencer runs it; two bridges are harmless).
   */
  db?: string | Database.Database;
  /** `redis://host:port`: take jobs from BullMQ. */
  redis?: string;
  /** `cpu`, `webgpu`, `auto`, …; default `cpu`. */
  backend?: string;
  /** Default `<hostname>-<pid>`. */
  workerId?: string;
  /** Prove one job, then stop. */
  once?: boolean;
  /** SQLite lease, or BullMQ lock, in ms. */
  leaseMs?: number;
  pollMs?: number;
  /** How long a signalled shutdown waits for the job in hand before releasing it. */
  graceMs?: number;
  keys?: KeySource;
  /** Circuits whose keys and provers are loaded before the first job. */
  warm?: CircuitId[];
  queueName?: string;
  createBackend?: BackendFactory;
  /** Install SIGINT/SIGTERM handlers (the CLI does). */
  signals?: boolean;
  log?: (line: string) => void;
}

/** A running service. */
export interface ProverService {
  readonly workerId: string;
  readonly engine: ProofEngine;
  readonly stats: WorkerStats;
  /** Stops (see the file's header); resolves when everything is closed. */
  stop(opts?: { release?: boolean }): Promise<void>;
  /** Resolves when the service has stopped and released everything. */
  readonly done: Promise<void>;
}

/** Starts the engine (the requested backend must start) and the worker. */
export async function startProverService(o: ProverServiceOptions): Promise<ProverService> {
  if (!o.db && !o.redis) throw new Error("prover: a database (--db) or a Redis URL (--redis) expected, got neither");
  const log = o.log ?? (() => {});
  const workerId = o.workerId ?? `${os.hostname()}-${process.pid}`;
  const engine = await ProofEngine.start({ backend: o.backend ?? "cpu", keys: o.keys, createBackend: o.createBackend, log });
  let db: Database.Database | undefined;
  let ownDb = false;
  let bridge: ProofJobBridge | undefined;
  let worker: SqliteProverWorker | RedisProverWorker;
  try {
    for (const c of o.warm ?? []) await engine.warm(c);
    if (o.db) {
      ownDb = typeof o.db === "string";
      db = typeof o.db === "string" ? openProofJobDb(o.db) : o.db;
      if (!ownDb) ensureProofJobSchema(db);
    }
    log(`worker ${workerId}: jobs from ${o.redis ? `redis ${o.redis}${db ? " (bridging the database's jobs to it)" : ""}` : "sqlite"}, backend ${o.backend ?? "cpu"}`);
    if (o.redis) {
      worker = new RedisProverWorker({ redis: o.redis, prover: engine, workerId, queueName: o.queueName, lockMs: o.leaseMs ?? DEFAULT_LOCK_MS, once: o.once, log });
      if (db) bridge = new ProofJobBridge({ db, redis: o.redis, queueName: o.queueName, pollMs: o.pollMs, log }).start();
    } else {
      worker = new SqliteProverWorker({ db: db!, prover: engine, workerId, leaseMs: o.leaseMs ?? DEFAULT_LEASE_MS, pollMs: o.pollMs, once: o.once, log });
    }
  } catch (err) {
    await engine.close();
    if (ownDb) db?.close();
    throw err;
  }

  let released = false;
  let signalled = 0;
  let grace: NodeJS.Timeout | undefined;
  const stop = (opts: { release?: boolean } = {}) => {
    if (opts.release) released = true;
    return worker.stop(opts);
  };
  const onSignal = (sig: NodeJS.Signals) => {
    signalled++;
    if (signalled === 1) {
      log(`${sig}: stopping; the job in hand finishes (up to ${((o.graceMs ?? 30_000) / 1000).toFixed(0)} s; signal again to release it now)`);
      grace = setTimeout(() => void stop({ release: true }), o.graceMs ?? 30_000);
      grace.unref();
      void stop();
    } else {
      log(`${sig}: releasing the job in hand`);
      void stop({ release: true });
    }
  };
  if (o.signals) {
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  }

  const done = worker.run().finally(async () => {
    clearTimeout(grace);
    if (o.signals) {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    }
    if (bridge) {
      // One last round so a result proven just now reaches the database.
      await bridge.sync().catch((err: unknown) => log(`[bridge] last sync failed: ${errorLine(err)}`));
      await bridge.stop();
    }
    await engine.close({ abandon: released });
    if (ownDb) db?.close();
  });
  return { workerId, engine, stats: worker.stats, stop: async (opts) => { await stop(opts); await done; }, done };
}
