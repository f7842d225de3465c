/**
 * What the cpu backend needs of a worker pool, whichever host runs its workers: Node's worker
 * threads (prover/cpu/node-pool.ts, core/pool.ts's TaskPool on piscina) or a browser's Web Workers
 * (prover/cpu/web-pool.ts). The backend starts one through {@link CpuWorkerPool.start} once it has
 * made the shared memory and compiled the module its workers instantiate (the init data), hence a
 * pool is passed to it as this factory, not as a running pool.
 */
import type { CpuTask, CpuWorkerData } from "./worker.mjs";

/** A running pool of workers, each of which ran worker.mjs's `init` on the backend's init data. */
export interface CpuTaskRunner {
  /**
   * Runs one task of worker.mjs on a free worker (queued until one is). A task that throws, a
   * worker that dies with it in hand (the `crash` test task) and a worker that cannot start each
   * reject with a WorkerTaskError naming the pool and the task; the pool replaces a dead worker.
   */
  run(task: CpuTask): Promise<unknown>;
  /** Stops every worker; tasks not yet settled reject. */
  destroy(): Promise<void>;
}

/** What the backend hands {@link CpuWorkerPool.start}. */
export interface CpuPoolStartOptions {
  /** The pool's name in errors ("cpu"). */
  name: string;
  /** Each worker's `init` argument: the shared memory and the compiled module. */
  workerData: CpuWorkerData;
  /** Workers, all started at once and kept. */
  threads: number;
}

/** A way to start the backend's workers: the `pool` option of createCpuBackend. */
export interface CpuWorkerPool {
  /** Where its workers run, for messages ("Node worker threads", "Web Workers"). */
  readonly host: string;
  /** Workers when the caller names no count: one per core. */
  defaultThreads(): number;
  /** Starts the workers; a worker that cannot start fails the tasks, never hangs them. */
  start(options: CpuPoolStartOptions): CpuTaskRunner;
}
