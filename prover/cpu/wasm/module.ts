/**
 * The CPU backend's WebAssembly module: Fq, Fr (29-bit-limb Montgomery), Fq2, the G1 and G2
 * kernels, the NTT, the QAP's vector kernels and the MSM helpers, assembled by ./assemble.ts. The
 * module imports one *shared* memory (`env.memory`), which the main thread and every worker
 * instantiate the same compiled module on: bases, scalars and NTT buffers live there once and
 * every thread maps them.
 *
 * Sharing one memory is safe because no kernel writes to the module's static data: the static
 * region [0, staticEnd) holds only constants (each instantiation rewrites the same bytes), and
 * every temporary lives in scratch that the caller passes (the main thread hands each task its
 * own). That is why this module does not reuse wasmcurves' functions: they keep temporaries at
 * fixed addresses.
 *
 * Where scripts/build-js.mjs stored the assembled module (the compiled CLI), the assembler and
 * wasmbuilder are not even loaded: ~25 ms of a one-shot `zkr prove`'s start.
 */
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

let cached: CpuWasm | null = null;

/** The module's bytes before compiling, with the addresses {@link CpuWasm} carries. */
export interface CpuWasmCode {
  code: Uint8Array<ArrayBuffer>;
  staticEnd: number;
  frOne: number;
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
  const { code, staticEnd, frOne } = (await prebuilt()) ?? (await import("./assemble.js")).buildCpuWasmCode();
  const module = await WebAssembly.compile(code);
  cached = { module, staticEnd, frOne };
  return cached;
}
