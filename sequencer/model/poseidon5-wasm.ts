// Poseidon with 5 inputs (t = 6, circomlib parameters), as one WebAssembly kernel: the hash inside
// every EdDSA-Poseidon verification, H(R8x, R8y, Ax, Ay, M). poseidon-lite takes ≈ 400 µs for it in
// bigint; this kernel ≈ 1,300 field multiplications (tens of µs).
//
// Parameters: the round constants C and the MDS matrix M are poseidon-lite's tables for t = 6 (the
// ones sequencer/model/poseidon.ts hashes with), read from its package; 8 full rounds, 60 partial.
// A round is: add constants, S-box x⁵ (all six lanes in full rounds, lane 0 in partial rounds),
// multiply by M.
//
// The partial rounds are rewritten into an equivalent cheaper form (Poseidon paper, appendix B):
// 1. Constants: in a partial round only lane 0 goes through the S-box, so the constants of lanes
//    1..5 pass it unchanged and can be pushed through M into the next round's constants. Each
//    partial round then adds one constant; the last carry joins the first full round after them.
// 2. Matrices: write a round's matrix N = [[n00, nᵣᵀ], [n_c, N̂]] as Sp·D with D = diag(1, N̂) and
//    Sp = [[n00, nᵣᵀN̂⁻¹], [n_c, I]] (sparse: 11 multiplications instead of 36). D leaves lane 0
//    alone, so it commutes with the partial round before it and merges into that round's matrix:
//    going backwards from the last partial round, N ← D·M each time, and the final D merges into
//    the matrix of the last full round before the partial rounds.
// The rewritten permutation is checked against poseidon-lite in test/model.eddsa.test.ts.

import { createRequire } from "node:module";
import path from "node:path";
import type { Code, CodeBuilder, ModuleBuilder } from "wasmbuilder";
import { FIELD_BYTES, LIMBS, LIMB_BITS, karatsubaProductCode, limbBytes, montReduceColumnsCode, toLimbs, toMont } from "../../core/wasm/field.js";
import { SNARK_FIELD } from "./constants.js";
import { finv, fmod } from "./babyjub.js";

const T = 6;
const ROUNDS_F = 8;
const ROUNDS_P = 60;

/** Poseidon(5)'s round constants (flat, (R_F + R_P)·t) and MDS matrix, from poseidon-lite. */
export function poseidon5Constants(): { C: bigint[]; M: bigint[][] } {
  // poseidon-lite's package exports do not list its constant tables; requiring the file by its
  // absolute path is not subject to the exports map.
  const require = createRequire(import.meta.url);
  const dir = path.dirname(require.resolve("poseidon-lite"));
  const raw = require(path.join(dir, "constants", "5.js")) as { default: { C: string[]; M: string[][] } };
  const big = (b64: string): bigint => BigInt("0x" + (Buffer.from(b64, "base64").toString("hex") || "0"));
  const C = raw.default.C.map(big);
  const M = raw.default.M.map((row) => row.map(big));
  if (C.length !== (ROUNDS_F + ROUNDS_P) * T || M.length !== T || M.some((row) => row.length !== T)) {
    throw new Error(`poseidon5Constants: ${(ROUNDS_F + ROUNDS_P) * T} constants and a ${T}×${T} matrix expected, got ${C.length} and ${M.length}×${M[0]?.length}`);
  }
  return { C, M };
}

/** The permutation in the form the kernel runs. */
export interface Poseidon5Plan {
  /** Constants of each full round (8 × 6), the carry of the partial rounds folded in. */
  fullC: bigint[][];
  /** Matrix of each full round (8 × 6×6); the 4th is D·M. */
  fullM: bigint[][][];
  /** One constant per partial round. */
  partialC: bigint[];
  /** Sparse matrix of each partial round: n00, w (5: row 0), col (5: column 0). */
  partialM: { n00: bigint; w: bigint[]; col: bigint[] }[];
}

const mulMat = (a: bigint[][], b: bigint[][]): bigint[][] =>
  a.map((row) => b[0].map((_, j) => fmod(row.reduce((acc, v, k) => acc + v * b[k][j], 0n))));
