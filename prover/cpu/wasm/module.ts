/**
 * Assembles the CPU backend's WebAssembly module: Fq, Fr (29-bit-limb Montgomery), Fq2, the G1
 * and G2 kernels, the NTT, the QAP's vector kernels and the MSM helpers. The module imports one *shared* memory
 * (`env.memory`), which the main thread and every worker instantiate the same compiled module
 * on: bases, scalars and NTT buffers live there once and every thread maps them.
 *
 * Sharing one memory is safe because no kernel writes to the module's static data: the static
 * region [0, staticEnd) holds only constants (each instantiation rewrites the same bytes), and
 * every temporary lives in scratch that the caller passes (the main thread hands each task its
 * own). That is why this module does not reuse wasmcurves' functions: they keep temporaries at
 * fixed addresses.
 */
import { ModuleBuilder } from "wasmbuilder";
import { P, R } from "../../../core/bn254.js";
import { buildCurve } from "./curve.js";
import { FIELD_BYTES, buildPrimeField } from "../../../core/wasm/field.js";
import { buildQuadraticField, primeFieldOps, quadraticFieldOps } from "./field2.js";
import { buildMsmHelpers } from "./msm.js";
import { buildNtt } from "./ntt.js";
import { buildQap } from "./qap.js";

/** Largest memory the module accepts: 4 GiB (wasm32). */
export const MAX_PAGES = 65536;

/** The compiled module and where its static data ends. */
export interface CpuWasm {
  module: WebAssembly.Module;
  /** First byte after the module's constants: the heap starts here. */
  staticEnd: number;
  /** Address of Fr's Montgomery one (a constant). */
  frOne: number;
}

/** A ModuleBuilder whose memory import is shared, with a maximum (required for shared memory). */
class SharedMemoryModuleBuilder extends ModuleBuilder {
  override _buildImport(): number[] {
    // ASCII names, byte by byte (no Buffer: this module is built in browsers too)
    const str = (s: string): number[] => [s.length, ...Array.from(s, (ch) => ch.charCodeAt(0))];
    const leb = (v: number): number[] => {
      const out: number[] = [];
      let x = v;
      do {
        let b = x & 0x7f;
        x = Math.floor(x / 128);
        if (x !== 0) b |= 0x80;
        out.push(b);
      } while (x !== 0);
      return out;
    };
    const entry = [...str("env"), ...str("memory"), 0x02, 0x03, ...leb(this.memory.pagesSize), ...leb(MAX_PAGES)];
    return this._buildSection(0x02, [1, ...entry]);
  }
}

let cached: CpuWasm | null = null;

/** The module's bytes before compiling, with the addresses {@link CpuWasm} carries. */
export interface CpuWasmCode {
  code: Uint8Array<ArrayBuffer>;
  staticEnd: number;
  frOne: number;
}

/** Assembles the module (about 0.15 s of JavaScript on this machine's cores; deterministic). */
export function buildCpuWasmCode(): CpuWasmCode {
  const mb = new SharedMemoryModuleBuilder();
  mb.setMemory(1);
  buildPrimeField(mb, "fq", P);
  const fr = buildPrimeField(mb, "fr", R);
  buildQuadraticField(mb, "fq2", "fq");
  buildCurve(mb, "g1", (c, t) => primeFieldOps(c, "fq", t), FIELD_BYTES);
  buildCurve(mb, "g2", (c, t) => quadraticFieldOps(c, "fq2", t), 2 * FIELD_BYTES);
  buildNtt(mb);
  buildQap(mb);
  buildMsmHelpers(mb, [
    { g: "g1", affineBytes: 2 * FIELD_BYTES },
    { g: "g2", affineBytes: 4 * FIELD_BYTES },
  ]);
  const code = mb.build();
  return { code: Uint8Array.from(code), staticEnd: (mb.free + 63) & ~63, frOne: fr.pOne };
}

/**
 * The file, beside the compiled build of this module, in which scripts/build-js.mjs stores the
 * assembled module ({@link CpuWasmCode}, the code in base64): the CLI then starts without
 * assembling it. Never beside the TypeScript source, so a source edit cannot meet stale bytes
 * (bin/zkr.js runs build/js only while it is newer than every source).
 */
export const PREBUILT_FILE = "cpu-module.json";

/**
 * The prebuilt module when this code runs from build/js in Node, else null. Node's fs is taken
 * through process.getBuiltinModule (Node 20.16+; without it the module is assembled), not an
 * import, so that no browser bundle of this file follows or names it.
 */
async function prebuilt(): Promise<CpuWasmCode | null> {
  const proc = (globalThis as { process?: { versions?: { node?: string }; getBuiltinModule?: (id: string) => unknown } }).process;
  if (!proc?.versions?.node || !proc.getBuiltinModule || !import.meta.url.startsWith("file:") || !import.meta.url.endsWith(".js")) return null;
  const fs = proc.getBuiltinModule("fs") as { readFileSync(f: URL, enc: "utf8"): string };
  let text: string;
  try {
    text = fs.readFileSync(new URL(`./${PREBUILT_FILE}`, import.meta.url), "utf8");
  } catch {
    return null;
  }
  const j = JSON.parse(text) as { code: string; staticEnd: number; frOne: number };
  return { code: Uint8Array.from(atob(j.code), (ch) => ch.charCodeAt(0)), staticEnd: j.staticEnd, frOne: j.frOne };
}

/** Builds (or takes the prebuilt) and compiles the module, once per process. */
export async function cpuWasm(): Promise<CpuWasm> {
  if (cached) return cached;
  const { code, staticEnd, frOne } = (await prebuilt()) ?? buildCpuWasmCode();
  const module = await WebAssembly.compile(code);
  cached = { module, staticEnd, frOne };
  return cached;
}
