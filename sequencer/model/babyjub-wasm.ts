// The WebAssembly kernels of Baby Jubjub verification: the field F_r (the prover's Montgomery code,
// prover/cpu/wasm/field.ts: Baby Jubjub's base field is BN254's scalar field), the point formulas,
// the prime-subgroup test and Poseidon(5) (poseidon5-wasm.ts). The engine that drives these kernels
// is babyjub-engine.ts, its algorithms one per file beside it (see babyjub-fast.ts).
//
// Coordinates. Internally points live on the isomorphic a = −1 model −X² + y² = 1 + d'·X²·y²,
// X = c·x with c² = −a, d' = −d/a (babyjubDerived): its formulas are one multiplication cheaper
// than those for a = 168700. a = −1 is a square and d' is not, so the formulas below (hwcd, unified)
// are complete: the identity and doublings need no special case.
//
// Layouts (E = FIELD_BYTES = 36; field elements in the field code's Montgomery form):
//   EXT    X ‖ Y ‖ Z ‖ T         (4E)  x = X/Z, y = Y/Z, T = X·Y/Z; identity (0, 1, 1, 0)
//   CACHED Y−X ‖ Y+X ‖ 2Z ‖ 2d'T (4E)  the second operand of an addition to an EXT point (8M)
//   NIELS  y−x ‖ y+x ‖ 2d'xy     (3E)  an affine second operand (Z = 1): 7M
// Raw inputs are 32-byte little-endian integers below r in the curve's own coordinates.
//
// Kernels (pointers are byte addresses; r may alias p unless said otherwise):
//   bj_identity(r)  bj_dbl(p, r)  bj_dblNoT(p, r) (T left stale: for a doubling that another follows)
//   bj_addCached(p, q, r)  bj_subCached(p, q, r)  bj_addNiels(p, q, r)  bj_subNiels(p, q, r)
//   bj_toCached(p, r) (r ≠ p)  bj_affineToNiels(p, r) (p with Z = 1, r ≠ p)
//   bj_fromRaw(x, y, r): EXT with Z = 1 from raw coordinates
//   bj_onCurve(p) (Z = 1)  bj_isIdentity(p)  bj_eqAffine(p, q) (q with Z = 1)  bj_checkT(p): T·Z = X·Y
//   bj_chiIsOne(p) (Z = 1): the octic character of p is 1 (see below)
//   bj_toAffine(p, r): the same point with Z = 1 (one inversion)
//   fr_* (the field), pos5_hash(in, out)
// Temporaries live at fixed addresses in the module's static data: one instance per thread, and
// kernels are not reentrant (unlike prover/cpu, nothing here is shared between threads).
//
// Prime-subgroup test without a scalar multiplication. The group is cyclic of order 8·l, so a point
// P lies in the subgroup of order l iff P ∈ 8E. The reduced Tate pairing of order 8 with a point T of
// order 8, χ(P) = f(P)^((r−1)/8) (8 | r − 1; Miller function div f = 8(T) − 8(O)), is a
// homomorphism from E/8E onto the 8th roots of unity, non-degenerate, so χ(P) = 1 iff P ∈ 8E. On the
// Montgomery form v² = u³ + 168698u² + u (u = (1+y)/(1−y), v = u/x), Miller's loop gives
//   f = l_T⁴ · l_2T² / ((u − u_2T)⁴ · u)
// with l_Q the tangent line at Q, and 4T = (0, 0) whose tangent is u = 0. Clearing denominators
// with 8th powers (which χ ignores), f ≡ (L1²·L2·V2²·x)² · (1 − y²)⁷ where, with n = 1 + y, e = 1 − y:
//   L1 = n·(1 − λ_T·x) + κ_T·e·x,  L2 = the same for 2T,  V2 = n − u_2T·e,  κ_Q = λ_Q·u_Q − v_Q.
// All factors are nonzero unless P is a torsion point, which the caller handles (by its y). Cost:
// ≈ 15 multiplications and one exponentiation (≈ 250 squarings and 50 multiplications), against
// ≈ 2,000 multiplications for l·P. test/model.eddsa.test.ts checks it against l·P on every coset.

