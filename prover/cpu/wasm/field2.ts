/**
 * Fq2 = Fq[u]/(u² + 1) over the 29-bit-limb base field (wasm/field.ts), for G2, plus the
 * generation-time view of a field that the curve code is written against ({@link FieldOps}).
 *
 * An Fq2 element is c0 ‖ c1 (72 bytes). Multiplication is Karatsuba (3 base multiplications),
 * squaring (a0+a1)(a0−a1) + 2·a0·a1·u (2), inversion through the norm a0² + a1² (one base
 * inversion). These functions take a scratch pointer `t` of 4 base elements (144 bytes).
 */
import type { Code, CodeBuilder, ModuleBuilder } from "wasmbuilder";
import { FIELD_BYTES } from "../../../core/wasm/field.js";

/** Bytes of the scratch area a field operation may use (4 base elements). */
export const FIELD_SCRATCH = 4 * FIELD_BYTES;

/**
 * A field as curve code sees it while generating: each method returns the code of one operation
 * on element addresses. `t` is the field scratch address the ops of this function use.
 */
export interface FieldOps {
  /** Element bytes. */
  n8: number;
  /** Bytes of one coordinate in snarkjs's LEM layout. */
  lemBytes: number;
  add(a: Code, b: Code, r: Code): Code;
  sub(a: Code, b: Code, r: Code): Code;
  neg(a: Code, r: Code): Code;
  copy(a: Code, r: Code): Code;
  zero(r: Code): Code;
  one(r: Code): Code;
  mul(a: Code, b: Code, r: Code): Code;
  sqr(a: Code, r: Code): Code;
  inv(a: Code, r: Code): Code;
  /** i32: 1 when a ≡ 0. */
  isZero(a: Code): Code;
  /** i32: 1 when a ≡ b. */
  eq(a: Code, b: Code): Code;
  fromLem(p: Code, r: Code): Code;
  toLem(a: Code, p: Code): Code;
}

/** The ops of a prime field `prefix` built by buildPrimeField. */
export function primeFieldOps(c: CodeBuilder, prefix: string, t: Code): FieldOps {
  return {
    n8: FIELD_BYTES,
    lemBytes: 32,
    add: (a, b, r) => c.call(`${prefix}_add`, a, b, r),
    sub: (a, b, r) => c.call(`${prefix}_sub`, a, b, r),
    neg: (a, r) => c.call(`${prefix}_neg`, a, r),
    copy: (a, r) => c.call(`${prefix}_copy`, a, r),
    zero: (r) => c.call(`${prefix}_zero`, r),
    one: (r) => c.call(`${prefix}_one`, r),
    mul: (a, b, r) => c.call(`${prefix}_mul`, a, b, r),
    sqr: (a, r) => c.call(`${prefix}_sqr`, a, r),
    inv: (a, r) => c.call(`${prefix}_inv`, a, r, t),
    isZero: (a) => c.call(`${prefix}_isZero`, a),
    eq: (a, b) => c.call(`${prefix}_eq`, a, b),
    fromLem: (p, r) => c.call(`${prefix}_fromLem`, p, r),
    toLem: (a, p) => c.call(`${prefix}_toLem`, a, p, t),
  };
}

/** The ops of the quadratic extension `prefix` built by buildQuadraticField. */
export function quadraticFieldOps(c: CodeBuilder, prefix: string, t: Code): FieldOps {
  return {
    n8: 2 * FIELD_BYTES,
    lemBytes: 64,
    add: (a, b, r) => c.call(`${prefix}_add`, a, b, r),
    sub: (a, b, r) => c.call(`${prefix}_sub`, a, b, r),
    neg: (a, r) => c.call(`${prefix}_neg`, a, r),
    copy: (a, r) => c.call(`${prefix}_copy`, a, r),
    zero: (r) => c.call(`${prefix}_zero`, r),
    one: (r) => c.call(`${prefix}_one`, r),
    mul: (a, b, r) => c.call(`${prefix}_mul`, a, b, r, t),
    sqr: (a, r) => c.call(`${prefix}_sqr`, a, r, t),
    inv: (a, r) => c.call(`${prefix}_inv`, a, r, t),
    isZero: (a) => c.call(`${prefix}_isZero`, a),
    eq: (a, b) => c.call(`${prefix}_eq`, a, b),
    fromLem: (p, r) => c.call(`${prefix}_fromLem`, p, r),
    toLem: (a, p) => c.call(`${prefix}_toLem`, a, p, t),
  };
}

