// The Baby Jubjub engine: one instance of the WebAssembly point kernels (babyjub-wasm.ts) with its
// memory, what reads and writes that memory (integers, field elements, points) and converts point
// forms, and the entry points of the algorithms, each in its own file:
// - babyjub-fixedbase.ts: k·B8 from a table of windows (`addMulBase`);
// - babyjub-varbase.ts: k·P by wNAF (`mulWnaf`) and by per-point key tables (`buildKeyTable`, `mulKeyTable`);
// - babyjub-msm.ts: Σ sᵢ·Pᵢ by Straus or Pippenger, whichever the cost model prices lower (`msm`);
// - babyjub-poseidon.ts: Poseidon of 5 field elements (`poseidon5`).
// Memory is allocated by core's heap (core/heap.ts): tables as permanent blocks, per-call
// regions as scratch in nested scopes (`mark`/`scratch`/`release`). The bigint-level API for tests
// and tools is babyjub-fast.ts.

import { WasmHeap } from "../../core/heap.js";
import { babyjubDerived, finv, fmod, type BabyJubPoint } from "./babyjub.js";
import { E, EXT_BYTES, NIELS_BYTES, RAW_BYTES, babyjubWasm } from "./babyjub-wasm.js";
import { SNARK_FIELD } from "./constants.js";
import * as fixedBase from "./babyjub-fixedbase.js";
import * as varBase from "./babyjub-varbase.js";
import * as multi from "./babyjub-msm.js";
import * as hash from "./babyjub-poseidon.js";

type Kernel = (...args: number[]) => number;
/** The module's exported kernels by name. */
export interface Kernels {
  [name: string]: Kernel;
}

const PAGE = 65536;
const MONT_INV = finv(fmod(1n << 261n)); // the field code's R⁻¹

/**
 * One instance of the kernels with its memory. Addresses are byte offsets into `memory`. Not
 * reentrant: one call at a time (JS is single-threaded; each worker thread needs its own engine).
 *
 * Fixed scratch, shared by the algorithm files (a call may use a slot only while no callee does):
 * - `pt` (8 EXT points): 0–1 fixed-base table build; 4 batchToNiels, Straus's point, Pippenger's
 *   running sum; 5 buildKeyTable, Pippenger's sum; 6–7 oddMultiples (6 also Pippenger); 7 readPoint.
 * - `el` (8 field elements): 0–1 batchToNiels; 0–6 poseidon5.
 * - `rawIn` (8 raw integers): 0–1 loadPoint; 0–4 poseidon5.
 */
export class BabyJubEngine {
  readonly memory: WebAssembly.Memory;
  readonly k: Kernels;
  private readonly heap: WasmHeap;
  private u8!: Uint8Array;
  private u32!: Uint32Array;
  private dv!: DataView;
  /** 8 raw integers of fixed scratch (see the class comment). */
  readonly rawIn: number;
  /** 8 field elements of fixed scratch. */
  readonly el: number;
  /** 8 EXT points of fixed scratch. */
  readonly pt: number;
  /** (r + 1)/2 in the kernels' form. */
  private readonly halfAt: number;
  /** The fixed-base table of B8 (babyjub-fixedbase.ts). */
  readonly baseTable: number;
  private readonly torsionYs: ReadonlySet<bigint>;

  constructor() {
    const { module, staticEnd, pages } = babyjubWasm();
    this.memory = new WebAssembly.Memory({ initial: pages + 16 });
    const instance = new WebAssembly.Instance(module, { env: { memory: this.memory } });
    this.k = instance.exports as unknown as Kernels;
    this.heap = new WasmHeap(this.memory, staticEnd, { name: "BabyJubEngine", headroom: 16 * PAGE, onGrow: () => this.views() });
    this.views();
    this.rawIn = this.alloc(8 * RAW_BYTES);
    this.el = this.alloc(8 * E);
    this.pt = this.alloc(8 * EXT_BYTES);
    this.torsionYs = new Set(babyjubDerived().torsionYs);
    this.halfAt = this.alloc(E);
    this.writeRaw(this.rawIn, (SNARK_FIELD + 1n) / 2n);
    this.k.fr_fromStd(this.rawIn, this.halfAt);
    this.baseTable = fixedBase.buildBaseTable(this);
  }