import { ModuleBuilder, type Code, type CodeBuilder } from "wasmbuilder";
import { FIELD_BYTES, buildPrimeField, limbBytes, toMont } from "../../core/wasm/field.js";
import { SNARK_FIELD } from "./constants.js";
import { babyjubAdd, babyjubDerived, finv, fmod, type BabyJubPoint } from "./babyjub.js";
import { POSEIDON5_SCRATCH, buildPoseidon5 } from "./poseidon5-wasm.js";

/** Bytes of a field element. */
export const E = FIELD_BYTES;
/** Bytes of an EXT or CACHED point. */
export const EXT_BYTES = 4 * E;
/** Bytes of a NIELS point. */
export const NIELS_BYTES = 3 * E;
/** Bytes of a raw 32-byte integer. */
export const RAW_BYTES = 32;

/** The compiled module and the addresses its users need. */
export interface BabyJubWasm {
  module: WebAssembly.Module;
  /** First free byte after the static data (64-aligned). */
  staticEnd: number;
  /** Initial memory pages the module's data needs. */
  pages: number;
}

const r = SNARK_FIELD;

/** Montgomery constants of the subgroup test, in the curve's own coordinates. */
function chiConstants(): { lambdaT: bigint; kappaT: bigint; lambda2T: bigint; kappa2T: bigint; u2T: bigint } {
  const { torsion8 } = babyjubDerived();
  const A = 168698n;
  const toUV = ([x, y]: BabyJubPoint): [bigint, bigint] => {
    const u = fmod((1n + y) * finv(1n - y));
    return [u, fmod(u * finv(x))];
  };
  const tangent = ([u, v]: [bigint, bigint]): bigint => fmod((3n * u * u + 2n * A * u + 1n) * finv(2n * v));
  const t1 = toUV(torsion8);
  const t2 = toUV(babyjubAdd(torsion8, torsion8));
  const lambdaT = tangent(t1);
  const lambda2T = tangent(t2);
  return { lambdaT, kappaT: fmod(lambdaT * t1[0] - t1[1]), lambda2T, kappa2T: fmod(lambda2T * t2[0] - t2[1]), u2T: t2[0] };
}

let cached: BabyJubWasm | null = null;

