/**
 * Witness generation and checking for circom circuits: runs the circuit's WebAssembly witness
 * generator on a set of inputs, writes snarkjs `.wtns` files, and checks a witness against the
 * circuit's R1CS with snarkjs.
 */
import fs from "node:fs";
import path from "node:path";
import vm from "node:vm";
import { createRequire } from "node:module";
import { R as BN254_R } from "../core/bn254.js";
import { bigintToLe } from "../core/bytes.js";
import { encodeContainer } from "../core/binfile.js";
import { ZkrError } from "../core/errors.js";

/** Circuit inputs: signal name → value or nested array of values. */
export type CircuitInputs = Record<string, unknown>;

/** The witness generator rejected the inputs: an assertion (`===`) failed or an input was missing. */
export class WitnessError extends ZkrError {
  override name = "WitnessError";
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
  }
}

/** No witness can be computed with this `.wasm`: it is missing or not a circom witness generator. */
export class WitnessGeneratorError extends ZkrError {
  override name = "WitnessGeneratorError";
  constructor(
    /** The `.wasm` (or generator) that is not usable. */
    readonly file: string,
    message: string,
    options: { cause?: unknown; metaMessages?: string[] } = {},
  ) {
    super(`${file}: ${message}`, options);
  }
}

interface WitnessCalculator {
  calculateWitness(input: CircuitInputs, sanityCheck: boolean): Promise<bigint[]>;
}

type Builder = (code: Uint8Array, options?: object) => Promise<WitnessCalculator>;

/** The generator file names circom writes next to the `.wasm`: zkr's build renames it to `.cjs`. */
export const GENERATOR_FILES = ["witness_calculator.cjs", "witness_calculator.js"] as const;

/** What every circom 2 witness `.wasm` exports (circom's own generator calls these). */
const WASM_EXPORTS = ["getVersion", "getFieldNumLen32", "getWitnessSize", "getWitness", "init"];

const calculators = new Map<string, Promise<WitnessCalculator>>();

/**
 * Loads (once per file) a witness calculator for `wasmFile`, a `.wasm` compiled by circom.
 *
 * circom writes `witness_calculator.js` beside the `.wasm`: CommonJS (`module.exports = async
 * function builder(code, options)`) whatever folder it lands in. `require` would read a `.js` file
 * as an ES module inside any package whose package.json says `"type": "module"` (zkr's own, or a
 * user's) and fail, so the source is compiled here as a CommonJS function body with node:vm, the
 * way Node's own loader wraps a module; that works for `.js` and `.cjs` in any folder. The
 * generator circom wrote with this `.wasm` comes first because it always matches the `.wasm`'s
 * runtime interface, which changes between circom versions. Without one (only the `.wasm` was
 * copied) or when it does not load, snarkjs's calculator (circom_runtime, what `snarkjs wtns
 * calculate` runs) takes the `.wasm` alone; that choice is logged, never silent.
 *
 * @throws WitnessGeneratorError when the `.wasm` is missing or is not a circom witness generator,
 * or when neither the generator nor snarkjs can run it.
 */
export function loadWitnessCalculator(wasmFile: string, log: (line: string) => void = () => {}): Promise<WitnessCalculator> {
  const key = path.resolve(wasmFile);
  let calc = calculators.get(key);
  if (!calc) {
    calc = makeCalculator(key, log);
    calculators.set(key, calc);
    calc.catch(() => calculators.delete(key));
  }
  return calc;
}

async function makeCalculator(wasmFile: string, log: (line: string) => void): Promise<WitnessCalculator> {
  let code: Uint8Array<ArrayBuffer>;
  try {
    code = fs.readFileSync(wasmFile) as Uint8Array<ArrayBuffer>;
  } catch (err) {
    throw new WitnessGeneratorError(wasmFile, `cannot read the witness generator (.wasm): ${(err as Error).message}`, { cause: err });
  }
  // Checked here so that a bad file is named once, before circom's generator prints its own advice.
  let module: WebAssembly.Module;
  try {
    module = await WebAssembly.compile(code);
  } catch (err) {
    throw new WitnessGeneratorError(wasmFile, `not a WebAssembly module (${(err as Error).message})`, { cause: err });
  }
  const exported = new Set(WebAssembly.Module.exports(module).map((e) => e.name));
  const missing = WASM_EXPORTS.filter((e) => !exported.has(e));
  if (missing.length > 0) {
    throw new WitnessGeneratorError(wasmFile, `not a circom witness generator: it does not export ${missing.join(", ")} (compile the circuit with circom --wasm)`);
  }

  const dir = path.dirname(wasmFile);
  const generator = GENERATOR_FILES.map((f) => path.join(dir, f)).find((f) => fs.existsSync(f));
  let why: string;
  if (generator) {
    try {
      return await loadGenerator(generator)(code);
    } catch (err) {
      why = `${path.basename(generator)} does not load (${(err as Error).message.trim()})`;
    }
  } else {
    why = `no ${GENERATOR_FILES.join(" or ")} beside it`;
  }
  log(`witness: ${path.basename(wasmFile)}: ${why}; using snarkjs's witness calculator`);
  return snarkjsCalculator(wasmFile, generator, why);
}

