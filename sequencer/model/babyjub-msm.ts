// Multi-scalar multiplication on the engine (babyjub-engine.ts): interleaved wNAF (Straus, ≈ 73M
// of tables per point plus bits/6 additions, doublings shared) for small n, signed-digit
// Pippenger (bits/c mixed additions per point, 2^c·18M of bucket reduction per window) for large
// n; a cost model picks (M = one field multiplication).

import { EXT_BYTES } from "./babyjub-wasm.js";
import type { BabyJubEngine } from "./babyjub-engine.js";
import { BASE_SCALAR_LIMIT } from "./babyjub-fixedbase.js";
import { bitLength, scalarWords, signedWindows, wnaf } from "./babyjub-recode.js";
import { WNAF_ENTRIES, WNAF_WIDTH, oddMultiples } from "./babyjub-varbase.js";

/**
 * out = Σ sᵢ·Pᵢ over NIELS points at `bases[i]`, each with its sign (`negate[i]` gives −sᵢ·Pᵢ)
 * and scalar 0 ≤ sᵢ < 2^255. `method` forces Straus or Pippenger (and `window` its c); by default
 * the cost model picks.
 */
export function msm(e: BabyJubEngine, bases: ArrayLike<number>, scalars: readonly bigint[], negate: ArrayLike<boolean>, out: number, method?: "straus" | "pippenger", window?: number): void {
  const n = scalars.length;
  if (bases.length !== n || negate.length !== n) throw new RangeError(`msm: ${n} scalars, ${bases.length} bases and ${negate.length} signs`);
  let bits = 0;
  const lens = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const s = scalars[i];
    if (s < 0n || s >= BASE_SCALAR_LIMIT) throw new RangeError(`msm: scalar ${i} in [0, 2^255) expected, got ${s}`);
    lens[i] = bitLength(s);
    if (lens[i] > bits) bits = lens[i];
  }
  e.k.bj_identity(out);
  if (n === 0 || bits === 0) return;
  const choice = method ? { method, c: window ?? chooseWindow(lens, bits).c } : chooseMsm(lens, bits);
  if (choice.method === "straus") straus(e, bases, scalars, negate, out, bits);
  else pippenger(e, bases, scalars, negate, out, bits, choice.c);
}

function straus(e: BabyJubEngine, bases: ArrayLike<number>, scalars: readonly bigint[], negate: ArrayLike<boolean>, out: number, bits: number): void {
  const n = scalars.length;
  const m = e.mark();
  const tables = e.scratch(n * WNAF_ENTRIES * EXT_BYTES);
  const len = bits + 1;
  const nafs = new Int8Array(n * len);
  const words = new Uint32Array(10);
  const p = e.pt + 4 * EXT_BYTES;
  let top = 0;
  for (let i = 0; i < n; i++) {
    scalarWords(scalars[i], 10, words);
    const t = wnaf(words, bits, WNAF_WIDTH, nafs.subarray(i * len, (i + 1) * len));
    if (t > top) top = t;
    e.nielsToExt(bases[i], p);
    oddMultiples(e, p, tables + i * WNAF_ENTRIES * EXT_BYTES);
  }
  const k = e.k;
  k.bj_identity(out);
  for (let pos = top - 1; pos >= 0; pos--) {
    let any = false;
    for (let i = 0; i < n && !any; i++) any = nafs[i * len + pos] !== 0;
    if (pos !== top - 1) (any || pos === 0 ? k.bj_dbl : k.bj_dblNoT)(out, out);
    if (!any) continue;
    for (let i = 0; i < n; i++) {
      const d = nafs[i * len + pos];
      if (d === 0) continue;
      const entry = tables + (i * WNAF_ENTRIES + ((Math.abs(d) - 1) >> 1)) * EXT_BYTES;
      if (d > 0 !== negate[i]) k.bj_addCached(out, entry, out);
      else k.bj_subCached(out, entry, out);
    }
  }
  e.release(m);
}

