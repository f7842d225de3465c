// Fast Baby Jubjub scalar multiplication for signature verification: the algorithms, in TypeScript,
// over the WebAssembly point kernels of babyjub-wasm.ts (≈ 50 ns per field multiplication; an EXT
// doubling is 8 of them, an addition 7–8). Everything here is checked against the naive twin in
// babyjub.ts by test/model.eddsa.test.ts.
//
// Algorithms and their costs (M = one field multiplication, n = points):
// - Fixed base B8 (`addMulBase`): signed windows of 8 bits over 32 windows, table[j][m] = m·2^(8j)·B8
//   for m = 1..128 in NIELS form (442 KB, built on first use in ≈ 10 ms): 32 mixed additions
//   (≈ 225M), no doubling.
// - Variable base, one use (`mulWnaf`): width-5 wNAF over the odd multiples P, 3P, …, 15P:
//   ≈ 254 doublings + 43 additions (≈ 2,200M).
// - Variable base, many uses (`KeyTable`): the scalar's eight 32-bit words against the points
//   2^(32j)·P, each with its odd multiples (9 KB per point; ≈ 2,300M to build): a Straus loop of
//   32 doublings and ≈ 43 additions (≈ 600M).
// - Multi-scalar multiplication (`msm`): interleaved wNAF (Straus, ≈ 73M of tables per point plus
//   bits/6 additions, doublings shared) for small n, signed-digit Pippenger (bits/c mixed additions
//   per point, 2^c·18M of bucket reduction per window) for large n; a cost model picks.

import { BABYJUB_BASE8, babyjubDerived, finv, fmod, type BabyJubPoint } from "./babyjub.js";
import { E, EXT_BYTES, NIELS_BYTES, RAW_BYTES, babyjubWasm } from "./babyjub-wasm.js";
import { SNARK_FIELD } from "./constants.js";

type Kernel = (...args: number[]) => number;
interface Kernels {
  [name: string]: Kernel;
}

const PAGE = 65536;
const MONT_INV = finv(fmod(1n << 261n)); // the field code's R⁻¹

/** Width of the wNAF digits of variable-base multiplications (8 odd multiples per point). */
export const WNAF_WIDTH = 5;
const WNAF_ENTRIES = 1 << (WNAF_WIDTH - 2);
/** Bits per window of the fixed-base table. */
export const BASE_WINDOW = 8;
const BASE_WINDOWS = 32;
const BASE_ENTRIES = 1 << (BASE_WINDOW - 1);
/** Key tables split a scalar into this many 32-bit words. */
export const KEY_SPLIT = 8;
/** Bytes of one key table: KEY_SPLIT points × their odd multiples, CACHED. */
export const KEY_TABLE_BYTES = KEY_SPLIT * WNAF_ENTRIES * EXT_BYTES;
/** Largest scalar (exclusive) the fixed-base table takes: 32 signed windows of 8 bits. */
export const BASE_SCALAR_LIMIT = 1n << 255n;

/**
 * Signed-digit recoding with fixed windows: `k = Σ dⱼ·2^(c·j)`, dⱼ ∈ [−2^(c−1), 2^(c−1)], into
 * `out` (length `windows`). `words`: the scalar's little-endian 32-bit words, one zero word of
 * padding past the last window. Returns the final carry (0 when k < 2^(c·windows − 1)).
 */
export function signedWindows(words: Uint32Array, c: number, windows: number, out: Int32Array): number {
  const half = 1 << (c - 1);
  const full = 1 << c;
  let carry = 0;
  for (let j = 0; j < windows; j++) {
    let d = bitsAt(words, j * c, c) + carry;
    if (d > half) {
      d -= full;
      carry = 1;
    } else carry = 0;
    out[j] = d;
  }
  return carry;
}

/**
 * Width-w non-adjacent form: digits odd in (−2^(w−1), 2^(w−1)) or 0, at least w − 1 zeros between
 * nonzero ones, `k = Σ out[i]·2^i`. `out` needs `bits + 1` entries (the top one takes a final
 * carry); words as for {@link signedWindows}, zero-padded past `bits`. Returns 1 + the highest
 * nonzero position (0 for k = 0).
 */
