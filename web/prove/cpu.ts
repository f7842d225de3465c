/**
 * The cpu backend in the page: its WebAssembly kernels on Web Workers (prover/cpu, the same code
 * Node runs on worker threads; the workers run ./cpu-worker.ts). The workers share the backend's
 * WebAssembly memory, which a browser allows only to a cross-origin-isolated page (`zkr web` sends
 * the COOP and COEP headers); without it createCpuBackend says so.
 */
import type { ProverBackend } from "../../prover/backend.js";
import { createCpuBackend } from "../../prover/cpu/index.js";
import { webWorkerPool } from "../../prover/cpu/web-pool.js";

export async function createBrowserCpuBackend(): Promise<{ backend: ProverBackend; threads: number }> {
  const threads = Math.max(1, Math.min(navigator.hardwareConcurrency || 1, 32));
  const backend = await createCpuBackend({ threads, pool: webWorkerPool(new URL("./cpu-worker.js", import.meta.url)) });
  return { backend, threads };
}
