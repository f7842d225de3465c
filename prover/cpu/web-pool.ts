/**
 * The cpu backend's workers in a browser: Web Workers running prover/cpu/web-worker.ts (which
 * runs worker.mjs, the task module Node's worker threads run too). The browser's counterpart of
 * prover/cpu/node-pool.ts, and the only place browser code starts workers (test/core.pool.test.ts).
 *
 * Use, on the page (an ES module bundled for the browser):
 *
 *   import { createCpuBackend } from "../prover/cpu/index.js";
 *   import { webWorkerPool } from "../prover/cpu/web-pool.js";
 *   const cpu = await createCpuBackend({
 *     threads: navigator.hardwareConcurrency, // the default too
 *     pool: webWorkerPool(new URL("./cpu-worker.js", import.meta.url)),
 *   });
 *
 * where cpu-worker.js is prover/cpu/web-worker.ts bundled on its own as an ES module (esbuild
 * `--bundle --format=esm --platform=browser`): the pool starts it with
 * `new Worker(url, { type: "module" })`.
 *
 * THE PAGE MUST BE CROSS-ORIGIN ISOLATED. The workers share one WebAssembly.Memory (a
 * SharedArrayBuffer), which browsers allow only when the page is served with
 *   Cross-Origin-Opener-Policy: same-origin
 *   Cross-Origin-Embedder-Policy: require-corp
 * (the worker script, same-origin, needs no header of its own beyond what its server sends the
 * page's other files; cross-origin files the page loads need CORS or Cross-Origin-Resource-Policy).
 * Without them `globalThis.crossOriginIsolated` is false and createCpuBackend refuses with a
 * BackendError saying so.
 *
 * The pool: `threads` module workers, all started at once, each sent the backend's init data
 * (the shared memory, the compiled module, its own worker id); a queue of tasks, each handed to a
 * ready worker with none in hand; results and task errors come back as web-worker.ts posts them.
 * As core/pool.ts's TaskPool, every failure is a WorkerTaskError naming the pool and the task: a
 * task that throws; a worker that dies with a task in hand (its `error` event: the worker is
 * terminated and replaced, the other tasks go on); a worker that cannot start (its module fails
 * to load or its init fails: the whole pool fails, every task in hand or to come rejects, nothing
 * waits forever). `destroy()` terminates every worker.
 */
import { WorkerTaskError } from "../../core/errors.js";
import type { CpuTaskRunner, CpuWorkerPool, CpuPoolStartOptions } from "./runner.js";
import type { FromCpuWorker, ToCpuWorker, WorkerErrorData } from "./web-worker.js";
import type { CpuTask } from "./worker.mjs";

/** What the pool needs of a Worker: the DOM's, or a test's stand-in. */
export interface WebWorkerLike {
  postMessage(message: ToCpuWorker): void;
  addEventListener(type: "message", listener: (event: { data: FromCpuWorker }) => void): void;
  /** An uncaught error in the worker, or a module that failed to load (an ErrorEvent, or a plain Event with no message). */
  addEventListener(type: "error" | "messageerror", listener: (event: { message?: string; error?: unknown; preventDefault?(): void }) => void): void;
  terminate(): void;
}

/** Options of {@link webWorkerPool}. */
export interface WebWorkerPoolOptions {
  /** Makes one worker (default: the browser's `new Worker(url, { type: "module", name })`); tests pass a stand-in. */
  createWorker?: (url: URL, name: string) => WebWorkerLike;
}

/**
 * The cpu backend's `pool` option for a browser: module Web Workers started from `url`, the
 * bundled prover/cpu/web-worker.ts. Its default thread count is `navigator.hardwareConcurrency`.
 */
