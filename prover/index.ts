/**
 * The prover's library API: prove a circuit input (or a ready witness) with a zkey on a chosen
 * backend, producing snarkjs-format proof and public signals.
 */
import fs from "node:fs";
import { computeWitness, type CircuitInputs } from "../circuits/witness.js";
import { BackendError, FR_BYTES, type ProverBackend } from "./backend.js";
import { checkedBackend, type CheckedBackend } from "./checked.js";
import { Groth16Prover, type Groth16Proof, type ProofTimings, type ProverLog } from "./groth16.js";
import { openZkey, readWtns } from "./zkey-file.js";
import { bigintToLe } from "../core/bytes.js";
import type { OnProgress } from "../core/progress.js";

export { Groth16Prover, type Groth16Proof } from "./groth16.js";
export { readZkey, readWtns, readZkeyInfo } from "./zkey-file.js";

/** Backends by name. `ffjs` is snarkjs's engine, the outside reference; `auto` picks one. */
export const BACKENDS = ["auto", "webgpu", "cpu", "ffjs"] as const;
export type BackendName = (typeof BACKENDS)[number];

/**
 * Starts a backend by name; a backend that cannot start is an error, never a silent fallback.
 * `auto` is the one exception by design: WebGPU when a hardware adapter with the needed limits
 * is found, else the cpu, and it logs which and why (a software adapter such as llvmpipe is
 * correct but far slower than the cpu backend, so `auto` does not pick it). Every backend comes
 * behind the interface's checks (prover/checked.ts).
 */
export async function createBackend(name: string, log: ProverLog = () => {}, opts: BackendOptions = {}): Promise<CheckedBackend> {
  return checkedBackend(await startBackend(name, log, opts));
}

/** Options of {@link createBackend}. */
export interface BackendOptions {
  /** Worker threads of the cpu backend (also `auto`'s and the service's fallback to it); default one per core. */
  threads?: number;
  /**
   * log2 of the domain of the one key this backend will prove with, when the caller knows it and
   * proves once (`zkr prove`): below {@link AUTO_WEBGPU_MIN_POWER}, `auto` picks the cpu without
   * looking for a GPU. Long-running callers (the prover service) leave it out.
   */
  power?: number;
}

/**
 * The smallest domain (log2) for which `auto` looks for a GPU when it proves once. Below it a
 * one-shot process does better on the cpu whatever GPU is there: looking for an adapter loads Dawn
 * (measured here: 0.3–0.7 s and 70 MiB of a 2^14 `zkr prove` that takes 1.5–2.5 s in all, with no
 * GPU found) and a found one compiles its kernels at first use, while the cpu backend proves a
 * 2^16 key in about 3 s on 2 cores.
 */
export const AUTO_WEBGPU_MIN_POWER = 17;

async function startBackend(name: string, log: ProverLog, opts: BackendOptions): Promise<ProverBackend> {
  switch (name) {
    case "cpu": {
      const { createCpuBackend } = await import("./cpu/index.js");
      const b = await createCpuBackend({ threads: opts.threads });
      log(`backend: cpu (${b.inner.threads} worker threads)`);
      return b;
    }
    case "ffjs": {
      const { createFfjsBackend } = await import("./ffjs.js");
      log("backend: ffjs (snarkjs's engine, the reference)");
      return createFfjsBackend();
    }
    case "webgpu": {
      const { createWebGpuBackend } = await import("./webgpu/index.js");
      const b = await createWebGpuBackend({ log });
      const a = b.inner.adapter;
      log(`backend: webgpu on ${a.name} (${a.backend}${a.software ? ", a software adapter: slow" : ""})`);
      return b;
    }
    case "auto": {
      if (opts.power !== undefined && opts.power < AUTO_WEBGPU_MIN_POWER) {
        const { createCpuBackend } = await import("./cpu/index.js");
        const b = await createCpuBackend({ threads: opts.threads });
        log(`backend: auto picked cpu (${b.inner.threads} worker threads) without looking for a GPU: a 2^${opts.power} key is below 2^${AUTO_WEBGPU_MIN_POWER}, where starting one costs more than the proof`);
        return b;
      }
      const devices = gpuDeviceFiles();
      if (devices?.length === 0) {
        const { createCpuBackend } = await import("./cpu/index.js");
        const b = await createCpuBackend({ threads: opts.threads });
        log(`backend: auto picked cpu (${b.inner.threads} worker threads): this machine has no GPU device (${GPU_DEVICE_FILES}), so WebGPU was not loaded`);
        return b;
      }
      const { createWebGpuBackend } = await import("./webgpu/index.js");
      let why: string;
      try {
        const b = await createWebGpuBackend({ onlyHardware: true, log });
        log(`backend: auto picked webgpu on ${b.inner.adapter.name} (${b.inner.adapter.backend})`);
        return b;
      } catch (err) {
        why = (err as Error).message;
      }
      const { createCpuBackend } = await import("./cpu/index.js");
      const b = await createCpuBackend({ threads: opts.threads });
      log(`backend: auto picked cpu (${why.replace(/^webgpu: /, "")})`);
      return b;
    }
    default:
      throw new BackendError(name, `unknown backend; one of ${BACKENDS.join(", ")} expected`);
  }
}

