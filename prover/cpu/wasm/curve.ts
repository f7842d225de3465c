/**
 * WebAssembly curve kernels for G1 (over Fq) and G2 (over Fq2) of BN254 (y² = x³ + b), written
 * once against {@link FieldOps} and generated per group.
 *
 * Points:
 * - affine (x ‖ y, 2E bytes, E the field element size): the point at infinity is all zero limbs
 *   ((0, 0) is on neither curve). Pointers to affine points may carry a flag in bit 0 (points are
 *   4-byte aligned): "use −P" — the MSM's signed digits need no negated copies of the bases.
 * - XYZZ (X ‖ Y ‖ ZZ ‖ ZZZ, 4E bytes; x = X/ZZ, y = Y/ZZZ, ZZ³ = ZZZ²): the accumulators of the
 *   bucket reduction; infinity is ZZ = 0. Formulas: hyperelliptic.org EFD, "xyzz" for a = 0
 *   (madd-2008-s 8M+2S, add-2008-s 12M+2S, dbl-2008-s-1 6M+3S, mdbl-2008-s-1), with the
 *   equal-x cases (doubling, P + (−P)) handled explicitly.
 *
 * Kernels (prefix g = g1 | g2; `s` is scratch of {@link CURVE_SCRATCH} bytes, plus what a
 * composite kernel documents):
 *   g_affIsInf(a) g_affZero(r) g_affCopySigned(a, neg, r)
 *   g_affFromLem(p, r) g_affToLem(a, p, s) g_affBatchFromLem(p, n, r)
 *   g_xyzzZero(p) g_xyzzIsInf(p) g_xyzzFromAff(a, p) g_xyzzAddAff(p, a, s) g_xyzzAdd(p, q, s)
 *   g_xyzzDouble(p, s) g_xyzzDoubleN(p, k, s) g_xyzzToAff(p, a, s)
 *   g_batchAdd(list, m, prefix, flags, s)   m independent affine additions, one inversion
 *                                           (prefix: m+1 elements, flags: m i32)
 *   g_bucketSum(ptrs, K, out, s)            Σ (k+1)·B_k over K bucket pointers
 *   g_sumLem(p, k, out, s)                  sum of k LEM points, LEM out
 */
import type { Code, CodeBuilder, ModuleBuilder } from "wasmbuilder";
import { FIELD_BYTES } from "../../../core/wasm/field.js";
import { FIELD_SCRATCH, type FieldOps } from "./field2.js";

/** Scratch bytes every curve kernel may use at its `s` (field scratch + 12 curve temporaries). */
export const CURVE_SCRATCH = 1024;
/** Extra scratch of g_bucketSum and g_sumLem after CURVE_SCRATCH: an affine and an XYZZ point. */
export const COMPOSITE_SCRATCH = 6 * 2 * FIELD_BYTES;

/** Batch-add list entry: three i32 (a, b, out). */
export const PAIR_BYTES = 12;

const KIND_ADD = 0;
const KIND_COPY_B = 1;
const KIND_COPY_A = 2;
const KIND_DOUBLE = 3;
const KIND_INF = 4;

type OpsFactory = (c: CodeBuilder, t: Code) => FieldOps;