export function wnaf(words: Uint32Array, bits: number, w: number, out: Int8Array): number {
  const full = 1 << w;
  const half = full >> 1;
  out.fill(0, 0, bits + 1);
  let carry = 0;
  let pos = 0;
  let top = 0;
  while (pos < bits) {
    const window = bitsAt(words, pos, w) + carry;
    if ((window & 1) === 0) {
      pos += 1;
      continue;
    }
    if (window < half) {
      out[pos] = window;
      carry = 0;
    } else {
      out[pos] = window - full;
      carry = 1;
    }
    top = pos + 1;
    pos += w;
  }
  if (carry) {
    // With k < 2^bits a negative digit means its window held a set bit below `bits`, so the carry
    // lands exactly at position `bits`.
    if (pos !== bits) throw new RangeError(`wnaf: scalar below 2^${bits} expected`);
    out[bits] = 1;
    top = bits + 1;
  }
  return top;
}

/** `w` bits of the word array at bit `pos` (w ≤ 24). */
function bitsAt(words: Uint32Array, pos: number, w: number): number {
  const i = pos >>> 5;
  const sh = pos & 31;
  let v = words[i] >>> sh;
  if (sh + w > 32) v |= words[i + 1] << (32 - sh);
  return v & ((1 << w) - 1);
}

/** Bits of k ≥ 0 (0 for 0). */
export function bitLength(k: bigint): number {
  if (k === 0n) return 0;
  const hex = k.toString(16);
  return 4 * (hex.length - 1) + (32 - Math.clz32(parseInt(hex[0], 16)));
}

/**
 * The n little-endian 32-bit words of 0 ≤ k < 2^(32·n). The recodings read a little past a scalar's
 * last bit: leave zero words above it (the default 10 words hold 256-bit scalars with 2 spare).
 */
export function scalarWords(k: bigint, n = 10, out = new Uint32Array(n)): Uint32Array {
  let v = k;
  for (let i = 0; i < n; i++) {
    out[i] = Number(v & 0xffffffffn);
    v >>= 32n;
  }
  if (v !== 0n) throw new RangeError(`scalarWords: scalar below 2^${32 * n} expected`);
  return out;
}

/** Per-point precomputation for repeated variable-base multiplications (see the header). */
export interface KeyTable {
  /** Address of KEY_SPLIT × WNAF_ENTRIES CACHED points. */
  readonly at: number;
}

/**
 * One instance of the kernels with its memory. Addresses are byte offsets into `memory`; the
 * engine allocates permanent regions (tables) by bumping, outside any scratch scope, and temporary
 * ones in nested scopes (`mark`/`scratch`/`release`). Not reentrant: one call at a time (JS is single-threaded; each worker thread
 * needs its own engine).
 */
export class BabyJubEngine {
  readonly memory: WebAssembly.Memory;
  readonly k: Kernels;
  private top: number;
  private u8: Uint8Array;
  private u32: Uint32Array;
  private dv: DataView;
  private readonly scopes: number[] = [];
  private readonly baseTable: number;
  private readonly halfAt: number;
  // fixed scratch
  private readonly rawIn: number; // 8 raw integers
  private readonly el: number; // 8 field elements
  private readonly pt: number; // 8 EXT points
  private readonly digits = new Int32Array(64);
  private readonly nafBuf = new Int8Array(300);
  private readonly wordsBuf = new Uint32Array(10);
  private readonly wordPair = new Uint32Array(2);
  private readonly torsionYs: ReadonlySet<bigint>;

  constructor() {
    const { module, staticEnd, pages } = babyjubWasm();
    this.memory = new WebAssembly.Memory({ initial: pages + 16 });
    const instance = new WebAssembly.Instance(module, { env: { memory: this.memory } });
    this.k = instance.exports as unknown as Kernels;
    this.top = staticEnd;
    this.u8 = new Uint8Array(this.memory.buffer);
    this.u32 = new Uint32Array(this.memory.buffer);
    this.dv = new DataView(this.memory.buffer);
    this.rawIn = this.alloc(8 * RAW_BYTES);
    this.el = this.alloc(8 * E);
    this.pt = this.alloc(8 * EXT_BYTES);
    this.torsionYs = new Set(babyjubDerived().torsionYs);
    this.halfAt = this.alloc(E);
    this.writeRaw(this.rawIn, (SNARK_FIELD + 1n) / 2n);
    this.k.fr_fromStd(this.rawIn, this.halfAt);
    this.baseTable = this.buildBaseTable();
  }

