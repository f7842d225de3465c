// Runs circom witness generators in a worker thread for the prover service (witness-thread.ts), so
// the service's own thread stays free to renew its lease while a large witness is computed. Plain
// JavaScript: worker threads get no TypeScript loader.
//
// Message in:  { id, wasm, input? }   (no input: only load and compile the generator)
// Message out: { id, bytes?, nWires?, publicSignal? } or { id, error, stage: "load" | "calculate" }
//              bytes: the witness as 32-byte little-endian scalars (the prover's layout), transferred.
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { parentPort } from "node:worker_threads";

const require = createRequire(import.meta.url);
const MASK64 = (1n << 64n) - 1n;
const calculators = new Map();

function load(wasm) {
  let calc = calculators.get(wasm);
  if (!calc) {
    // circom writes witness_calculator.js next to the wasm; the build renames it .cjs (ESM package).
    const builder = require(path.join(path.dirname(wasm), "witness_calculator.cjs"));
    calc = builder(fs.readFileSync(wasm));
    calculators.set(wasm, calc);
    calc.catch(() => calculators.delete(wasm));
  }
  return calc;
}

parentPort.on("message", async ({ id, wasm, input }) => {
  let stage = "load";
  try {
    const calc = await load(wasm);
    if (!input) return parentPort.postMessage({ id });
    stage = "calculate";
    const w = await calc.calculateWitness(input, true);
    const bytes = new Uint8Array(w.length * 32);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < w.length; i++) {
      let x = w[i];
      for (let k = 0; k < 4; k++) {
        view.setBigUint64(i * 32 + k * 8, x & MASK64, true);
        x >>= 64n;
      }
    }
    parentPort.postMessage({ id, bytes, nWires: w.length, publicSignal: w.length > 1 ? w[1].toString() : null }, [bytes.buffer]);
  } catch (err) {
    parentPort.postMessage({ id, error: err instanceof Error ? err.message : String(err), stage });
  }
});
