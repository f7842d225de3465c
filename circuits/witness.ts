/**
 * Witness generation and checking for circom circuits: runs the circuit's WebAssembly witness
 * generator on a set of inputs, writes snarkjs `.wtns` files, and checks a witness against the
 * circuit's R1CS with snarkjs.
 */
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { R as BN254_R } from "../core/bn254.js";
import { bigintToLe } from "../core/bytes.js";
import { encodeContainer } from "../core/binfile.js";
import { ZkrError } from "../core/errors.js";

const require = createRequire(import.meta.url);

/** Circuit inputs: signal name → value or nested array of values. */
export type CircuitInputs = Record<string, unknown>;

/** The witness generator rejected the inputs: an assertion (`===`) failed or an input was missing. */
export class WitnessError extends ZkrError {
  override name = "WitnessError";
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
  }
}

interface WitnessCalculator {
  calculateWitness(input: CircuitInputs, sanityCheck: boolean): Promise<bigint[]>;
}

const calculators = new Map<string, Promise<WitnessCalculator>>();

/** Loads (once per file) the witness calculator built next to `wasmFile` by circom. */
export function loadWitnessCalculator(wasmFile: string): Promise<WitnessCalculator> {
  const key = path.resolve(wasmFile);
  let calc = calculators.get(key);
  if (!calc) {
    const builder = require(path.join(path.dirname(key), "witness_calculator.cjs")) as (
      code: Buffer,
      options?: object,
    ) => Promise<WitnessCalculator>;
    calc = builder(fs.readFileSync(key));
    calculators.set(key, calc);
  }
  return calc;
}

/**
 * Computes the full witness (wire 0 is the constant 1, then outputs, then inputs…).
 * @throws WitnessError when a constraint assertion fails during generation.
 */
export async function computeWitness(wasmFile: string, inputs: CircuitInputs): Promise<bigint[]> {
  const calc = await loadWitnessCalculator(wasmFile);
  try {
    return await calc.calculateWitness(inputs, true);
  } catch (err) {
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