  // ---- memory ----

  /**
   * Allocates `bytes` (64-aligned) for good, growing the memory when needed. Only outside every
   * scratch scope: a permanent region inside one would be handed out again after `release`.
   */
  alloc(bytes: number): number {
    if (this.scopes.length > 0) throw new Error("BabyJubEngine.alloc: permanent allocation inside a scratch scope");
    return this.bump(bytes);
  }

  /** Allocates `bytes` of scratch, valid until the enclosing scope's `release`. */
  scratch(bytes: number): number {
    if (this.scopes.length === 0) throw new Error("BabyJubEngine.scratch: no scratch scope (call mark() first)");
    return this.bump(bytes);
  }

  private bump(bytes: number): number {
    const at = this.top;
    this.top = (this.top + bytes + 63) & ~63;
    if (this.top > this.memory.buffer.byteLength) {
      this.memory.grow(Math.ceil((this.top - this.memory.buffer.byteLength) / PAGE) + 16);
      this.u8 = new Uint8Array(this.memory.buffer);
      this.u32 = new Uint32Array(this.memory.buffer);
      this.dv = new DataView(this.memory.buffer);
    }
    return at;
  }

  /** Opens a scratch scope; returns its token for {@link release}. */
  mark(): number {
    this.scopes.push(this.top);
    return this.scopes.length;
  }

  /**
   * Closes the scratch scope `token`, and any scope opened inside it that an exception left open,
   * freeing their scratch.
   */
  release(token: number): void {
    if (!Number.isInteger(token) || token < 1 || token > this.scopes.length) throw new Error(`BabyJubEngine.release: open scope expected, got ${token} (${this.scopes.length} open)`);
    this.top = this.scopes[token - 1];
    this.scopes.length = token - 1;
  }

  /** Writes k (0 ≤ k < 2^256) as a raw little-endian integer. */
  writeRaw(at: number, k: bigint): void {
    let v = k;
    for (let i = 0; i < 4; i++) {
      this.dv.setBigUint64(at + 8 * i, BigInt.asUintN(64, v), true);
      v >>= 64n;
    }
  }

  /** Reads a raw little-endian integer. */
  readRaw(at: number): bigint {
    const d = this.dv;
    return (d.getBigUint64(at + 24, true) << 192n) | (d.getBigUint64(at + 16, true) << 128n) | (d.getBigUint64(at + 8, true) << 64n) | d.getBigUint64(at, true);
  }

  /** Copies the 8 words of a raw integer into `out` (with 2 zero words of padding). */
  rawWords(at: number, out: Uint32Array): Uint32Array {
    const w = at >>> 2;
    for (let i = 0; i < 8; i++) out[i] = this.u32[w + i];
    out[8] = 0;
    out[9] = 0;
    return out;
  }

  /** Copies `bytes` bytes from `src` to `dst`. */
  copy(src: number, dst: number, bytes: number): void {
    this.u8.copyWithin(dst, src, src + bytes);
  }

  /** A field element (the kernels' form) as a bigint in [0, r). */
  readField(at: number): bigint {
    let v = 0n;
    for (let j = 8; j >= 0; j--) v = (v << 29n) | BigInt(this.u32[(at >>> 2) + j]);
    return (v * MONT_INV) % SNARK_FIELD;
  }

  // ---- points ----

  /**
   * Writes the affine point (x, y) (coordinates in [0, r)) at `out` as EXT, Z = 1. Returns whether
   * it is on the curve.
   */
  loadPoint(p: BabyJubPoint, out: number): boolean {
    this.writeRaw(this.rawIn, p[0]);
    this.writeRaw(this.rawIn + RAW_BYTES, p[1]);
    this.k.bj_fromRaw(this.rawIn, this.rawIn + RAW_BYTES, out);
    return this.k.bj_onCurve(out) === 1;
  }

