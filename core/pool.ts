/**
 * Worker threads, one way: a piscina pool that runs a *task module* (the CPU backend's kernels,
 * the dev setup's engine, signature checks, witness generation, the circom compiler).
 *
 * THE RULE for TypeScript in workers: a task module is a TypeScript file whose default export is
 * the task, `(task) => result` (or async), with an optional `init(workerData)` export that runs
 * once per worker before its first task; a worker thread runs one only through this pool, whose
 * single entry, core/worker-entry.mjs, registers tsx's ESM loader in the worker and imports the
 * module. A worker inherits neither jest's transform (@swc/jest works on the main thread's modules
 * only) nor the tsx that bin/zkr.js registered on the main thread, hence that step.
 *
 * Exactly one task module is JavaScript instead: prover/cpu/worker.mjs (`// @ts-check`, types in
 * worker.d.mts), and the entry loads a .mjs module without tsx. The loader costs each worker about
 * 0.25 s of CPU at start (tsx's API plus the hooks thread Node starts for it), and the CPU backend
 * starts one worker per core with every backend: test/prover.cpu.test.ts took 22 CPU-seconds
 * (27 s) with a TypeScript worker against 13.6 (21 s) with this one. Another .mjs task module
 * needs the same two facts: it imports no repository file, and a measured start-up cost that
 * matters; test/core.pool.test.ts lists the allowed ones. Nothing else starts workers, but in a
 * browser (no piscina, no worker threads there): prover/cpu/web-pool.ts's Web Workers.
 *
 * - Per-worker state (a wasm instance, window tables, compiled witness generators) lives in the
 *   task module's top-level variables, set by `init` or on first use.
 * - A test imports the task module and calls `init` and the task in-process: the same code.
 * - Results: a typed array, or the typed-array values of a plain result object, that own their
 *   whole (non-shared) buffer are transferred to the caller, not copied. Inputs are transferred
 *   when `run` is given a `transferList`.
 * - Failures reject `run` with a {@link WorkerTaskError} naming the pool and the task, with the
 *   worker's error as `cause`: an error thrown by the task, a worker that exits or crashes
 *   mid-task (piscina replaces it), a worker that cannot start. Nothing hangs on a dead worker.
 */
import fs from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { Piscina } from "piscina";
import { WorkerTaskError } from "./errors.js";

const ENTRY = new URL("./worker-entry.mjs", import.meta.url);

/**
 * The task module to load: `x-task.ts` itself, or, when this code runs compiled from build/js
 * (scripts/build-js.mjs) where only `x-task.js` is beside it, that one (loaded without tsx).
 */
function compiledOr(module: URL): URL {
  if (!module.pathname.endsWith(".ts") || fs.existsSync(fileURLToPath(module))) return module;
  const js = new URL(module.href.replace(/\.ts$/, ".js"));
  return fs.existsSync(fileURLToPath(js)) ? js : module;
}

/** What the entry finds in `workerData` (its own key, so a task module never reads it directly). */
export const POOL_DATA_KEY = "zkrTaskPool";

/** Options of {@link TaskPool} and {@link startPool}. */
export interface TaskPoolOptions {
  /** What the pool does, for errors: "cpu backend", "dev setup", "signature verification". */
  name: string;
  /** The task module (`new URL("./x-task.ts", import.meta.url)`). */
  module: URL;
  /** Worker threads, all started at once and kept (default 1; "cores": one per core). */
  threads?: number | "cores";
  /** Handed to the task module's `init` in every worker (structured clone: SharedArrayBuffers, WebAssembly modules and shared memories are shared). */
  workerData?: unknown;
  /**
   * Tasks handed to a worker at once (default 1). 2 keeps a worker busy with the next task while
   * the main thread is busy with the last result (the dev setup hashes and writes results on it).
   */
  tasksPerWorker?: number;
  /** Names a task in errors (default: its `kind` or `type` field, if any). */
  describe?: (task: unknown) => string | undefined;
}

// Defined with the other errors (browser code throws it too); its users import it from here.
export { WorkerTaskError };

/** Messages the entry posts besides piscina's own. */
interface EntryMessage {
  zkrPoolReady?: number;
  zkrPoolFailed?: unknown;
}

/**
 * A piscina pool running one task module through core/worker-entry.mjs (see the file's header).
 * It is a Piscina, so code written against piscina keeps working; `run` wraps failures.
 */