const mulVec = (a: bigint[][], v: bigint[]): bigint[] => a.map((row) => fmod(row.reduce((acc, x, k) => acc + x * v[k], 0n)));

/** x with Aᵀ·x = b (Gaussian elimination mod r; A invertible, as an MDS matrix's minors are). */
function solveTransposed(a: bigint[][], b: bigint[]): bigint[] {
  const n = b.length;
  const m = a[0].map((_, i) => [...a.map((row) => row[i]), b[i]]); // [Aᵀ | b]
  for (let col = 0; col < n; col++) {
    const piv = m.findIndex((row, i) => i >= col && row[col] !== 0n);
    if (piv < 0) throw new Error("poseidon5 plan: singular minor");
    [m[col], m[piv]] = [m[piv], m[col]];
    const inv = finv(m[col][col]);
    m[col] = m[col].map((v) => fmod(v * inv));
    for (let i = 0; i < n; i++) {
      if (i === col || m[i][col] === 0n) continue;
      const f = m[i][col];
      m[i] = m[i].map((v, j) => fmod(v - f * m[col][j]));
    }
  }
  return m.map((row) => row[n]);
}

/** Derives the optimized form from C and M (≈ 10 ms of bigint work, once). */
export function poseidon5Plan(C: bigint[], M: bigint[][]): Poseidon5Plan {
  const half = ROUNDS_F / 2;
  const rc = (round: number): bigint[] => C.slice(round * T, (round + 1) * T);
  // 1. constants
  const partialC: bigint[] = [];
  let carry = new Array<bigint>(T).fill(0n);
  for (let i = 0; i < ROUNDS_P; i++) {
    const c = rc(half + i).map((v, j) => fmod(v + carry[j]));
    partialC.push(c[0]);
    carry = mulVec(M, [0n, ...c.slice(1)]);
  }
  const fullC: bigint[][] = [];
  for (let i = 0; i < ROUNDS_F; i++) {
    const round = i < half ? i : i + ROUNDS_P;
    fullC.push(i === half ? rc(round).map((v, j) => fmod(v + carry[j])) : rc(round));
  }
  // 2. matrices, backwards from the last partial round
  const partialM: Poseidon5Plan["partialM"] = new Array(ROUNDS_P);
  let n = M;
  for (let i = ROUNDS_P - 1; i >= 0; i--) {
    const hat = n.slice(1).map((row) => row.slice(1));
    partialM[i] = { n00: n[0][0], w: solveTransposed(hat, n[0].slice(1)), col: n.slice(1).map((row) => row[0]) };
    const d = [[1n, 0n, 0n, 0n, 0n, 0n], ...hat.map((row) => [0n, ...row])];
    n = mulMat(d, M);
  }
  const fullM = Array.from({ length: ROUNDS_F }, (_, i) => (i === half - 1 ? n : M));
  return { fullC, fullM, partialC, partialM };
}

/** The permutation of the plan in bigint (the kernel's twin; state[0] of the result is the hash). */
export function poseidon5PlanHash(plan: Poseidon5Plan, inputs: readonly bigint[]): bigint {
  let s = [0n, ...inputs];
  const pow5 = (x: bigint): bigint => {
    const x2 = (x * x) % SNARK_FIELD;
    return (((x2 * x2) % SNARK_FIELD) * x) % SNARK_FIELD;
  };
  const full = (i: number) => {
    s = mulVec(plan.fullM[i], s.map((v, j) => pow5(fmod(v + plan.fullC[i][j]))));
  };
  for (let i = 0; i < ROUNDS_F / 2; i++) full(i);
  for (let i = 0; i < ROUNDS_P; i++) {
    const x = pow5(fmod(s[0] + plan.partialC[i]));
    const { n00, w, col } = plan.partialM[i];
    s = [fmod(n00 * x + w.reduce((acc, v, j) => acc + v * s[j + 1], 0n)), ...col.map((v, j) => fmod(v * x + s[j + 1]))];
  }
  for (let i = ROUNDS_F / 2; i < ROUNDS_F; i++) full(i);
  return s[0];
}

const LIMB_MASK = (1n << BigInt(LIMB_BITS)) - 1n;

