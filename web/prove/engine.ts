/**
 * The browser's prover: the same Groth16 code as `zkr prove` (prover/groth16.ts) on the same
 * backends, hosted by a page. WebGPU through `navigator.gpu` (prover/webgpu, the kernels Node runs
 * through Dawn), the cpu backend's WebAssembly kernels on Web Workers as the fallback, and snarkjs's
 * own browser build as the outside baseline. The witness comes from the circuit's `.wasm` through
 * snarkjs's witness calculator; the proving key is read from a Blob section by section.
 */
import { Groth16Prover, type Groth16Proof, type ProofTimings } from "../../prover/groth16.js";
import type { ProverBackend } from "../../prover/backend.js";
import { createWebGpuBackend, Gpu } from "../../prover/webgpu/index.js";
import { createFfjsBackend } from "../../prover/ffjs.js";
import { readWtnsBytes, readZkeyBlob, readZkeyStream, type ProvingKey } from "../../prover/zkey.js";
import type { StepProgress } from "../../core/progress.js";
import { createBrowserCpuBackend } from "./cpu.js";

/** snarkjs's browser build (vendor/snarkjs.min.js), loaded by the page as a classic script. */
export interface SnarkJs {
  wtns: { calculate(input: unknown, wasm: Uint8Array, out: { type: "mem"; data?: Uint8Array }): Promise<void> };
  groth16: {
    verify(vkey: unknown, publicSignals: string[], proof: unknown): Promise<boolean>;
    prove(zkey: Uint8Array, wtns: Uint8Array): Promise<{ proof: Groth16Proof; publicSignals: string[] }>;
  };
  curves: { getCurveFromName(name: string): Promise<unknown> };
}
export const snarkjs = (): SnarkJs => {
  const s = (globalThis as { snarkjs?: SnarkJs }).snarkjs;
  if (!s) throw new Error("snarkjs's browser build did not load (vendor/snarkjs.min.js)");
  return s;
};

/** The backends the page offers. */
export type BackendChoice = "webgpu" | "cpu" | "snarkjs";

export interface OpenedBackend {
  backend: ProverBackend;
  choice: BackendChoice;
  /** What it runs on, for people: the adapter, or the number of workers. */
  description: string;
  /** Set when WebGPU was asked for and the page fell back to the CPU workers: why. */
  fallback?: string;
}

/** Options of the WebGPU device the page opens. */
export interface WebGpuChoice {
  /** Keep WebGPU's default limits (what most GPUs grant) instead of the adapter's own. */
  defaultLimits?: boolean;
}

/** What the page knows of this browser's WebGPU before proving. */
export async function describeWebGpu(): Promise<{ available: boolean; text: string }> {
  const gpu = (navigator as { gpu?: GPU }).gpu;
  if (!gpu) return { available: false, text: "this browser has no WebGPU (navigator.gpu is missing)" };
  const a = await gpu.requestAdapter({ powerPreference: "high-performance" }).catch(() => null);
  if (!a) return { available: false, text: "WebGPU exists but offers no adapter (disabled, or blocked for this GPU)" };
  const name = [a.info.description, a.info.vendor, a.info.architecture].filter(Boolean).join(" / ") || "unnamed adapter";
  const mib = (n: number) => `${Math.round(n / 2 ** 20)} MiB`;
  return { available: true, text: `${name}; up to ${mib(a.limits.maxStorageBufferBindingSize)} per storage binding, ${mib(a.limits.maxBufferSize)} per buffer` };
}

/**
 * Opens the backend asked for. WebGPU that is missing, offers no adapter or refuses a device falls
 * back to the CPU workers, and says why.
 */
export async function openBackend(choice: BackendChoice, o: WebGpuChoice & { log?: (l: string) => void } = {}): Promise<OpenedBackend> {
  const log = o.log ?? (() => {});
  if (choice === "snarkjs") {
    const backend = await createFfjsBackend({ curve: () => snarkjs().curves.getCurveFromName("bn128") });
    return { backend, choice, description: "snarkjs's engine (ffjavascript, its own Web Workers)" };
  }
  if (choice === "webgpu") {
    const why: string[] = [];
    try {
      const b = await createWebGpuBackend({ open: (opts) => Gpu.fromNavigator((navigator as { gpu?: GPU }).gpu, { ...opts, defaultLimits: o.defaultLimits, log: (l) => why.push(l.replace(/^webgpu: /, "")) }), log });
      const mib = (n: number) => `${Math.round(n / 2 ** 20)} MiB`;
      return { backend: b, choice, description: `${b.inner.adapter.name} (${mib(b.inner.limits.maxStorageBufferBindingSize)} per binding${o.defaultLimits ? ", WebGPU's default limits" : ""})` };
    } catch (err) {
      const fallback = `WebGPU is not usable here (${why.join("; ") || (err as Error).message}): proving on the CPU workers instead`;
      log(fallback);
      const cpu = await openBackend("cpu", o);
      return { ...cpu, fallback };
    }
  }
  const { backend, threads } = await createBrowserCpuBackend();
  return { backend, choice: "cpu", description: `WebAssembly on ${threads} Web Workers` };
}