/**
 * Whether starting backend `name` may load Dawn (WebGPU): `webgpu`, and `auto` unless it picks
 * the cpu without looking (a key below 2^17 in a one-shot process, or no GPU device file). What
 * loads Dawn can hold the main thread in native code; `zkr prove` then runs under a supervisor
 * (scripts/supervise.ts), and in-process otherwise.
 */
export function mayLoadWebGpu(name: string, power?: number): boolean {
  if (name === "webgpu") return true;
  if (name !== "auto") return false;
  if (power !== undefined && power < AUTO_WEBGPU_MIN_POWER) return false;
  return gpuDeviceFiles()?.length !== 0;
}

/** The device files through which Linux exposes a GPU to user space, as the log names them. */
const GPU_DEVICE_FILES = "/dev/dri/renderD*, /dev/nvidia*, /dev/dxg";

/**
 * On Linux, the GPU device files present: DRM render nodes (AMD, Intel, Nouveau, …), NVIDIA's
 * driver's, WSL2's. Dawn opens a hardware adapter only through one of them, so none means none
 * can be found, and `auto` skips loading Dawn and its drivers (0.3–0.7 s and 70–130 MiB of a
 * `zkr prove` measured on this machine). Undefined elsewhere: there the probe decides.
 */
export function gpuDeviceFiles(): string[] | undefined {
  if (process.platform !== "linux") return undefined;
  const found: string[] = [];
  try {
    for (const e of fs.readdirSync("/dev/dri")) if (e.startsWith("renderD")) found.push(`/dev/dri/${e}`);
  } catch {
    // no /dev/dri
  }
  try {
    for (const e of fs.readdirSync("/dev")) if (/^nvidia(\d+|ctl)$/.test(e) || e === "dxg") found.push(`/dev/${e}`);
  } catch {
    // no /dev to read (a sandbox): let the probe decide
    return undefined;
  }
  return found;
}

/** A witness as the prover takes it: 32-byte little-endian scalars. */
export function witnessToBytes(witness: readonly bigint[]): Uint8Array {
  const out = new Uint8Array(witness.length * FR_BYTES);
  witness.forEach((v, i) => bigintToLe(v, out, i * FR_BYTES, FR_BYTES));
  return out;
}

/** What {@link prove} takes. */
export interface ProveOptions {
  zkey: string;
  /** A ready witness (.wtns), or the circuit's witness generator and an input. */
  wtns?: string;
  wasm?: string;
  input?: CircuitInputs;
  /** The backend, or one still starting (createBackend's promise): the key is read meanwhile. */
  backend: ProverBackend | Promise<ProverBackend>;
  log?: ProverLog;
  /** Each step as it runs: reading the key, the witness, then the proof's parts. */
  progress?: OnProgress;
}

/**
 * Proves once: reads the key's header and coefficients (while the backend starts, when it is still
 * starting), then its point sections straight into the backend where it takes them so (the cpu
 * backend: no copy in JavaScript memory, none left to collect while it proves), computes or reads
 * the witness, proves on the backend.
 */
export async function prove(o: ProveOptions): Promise<{ proof: Groth16Proof; publicSignals: string[]; timings: ProofTimings & { witness: number; load: number } }> {
  const log = o.log ?? (() => {});
  let t = performance.now();
  o.progress?.({ step: "proving key", done: 0, total: 0, unit: "" });
  // The header and the coefficients while the backend starts; the points then, into the backend.
  const opened = await openZkey(o.zkey);
  const read = (performance.now() - t) / 1000;
  let prover: Groth16Prover;
  let started: number;
  try {
    const backend = await o.backend;
    started = (performance.now() - t) / 1000;
    prover = await Groth16Prover.create(opened.key, backend, opened.points);
  } finally {
    await opened.close();
  }
  const backend = prover.backend;
  const { nVars, power } = prover.key;
  const load = (performance.now() - t) / 1000;
  log(`zkey: ${nVars} wires, 2^${power} domain, loaded in ${load.toFixed(2)} s (header and coefficients read in ${read.toFixed(2)} s, then the backend's start ${(started - read).toFixed(2)} s, points read and loaded ${(load - started).toFixed(2)} s)`);
  t = performance.now();
  if (!o.wtns) o.progress?.({ step: "witness", done: 0, total: 0, unit: "" });
  let witness: Uint8Array;
  if (o.wtns) witness = readWtns(o.wtns);
  else if (o.wasm && o.input) witness = witnessToBytes(await computeWitness(o.wasm, o.input, { log }));
  else throw new Error("prove: a .wtns file, or a witness generator (.wasm) with an input, expected");
  const wt = (performance.now() - t) / 1000;
  log(`witness: ${witness.length / FR_BYTES} values in ${wt.toFixed(2)} s`);
  log(`proving on ${backend.name}…`);
  try {
    const r = await prover.prove(witness, { log, progress: o.progress });
    return { ...r, timings: { ...r.timings, witness: wt, load } };
  } finally {
    await prover.release();
  }
}

/** Writes proof.json and public.json (through temporary names: no half-written proof). */
export function writeProof(proofFile: string, publicFile: string, proof: Groth16Proof, publicSignals: string[]): void {
  for (const [file, data] of [[proofFile, proof], [publicFile, publicSignals]] as const) {
    fs.writeFileSync(`${file}.partial`, JSON.stringify(data, null, 1) + "\n");
    fs.renameSync(`${file}.partial`, file);
  }
}