/** Code generation for products of the field code's elements (9 normalized 29-bit limbs, value < 2m, R = 2^261). */
class LimbCode {
  readonly m2: bigint[];
  constructor(
    readonly c: CodeBuilder,
    readonly m: bigint,
  ) {
    this.m2 = toLimbs(2n * m);
  }

  /** Locals every kernel built with this class declares. */
  static declare(f: { addLocal(name: string, type: "i64"): void }): void {
    const names = [
      ...Array.from({ length: 2 * LIMBS }, (_, k) => `t${k}`),
      ...Array.from({ length: LIMBS }, (_, j) => `x${j}`),
      ...Array.from({ length: LIMBS }, (_, j) => `y${j}`),
      "u0", "u1", "u2", "v0", "v1", "v2", "p0", "p1", "p2", "p3", "p4", "q", "br", "msk",
    ];
    for (const n of names) f.addLocal(n, "i64");
  }

  private get(n: string): Code {
    return this.c.getLocal(n);
  }

  zeroColumns(): Code[] {
    return Array.from({ length: 2 * LIMBS }, (_, k) => this.c.setLocal(`t${k}`, this.c.i64_const(0)));
  }

  /** x0..x8 and y0..y8 from the elements at byte addresses `a` and `b` (i32 code). */
  load(a: Code, aOff: number, b: Code, bOff: number): Code[] {
    const { c } = this;
    const out: Code[] = [];
    for (let j = 0; j < LIMBS; j++) {
      out.push(c.setLocal(`x${j}`, c.i64_load32_u(a, aOff + 4 * j)));
      out.push(c.setLocal(`y${j}`, c.i64_load32_u(b, bOff + 4 * j)));
    }
    return out;
  }

  /** t += x·y, 3-way Karatsuba (54 products instead of 81): the field code's own multiplication. */
  productInto(): Code[] {
    return karatsubaProductCode(this.c, "x", "y");
  }

  /**
   * t += x·y, schoolbook (81 products). Faster than productInto inside the long dot-product
   * kernel (measured: 250 against 560 ns for 6 terms), where Karatsuba's extra live values cost
   * more than its 27 saved multiplications.
   */
  productIntoSchoolbook(): Code[] {
    const { c } = this;
    const out: Code[] = [];
    for (let i = 0; i < LIMBS; i++) {
      for (let j = 0; j < LIMBS; j++) out.push(c.setLocal(`t${i + j}`, c.i64_add(this.get(`t${i + j}`), c.i64_mul(this.get(`x${i}`), this.get(`y${j}`)))));
    }
    return out;
  }

  /** t[9 + j] += limb j of the element at `a` (adds a·R to the columns). */
  addShifted(a: Code, off: number): Code[] {
    const { c } = this;
    return Array.from({ length: LIMBS }, (_, j) => c.setLocal(`t${LIMBS + j}`, c.i64_add(this.get(`t${LIMBS + j}`), c.i64_load32_u(a, off + 4 * j))));
  }

  /** Montgomery reduction of the columns, then normalized limbs into t9..t17. */
  reduce(): Code[] {
    const { c } = this;
    const out = montReduceColumnsCode(c, this.m);
    for (let j = 0; j < LIMBS - 1; j++) {
      const t = `t${LIMBS + j}`;
      out.push(c.setLocal(`t${LIMBS + j + 1}`, c.i64_add(this.get(`t${LIMBS + j + 1}`), c.i64_shr_u(this.get(t), c.i64_const(29)))));
      out.push(c.setLocal(t, c.i64_and(this.get(t), c.i64_const(LIMB_MASK))));
    }
    return out;
  }

