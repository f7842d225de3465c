// Fast Baby Jubjub arithmetic at the bigint level, for tests and tools: each call loads its points
// into the engine's memory and reads the result back. Signature verification (eddsa.ts) drives the
// engine directly. Everything here is checked against the naive twin in babyjub.ts by
// test/model.eddsa.test.ts.
//
// The pieces, one job per file, all over the WebAssembly point kernels of babyjub-wasm.ts
// (≈ 50 ns per field multiplication):
// - babyjub-engine.ts: the kernels' instance, its memory (core/heap.ts), points in and out;
// - babyjub-recode.ts: scalar recodings (signed windows, wNAF);
// - babyjub-fixedbase.ts: k·B8 from a table of windows;
// - babyjub-varbase.ts: k·P by wNAF, and by per-point key tables;
// - babyjub-msm.ts: multi-scalar multiplication, Straus or Pippenger by a cost model;
// - babyjub-poseidon.ts: Poseidon of 5 field elements.

import { fmod, type BabyJubPoint } from "./babyjub.js";
import { EXT_BYTES, NIELS_BYTES, RAW_BYTES } from "./babyjub-wasm.js";
import { babyjubEngine, type BabyJubEngine } from "./babyjub-engine.js";
import { scalarWords } from "./babyjub-recode.js";
import { KEY_TABLE_BYTES } from "./babyjub-varbase.js";

export { BabyJubEngine, babyjubEngine, type Kernels } from "./babyjub-engine.js";
export { bitLength, scalarWords, signedWindows, wnaf } from "./babyjub-recode.js";
export { BASE_SCALAR_LIMIT, BASE_WINDOW } from "./babyjub-fixedbase.js";
export { KEY_SPLIT, KEY_TABLE_BYTES, WNAF_WIDTH, type KeyTable } from "./babyjub-varbase.js";
export { chooseMsm } from "./babyjub-msm.js";

function withPoint<T>(p: BabyJubPoint, f: (e: BabyJubEngine, at: number) => T): T {
  const e = babyjubEngine();
  const m = e.mark();
  try {
    const at = e.scratch(2 * EXT_BYTES);
    if (!e.loadPoint(p, at)) throw new RangeError(`babyjub: a point on the curve expected, got (${p[0]}, ${p[1]})`);
    return f(e, at);
  } finally {
    e.release(m);
  }
}

/** k·B8 by the fixed-base table (0 ≤ k < 2^255). */
export function babyjubMulBase(k: bigint): BabyJubPoint {
  const e = babyjubEngine();
  const m = e.mark();
  try {
    const acc = e.scratch(EXT_BYTES);
    e.k.bj_identity(acc);
    e.addMulBase(acc, k);
    return e.readPoint(acc);
  } finally {
    e.release(m);
  }
}

/** k·P by width-5 wNAF (0 ≤ k < 2^256). */
export function babyjubMul(p: BabyJubPoint, k: bigint): BabyJubPoint {
  return withPoint(p, (e, at) => {
    e.mulWnaf(at, scalarWords(k), at + EXT_BYTES);
    return e.readPoint(at + EXT_BYTES);
  });
}

/** k·P through P's key table (0 ≤ k < 2^256). */
export function babyjubMulKeyTable(p: BabyJubPoint, k: bigint): BabyJubPoint {
  return withPoint(p, (e, at) => {
    const table = e.buildKeyTable(at, e.scratch(KEY_TABLE_BYTES));
    e.mulKeyTable(table, scalarWords(k), at + EXT_BYTES);
    return e.readPoint(at + EXT_BYTES);
  });
}

/** Σ kᵢ·Pᵢ (0 ≤ kᵢ < 2^255), optionally forcing the method and Pippenger's window. */
export function babyjubMsm(points: readonly BabyJubPoint[], scalars: readonly bigint[], method?: "straus" | "pippenger", window?: number): BabyJubPoint {
  if (points.length !== scalars.length) throw new RangeError(`babyjubMsm: as many scalars as points expected, got ${scalars.length} for ${points.length}`);
  const e = babyjubEngine();
  const m = e.mark();
  try {
    const n = points.length;
    const ext = e.scratch(Math.max(1, n) * EXT_BYTES);
    const niels = e.scratch(Math.max(1, n) * NIELS_BYTES);
    const out = e.scratch(EXT_BYTES);
    points.forEach((p, i) => {
      if (!e.loadPoint(p, ext + i * EXT_BYTES)) throw new RangeError(`babyjubMsm: point ${i} is not on the curve`);
    });
    e.batchToNiels(ext, n, niels);
    const bases = Array.from({ length: n }, (_, i) => niels + i * NIELS_BYTES);
    e.msm(bases, scalars, new Array<boolean>(n).fill(false), out, method, window);
    return e.readPoint(out);
  } finally {
    e.release(m);
  }
}

/** True when the on-curve point p lies in the subgroup of order l (octic character). */
export function babyjubInSubgroup(p: BabyJubPoint): boolean {
  return withPoint(p, (e, at) => e.inSubgroup(at, fmod(p[1])));
}

/** Poseidon of 5 field elements by the WebAssembly kernel. */
export function poseidon5Wasm(inputs: readonly bigint[]): bigint {
  if (inputs.length !== 5) throw new RangeError(`poseidon5Wasm: 5 inputs expected, got ${inputs.length}`);
  const e = babyjubEngine();
  const m = e.mark();
  try {
    const out = e.scratch(RAW_BYTES);
    e.poseidon5(inputs, out);
    return e.readRaw(out);
  } finally {
    e.release(m);
  }
}