/** Adds Fq2 `prefix` (u² = −1) over the prime field `base` to the module. */
export function buildQuadraticField(module: ModuleBuilder, prefix: string, base: string): void {
  const E = FIELD_BYTES;
  const fn = (name: string, params: string[], ret?: "i32") => {
    const f = module.addFunction(`${prefix}_${name}`);
    for (const p of params) f.addParam(p, "i32");
    if (ret) f.setReturnType(ret);
    module.exportFunction(`${prefix}_${name}`);
    const c = f.getCodeBuilder();
    const at = (name: string, k: number): Code => (k === 0 ? c.getLocal(name) : c.i32_add(c.getLocal(name), c.i32_const(k)));
    const b = (op: string, ...args: Code[]): Code => c.call(`${base}_${op}`, ...args);
    return { f, c, at, b };
  };
  // componentwise operations
  for (const op of ["add", "sub"]) {
    const { f, at, b } = fn(op, ["a", "b", "r"]);
    f.addCode(b(op, at("a", 0), at("b", 0), at("r", 0)), b(op, at("a", E), at("b", E), at("r", E)));
  }
  for (const op of ["neg", "copy", "fromLem"]) {
    const { f, at, b } = fn(op, ["a", "r"]);
    const step = op === "fromLem" ? 32 : E;
    f.addCode(b(op, at("a", 0), at("r", 0)), b(op, at("a", step), at("r", E)));
  }
  {
    const { f, at, b } = fn("zero", ["r"]);
    f.addCode(b("zero", at("r", 0)), b("zero", at("r", E)));
  }
  {
    const { f, at, b } = fn("one", ["r"]);
    f.addCode(b("one", at("r", 0)), b("zero", at("r", E)));
  }
  {
    const { f, c, at, b } = fn("isZero", ["a"], "i32");
    f.addCode(c.i32_and(b("isZero", at("a", 0)), b("isZero", at("a", E))));
  }
  {
    const { f, c, at, b } = fn("eq", ["a", "b"], "i32");
    f.addCode(c.i32_and(b("eq", at("a", 0), at("b", 0)), b("eq", at("a", E), at("b", E))));
  }
  {
    const { f, at, b } = fn("toLem", ["a", "p", "t"]);
    f.addCode(b("toLem", at("a", 0), at("p", 0), at("t", 0)), b("toLem", at("a", E), at("p", 32), at("t", 0)));
  }
  {
    // Karatsuba: r0 = a0b0 − a1b1, r1 = (a0+a1)(b0+b1) − a0b0 − a1b1
    const { f, at, b } = fn("mul", ["a", "b", "r", "t"]);
    const [t0, t1, t2, t3] = [0, 1, 2, 3].map((k) => at("t", k * E));
    f.addCode(
      b("mul", at("a", 0), at("b", 0), t0),
      b("mul", at("a", E), at("b", E), t1),
      b("addLazy", at("a", 0), at("a", E), t2),
      b("addLazy", at("b", 0), at("b", E), t3),
      b("mul", t2, t3, t2),
      b("sub", t0, t1, at("r", 0)),
      b("sub", t2, t0, t2),
      b("sub", t2, t1, at("r", E)),
    );
  }
  {
    // r0 = (a0+a1)(a0−a1), r1 = 2·a0·a1
    const { f, at, b } = fn("sqr", ["a", "r", "t"]);
    const [t0, t1, t2] = [0, 1, 2].map((k) => at("t", k * E));
    f.addCode(
      b("addLazy", at("a", 0), at("a", E), t0),
      b("sub", at("a", 0), at("a", E), t1),
      b("mul", at("a", 0), at("a", E), t2),
      b("mul", t0, t1, at("r", 0)),
      b("add", t2, t2, at("r", E)),
    );
  }
  {
    // 1/(a0 + a1 u) = (a0 − a1 u)/(a0² + a1²)
    const { f, at, b } = fn("inv", ["a", "r", "t"]);
    const [t0, t1] = [0, 1].map((k) => at("t", k * E));
    f.addCode(
      b("sqr", at("a", 0), t0),
      b("sqr", at("a", E), t1),
      b("add", t0, t1, t0),
      b("inv", t0, t0, t1),
      b("mul", at("a", 0), t0, at("r", 0)),
      b("mul", at("a", E), t0, t1),
      b("neg", t1, at("r", E)),
    );
  }
}
