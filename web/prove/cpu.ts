/**
 * The cpu backend in the page: its WebAssembly kernels on Web Workers (prover/cpu, the same code
 * Node runs on worker threads). The workers share the backend's WebAssembly memory, which a browser
 * allows only to a cross-origin-isolated page (`zkr web` sends the COOP and COEP headers).
 */
import type { ProverBackend } from "../../prover/backend.js";

export async function createBrowserCpuBackend(): Promise<{ backend: ProverBackend; threads: number }> {
  throw new Error("the CPU workers are not wired in yet");
}
