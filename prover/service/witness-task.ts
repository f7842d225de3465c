// The task module of WitnessThread (witness-thread.ts; core/pool.ts runs it on a worker thread):
// circom witness generators, each compiled once per circuit and kept, so the service's own thread
// stays free to renew its lease while a large witness is computed.
//
// Task: { wasm, input? } (no input: only load and compile the generator). Result: the witness as
// 32-byte little-endian scalars (the prover's layout; transferred, not copied), or `rejected` with
// the generator's message when it refuses the input. A generator that cannot be loaded throws.
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);
const MASK64 = (1n << 64n) - 1n;

interface Calculator {
  calculateWitness(input: Record<string, unknown>, sanityCheck: boolean): Promise<bigint[]>;
}
const calculators = new Map<string, Promise<Calculator>>();

export interface WitnessTask {
  wasm: string;
  input?: Record<string, unknown>;
}

export type WitnessTaskResult =
  | { loaded: true }
  | { bytes: Uint8Array; nWires: number; publicSignal: string | null }
  | { rejected: string };

function load(wasm: string): Promise<Calculator> {
  let calc = calculators.get(wasm);
  if (!calc) {
    // circom writes witness_calculator.js next to the wasm; the build renames it .cjs (ESM package).
    const builder = require(path.join(path.dirname(wasm), "witness_calculator.cjs")) as (code: Buffer) => Promise<Calculator>;
    calc = builder(fs.readFileSync(wasm));
    calculators.set(wasm, calc);
    calc.catch(() => calculators.delete(wasm));
  }
  return calc;
}

export default async function witnessTask({ wasm, input }: WitnessTask): Promise<WitnessTaskResult> {
  const calc = await load(wasm);
  if (!input) return { loaded: true };
  let w: bigint[];
  try {
    w = await calc.calculateWitness(input, true);
  } catch (err) {
    return { rejected: err instanceof Error ? err.message : String(err) };
  }
  const bytes = new Uint8Array(w.length * 32);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < w.length; i++) {
    let x = w[i];
    for (let k = 0; k < 4; k++) {
      view.setBigUint64(i * 32 + k * 8, x & MASK64, true);
      x >>= 64n;
    }
  }
  return { bytes, nWires: w.length, publicSignal: w.length > 1 ? w[1].toString() : null };
}