export function webWorkerPool(url: URL | string, options: WebWorkerPoolOptions = {}): CpuWorkerPool {
  const href = new URL(url, (globalThis as { location?: { href: string } }).location?.href);
  const create = options.createWorker ?? browserWorker;
  return {
    host: "Web Workers",
    defaultThreads: () => Math.max(1, (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1),
    start: (o) => new WebWorkerPool(href, o, create),
  };
}

/** The browser's Worker (the project's TypeScript has Node's types, not the DOM's). */
declare const Worker: (new (url: URL, options: { type: "module"; name: string }) => WebWorkerLike) | undefined;

function browserWorker(url: URL, name: string): WebWorkerLike {
  if (typeof Worker !== "function") throw new WorkerTaskError(`${name}: this host has no Web Workers (no global Worker)`);
  return new Worker(url, { type: "module", name });
}

interface Job {
  id: number;
  task: CpuTask;
  resolve(value: unknown): void;
  reject(err: Error): void;
}

interface Slot {
  worker: WebWorkerLike;
  /** The id in its init data (ping and ntt answer it). */
  workerId: number;
  /** Its init is done. */
  ready: boolean;
  job: Job | null;
}

/** The runner on Web Workers (see the file's header); made by {@link webWorkerPool}'s `start`. */
export class WebWorkerPool implements CpuTaskRunner {
  /** The pool's name in errors. */
  readonly poolName: string;
  /** Workers. */
  readonly size: number;
  readonly #url: URL;
  readonly #workerData: CpuPoolStartOptions["workerData"];
  readonly #create: (url: URL, name: string) => WebWorkerLike;
  /** The worker script's name in errors (its file, as core/pool.ts names its module). */
  readonly #file: string;
  readonly #slots: Slot[] = [];
  readonly #queue: Job[] = [];
  #nextJob = 1;
  #nextWorker = 1;
  #failure: WorkerTaskError | null = null;
  #destroyed = false;

  constructor(url: URL, options: CpuPoolStartOptions, create: (url: URL, name: string) => WebWorkerLike) {
    const { name, workerData, threads } = options;
    if (!Number.isInteger(threads) || threads < 1) throw new WorkerTaskError(`${name}: threads: a positive integer expected, got ${String(threads)}`);
    this.poolName = name;
    this.size = threads;
    this.#url = url;
    this.#workerData = workerData;
    this.#create = create;
    this.#file = url.pathname.split("/").pop() || url.href;
    for (let i = 0; i < threads; i++) this.#slots.push(this.#spawn());
  }

  /** Runs a task on a free worker; failures are WorkerTaskErrors (see the file's header). */
  run(task: CpuTask): Promise<unknown> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (this.#destroyed) return Promise.reject(new WorkerTaskError(`${this.poolName}: the pool is destroyed`));
    return new Promise((resolve, reject) => {
      this.#queue.push({ id: this.#nextJob++, task, resolve, reject });
      this.#dispatch();
    });
  }

  /** Terminates every worker; tasks in hand or queued reject. */
  async destroy(): Promise<void> {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.#stopAll(new WorkerTaskError(`${this.poolName}: the pool was destroyed`));
  }

  #spawn(): Slot {
    const workerId = this.#nextWorker++;
    const worker = this.#create(this.#url, `${this.poolName} worker ${workerId}`);
    const slot: Slot = { worker, workerId, ready: false, job: null };
    worker.addEventListener("message", (event) => this.#onMessage(slot, event.data));
    worker.addEventListener("error", (event) => {
      event.preventDefault?.(); // handled here: not also an uncaught error on the page
      this.#onDeath(slot, event.message || messageOf(event.error) || "an error event without a message (a worker script that failed to load?)");
    });
    worker.addEventListener("messageerror", () => this.#onDeath(slot, "a message from the worker could not be read (messageerror)"));
    worker.postMessage({ init: { ...this.#workerData, threadId: workerId } });
    return slot;
  }

  #onMessage(slot: Slot, m: FromCpuWorker): void {
    if (!this.#slots.includes(slot)) return; // a worker already replaced or stopped
    if ("ready" in m) {
      slot.ready = true;
      this.#dispatch();
    } else if ("initError" in m) {
      this.#fail(`a worker of ${this.#file} could not start: ${m.initError.message}`, revive(m.initError));
    } else {
      const job = slot.job;
      if (!job || job.id !== m.id) return; // cannot happen: one task per worker at a time
      slot.job = null;
      if ("error" in m) job.reject(this.#taskError(job, m.error.message, revive(m.error)));
      else job.resolve(m.result);
      this.#dispatch();
    }
  }

  /** A worker's `error` event: before it was ready, the pool cannot start; after, its task fails and it is replaced. */
  #onDeath(slot: Slot, message: string): void {
    const i = this.#slots.indexOf(slot);
    if (i < 0) return;
    if (!slot.ready) {
      this.#fail(`a worker of ${this.#file} could not start: ${message}`, new Error(message));
      return;
    }
    slot.worker.terminate();
    const job = slot.job;
    slot.job = null;
    this.#slots[i] = this.#spawn();
    if (job) job.reject(this.#taskError(job, `the worker died: ${message}`, new Error(message)));
  }

  #taskError(job: Job, message: string, cause: unknown): WorkerTaskError {
    return new WorkerTaskError(`${this.poolName}: task ${job.task.kind} (${this.#file}) failed: ${message}`, { cause });
  }

  /** A worker that cannot start breaks the pool (as core/pool.ts's): every task in hand or to come fails. */
  #fail(message: string, cause: unknown): void {
    if (this.#failure || this.#destroyed) return;
    this.#failure = new WorkerTaskError(`${this.poolName}: ${message}`, { cause });
    this.#stopAll(this.#failure);
  }

  #stopAll(err: WorkerTaskError): void {
    for (const s of this.#slots.splice(0)) {
      s.worker.terminate();
      s.job?.reject(err);
    }
    for (const job of this.#queue.splice(0)) job.reject(err);
  }

  #dispatch(): void {
    for (const slot of this.#slots) {
      if (this.#queue.length === 0) return;
      if (!slot.ready || slot.job) continue;
      const job = this.#queue.shift()!;
      slot.job = job;
      slot.worker.postMessage({ id: job.id, task: job.task });
    }
  }
}

/** The worker's error as an Error here (its class does not cross postMessage; its name, message and stack do). */
function revive(data: WorkerErrorData): Error {
  const err = new Error(data.message);
  err.name = data.name;
  if (data.stack) err.stack = data.stack;
  return err;
}

function messageOf(err: unknown): string {
  const m = err && typeof err === "object" ? (err as { message?: unknown }).message : undefined;
  return typeof m === "string" ? m : err === undefined ? "" : String(err);
}