/** Compiles circom's CommonJS generator as Node's loader would, whatever its extension and folder. */
function loadGenerator(file: string): Builder {
  const source = fs.readFileSync(file, "utf8");
  const body = vm.compileFunction(source, ["exports", "require", "module", "__filename", "__dirname"], { filename: file });
  const mod = { exports: {} as unknown };
  body.call(mod.exports, mod.exports, createRequire(file), mod, file, path.dirname(file));
  if (typeof mod.exports !== "function") throw new Error(`module.exports is a ${typeof mod.exports}, circom's builder function expected`);
  return mod.exports as Builder;
}

/** snarkjs's `wtns calculate` on the `.wasm` alone, with the witness kept in memory. */
function snarkjsCalculator(wasmFile: string, generator: string | undefined, why: string): WitnessCalculator {
  return {
    async calculateWitness(input, sanityCheck) {
      const snarkjs = await import("snarkjs");
      const wtns: { type: "mem"; data?: Uint8Array } = { type: "mem" };
      try {
        await snarkjs.wtns.calculate(input, wasmFile, wtns, { sanityCheck });
      } catch (err) {
        // A WebAssembly error is the file's (a runtime this snarkjs does not know); anything else
        // is about the inputs, as with circom's own generator.
        if (err instanceof WebAssembly.LinkError || err instanceof WebAssembly.CompileError) {
          throw new WitnessGeneratorError(wasmFile, `neither circom's generator nor snarkjs's calculator can run it`, {
            cause: err,
            metaMessages: [`generator: ${generator ?? "none"} (${why})`, `snarkjs: ${err.message}`],
          });
        }
        throw err;
      }
      return snarkjs.wtns.exportJson(wtns);
    },
  };
}

/**
 * Computes the full witness (wire 0 is the constant 1, then outputs, then inputs…).
 * @throws WitnessError when a constraint assertion fails during generation.
 * @throws WitnessGeneratorError when no witness generator can run the `.wasm`.
 */
export async function computeWitness(wasmFile: string, inputs: CircuitInputs, opts: { log?: (line: string) => void } = {}): Promise<bigint[]> {
  const calc = await loadWitnessCalculator(wasmFile, opts.log);
  try {
    return await calc.calculateWitness(inputs, true);
  } catch (err) {
    if (err instanceof WitnessGeneratorError) throw err;
    const msg = err instanceof Error ? err.message : String(err);
    // circom reports the failing assertion with its template stack ("Error in template X line: N").
    throw new WitnessError(`witness generation failed: ${msg.replace(/^Error: /, "").trim()}`, err);
  }
}


/** Writes a witness in snarkjs's `.wtns` format (version 2, BN254). */
export function writeWtns(file: string, witness: readonly bigint[]): void {
  const n8 = 32;
  const header = Buffer.alloc(4 + n8 + 4);
  header.writeUInt32LE(n8, 0);
  bigintToLe(BN254_R, header, 4, n8);
  header.writeUInt32LE(witness.length, 4 + n8);
  const body = Buffer.alloc(witness.length * n8);
  witness.forEach((v, i) => bigintToLe(((v % BN254_R) + BN254_R) % BN254_R, body, i * n8, n8));
  fs.writeFileSync(file, encodeContainer("wtns", 2, [{ id: 1, data: header }, { id: 2, data: body }]));
}



/** Checks every R1CS constraint against a `.wtns` file with snarkjs; true when all hold. */
export async function checkWitness(r1csFile: string, wtnsFile: string): Promise<boolean> {
  const snarkjs = await import("snarkjs");
  try {
    // snarkjs reports a failing constraint through the logger and crashes without one.
    const quiet = { info() {}, warn() {}, error() {}, debug() {} };
    return await snarkjs.wtns.check(r1csFile, wtnsFile, quiet);
  } finally {
    await releaseSnarkjs();
  }
}

/** Stops snarkjs's worker threads so the process can exit. */
export async function releaseSnarkjs(): Promise<void> {
  const g = globalThis as { curve_bn128?: { terminate(): Promise<void> } };
  if (g.curve_bn128) {
    await g.curve_bn128.terminate();
    delete g.curve_bn128;
  }
}