function pippenger(e: BabyJubEngine, bases: ArrayLike<number>, scalars: readonly bigint[], negate: ArrayLike<boolean>, out: number, bits: number, c: number): void {
  const n = scalars.length;
  const windows = Math.ceil((bits + 1) / c);
  const m = e.mark();
  const nb = 1 << (c - 1);
  const buckets = e.scratch(nb * EXT_BYTES);
  const used = new Uint8Array(nb);
  const digits = new Int32Array(n * windows);
  const words = new Uint32Array(Math.ceil((windows * c) / 32) + 2);
  const tmp = new Int32Array(windows);
  for (let i = 0; i < n; i++) {
    let v = scalars[i];
    for (let w = 0; w < words.length; w++) {
      words[w] = Number(v & 0xffffffffn);
      v >>= 32n;
    }
    signedWindows(words, c, windows, tmp);
    digits.set(tmp, i * windows);
  }
  const k = e.k;
  const running = e.pt + 4 * EXT_BYTES;
  const sum = e.pt + 5 * EXT_BYTES;
  const cached = e.pt + 6 * EXT_BYTES;
  k.bj_identity(out);
  for (let w = windows - 1; w >= 0; w--) {
    if (w !== windows - 1) {
      for (let s = 0; s < c - 1; s++) k.bj_dblNoT(out, out);
      k.bj_dbl(out, out);
    }
    used.fill(0);
    for (let i = 0; i < n; i++) {
      const d = digits[i * windows + w];
      if (d === 0) continue;
      const b = Math.abs(d) - 1;
      const bucket = buckets + b * EXT_BYTES;
      if (!used[b]) {
        k.bj_identity(bucket);
        used[b] = 1;
      }
      if (d > 0 !== negate[i]) k.bj_addNiels(bucket, bases[i], bucket);
      else k.bj_subNiels(bucket, bases[i], bucket);
    }
    // Σ (b+1)·bucket_b = Σ_b running_b, running_b = Σ_{b' ≥ b} bucket_b'
    let started = false;
    for (let b = nb - 1; b >= 0; b--) {
      if (used[b]) {
        if (started) {
          k.bj_toCached(buckets + b * EXT_BYTES, cached);
          k.bj_addCached(running, cached, running);
        } else {
          e.copy(buckets + b * EXT_BYTES, running, EXT_BYTES);
          k.bj_identity(sum);
          started = true;
        }
      }
      if (started) {
        k.bj_toCached(running, cached);
        k.bj_addCached(sum, cached, sum);
      }
    }
    if (started) {
      k.bj_toCached(sum, cached);
      k.bj_addCached(out, cached, out);
    }
  }
  e.release(m);
}

/** Cost of Pippenger with window c, in field multiplications (see the header). */
function pippengerCost(lens: readonly number[], bits: number, c: number): number {
  const windows = Math.ceil((bits + 1) / c);
  let adds = 0;
  for (const l of lens) adds += Math.ceil((l + 1) / c);
  return adds * 7 + windows * (1 << (c - 1)) * 18 + windows * c * 7.5;
}

function chooseWindow(lens: readonly number[], bits: number): { c: number; cost: number } {
  let best = { c: 2, cost: Infinity };
  for (let c = 2; c <= 16; c++) {
    const cost = pippengerCost(lens, bits, c);
    if (cost < best.cost) best = { c, cost };
  }
  return best;
}

/** Straus or Pippenger, whichever the cost model prices lower. */
export function chooseMsm(lens: readonly number[], bits: number): { method: "straus" | "pippenger"; c: number } {
  let straus = bits * 7.5;
  for (const l of lens) straus += 81 + ((l + 1) / (WNAF_WIDTH + 1)) * 8;
  const pip = chooseWindow(lens, bits);
  return pip.cost < straus ? { method: "pippenger", c: pip.c } : { method: "straus", c: pip.c };
}