  private views(): void {
    this.u8 = new Uint8Array(this.memory.buffer);
    this.u32 = new Uint32Array(this.memory.buffer);
    this.dv = new DataView(this.memory.buffer);
  }

  // ---- memory (core/heap.ts) ----

  /**
   * Allocates `bytes` (64-aligned) for good, growing the memory when needed. Only outside every
   * scratch scope: a permanent region inside one would be handed out again after `release`.
   */
  alloc(bytes: number): number {
    return this.heap.alloc(bytes);
  }

  /** Allocates `bytes` of scratch, valid until the enclosing scope's `release`. */
  scratch(bytes: number): number {
    return this.heap.scratch(bytes);
  }

  /** Opens a scratch scope; returns its token for {@link release}. */
  mark(): number {
    return this.heap.mark();
  }

  /**
   * Closes the scratch scope `token`, and any scope opened inside it that an exception left open,
   * freeing their scratch.
   */
  release(token: number): void {
    this.heap.releaseScope(token);
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

  /** EXT form (Z = 1) of a NIELS point. */
  nielsToExt(niels: number, out: number): void {
    // y−x, y+x → x = ((y+x) − (y−x))/2, y = ((y+x) + (y−x))/2
    const k = this.k;
    k.fr_sub(niels + E, niels, out);
    k.fr_add(niels + E, niels, out + E);
    k.fr_mul(out, this.halfAt, out);
    k.fr_mul(out + E, this.halfAt, out + E);
    k.fr_one(out + 2 * E);
    k.fr_mul(out, out + E, out + 3 * E);
  }

  // ---- the algorithms (one file each) ----

  /** acc += k·B8 (acc an EXT point; 0 ≤ k < 2^255): babyjub-fixedbase.ts. */
  addMulBase(acc: number, k: bigint): void {
    fixedBase.addMulBase(this, acc, k);
  }

  /** The odd multiples P, 3P, …, (2·entries − 1)P of the EXT point p as CACHED points at `out`: babyjub-varbase.ts. */
  oddMultiples(p: number, out: number, entries?: number): void {
    varBase.oddMultiples(this, p, out, entries);
  }

  /** out = ±k·P for an EXT point p, k < 2^256 given as words, by width-5 wNAF: babyjub-varbase.ts. */
  mulWnaf(p: number, words: Uint32Array, out: number, negate = false): void {
    varBase.mulWnaf(this, p, words, out, negate);
  }

  /** Builds the key table of the EXT point p at `at` (KEY_TABLE_BYTES): babyjub-varbase.ts. */
  buildKeyTable(p: number, at: number): varBase.KeyTable {
    return varBase.buildKeyTable(this, p, at);
  }

  /** out = ±k·P from P's key table, k < 2^256 given as words: babyjub-varbase.ts. */
  mulKeyTable(table: varBase.KeyTable, words: Uint32Array, out: number, negate = false): void {
    varBase.mulKeyTable(this, table, words, out, negate);
  }

  /** out = Σ ±sᵢ·Pᵢ over NIELS points: babyjub-msm.ts. */
  msm(bases: ArrayLike<number>, scalars: readonly bigint[], negate: ArrayLike<boolean>, out: number, method?: "straus" | "pippenger", window?: number): void {
    multi.msm(this, bases, scalars, negate, out, method, window);
  }

  /** Poseidon of 5 field elements into the raw integer at `outRaw`: babyjub-poseidon.ts. */
  poseidon5(inputs: readonly bigint[], outRaw: number): void {
    hash.poseidon5(this, inputs, outRaw);
  }
}

let engine: BabyJubEngine | null = null;

/** The process's (thread's) engine, created on first use (builds and compiles the module: ≈ 60 ms). */
export function babyjubEngine(): BabyJubEngine {
  engine ??= new BabyJubEngine();
  return engine;
}
