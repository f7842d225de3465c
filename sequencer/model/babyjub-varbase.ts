// Variable-base multiplication k·P on the engine (babyjub-engine.ts). Costs (M = one field
// multiplication; an EXT doubling is 8 M, an addition 7–8):
// - one use (`mulWnaf`): width-5 wNAF over the odd multiples P, 3P, …, 15P: ≈ 254 doublings +
//   43 additions (≈ 2,200M);
// - many uses (`KeyTable`): the scalar's eight 32-bit words against the points 2^(32j)·P, each
//   with its odd multiples (9 KB per point; ≈ 2,300M to build): a Straus loop of 32 doublings and
//   ≈ 43 additions (≈ 600M).

import { EXT_BYTES } from "./babyjub-wasm.js";
import type { BabyJubEngine } from "./babyjub-engine.js";
import { wnaf } from "./babyjub-recode.js";

/** Width of the wNAF digits of variable-base multiplications (8 odd multiples per point). */
export const WNAF_WIDTH = 5;
/** Odd multiples per point: P, 3P, …, (2·WNAF_ENTRIES − 1)P. */
export const WNAF_ENTRIES = 1 << (WNAF_WIDTH - 2);
/** Key tables split a scalar into this many 32-bit words. */
export const KEY_SPLIT = 8;
/** Bytes of one key table: KEY_SPLIT points × their odd multiples, CACHED. */
export const KEY_TABLE_BYTES = KEY_SPLIT * WNAF_ENTRIES * EXT_BYTES;

/** Per-point precomputation for repeated variable-base multiplications (see the header). */
export interface KeyTable {
  /** Address of KEY_SPLIT × WNAF_ENTRIES CACHED points. */
  readonly at: number;
}

// Per-call buffers (calls never overlap: one engine per thread, no reentrancy).
const nafBuf = new Int8Array(300);
const wordPair = new Uint32Array(2);

/** The odd multiples P, 3P, …, (2·entries − 1)P of the EXT point p as CACHED points at `out`. */
export function oddMultiples(e: BabyJubEngine, p: number, out: number, entries = WNAF_ENTRIES): void {
  const two = e.pt + 6 * EXT_BYTES;
  const cur = e.pt + 7 * EXT_BYTES;
  e.k.bj_dbl(p, cur);
  e.k.bj_toCached(cur, two);
  e.k.bj_toCached(p, out);
  e.copy(p, cur, EXT_BYTES);
  for (let i = 1; i < entries; i++) {
    e.k.bj_addCached(cur, two, cur);
    e.k.bj_toCached(cur, out + i * EXT_BYTES);
  }
}

/**
 * out = ±k·P for an EXT point p and 0 ≤ k < 2^256 given as words (width-5 wNAF). `negate`
 * gives −k·P.
 */
export function mulWnaf(e: BabyJubEngine, p: number, words: Uint32Array, out: number, negate = false): void {
  const m = e.mark();
  const table = e.scratch(WNAF_ENTRIES * EXT_BYTES);
  oddMultiples(e, p, table);
  const naf = nafBuf;
  const top = wnaf(words, 257, WNAF_WIDTH, naf);
  e.k.bj_identity(out);
  for (let i = top - 1; i >= 0; i--) {
    const d = naf[i];
    // T is only needed by an addition: the one at this position, or a caller's after the last
    if (i !== top - 1) (d !== 0 || i === 0 ? e.k.bj_dbl : e.k.bj_dblNoT)(out, out);
    if (d === 0) continue;
    const entry = table + ((Math.abs(d) - 1) >> 1) * EXT_BYTES;
    if (d > 0 !== negate) e.k.bj_addCached(out, entry, out);
    else e.k.bj_subCached(out, entry, out);
  }
  e.release(m);
}

/** Builds the key table of the EXT point p at `at` (KEY_TABLE_BYTES). */
export function buildKeyTable(e: BabyJubEngine, p: number, at: number): KeyTable {
  const q = e.pt + 5 * EXT_BYTES;
  e.copy(p, q, EXT_BYTES);
  for (let j = 0; j < KEY_SPLIT; j++) {
    oddMultiples(e, q, at + j * WNAF_ENTRIES * EXT_BYTES);
    if (j === KEY_SPLIT - 1) break;
    for (let s = 0; s < 31; s++) e.k.bj_dblNoT(q, q);
    e.k.bj_dbl(q, q);
  }
  return { at };
}

/** out = ±k·P from P's key table, k < 2^256 given as words. */
export function mulKeyTable(e: BabyJubEngine, table: KeyTable, words: Uint32Array, out: number, negate = false): void {
  // wNAF of each 32-bit word: 33 positions (a final carry)
  const naf = nafBuf;
  const one = wordPair;
  let top = 0;
  for (let j = 0; j < KEY_SPLIT; j++) {
    one[0] = words[j];
    one[1] = 0;
    const t = wnaf(one, 32, WNAF_WIDTH, naf.subarray(j * 33, j * 33 + 33));
    if (t > top) top = t;
  }
  e.k.bj_identity(out);
  for (let i = top - 1; i >= 0; i--) {
    let any = false;
    for (let j = 0; j < KEY_SPLIT && !any; j++) any = naf[j * 33 + i] !== 0;
    if (i !== top - 1) (any || i === 0 ? e.k.bj_dbl : e.k.bj_dblNoT)(out, out);
    if (!any) continue;
    for (let j = 0; j < KEY_SPLIT; j++) {
      const d = naf[j * 33 + i];
      if (d === 0) continue;
      const entry = table.at + (j * WNAF_ENTRIES + ((Math.abs(d) - 1) >> 1)) * EXT_BYTES;
      if (d > 0 !== negate) e.k.bj_addCached(out, entry, out);
      else e.k.bj_subCached(out, entry, out);
    }
  }
}