  /** Stores t9..t17 at `r`; with `below2m`, subtracts 2m first when the value is ≥ 2m (input < 4m). */
  store(r: Code, below2m: boolean): Code[] {
    const { c } = this;
    const out: Code[] = [];
    const t = (j: number) => this.get(`t${LIMBS + j}`);
    if (!below2m) {
      for (let j = 0; j < LIMBS; j++) out.push(c.i64_store32(r, 4 * j, t(j)));
      return out;
    }
    // y = t − 2m with borrows; keep t where y < 0
    for (let j = 0; j < LIMBS; j++) {
      let v = c.i64_sub(t(j), c.i64_const(this.m2[j]));
      if (j > 0) v = c.i64_add(v, this.get("br"));
      out.push(c.setLocal(`y${j}`, v));
      if (j < LIMBS - 1) {
        out.push(c.setLocal("br", c.i64_shr_s(this.get(`y${j}`), c.i64_const(29))));
        out.push(c.setLocal(`y${j}`, c.i64_and(this.get(`y${j}`), c.i64_const(LIMB_MASK))));
      }
    }
    out.push(c.setLocal("msk", c.i64_shr_s(this.get(`y${LIMBS - 1}`), c.i64_const(63))));
    for (let j = 0; j < LIMBS; j++) {
      const y = this.get(`y${j}`);
      out.push(c.i64_store32(r, 4 * j, c.i64_xor(y, c.i64_and(c.i64_xor(y, t(j)), this.get("msk")))));
    }
    return out;
  }
}

/**
 * Adds two kernels for the field `fr` of modulus m (the field code's elements, prover/cpu/wasm/field.ts):
 * - `${fr}_dot${n}(a, b, r)`: r = Σ aᵢ·bᵢ over n consecutive elements at a and at b, with one
 *   Montgomery reduction instead of n, and no additions between;
 * - `${fr}_mulAdd(a, b, c, r)`: r = a·b + c, c folded into the columns as c·R before the reduction.
 *
 * Bounds: a limb product is below 2^58 (mulAdd's Karatsuba block sums have 30-bit limbs, but
 * only final column values matter, see productInto); column k of n products holds at most 9n of them and the
 * reduction adds at most 9 more plus a carry below 2^36, so for n ≤ 6 a column stays below
 * 63·2^58 + 2^36 < 2^64 (unsigned, no carry handling until the end). The dot product's output is
 * below (4n·m² + R·m)/R < 2m since 4n·m < 24·2^254 < R; mulAdd's is below 2m + m + m/32 and is
 * brought below 2m by one conditional subtraction of 2m.
 */
export function buildFieldExtras(mb: ModuleBuilder, fr: string, n: number, m: bigint): void {
  if (n < 1 || n > 6) throw new RangeError(`buildFieldExtras: 1 to 6 terms expected, got ${n}`);
  {
    const name = `${fr}_dot${n}`;
    const f = mb.addFunction(name);
    for (const p of ["a", "b", "r"]) f.addParam(p, "i32");
    LimbCode.declare(f);
    mb.exportFunction(name);
    const c: CodeBuilder = f.getCodeBuilder();
    const g = new LimbCode(c, m);
    const code: Code[] = g.zeroColumns();
    for (let term = 0; term < n; term++) code.push(...g.load(c.getLocal("a"), term * FIELD_BYTES, c.getLocal("b"), term * FIELD_BYTES), ...g.productIntoSchoolbook());
    code.push(...g.reduce(), ...g.store(c.getLocal("r"), false));
    f.addCode(...code);
  }
  {
    const name = `${fr}_mulAdd`;
    const f = mb.addFunction(name);
    for (const p of ["a", "b", "c", "r"]) f.addParam(p, "i32");
    LimbCode.declare(f);
    mb.exportFunction(name);
    const c: CodeBuilder = f.getCodeBuilder();
    const g = new LimbCode(c, m);
    f.addCode(
      ...g.zeroColumns(),
      ...g.load(c.getLocal("a"), 0, c.getLocal("b"), 0),
      ...g.productInto(),
      ...g.addShifted(c.getLocal("c"), 0),
      ...g.reduce(),
      ...g.store(c.getLocal("r"), true),
    );
  }
}

/**
 * Adds `pos5_hash(in, out)` to the module: `in` holds 5 field elements (the kernels' Montgomery
 * form, FIELD_BYTES each), `out` receives the hash in the same form. `fr` is the prime field's
 * prefix; `scratch` is 14 elements of static scratch (the kernel is not reentrant).
 */
