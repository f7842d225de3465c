/**
 * The cpu backend's workers in Node: core/pool.ts's TaskPool (piscina worker threads) running
 * worker.mjs, one thread per core by default. prover/cpu/index.ts loads this module with a dynamic
 * import, and only when no `pool` is given: it holds Node's modules and piscina, which a browser
 * bundle of the backend must not (the browser's pool is prover/cpu/web-pool.ts).
 */
import os from "node:os";
import { TaskPool } from "../../core/pool.js";
import type { CpuWorkerPool } from "./runner.js";
import type { CpuTask } from "./worker.mjs";

/** Node's worker threads, through core/pool.ts. */
export const nodeWorkerPool: CpuWorkerPool = {
  host: "Node worker threads",
  defaultThreads: () => Math.max(1, os.availableParallelism?.() ?? os.cpus().length),
  start: ({ name, workerData, threads }) =>
    new TaskPool<CpuTask, unknown>({ name, module: new URL("./worker.mjs", import.meta.url), workerData, threads }),
};