  /**
   * The affine point of an EXT point, in the curve's own coordinates. Checks the EXT invariant
   * T·Z = X·Y on the way (a stale T would poison the next addition, not this point).
   */
  readPoint(at: number): BabyJubPoint {
    if (this.k.bj_checkT(at) !== 1) throw new Error("BabyJubEngine.readPoint: EXT point with an inconsistent T");
    const tmp = this.pt + 7 * EXT_BYTES;
    this.k.bj_toAffine(at, tmp);
    const X = this.readField(tmp);
    return [fmod(X * finv(babyjubDerived().sqrtMinusA)), this.readField(tmp + E)];
  }

  /**
   * True when the on-curve affine point at `p` (EXT, Z = 1, y its y-coordinate) lies in the
   * subgroup of order l. Torsion points are recognised by y (a point sharing y with a torsion point
   * is one: the other point with that y is its negative); all others go through the octic character.
   */
  inSubgroup(p: number, y: bigint): boolean {
    if (this.torsionYs.has(y)) return y === 1n;
    return this.k.bj_chiIsOne(p) === 1;
  }

  // ---- fixed base ----

  private buildBaseTable(): number {
    const count = BASE_WINDOWS * BASE_ENTRIES;
    const table = this.alloc(count * NIELS_BYTES);
    const m = this.mark();
    const ext = this.scratch(count * EXT_BYTES);
    const base = this.pt;
    const baseC = this.pt + EXT_BYTES;
    this.loadPoint(BABYJUB_BASE8, base);
    for (let j = 0; j < BASE_WINDOWS; j++) {
      this.k.bj_toCached(base, baseC);
      const row = ext + j * BASE_ENTRIES * EXT_BYTES;
      this.copy(base, row, EXT_BYTES);
      for (let i = 1; i < BASE_ENTRIES; i++) this.k.bj_addCached(row + (i - 1) * EXT_BYTES, baseC, row + i * EXT_BYTES);
      for (let s = 0; s < BASE_WINDOW; s++) this.k.bj_dbl(base, base);
    }
    this.batchToNiels(ext, count, table);
    this.release(m);
    return table;
  }

  /**
   * acc += k·B8 (acc an EXT point; 0 ≤ k < 2^255): 32 mixed additions from the table.
   */
  addMulBase(acc: number, k: bigint): void {
    if (k < 0n || k >= BASE_SCALAR_LIMIT) throw new RangeError(`addMulBase: scalar in [0, 2^255) expected, got ${k}`);
    const table = this.baseTable;
    const words = scalarWords(k, 10, this.wordsBuf);
    const d = this.digits;
    signedWindows(words, BASE_WINDOW, BASE_WINDOWS, d);
    for (let j = 0; j < BASE_WINDOWS; j++) {
      const v = d[j];
      if (v === 0) continue;
      const entry = table + (j * BASE_ENTRIES + Math.abs(v) - 1) * NIELS_BYTES;
      if (v > 0) this.k.bj_addNiels(acc, entry, acc);
      else this.k.bj_subNiels(acc, entry, acc);
    }
  }

  // ---- variable base ----

  /** The odd multiples P, 3P, …, (2·entries − 1)P of the EXT point p as CACHED points at `out`. */
  oddMultiples(p: number, out: number, entries = WNAF_ENTRIES): void {
    const two = this.pt + 6 * EXT_BYTES;
    const cur = this.pt + 7 * EXT_BYTES;
    this.k.bj_dbl(p, cur);
    this.k.bj_toCached(cur, two);
    this.k.bj_toCached(p, out);
    this.copy(p, cur, EXT_BYTES);
    for (let i = 1; i < entries; i++) {
      this.k.bj_addCached(cur, two, cur);
      this.k.bj_toCached(cur, out + i * EXT_BYTES);
    }
  }