export class TaskPool<T = unknown, R = unknown> extends Piscina<T, R> {
  /** The pool's name in errors. */
  readonly poolName: string;
  /** Worker threads. */
  readonly size: number;
  /** Resolves once every first worker ran `init`; rejects with the first that could not. */
  readonly ready: Promise<void>;
  private failure: WorkerTaskError | null = null;
  private readonly describe: (task: unknown) => string | undefined;
  private readonly moduleName: string;

  constructor(options: TaskPoolOptions) {
    const size = options.threads === "cores" ? Math.max(1, os.availableParallelism?.() ?? os.cpus().length) : (options.threads ?? 1);
    if (!Number.isInteger(size) || size < 1) throw new WorkerTaskError(`${options.name}: threads: a positive integer expected, got ${String(options.threads)}`);
    super({
      filename: ENTRY.href,
      workerData: { [POOL_DATA_KEY]: { module: compiledOr(options.module).href, data: options.workerData } },
      // The caller's environment as it sees it: under jest a test file's process.env is a copy
      // that a worker would not otherwise see (ZKR_SETUP_POISON, ZKR_CPU_PROFILE).
      env: { ...process.env } as Record<string, string>,
      minThreads: size,
      maxThreads: size,
      idleTimeout: Infinity,
      concurrentTasksPerWorker: options.tasksPerWorker ?? 1,
    });
    this.poolName = options.name;
    this.size = size;
    this.moduleName = options.module.pathname.split("/").slice(-2).join("/");
    this.describe = options.describe ?? defaultDescribe;
    let started = 0;
    let settle: { resolve: () => void; reject: (e: Error) => void };
    this.ready = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
    this.ready.catch(() => {}); // the caller of startPool sees it; a pool made with `new` reports through its tasks
    // A worker that cannot start breaks the pool: piscina marks its first workers ready before
    // they are (and so hands them tasks), and stops replacing workers that fail while starting,
    // so queued tasks would wait forever. Every task in hand or to come fails instead.
    const fail = (cause: unknown) => {
      if (this.failure) return;
      this.failure = new WorkerTaskError(`${this.poolName}: a worker of ${this.moduleName} could not start: ${messageOf(cause)}`, { cause });
      settle.reject(this.failure);
      void this.destroy();
    };
    this.on("message", (m: EntryMessage) => {
      if (m && typeof m === "object" && "zkrPoolReady" in m && ++started === size) settle.resolve();
      else if (m && typeof m === "object" && "zkrPoolFailed" in m) fail(m.zkrPoolFailed);
    });
    // piscina emits 'error' for a worker that fails with no task in hand; unhandled, an
    // EventEmitter's 'error' would throw in the main thread. Tasks in hand are rejected anyway.
    this.on("error", (err: unknown) => {
      if (started < size) fail(err);
    });
  }

  /** Runs a task on a free worker; failures are {@link WorkerTaskError}s (see the file's header). */
  override async run(task: T, options?: Parameters<Piscina<T, R>["run"]>[1]): Promise<R> {
    if (this.failure) throw this.failure;
    try {
      return await super.run(task, options);
    } catch (cause) {
      if (this.failure) throw this.failure;
      const what = this.describe(task);
      throw new WorkerTaskError(`${this.poolName}: task ${what ? `${what} ` : ""}(${this.moduleName}) failed: ${messageOf(cause)}`, { cause });
    }
  }
}

/** A {@link TaskPool} whose workers have all started (`init` done); one that cannot start is an error here. */
export async function startPool<T = unknown, R = unknown>(options: TaskPoolOptions): Promise<TaskPool<T, R>> {
  const pool = new TaskPool<T, R>(options);
  try {
    await pool.ready;
  } catch (err) {
    await pool.destroy();
    throw err;
  }
  return pool;
}

function defaultDescribe(task: unknown): string | undefined {
  if (!task || typeof task !== "object") return undefined;
  const t = task as { kind?: unknown; type?: unknown };
  const k = t.kind ?? t.type;
  return typeof k === "string" ? k : undefined;
}

/** An error's message; duck-typed, as errors cloned from a worker may come from another realm (jest's tests run in a vm context). */
function messageOf(err: unknown): string {
  const m = err && typeof err === "object" ? (err as { message?: unknown }).message : undefined;
  return typeof m === "string" ? m : String(err);
}