export function buildPoseidon5(mb: ModuleBuilder, fr: string, scratch: number): void {
  const { C, M } = poseidon5Constants();
  const plan = poseidon5Plan(C, M);
  const E = FIELD_BYTES;
  buildFieldExtras(mb, fr, T, SNARK_FIELD);
  // matrix rows as consecutive elements, for the dot products
  const rowAt = (row: bigint[]): number => {
    const bytes = new Uint8Array(T * E);
    row.forEach((v, j) => bytes.set(limbBytes(toMont(v, SNARK_FIELD)), j * E));
    return mb.alloc(bytes);
  };
  const fullRows = plan.fullM.map((m) => m.map(rowAt));
  const partialRow0 = plan.partialM.map(({ n00, w }) => rowAt([n00, ...w]));
  const constAt = new Map<bigint, number>();
  const k = (v: bigint): number => {
    let at = constAt.get(v);
    if (at === undefined) {
      at = mb.alloc(limbBytes(toMont(v, SNARK_FIELD)));
      constAt.set(v, at);
    }
    return at;
  };
  // two state buffers (6 elements each) and two temporaries
  const bufA = scratch;
  const bufB = scratch + T * E;
  const tmp = scratch + 2 * T * E;

  const f = mb.addFunction("pos5_hash");
  f.addParam("in", "i32");
  f.addParam("out", "i32");
  mb.exportFunction("pos5_hash");
  const c: CodeBuilder = f.getCodeBuilder();
  const I = (a: number): Code => c.i32_const(a);
  const add = (a: Code, b: Code, r: Code): Code => c.call(`${fr}_add`, a, b, r);
  const mul = (a: Code, b: Code, r: Code): Code => c.call(`${fr}_mul`, a, b, r);
  const sqr = (a: Code, r: Code): Code => c.call(`${fr}_sqr`, a, r);
  const dot = (a: Code, b: Code, r: Code): Code => c.call(`${fr}_dot${T}`, a, b, r);
  const code: Code[] = [];
  const pow5 = (x: number) => code.push(sqr(I(x), I(tmp)), sqr(I(tmp), I(tmp)), mul(I(x), I(tmp), I(x)));
  const lane = (buf: number, j: number): number => buf + j * E;

  // state = [0, in0..in4]
  code.push(c.call(`${fr}_zero`, I(lane(bufA, 0))));
  for (let j = 1; j < T; j++) code.push(c.call(`${fr}_copy`, c.i32_add(c.getLocal("in"), I((j - 1) * E)), I(lane(bufA, j))));
  let cur = bufA;
  let nxt = bufB;
  const fullRound = (i: number) => {
    for (let j = 0; j < T; j++) {
      code.push(add(I(lane(cur, j)), I(k(plan.fullC[i][j])), I(lane(cur, j))));
      pow5(lane(cur, j));
    }
    for (let row = 0; row < T; row++) code.push(dot(I(fullRows[i][row]), I(cur), I(lane(nxt, row))));
    [cur, nxt] = [nxt, cur];
  };
  for (let i = 0; i < ROUNDS_F / 2; i++) fullRound(i);
  for (let i = 0; i < ROUNDS_P; i++) {
    const s0 = lane(cur, 0);
    code.push(add(I(s0), I(k(plan.partialC[i])), I(s0)));
    pow5(s0);
    const { col } = plan.partialM[i];
    // new lane 0 into the other buffer's lane 0, then lanes 1..5 in place from the old lane 0
    const n0 = lane(nxt, 0);
    code.push(dot(I(partialRow0[i]), I(cur), I(n0)));
    for (let j = 1; j < T; j++) code.push(c.call(`${fr}_mulAdd`, I(s0), I(k(col[j - 1])), I(lane(cur, j)), I(lane(cur, j))));
    code.push(c.call(`${fr}_copy`, I(n0), I(s0)));
  }
  for (let i = ROUNDS_F / 2; i < ROUNDS_F; i++) fullRound(i);
  code.push(c.call(`${fr}_copy`, I(lane(cur, 0)), c.getLocal("out")));
  f.addCode(...code);
}

/** Static scratch bytes {@link buildPoseidon5} needs. */
export const POSEIDON5_SCRATCH = (2 * T + 2) * FIELD_BYTES;