  /**
   * out = ±k·P for an EXT point p and 0 ≤ k < 2^256 given as words (width-5 wNAF). `negate`
   * gives −k·P.
   */
  mulWnaf(p: number, words: Uint32Array, out: number, negate = false): void {
    const m = this.mark();
    const table = this.scratch(WNAF_ENTRIES * EXT_BYTES);
    this.oddMultiples(p, table);
    const naf = this.nafBuf;
    const top = wnaf(words, 257, WNAF_WIDTH, naf);
    this.k.bj_identity(out);
    for (let i = top - 1; i >= 0; i--) {
      const d = naf[i];
      // T is only needed by an addition: the one at this position, or a caller's after the last
      if (i !== top - 1) (d !== 0 || i === 0 ? this.k.bj_dbl : this.k.bj_dblNoT)(out, out);
      if (d === 0) continue;
      const entry = table + ((Math.abs(d) - 1) >> 1) * EXT_BYTES;
      if (d > 0 !== negate) this.k.bj_addCached(out, entry, out);
      else this.k.bj_subCached(out, entry, out);
    }
    this.release(m);
  }

  /** Builds the key table of the EXT point p at `at` (KEY_TABLE_BYTES). */
  buildKeyTable(p: number, at: number): KeyTable {
    const q = this.pt + 5 * EXT_BYTES;
    this.copy(p, q, EXT_BYTES);
    for (let j = 0; j < KEY_SPLIT; j++) {
      this.oddMultiples(q, at + j * WNAF_ENTRIES * EXT_BYTES);
      if (j === KEY_SPLIT - 1) break;
      for (let s = 0; s < 31; s++) this.k.bj_dblNoT(q, q);
      this.k.bj_dbl(q, q);
    }
    return { at };
  }

  /** out = ±k·P from P's key table, k < 2^256 given as words. */
  mulKeyTable(table: KeyTable, words: Uint32Array, out: number, negate = false): void {
    // wNAF of each 32-bit word: 33 positions (a final carry)
    const naf = this.nafBuf;
    const one = this.wordPair;
    let top = 0;
    for (let j = 0; j < KEY_SPLIT; j++) {
      one[0] = words[j];
      one[1] = 0;
      const t = wnaf(one, 32, WNAF_WIDTH, naf.subarray(j * 33, j * 33 + 33));
      if (t > top) top = t;
    }
    this.k.bj_identity(out);
    for (let i = top - 1; i >= 0; i--) {
      let any = false;
      for (let j = 0; j < KEY_SPLIT && !any; j++) any = naf[j * 33 + i] !== 0;
      if (i !== top - 1) (any || i === 0 ? this.k.bj_dbl : this.k.bj_dblNoT)(out, out);
      if (!any) continue;
      for (let j = 0; j < KEY_SPLIT; j++) {
        const d = naf[j * 33 + i];
        if (d === 0) continue;
        const entry = table.at + (j * WNAF_ENTRIES + ((Math.abs(d) - 1) >> 1)) * EXT_BYTES;
        if (d > 0 !== negate) this.k.bj_addCached(out, entry, out);
        else this.k.bj_subCached(out, entry, out);
      }
    }
  }

  // ---- normalization ----

  /**
   * NIELS forms of `n` EXT points (consecutive at `src`) into `dst`, with one inversion
   * (Montgomery's trick). Points must not be at Z = 0 (impossible on this curve).
   */
  batchToNiels(src: number, n: number, dst: number): void {
    if (n === 0) return;
    const k = this.k;
    const m = this.mark();
    const prefix = this.scratch(n * E);
    const inv = this.el;
    const zi = this.el + E;
    const aff = this.pt + 4 * EXT_BYTES;
    k.fr_copy(src + 2 * E, prefix);
    for (let i = 1; i < n; i++) k.fr_mul(prefix + (i - 1) * E, src + i * EXT_BYTES + 2 * E, prefix + i * E);
    k.fr_inv(prefix + (n - 1) * E, inv, zi);
    for (let i = n - 1; i >= 0; i--) {
      const p = src + i * EXT_BYTES;
      if (i > 0) {
        k.fr_mul(inv, prefix + (i - 1) * E, zi);
        k.fr_mul(inv, p + 2 * E, inv);
      } else k.fr_copy(inv, zi);
      k.fr_mul(p, zi, aff);
      k.fr_mul(p + E, zi, aff + E);
      k.fr_mul(aff, aff + E, aff + 3 * E);
      k.bj_affineToNiels(aff, dst + i * NIELS_BYTES);
    }
    this.release(m);
  }