/** Adds the kernels of group `g` over the field whose ops `ops` generates. */
export function buildCurve(module: ModuleBuilder, g: string, ops: OpsFactory, elemBytes: number): void {
  const E = elemBytes;
  const A = 2 * E; // affine
  const X = 4 * E; // xyzz

  interface Fn {
    c: CodeBuilder;
    F: FieldOps;
    /** address local + offset */
    at: (name: string, off?: number) => Code;
    /** curve temporary k (of E bytes) in the scratch of local "s" */
    T: (k: number) => Code;
    L: (name: string) => Code;
    add: (...code: Code[]) => void;
  }
  const func = (name: string, params: string[], locals: string[] = [], ret?: "i32"): Fn => {
    const f = module.addFunction(`${g}_${name}`);
    for (const p of params) f.addParam(p, "i32");
    for (const l of locals) f.addLocal(l, "i32");
    if (ret) f.setReturnType(ret);
    module.exportFunction(`${g}_${name}`);
    const c = f.getCodeBuilder();
    const at = (n: string, off = 0): Code => (off === 0 ? c.getLocal(n) : c.i32_add(c.getLocal(n), c.i32_const(off)));
    const hasS = params.includes("s");
    const F = ops(c, hasS ? at("s", 0) : c.i32_const(0));
    const T = (k: number): Code => {
      if (!hasS) throw new Error(`${g}_${name}: temporaries need a scratch parameter`);
      if (FIELD_SCRATCH + (k + 1) * E > CURVE_SCRATCH) throw new Error(`${g}_${name}: temporary ${k} does not fit`);
      return at("s", FIELD_SCRATCH + k * E);
    };
    return { c, F, at, T, L: (n) => c.getLocal(n), add: (...code) => f.addCode(...code) };
  };
  const call = (c: CodeBuilder, name: string, ...args: Code[]): Code => c.call(`${g}_${name}`, ...args);
  const cat = (...codes: Code[]): Code => ([] as number[]).concat(...codes);
  /** i32 code: 1 when `bytes` bytes at `p` are all zero (bytes a multiple of 4). */
  const allZero = (c: CodeBuilder, p: Code, bytes: number): Code => {
    let acc: Code | null = null;
    let off = 0;
    for (; off + 8 <= bytes; off += 8) {
      const v = c.i64_load(p, off, 0);
      acc = acc === null ? v : c.i64_or(acc, v);
    }
    if (off < bytes) {
      const v = c.i64_load32_u(p, off, 0);
      acc = acc === null ? v : c.i64_or(acc, v);
    }
    return c.i64_eqz(acc as Code);
  };
  const storeZeros = (c: CodeBuilder, p: Code, bytes: number): Code => {
    const code: Code[] = [];
    let off = 0;
    for (; off + 8 <= bytes; off += 8) code.push(c.i64_store(p, off, 0, c.i64_const(0)));
    if (off < bytes) code.push(c.i32_store(p, off, 0, c.i32_const(0)));
    return cat(...code);
  };

  // ---- affine helpers ----
  {
    const { c, add, L } = func("affIsInf", ["a"], [], "i32");
    add(allZero(c, L("a"), A));
  }
  {
    const { c, add, L } = func("affZero", ["r"]);
    add(storeZeros(c, L("r"), A));
  }
  {
    const { F, add, at, c, L } = func("affCopySigned", ["a", "neg", "r"]);
    add(
      F.copy(at("a"), at("r")),
      // −∞ = ∞ needs no test: the negation of a zero y is zero
      c.if(L("neg"), F.neg(at("a", E), at("r", E)), F.copy(at("a", E), at("r", E))),
    );
  }
  {
    const { F, add, at, c, L } = func("affFromLem", ["p", "r"]);
    add(
      c.if(
        allZero(c, L("p"), 2 * F.lemBytes),
        call(c, "affZero", L("r")),
        cat(F.fromLem(at("p"), at("r")), F.fromLem(at("p", F.lemBytes), at("r", E))),
      ),
    );
  }
  {
    const { F, add, at, c, L } = func("affToLem", ["a", "p", "s"]);
    add(
      c.if(call(c, "affIsInf", L("a")), storeZeros(c, L("p"), 2 * F.lemBytes), cat(F.toLem(at("a"), at("p")), F.toLem(at("a", E), at("p", F.lemBytes)))),
    );
  }
  {
    const { F, add, c, L } = func("affBatchFromLem", ["p", "n", "r"], ["i"]);
    add(
      c.setLocal("i", c.i32_const(0)),
      c.block(
        c.loop(
          c.br_if(1, c.i32_ge_u(L("i"), L("n"))),
          call(c, "affFromLem", L("p"), L("r")),
          c.setLocal("p", c.i32_add(L("p"), c.i32_const(2 * F.lemBytes))),
          c.setLocal("r", c.i32_add(L("r"), c.i32_const(A))),
          c.setLocal("i", c.i32_add(L("i"), c.i32_const(1))),
          c.br(0),
        ),
      ),
    );
  }

  // ---- XYZZ ----
  {
    const { c, add, L } = func("xyzzZero", ["p"]);
    add(storeZeros(c, L("p"), X));
  }
  {
    const { F, add, at } = func("xyzzIsInf", ["p"], [], "i32");
    add(F.isZero(at("p", 2 * E)));
  }
  {
    const { F, add, at, c, L } = func("xyzzFromAff", ["a", "p"]);
    add(
      c.if(
        call(c, "affIsInf", L("a")),
        call(c, "xyzzZero", L("p")),
        cat(F.copy(at("a"), at("p")), F.copy(at("a", E), at("p", E)), F.one(at("p", 2 * E)), F.one(at("p", 3 * E))),
      ),
    );
  }
  {
    // p = 2·a for affine a ≠ ∞ (mdbl-2008-s-1)
    const { F, add, at, T } = func("xyzzDoubleAff", ["p", "a", "s"]);
    const [x, y] = [at("a"), at("a", E)];
    add(
      F.add(y, y, T(0)), // U = 2y
      F.sqr(T(0), T(1)), // V = U²
      F.mul(T(0), T(1), T(2)), // W = U·V
      F.mul(x, T(1), T(3)), // S = x·V
      F.sqr(x, T(4)),
      F.add(T(4), T(4), T(5)),
      F.add(T(5), T(4), T(4)), // M = 3x²
      F.copy(T(1), at("p", 2 * E)), // ZZ = V
      F.copy(T(2), at("p", 3 * E)), // ZZZ = W
      F.sqr(T(4), T(5)),
      F.sub(T(5), T(3), T(5)),
      F.sub(T(5), T(3), T(5)), // X3 = M² − 2S
      F.sub(T(3), T(5), T(3)),
      F.mul(T(4), T(3), T(3)),
      F.mul(T(2), y, T(2)),
      F.sub(T(3), T(2), at("p", E)), // Y3 = M(S − X3) − W·y
      F.copy(T(5), at("p")),
    );
  }
  {
    // p = 2·p (dbl-2008-s-1)
    const { F, add, at, T, c, L } = func("xyzzDouble", ["p", "s"]);
    const [X1, Y1, ZZ1, ZZZ1] = [at("p"), at("p", E), at("p", 2 * E), at("p", 3 * E)];
    add(
      c.if(
        c.i32_eqz(call(c, "xyzzIsInf", L("p"))),
        cat(
          F.add(Y1, Y1, T(0)), // U
          F.sqr(T(0), T(1)), // V
          F.mul(T(0), T(1), T(2)), // W
          F.mul(X1, T(1), T(3)), // S
          F.sqr(X1, T(4)),
          F.add(T(4), T(4), T(5)),
          F.add(T(5), T(4), T(4)), // M
          F.mul(T(1), ZZ1, ZZ1),
          F.mul(T(2), ZZZ1, ZZZ1),
          F.sqr(T(4), T(5)),
          F.sub(T(5), T(3), T(5)),
          F.sub(T(5), T(3), T(5)), // X3
          F.sub(T(3), T(5), T(3)),
          F.mul(T(4), T(3), T(3)),
          F.mul(T(2), Y1, T(2)),
          F.sub(T(3), T(2), Y1),
          F.copy(T(5), X1),
        ),
      ),
    );
  }
  {
    const { add, c, L } = func("xyzzDoubleN", ["p", "k", "s"]);
    add(
      c.block(
        c.loop(
          c.br_if(1, c.i32_eqz(L("k"))),
          call(c, "xyzzDouble", L("p"), L("s")),
          c.setLocal("k", c.i32_sub(L("k"), c.i32_const(1))),
          c.br(0),
        ),
      ),
    );
  }
  {
    // p += a, a affine (madd-2008-s)
    const { F, add, at, T, c, L } = func("xyzzAddAff", ["p", "a", "s"]);
    const [X1, Y1, ZZ1, ZZZ1] = [at("p"), at("p", E), at("p", 2 * E), at("p", 3 * E)];
    const [x2, y2] = [at("a"), at("a", E)];
    add(
      c.if(call(c, "affIsInf", L("a")), c.ret([])),
      c.if(call(c, "xyzzIsInf", L("p")), cat(call(c, "xyzzFromAff", L("a"), L("p")), c.ret([]))),
      F.mul(x2, ZZ1, T(0)), // U2
      F.mul(y2, ZZZ1, T(1)), // S2
      F.sub(T(0), X1, T(2)), // P
      F.sub(T(1), Y1, T(3)), // R
      c.if(
        F.isZero(T(2)),
        cat(c.if(F.isZero(T(3)), call(c, "xyzzDoubleAff", L("p"), L("a"), L("s")), call(c, "xyzzZero", L("p"))), c.ret([])),
      ),
      F.sqr(T(2), T(4)), // PP
      F.mul(T(2), T(4), T(5)), // PPP
      F.mul(X1, T(4), T(6)), // Q
      F.mul(ZZ1, T(4), ZZ1),
      F.mul(ZZZ1, T(5), ZZZ1),
      F.sqr(T(3), T(0)),
      F.sub(T(0), T(5), T(0)),
      F.sub(T(0), T(6), T(0)),
      F.sub(T(0), T(6), T(0)), // X3 = R² − PPP − 2Q
      F.sub(T(6), T(0), T(6)),
      F.mul(T(3), T(6), T(6)),
      F.mul(Y1, T(5), T(5)),
      F.sub(T(6), T(5), Y1), // Y3 = R(Q − X3) − Y1·PPP
      F.copy(T(0), X1),
    );
  }
  {
    // p += q (add-2008-s)
    const { F, add, at, T, c, L } = func("xyzzAdd", ["p", "q", "s"]);
    const [X1, Y1, ZZ1, ZZZ1] = [at("p"), at("p", E), at("p", 2 * E), at("p", 3 * E)];
    const [X2, Y2, ZZ2, ZZZ2] = [at("q"), at("q", E), at("q", 2 * E), at("q", 3 * E)];
    add(
      c.if(call(c, "xyzzIsInf", L("q")), c.ret([])),
      c.if(
        call(c, "xyzzIsInf", L("p")),
        cat(F.copy(X2, X1), F.copy(Y2, Y1), F.copy(ZZ2, ZZ1), F.copy(ZZZ2, ZZZ1), c.ret([])),
      ),
      F.mul(X1, ZZ2, T(0)), // U1
      F.mul(X2, ZZ1, T(1)), // U2
      F.mul(Y1, ZZZ2, T(2)), // S1
      F.mul(Y2, ZZZ1, T(3)), // S2
      F.sub(T(1), T(0), T(1)), // P
      F.sub(T(3), T(2), T(3)), // R
      c.if(
        F.isZero(T(1)),
        cat(c.if(F.isZero(T(3)), call(c, "xyzzDouble", L("p"), L("s")), call(c, "xyzzZero", L("p"))), c.ret([])),
      ),
      F.sqr(T(1), T(4)), // PP
      F.mul(T(1), T(4), T(5)), // PPP
      F.mul(T(0), T(4), T(6)), // Q
      F.mul(ZZ1, ZZ2, ZZ1),
      F.mul(ZZ1, T(4), ZZ1),
      F.mul(ZZZ1, ZZZ2, ZZZ1),
      F.mul(ZZZ1, T(5), ZZZ1),
      F.sqr(T(3), T(7)),
      F.sub(T(7), T(5), T(7)),
      F.sub(T(7), T(6), T(7)),
      F.sub(T(7), T(6), T(7)), // X3
      F.sub(T(6), T(7), T(6)),
      F.mul(T(3), T(6), T(6)),
      F.mul(T(2), T(5), T(5)),
      F.sub(T(6), T(5), Y1),
      F.copy(T(7), X1),
    );
  }
  {
    const { F, add, at, T, c, L } = func("xyzzToAff", ["p", "a", "s"]);
    add(
      c.if(
        call(c, "xyzzIsInf", L("p")),
        call(c, "affZero", L("a")),
        cat(
          F.inv(at("p", 3 * E), T(0)), // 1/ZZZ
          F.mul(at("p", 2 * E), T(0), T(1)), // 1/Z
          F.sqr(T(1), T(1)), // 1/ZZ
          F.mul(at("p"), T(1), at("a")),
          F.mul(at("p", E), T(0), at("a", E)),
        ),
      ),
    );
  }

  // ---- batch of independent affine additions (Montgomery's trick) ----
  //
  // Pass 1 (forward) classifies each pair and multiplies its denominator (xB − xA, or 2y for a
  // doubling) into the running products pre[i+1] = pre[i]·den_i (pre[0] = 1; m+1 slots); one
  // inversion of pre[m]; pass 2 (backward) takes 1/den_i = inv·pre[i], updates inv ·= den_i and
  // finishes the addition: 5M+1S per addition. The signs (flag bit of the addresses) are folded
  // into adds and subs instead of negating y: λ is computed up to a sign ε, which only flips
  // xA − x3. Both passes touch the points PREFETCH pairs ahead (a load folded into a dummy
  // store), so that scattered points arrive while earlier pairs compute.
  {
    const { F, add, T, c, L } = func(
      "batchAdd",
      ["list", "m", "pre", "flags", "s"],
      ["i", "pa", "pb", "po", "sa", "sb", "kind", "eps", "inf", "touch", "q"],
    );
    const PREFETCH = 6;
    const [YA, D, INV, NUM, INVJ, LAM, X3, Y3] = [0, 1, 2, 3, 4, 5, 6, 7].map(T);
    const xA = L("pa");
    const xB = L("pb");
    const yA = c.i32_add(L("pa"), c.i32_const(E));
    const yB = c.i32_add(L("pb"), c.i32_const(E));
    const entryAt = (i: Code, k: number) => c.i32_load(c.i32_add(L("list"), c.i32_mul(i, c.i32_const(PAIR_BYTES))), 4 * k, 0);
    const entry = (k: number) => entryAt(L("i"), k);
    const load = cat(
      c.setLocal("pa", entry(0)),
      c.setLocal("pb", entry(1)),
      c.setLocal("sa", c.i32_and(L("pa"), c.i32_const(1))),
      c.setLocal("sb", c.i32_and(L("pb"), c.i32_const(1))),
      c.setLocal("pa", c.i32_and(L("pa"), c.i32_const(-2))),
      c.setLocal("pb", c.i32_and(L("pb"), c.i32_const(-2))),
    );
    // touch both cache lines of both points of pair q (when it exists)
    const touchPair = (q: Code) =>
      cat(
        c.setLocal("q", q),
        c.if(
          c.i32_lt_u(L("q"), L("m")),
          cat(
            c.setLocal("po", c.i32_and(entryAt(L("q"), 0), c.i32_const(-2))),
            c.setLocal("touch", c.i32_add(L("touch"), c.i32_add(c.i32_load(L("po"), 0, 0), c.i32_load(L("po"), A - 4, 0)))),
            c.setLocal("po", c.i32_and(entryAt(L("q"), 1), c.i32_const(-2))),
            c.setLocal("touch", c.i32_add(L("touch"), c.i32_add(c.i32_load(L("po"), 0, 0), c.i32_load(L("po"), A - 4, 0)))),
          ),
        ),
      );
    // inf = the point at p is ∞ (all zero); the first limbs of x and y decide almost always
    const isInf = (p: Code) =>
      cat(
        c.setLocal("inf", c.i32_const(0)),
        c.if(c.i64_eqz(c.i64_or(c.i64_load(p, 0, 0), c.i64_load(p, E, 0))), c.setLocal("inf", call(c, "affIsInf", p))),
      );
    const preAt = (k: Code) => c.i32_add(L("pre"), c.i32_mul(k, c.i32_const(E)));
    const pre = preAt(L("i"));
    const preNext = preAt(c.i32_add(L("i"), c.i32_const(1)));
    const flagAt = c.i32_add(L("flags"), c.i32_shl(L("i"), c.i32_const(2)));
    // 1 when yA' = yB' (A' = ±A, B' = ±B by the sign flags), for equal x
    const sameY = c.if(
      c.i32_eq(L("sa"), L("sb")),
      c.setLocal("inf", F.eq(yA, yB)),
      cat(F.add(yA, yB, YA), c.setLocal("inf", F.isZero(YA))),
    );
    add(
      F.one(preAt(c.i32_const(0))),
      c.setLocal("touch", c.i32_const(0)),
      c.setLocal("i", c.i32_const(0)),
      c.block(
        c.loop(
          c.br_if(1, c.i32_ge_u(L("i"), L("m"))),
          touchPair(c.i32_add(L("i"), c.i32_const(PREFETCH))),
          load,
          isInf(L("pa")),
          c.if(
            L("inf"),
            c.setLocal("kind", c.i32_const(KIND_COPY_B)),
            cat(
              isInf(L("pb")),
              c.if(
                L("inf"),
                c.setLocal("kind", c.i32_const(KIND_COPY_A)),
                cat(
                  F.sub(xB, xA, D),
                  c.if(
                    F.isZero(D),
                    cat(
                      sameY,
                      c.if(
                        L("inf"),
                        cat(c.setLocal("kind", c.i32_const(KIND_DOUBLE)), F.add(yA, yA, D)),
                        c.setLocal("kind", c.i32_const(KIND_INF)),
                      ),
                    ),
                    c.setLocal("kind", c.i32_const(KIND_ADD)),
                  ),
                ),
              ),
            ),
          ),
          c.if(
            c.i32_or(c.i32_eq(L("kind"), c.i32_const(KIND_ADD)), c.i32_eq(L("kind"), c.i32_const(KIND_DOUBLE))),
            F.mul(pre, D, preNext),
            F.copy(pre, preNext),
          ),
          c.i32_store(flagAt, 0, 0, L("kind")),
          c.setLocal("i", c.i32_add(L("i"), c.i32_const(1))),
          c.br(0),
        ),
      ),
      F.inv(preAt(L("m")), INV),
      c.setLocal("i", L("m")),
      c.block(
        c.loop(
          c.br_if(1, c.i32_eqz(L("i"))),
          c.setLocal("i", c.i32_sub(L("i"), c.i32_const(1))),
          touchPair(c.i32_sub(L("i"), c.i32_const(PREFETCH))), // i − k wraps to a huge index when negative: skipped
          load,
          c.setLocal("po", entry(2)),
          c.setLocal("kind", c.i32_load(flagAt, 0, 0)),
          c.if(
            c.i32_eq(L("kind"), c.i32_const(KIND_COPY_B)),
            call(c, "affCopySigned", L("pb"), L("sb"), L("po")),
            c.if(
              c.i32_eq(L("kind"), c.i32_const(KIND_COPY_A)),
              call(c, "affCopySigned", L("pa"), L("sa"), L("po")),
              c.if(
                c.i32_eq(L("kind"), c.i32_const(KIND_INF)),
                call(c, "affZero", L("po")),
                cat(
                  c.if(
                    c.i32_eq(L("kind"), c.i32_const(KIND_ADD)),
                    cat(
                      F.sub(xB, xA, D),
                      // NUM = ε·(yB' − yA')
                      c.setLocal("eps", c.i32_and(c.i32_eqz(L("sa")), L("sb"))),
                      c.if(
                        c.i32_eq(L("sa"), L("sb")),
                        c.if(L("sa"), F.sub(yA, yB, NUM), F.sub(yB, yA, NUM)),
                        F.add(yA, yB, NUM),
                      ),
                    ),
                    // doubling: λ = 3x²/(2yA'), computed with 2yA, so ε = −1 when A is negated
                    cat(c.setLocal("eps", L("sa")), F.add(yA, yA, D), F.sqr(xA, NUM), F.add(NUM, NUM, X3), F.add(X3, NUM, NUM)),
                  ),
                  F.mul(INV, pre, INVJ), // 1/den_i
                  F.mul(INV, D, INV),
                  F.mul(NUM, INVJ, LAM), // ε·λ
                  F.sqr(LAM, X3),
                  F.sub(X3, xA, X3),
                  F.sub(X3, xB, X3), // x3 = λ² − xA − xB
                  c.if(L("eps"), F.sub(X3, xA, Y3), F.sub(xA, X3, Y3)),
                  F.mul(LAM, Y3, Y3), // λ(xA − x3)
                  // out may be A or B: every read of them is done but yA's, which the last op reads first
                  F.copy(X3, L("po")),
                  c.if(L("sa"), F.add(Y3, yA, c.i32_add(L("po"), c.i32_const(E))), F.sub(Y3, yA, c.i32_add(L("po"), c.i32_const(E)))),
                ),
              ),
            ),
          ),
          c.br(0),
        ),
      ),
      // keep the touches alive
      c.i32_store(L("s"), FIELD_SCRATCH - 4, 0, L("touch")),
    );
  }

  // ---- bucket reduction: Σ (k+1)·B_k by running sums ----
  {
    const { add, at, c, L } = func("bucketSum", ["ptrs", "K", "out", "s"], ["k", "p"]);
    const Q = at("s", CURVE_SCRATCH);
    const R = at("s", CURVE_SCRATCH + A);
    add(
      call(c, "xyzzZero", R),
      call(c, "xyzzZero", L("out")),
      c.setLocal("k", L("K")),
      c.block(
        c.loop(
          c.br_if(1, c.i32_eqz(L("k"))),
          c.setLocal("k", c.i32_sub(L("k"), c.i32_const(1))),
          c.setLocal("p", c.i32_load(c.i32_add(L("ptrs"), c.i32_shl(L("k"), c.i32_const(2))), 0, 0)),
          c.if(
            L("p"),
            cat(
              call(c, "affCopySigned", c.i32_and(L("p"), c.i32_const(-2)), c.i32_and(L("p"), c.i32_const(1)), Q),
              call(c, "xyzzAddAff", R, Q, L("s")),
            ),
          ),
          call(c, "xyzzAdd", L("out"), R, L("s")),
          c.br(0),
        ),
      ),
    );
  }

  // ---- sum of LEM points (partial results), LEM out ----
  {
    const { add, at, c, L, F } = func("sumLem", ["p", "k", "out", "s"], ["i"]);
    const Q = at("s", CURVE_SCRATCH);
    const ACC = at("s", CURVE_SCRATCH + A);
    add(
      call(c, "xyzzZero", ACC),
      c.setLocal("i", c.i32_const(0)),
      c.block(
        c.loop(
          c.br_if(1, c.i32_ge_u(L("i"), L("k"))),
          call(c, "affFromLem", c.i32_add(L("p"), c.i32_mul(L("i"), c.i32_const(2 * F.lemBytes))), Q),
          call(c, "xyzzAddAff", ACC, Q, L("s")),
          c.setLocal("i", c.i32_add(L("i"), c.i32_const(1))),
          c.br(0),
        ),
      ),
      call(c, "xyzzToAff", ACC, Q, L("s")),
      call(c, "affToLem", Q, L("out"), L("s")),
    );
  }
}