/** What the page proves: a proving key, the circuit's witness generator and an input. */
export interface ProofRequest {
  /** A file the user gave, or the URL of a served one (read as it downloads). */
  zkey: Blob | string;
  zkeyName: string;
  wasm: Uint8Array;
  input: Record<string, unknown>;
}

export interface ProofResult {
  proof: Groth16Proof;
  publicSignals: string[];
  timings: ProofTimings & { load: number; witness: number };
}

/**
 * Reads a proving key, reporting the bytes read: a Blob as a stream, a URL as it downloads (the
 * key is parsed while its bytes arrive, each section copied once).
 */
export async function loadKey(zkey: Blob | string, name: string, progress?: (p: StepProgress) => void): Promise<ProvingKey> {
  const report = (done: number, total: number) => progress?.({ step: "proving key", done, total, unit: "bytes" });
  if (typeof zkey !== "string") {
    report(0, zkey.size);
    return readZkeyBlob(zkey, name, report);
  }
  const r = await fetchOk(zkey);
  if (!r.body) throw new Error(`${zkey}: an empty answer`);
  // The size is checked against the bytes only when it is the file's: a compressed answer's is not.
  const length = r.headers.get("content-encoding") ? null : r.headers.get("content-length");
  const size = length !== null && Number.isSafeInteger(Number(length)) ? Number(length) : undefined;
  report(0, size ?? 0);
  return readZkeyStream(r.body, name, { size, progress: report });
}

/** The `.wtns` file of `input`, in memory, from the circuit's `.wasm` (snarkjs's witness calculator). */
async function calculateWtns(wasm: Uint8Array, input: Record<string, unknown>): Promise<Uint8Array> {
  const out: { type: "mem"; data?: Uint8Array } = { type: "mem" };
  await snarkjs().wtns.calculate(input, wasm, out);
  if (!out.data) throw new Error("snarkjs wrote no witness");
  return out.data;
}

/** The witness of `input`, as the prover's bytes. */
export async function computeWitness(wasm: Uint8Array, input: Record<string, unknown>): Promise<Uint8Array> {
  return readWtnsBytes(await calculateWtns(wasm, input), "witness");
}

/** Proves once on an opened backend: key, witness, proof, each step timed. */
export async function proveOnce(req: ProofRequest, backend: ProverBackend, o: { log?: (l: string) => void; progress?: (p: StepProgress) => void; key?: ProvingKey } = {}): Promise<ProofResult> {
  let t = performance.now();
  const key = o.key ?? (await loadKey(req.zkey, req.zkeyName, o.progress));
  const prover = await Groth16Prover.create(key, backend);
  const load = (performance.now() - t) / 1000;
  o.log?.(`proving key: ${key.nVars} wires, 2^${key.power} domain, ready in ${load.toFixed(2)} s`);
  try {
    t = performance.now();
    o.progress?.({ step: "witness", done: 0, total: 0, unit: "" });
    const witness = await computeWitness(req.wasm, req.input);
    const wt = (performance.now() - t) / 1000;
    o.log?.(`witness: ${witness.length / 32} values in ${wt.toFixed(2)} s`);
    const r = await prover.prove(witness, { log: o.log, progress: o.progress });
    return { ...r, timings: { ...r.timings, load, witness: wt } };
  } finally {
    await prover.release();
  }
}

/** snarkjs's own `groth16.prove` on the same files, for comparison: witness and proof timed. */
export async function proveWithSnarkjs(req: ProofRequest): Promise<ProofResult> {
  const s = snarkjs();
  let t = performance.now();
  const zkey = new Uint8Array(await (typeof req.zkey === "string" ? await fetchOk(req.zkey) : req.zkey).arrayBuffer());
  const load = (performance.now() - t) / 1000;
  t = performance.now();
  const wtns = await calculateWtns(req.wasm, req.input);
  const witness = (performance.now() - t) / 1000;
  t = performance.now();
  const { proof, publicSignals } = await s.groth16.prove(zkey, wtns);
  const total = (performance.now() - t) / 1000;
  return { proof, publicSignals, timings: { abc: NaN, ntt: NaN, msm: NaN, assemble: NaN, total, load, witness } };
}

/** fetch, with an error naming the URL for anything but 2xx. */
export async function fetchOk(url: string): Promise<Response> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: ${r.status} ${r.statusText}`);
  return r;
}
