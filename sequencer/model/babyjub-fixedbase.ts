// Fixed base B8 (`addMulBase`): signed windows of 8 bits over 32 windows, table[j][m] = m·2^(8j)·B8
// for m = 1..128 in NIELS form (442 KB, built on first use in ≈ 10 ms): 32 mixed additions
// (≈ 225M, M = one field multiplication), no doubling.

import { BABYJUB_BASE8 } from "./babyjub.js";
import { EXT_BYTES, NIELS_BYTES } from "./babyjub-wasm.js";
import type { BabyJubEngine } from "./babyjub-engine.js";
import { scalarWords, signedWindows } from "./babyjub-recode.js";

/** Bits per window of the fixed-base table. */
export const BASE_WINDOW = 8;
const BASE_WINDOWS = 32;
const BASE_ENTRIES = 1 << (BASE_WINDOW - 1);
/** Largest scalar (exclusive) the fixed-base table takes: 32 signed windows of 8 bits. */
export const BASE_SCALAR_LIMIT = 1n << 255n;

// Per-call buffers (calls never overlap: one engine per thread, no reentrancy).
const digits = new Int32Array(64);
const wordsBuf = new Uint32Array(10);

/** Builds the table of B8's windows (a permanent block of the engine's memory); returns its address. */
export function buildBaseTable(e: BabyJubEngine): number {
  const count = BASE_WINDOWS * BASE_ENTRIES;
  const table = e.alloc(count * NIELS_BYTES);
  const m = e.mark();
  const ext = e.scratch(count * EXT_BYTES);
  const base = e.pt;
  const baseC = e.pt + EXT_BYTES;
  e.loadPoint(BABYJUB_BASE8, base);
  for (let j = 0; j < BASE_WINDOWS; j++) {
    e.k.bj_toCached(base, baseC);
    const row = ext + j * BASE_ENTRIES * EXT_BYTES;
    e.copy(base, row, EXT_BYTES);
    for (let i = 1; i < BASE_ENTRIES; i++) e.k.bj_addCached(row + (i - 1) * EXT_BYTES, baseC, row + i * EXT_BYTES);
    for (let s = 0; s < BASE_WINDOW; s++) e.k.bj_dbl(base, base);
  }
  e.batchToNiels(ext, count, table);
  e.release(m);
  return table;
}

/**
 * acc += k·B8 (acc an EXT point; 0 ≤ k < 2^255): 32 mixed additions from the table.
 */
export function addMulBase(e: BabyJubEngine, acc: number, k: bigint): void {
  if (k < 0n || k >= BASE_SCALAR_LIMIT) throw new RangeError(`addMulBase: scalar in [0, 2^255) expected, got ${k}`);
  const table = e.baseTable;
  const words = scalarWords(k, 10, wordsBuf);
  const d = digits;
  signedWindows(words, BASE_WINDOW, BASE_WINDOWS, d);
  for (let j = 0; j < BASE_WINDOWS; j++) {
    const v = d[j];
    if (v === 0) continue;
    const entry = table + (j * BASE_ENTRIES + Math.abs(v) - 1) * NIELS_BYTES;
    if (v > 0) e.k.bj_addNiels(acc, entry, acc);
    else e.k.bj_subNiels(acc, entry, acc);
  }
}