  // ---- multi-scalar multiplication ----

  /**
   * out = Σ sᵢ·Pᵢ over NIELS points at `bases[i]`, each with its sign (`negate[i]` gives −sᵢ·Pᵢ)
   * and scalar 0 ≤ sᵢ < 2^255. `method` forces Straus or Pippenger (and `window` its c); by default
   * the cost model picks.
   */
  msm(bases: ArrayLike<number>, scalars: readonly bigint[], negate: ArrayLike<boolean>, out: number, method?: "straus" | "pippenger", window?: number): void {
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
    this.k.bj_identity(out);
    if (n === 0 || bits === 0) return;
    const choice = method ? { method, c: window ?? chooseWindow(lens, bits).c } : chooseMsm(lens, bits);
    if (choice.method === "straus") this.straus(bases, scalars, negate, out, bits);
    else this.pippenger(bases, scalars, negate, out, bits, choice.c);
  }

  private straus(bases: ArrayLike<number>, scalars: readonly bigint[], negate: ArrayLike<boolean>, out: number, bits: number): void {
    const n = scalars.length;
    const m = this.mark();
    const tables = this.scratch(n * WNAF_ENTRIES * EXT_BYTES);
    const len = bits + 1;
    const nafs = new Int8Array(n * len);
    const words = new Uint32Array(10);
    const p = this.pt + 4 * EXT_BYTES;
    let top = 0;
    for (let i = 0; i < n; i++) {
      scalarWords(scalars[i], 10, words);
      const t = wnaf(words, bits, WNAF_WIDTH, nafs.subarray(i * len, (i + 1) * len));
      if (t > top) top = t;
      this.nielsToExt(bases[i], p);
      this.oddMultiples(p, tables + i * WNAF_ENTRIES * EXT_BYTES);
    }
    const k = this.k;
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
    this.release(m);
  }

  private pippenger(bases: ArrayLike<number>, scalars: readonly bigint[], negate: ArrayLike<boolean>, out: number, bits: number, c: number): void {
    const n = scalars.length;
    const windows = Math.ceil((bits + 1) / c);
    const m = this.mark();
    const nb = 1 << (c - 1);
    const buckets = this.scratch(nb * EXT_BYTES);
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
    const k = this.k;
    const running = this.pt + 4 * EXT_BYTES;
    const sum = this.pt + 5 * EXT_BYTES;
    const cached = this.pt + 6 * EXT_BYTES;
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
            this.copy(buckets + b * EXT_BYTES, running, EXT_BYTES);
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
    this.release(m);
  }

  /** EXT form (Z = 1) of a NIELS point. */
  private nielsToExt(niels: number, out: number): void {
    // y−x, y+x → x = ((y+x) − (y−x))/2, y = ((y+x) + (y−x))/2
    const k = this.k;
    k.fr_sub(niels + E, niels, out);
    k.fr_add(niels + E, niels, out + E);
    k.fr_mul(out, this.halfAt, out);
    k.fr_mul(out + E, this.halfAt, out + E);
    k.fr_one(out + 2 * E);
    k.fr_mul(out, out + E, out + 3 * E);
  }

  // ---- Poseidon ----

  /**
   * Poseidon(in0..in4) of 5 field elements (in [0, r), unchecked) into the raw integer at `outRaw`.
   */
  poseidon5(inputs: readonly bigint[], outRaw: number): void {
    const k = this.k;
    for (let i = 0; i < 5; i++) {
      this.writeRaw(this.rawIn + i * RAW_BYTES, inputs[i]);
      k.fr_fromStd(this.rawIn + i * RAW_BYTES, this.el + i * E);
    }
    k.pos5_hash(this.el, this.el + 5 * E);
    k.fr_toStd(this.el + 5 * E, outRaw, this.el + 6 * E);
  }
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

let engine: BabyJubEngine | null = null;

/** The process's (thread's) engine, created on first use (builds and compiles the module: ≈ 60 ms). */
export function babyjubEngine(): BabyJubEngine {
  engine ??= new BabyJubEngine();
  return engine;
}

// ---- bigint-level wrappers (tests, tools): each call loads and reads points ----

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