/** Builds and compiles the module (synchronously: verification is a synchronous call), once. */
export function babyjubWasm(): BabyJubWasm {
  if (cached) return cached;
  const mb = new ModuleBuilder();
  buildPrimeField(mb, "fr", r);
  const { sqrtMinusA, dPrime } = babyjubDerived();
  const k = (v: bigint): number => mb.alloc(limbBytes(toMont(v, r)));
  const K2D = k(2n * dPrime);
  const KD = k(dPrime);
  const KC = k(sqrtMinusA);
  const KCINV = k(finv(sqrtMinusA));
  const ONE = k(1n);
  const chi = chiConstants();
  const [KLT, KKT, KL2, KK2, KU2] = [chi.lambdaT, chi.kappaT, chi.lambda2T, chi.kappa2T, chi.u2T].map(k);
  const NT = 12;
  const tmp = mb.alloc(NT * E);
  const powTable = mb.alloc(8 * E);
  const posScratch = mb.alloc(POSEIDON5_SCRATCH);
  buildPoseidon5(mb, "fr", posScratch);

  const fn = (name: string, params: string[], ret?: "i32") => {
    const f = mb.addFunction(name);
    for (const p of params) f.addParam(p, "i32");
    if (ret) f.setReturnType(ret);
    mb.exportFunction(name);
    const c: CodeBuilder = f.getCodeBuilder();
    const I = (a: number): Code => c.i32_const(a);
    const L = (n: string, off = 0): Code => (off === 0 ? c.getLocal(n) : c.i32_add(c.getLocal(n), c.i32_const(off)));
    const t = (i: number): Code => I(tmp + i * E);
    const F = {
      add: (a: Code, b: Code, o: Code) => c.call("fr_add", a, b, o),
      sub: (a: Code, b: Code, o: Code) => c.call("fr_sub", a, b, o),
      mul: (a: Code, b: Code, o: Code) => c.call("fr_mul", a, b, o),
      sqr: (a: Code, o: Code) => c.call("fr_sqr", a, o),
      copy: (a: Code, o: Code) => c.call("fr_copy", a, o),
      neg: (a: Code, o: Code) => c.call("fr_neg", a, o),
      eq: (a: Code, b: Code) => c.call("fr_eq", a, b),
      isZero: (a: Code) => c.call("fr_isZero", a),
    };
    return { f, c, I, L, t, F, add: (...code: Code[]) => f.addCode(...code) };
  };

  // ---- identity ----
  {
    const { L, add, c } = fn("bj_identity", ["r"]);
    add(c.call("fr_zero", L("r")), c.call("fr_one", L("r", E)), c.call("fr_one", L("r", 2 * E)), c.call("fr_zero", L("r", 3 * E)));
  }

  // ---- doubling (dbl-2008-hwcd, a = −1): 4M + 4S ----
  const dbl = (name: string, withT: boolean) => {
    const { L, F, t, add } = fn(name, ["p", "r"]);
    const [X, Y, Z] = [L("p"), L("p", E), L("p", 2 * E)];
    add(
      F.sqr(X, t(0)), // A = X²
      F.sqr(Y, t(1)), // B = Y²
      F.sqr(Z, t(2)),
      F.add(t(2), t(2), t(2)), // C = 2Z²
      F.add(X, Y, t(4)),
      F.sqr(t(4), t(4)),
      F.sub(t(4), t(0), t(4)),
      F.sub(t(4), t(1), t(4)), // E = (X+Y)² − A − B
      F.neg(t(0), t(3)), // D = −A
      F.add(t(3), t(1), t(5)), // G = D + B
      F.sub(t(5), t(2), t(6)), // F = G − C
      F.sub(t(3), t(1), t(7)), // H = D − B
      F.mul(t(4), t(6), L("r")), // X3 = E·F
      F.mul(t(5), t(7), L("r", E)), // Y3 = G·H
      ...(withT ? [F.mul(t(4), t(7), L("r", 3 * E))] : []), // T3 = E·H
      F.mul(t(6), t(5), L("r", 2 * E)), // Z3 = F·G
    );
  };
  dbl("bj_dbl", true);
  dbl("bj_dblNoT", false);

  // ---- additions (add-2008-hwcd-3, a = −1) ----
  // A = (Y1−X1)·q_a, B = (Y1+X1)·q_b, C = T1·q_c, D = Z1·q_d (or 2Z1 for NIELS),
  // E = B − A, F = D ∓ C, G = D ± C, H = B + A; X3 = E·F, Y3 = G·H, T3 = E·H, Z3 = F·G.
  // Subtraction uses −Q: the roles of Y−X and Y+X swap and C changes sign.
  const addition = (name: string, niels: boolean, negate: boolean) => {
    const { L, F, t, add } = fn(name, ["p", "q", "r"]);
    const [X, Y, Z, Tp] = [L("p"), L("p", E), L("p", 2 * E), L("p", 3 * E)];
    const qa = negate ? L("q", E) : L("q");
    const qb = negate ? L("q") : L("q", E);
    const qc = niels ? L("q", 2 * E) : L("q", 3 * E);
    add(
      F.sub(Y, X, t(0)),
      F.mul(t(0), qa, t(0)), // A
      F.add(Y, X, t(1)),
      F.mul(t(1), qb, t(1)), // B
      F.mul(Tp, qc, t(2)), // C
      niels ? F.add(Z, Z, t(3)) : F.mul(Z, L("q", 2 * E), t(3)), // D
      F.sub(t(1), t(0), t(4)), // E
      negate ? F.add(t(3), t(2), t(5)) : F.sub(t(3), t(2), t(5)), // F
      negate ? F.sub(t(3), t(2), t(6)) : F.add(t(3), t(2), t(6)), // G
      F.add(t(1), t(0), t(7)), // H
      F.mul(t(4), t(5), L("r")),
      F.mul(t(6), t(7), L("r", E)),
      F.mul(t(4), t(7), L("r", 3 * E)),
      F.mul(t(5), t(6), L("r", 2 * E)),
    );
  };
  addition("bj_addCached", false, false);
  addition("bj_subCached", false, true);
  addition("bj_addNiels", true, false);
  addition("bj_subNiels", true, true);

  // ---- conversions ----
  {
    const { L, F, add, I } = fn("bj_toCached", ["p", "r"]);
    add(
      F.sub(L("p", E), L("p"), L("r")),
      F.add(L("p", E), L("p"), L("r", E)),
      F.add(L("p", 2 * E), L("p", 2 * E), L("r", 2 * E)),
      F.mul(L("p", 3 * E), I(K2D), L("r", 3 * E)),
    );
  }
  {
    const { L, F, add, I } = fn("bj_affineToNiels", ["p", "r"]);
    add(F.sub(L("p", E), L("p"), L("r")), F.add(L("p", E), L("p"), L("r", E)), F.mul(L("p", 3 * E), I(K2D), L("r", 2 * E)));
  }
  {
    const { L, F, add, I, c } = fn("bj_fromRaw", ["x", "y", "r"]);
    add(
      c.call("fr_fromStd", L("x"), L("r")),
      F.mul(L("r"), I(KC), L("r")),
      c.call("fr_fromStd", L("y"), L("r", E)),
      c.call("fr_one", L("r", 2 * E)),
      F.mul(L("r"), L("r", E), L("r", 3 * E)),
    );
  }
  {
    // Z = 1 afterwards; T recomputed. One inversion (Fermat).
    const { L, F, add, t, c } = fn("bj_toAffine", ["p", "r"]);
    add(
      c.call("fr_inv", L("p", 2 * E), t(0), t(1)),
      F.mul(L("p"), t(0), L("r")),
      F.mul(L("p", E), t(0), L("r", E)),
      c.call("fr_one", L("r", 2 * E)),
      F.mul(L("r"), L("r", E), L("r", 3 * E)),
    );
  }

  // ---- predicates ----
  {
    // −X² + Y² = 1 + d'·X²·Y² for Z = 1
    const { L, F, add, t, I } = fn("bj_onCurve", ["p"], "i32");
    add(
      F.sqr(L("p"), t(0)),
      F.sqr(L("p", E), t(1)),
      F.mul(t(0), t(1), t(2)),
      F.mul(t(2), I(KD), t(2)),
      F.add(t(2), I(ONE), t(2)),
      F.sub(t(1), t(0), t(3)),
      F.eq(t(3), t(2)),
    );
  }
  {
    // T·Z = X·Y: the invariant of EXT points (a debug check: kernels that skip T break it)
    const { L, F, add, t } = fn("bj_checkT", ["p"], "i32");
    add(F.mul(L("p", 3 * E), L("p", 2 * E), t(0)), F.mul(L("p"), L("p", E), t(1)), F.eq(t(0), t(1)));
  }
  {
    const { L, F, add, c } = fn("bj_isIdentity", ["p"], "i32");
    add(c.i32_and(F.isZero(L("p")), F.eq(L("p", E), L("p", 2 * E))));
  }
  {
    const { L, F, add, t, c } = fn("bj_eqAffine", ["p", "q"], "i32");
    add(
      F.mul(L("q"), L("p", 2 * E), t(0)),
      F.mul(L("q", E), L("p", 2 * E), t(1)),
      c.i32_and(F.eq(L("p"), t(0)), F.eq(L("p", E), t(1))),
    );
  }

  // ---- octic character χ(P) = 1 ? (see the header) ----
  {
    const { L, F, add, t, I, c } = fn("bj_chiIsOne", ["p"], "i32");
    const [x, y, n, e, dv, L1, L2, V2, w, q, g] = Array.from({ length: 11 }, (_, i) => t(i));
    const code: Code[] = [
      F.mul(L("p"), I(KCINV), x), // the curve's own x
      F.copy(L("p", E), y),
      F.add(I(ONE), y, n),
      F.sub(I(ONE), y, e),
      F.mul(e, x, dv),
      // L1 = n·(1 − λT·x) + κT·dv
      F.mul(I(KLT), x, L1),
      F.sub(I(ONE), L1, L1),
      F.mul(n, L1, L1),
      F.mul(I(KKT), dv, w),
      F.add(L1, w, L1),
      // L2 likewise for 2T
      F.mul(I(KL2), x, L2),
      F.sub(I(ONE), L2, L2),
      F.mul(n, L2, L2),
      F.mul(I(KK2), dv, w),
      F.add(L2, w, L2),
      // V2 = n − u2T·e
      F.mul(I(KU2), e, V2),
      F.sub(n, V2, V2),
      // q = L1²·L2·V2²·x
      F.sqr(L1, q),
      F.mul(q, L2, q),
      F.sqr(V2, V2),
      F.mul(q, V2, q),
      F.mul(q, x, q),
      // g = q²·w⁷, w = n·e = 1 − y²
      F.mul(n, e, w),
      F.sqr(w, dv), // w²
      F.mul(dv, w, L2), // w³
      F.sqr(L2, L2), // w⁶
      F.mul(L2, w, L2), // w⁷
      F.sqr(q, g),
      F.mul(g, L2, g),
    ];
    code.push(...powFixed(c, F, g, q, (r - 1n) / 8n, powTable, e));
    code.push(F.eq(q, I(ONE)));
    add(...code);
  }

  const code = mb.build();
  const module = new WebAssembly.Module(code);
  const staticEnd = (mb.free + 63) & ~63;
  cached = { module, staticEnd, pages: Math.ceil(staticEnd / 65536) + 1 };
  return cached;
}

/**
 * Code for out = base^exp (exp > 0 fixed at build time): sliding windows of 4 bits over a table of
 * the odd powers base¹, base³, …, base¹⁵ at `table` (8 elements); `sq` is one scratch element.
 */
function powFixed(
  c: CodeBuilder,
  F: { mul: (a: Code, b: Code, o: Code) => Code; sqr: (a: Code, o: Code) => Code; copy: (a: Code, o: Code) => Code },
  base: Code,
  out: Code,
  exp: bigint,
  table: number,
  sq: Code,
): Code[] {
  const W = 4;
  const at = (i: number): Code => c.i32_const(table + i * E);
  const code: Code[] = [F.copy(base, at(0)), F.sqr(base, sq)];
  for (let i = 1; i < 1 << (W - 1); i++) code.push(F.mul(at(i - 1), sq, at(i)));
  const bits = exp.toString(2);
  let started = false;
  let i = 0;
  while (i < bits.length) {
    if (bits[i] === "0") {
      if (started) code.push(F.sqr(out, out));
      i++;
      continue;
    }
    // longest window of ≤ W bits starting here and ending in a 1
    let j = Math.min(i + W, bits.length);
    while (bits[j - 1] === "0") j--;
    const value = parseInt(bits.slice(i, j), 2);
    if (started) {
      for (let s = i; s < j; s++) code.push(F.sqr(out, out));
      code.push(F.mul(out, at((value - 1) >> 1), out));
    } else {
      code.push(F.copy(at((value - 1) >> 1), out));
      started = true;
    }
    i = j;
  }
  return code;
}
