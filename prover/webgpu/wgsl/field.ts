/**
 * WGSL layer 1 and 2: big integers and Montgomery prime fields on 32-bit words.
 *
 * WGSL has no 64-bit integers, so an element is 16 limbs of 16 bits, each in a u32 (`array<u32,
 * 16>`, little-endian). With limbs below 2^16, `t + a·b + carry` never exceeds 2^32 − 1, so the
 * CIOS Montgomery multiplication needs no wider type. The radix is 2^256, the same as snarkjs's
 * Montgomery form, so the zkey's LEM words load as they are: storage keeps 8 packed u32 words per
 * element and `*_unpack`/`*_pack` split and join them.
 *
 * Every function is generated unrolled (constant limb indices, scalar temporaries), which lets the
 * shader compilers keep an element in registers. All constants come from core/bn254.ts.
 */
import { P, R } from "../../../core/bn254.js";

/** Limbs of an element and their width. */
export const LIMBS = 16;
export const LIMB_BITS = 16;
/** Packed u32 words of an element in storage. */
export const WORDS = 8;

const MASK = (1n << BigInt(LIMB_BITS)) - 1n;

/** The 16-bit limbs of x, little-endian. */
export function limbs(x: bigint): number[] {
  return Array.from({ length: LIMBS }, (_, i) => Number((x >> BigInt(i * LIMB_BITS)) & MASK));
}

/** a^{-1} mod 2^16 for odd a (Newton: each step doubles the correct low bits). */
function inverseMod2k(a: bigint): bigint {
  let x = 1n;
  for (let i = 0; i < 5; i++) x = (x * (2n - a * x)) & MASK;
  return x;
}

/** A field's constants as the generated code uses them. */
export interface FieldSpec {
  /** Prefix of the type and functions: `fq` → `Fq`, `fq_mul`, … */
  name: string;
  modulus: bigint;
}

export const FQ: FieldSpec = { name: "fq", modulus: P };
export const FR: FieldSpec = { name: "fr", modulus: R };

const cap = (s: string): string => s[0].toUpperCase() + s.slice(1);
const lit = (v: number | bigint): string => `${v}u`;
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** WGSL literal of an element (its limbs). */
export function elementLiteral(spec: FieldSpec, x: bigint): string {
  return `${cap(spec.name)}(${limbs(x).map(lit).join(", ")})`;
}

/**
 * The WGSL of one prime field: type alias, constants, pack/unpack, add, sub, neg, Montgomery mul
 * and square, equality and zero tests.
 */
export function fieldWgsl(spec: FieldSpec): string {
  const F = cap(spec.name);
  const f = spec.name;
  const m = limbs(spec.modulus);
  const R256 = 1n << 256n;
  const oneMont = R256 % spec.modulus;
  // −m^{-1} mod 2^16 for the Montgomery reduction step.
  const ninv = Number((MASK + 1n - inverseMod2k(spec.modulus & MASK)) & MASK);
  if (spec.modulus >= 1n << 255n) throw new RangeError("fieldWgsl: the modulus must leave a spare bit (a + b < 2^256)");

  const out: string[] = [];
  out.push(`alias ${F} = array<u32, ${LIMBS}>;`);
  out.push(`const ${f.toUpperCase()}_ZERO = ${F}(${range(LIMBS).map(() => "0u").join(", ")});`);
  out.push(`const ${f.toUpperCase()}_ONE = ${elementLiteral(spec, oneMont)}; // 1 in Montgomery form`);

  // unpack 8 words → 16 limbs; pack back
  out.push(`fn ${f}_unpack(w: array<u32, ${WORDS}>) -> ${F} {
  return ${F}(${range(WORDS)
    .map((i) => `w[${i}] & 0xffffu, w[${i}] >> 16u`)
    .join(", ")});
}`);
  out.push(`fn ${f}_pack(a: ${F}) -> array<u32, ${WORDS}> {
  return array<u32, ${WORDS}>(${range(WORDS)
    .map((i) => `a[${2 * i}] | (a[${2 * i + 1}] << 16u)`)
    .join(", ")});
}`);

  // r ≥ m ? r − m : r, for r < 2m (with an optional carry-out limb `hi`)
  const reduceOnce = (src: string, hi: string | null): string[] => {
    const b: string[] = [`var d: ${F};`, `var z: u32;`, `var borrow: u32 = 0u;`];
    for (const i of range(LIMBS)) {
      b.push(`z = ${src}[${i}] + 0x10000u - ${lit(m[i])} - borrow; d[${i}] = z & 0xffffu; borrow = 1u - (z >> 16u);`);
    }
    b.push(`if (borrow == 0u${hi ? ` || ${hi} != 0u` : ""}) { return d; }`, `return ${src};`);
    return b;
  };

  out.push(`fn ${f}_add(a: ${F}, b: ${F}) -> ${F} {
  var s: ${F};
  var c: u32 = 0u;
  var y: u32;
${range(LIMBS)
  .map((i) => `  y = a[${i}] + b[${i}] + c; s[${i}] = y & 0xffffu; c = y >> 16u;`)
  .join("\n")}
  ${reduceOnce("s", null).join("\n  ")}
}`);

  out.push(`fn ${f}_sub(a: ${F}, b: ${F}) -> ${F} {
  var s: ${F};
  var borrow: u32 = 0u;
  var y: u32;
${range(LIMBS)
  .map((i) => `  y = a[${i}] + 0x10000u - b[${i}] - borrow; s[${i}] = y & 0xffffu; borrow = 1u - (y >> 16u);`)
  .join("\n")}
  if (borrow == 0u) { return s; }
  var c: u32 = 0u;
${range(LIMBS)
  .map((i) => `  y = s[${i}] + ${lit(m[i])} + c; s[${i}] = y & 0xffffu; c = y >> 16u;`)
  .join("\n")}
  return s;
}`);

  out.push(`fn ${f}_neg(a: ${F}) -> ${F} { return ${f}_sub(${f.toUpperCase()}_ZERO, a); }`);
  out.push(`fn ${f}_double(a: ${F}) -> ${F} { return ${f}_add(a, a); }`);

  out.push(`fn ${f}_is_zero(a: ${F}) -> bool {
  return (${range(LIMBS)
    .map((i) => `a[${i}]`)
    .join(" | ")}) == 0u;
}`);
  out.push(`fn ${f}_eq(a: ${F}, b: ${F}) -> bool {
  return (${range(LIMBS)
    .map((i) => `(a[${i}] ^ b[${i}])`)
    .join(" | ")}) == 0u;
}`);

  // CIOS Montgomery multiplication. Rolled loops keep the code small: software adapters (Mesa)
  // inline every call, and an unrolled body makes their shader compiles take minutes.
  const mods = `array<u32, ${LIMBS}>(${m.map(lit).join(", ")})`;
  out.push(`const ${f.toUpperCase()}_MODULUS = ${mods};
fn ${f}_mul(a: ${F}, b: ${F}) -> ${F} {
  var t: array<u32, ${LIMBS + 2}>;
  for (var i = 0u; i < ${LIMBS}u; i++) {
    let bi = b[i];
    var c = 0u;
    for (var j = 0u; j < ${LIMBS}u; j++) {
      let x = t[j] + a[j] * bi + c;
      t[j] = x & 0xffffu;
      c = x >> 16u;
    }
    let x16 = t[${LIMBS}] + c;
    t[${LIMBS}] = x16 & 0xffffu;
    t[${LIMBS + 1}] = x16 >> 16u;
    let q = (t[0] * ${lit(ninv)}) & 0xffffu;
    c = (t[0] + q * ${f.toUpperCase()}_MODULUS[0]) >> 16u;
    for (var j = 1u; j < ${LIMBS}u; j++) {
      let x = t[j] + q * ${f.toUpperCase()}_MODULUS[j] + c;
      t[j - 1u] = x & 0xffffu;
      c = x >> 16u;
    }
    let y = t[${LIMBS}] + c;
    t[${LIMBS - 1}] = y & 0xffffu;
    t[${LIMBS}] = t[${LIMBS + 1}] + (y >> 16u);
  }
  var r: ${F};
  for (var k = 0u; k < ${LIMBS}u; k++) { r[k] = t[k]; }
  var d: ${F};
  var borrow = 0u;
  for (var k = 0u; k < ${LIMBS}u; k++) {
    let z = r[k] + 0x10000u - ${f.toUpperCase()}_MODULUS[k] - borrow;
    d[k] = z & 0xffffu;
    borrow = 1u - (z >> 16u);
  }
  if (borrow == 0u || t[${LIMBS}] != 0u) { return d; }
  return r;
}`);
  out.push(`fn ${f}_sqr(a: ${F}) -> ${F} { return ${f}_mul(a, a); }`);
  return out.join("\n\n");
}

/** Fq2 = Fq[u]/(u² + 1), on top of {@link fieldWgsl}(FQ). */
export function fq2Wgsl(): string {
  return `struct Fq2 { c0: Fq, c1: Fq }
const FQ2_ZERO = Fq2(FQ_ZERO, FQ_ZERO);
const FQ2_ONE = Fq2(FQ_ONE, FQ_ZERO);
fn fq2_add(a: Fq2, b: Fq2) -> Fq2 { return Fq2(fq_add(a.c0, b.c0), fq_add(a.c1, b.c1)); }
fn fq2_sub(a: Fq2, b: Fq2) -> Fq2 { return Fq2(fq_sub(a.c0, b.c0), fq_sub(a.c1, b.c1)); }
fn fq2_neg(a: Fq2) -> Fq2 { return Fq2(fq_neg(a.c0), fq_neg(a.c1)); }
fn fq2_double(a: Fq2) -> Fq2 { return fq2_add(a, a); }
fn fq2_is_zero(a: Fq2) -> bool { return fq_is_zero(a.c0) && fq_is_zero(a.c1); }
fn fq2_eq(a: Fq2, b: Fq2) -> bool { return fq_eq(a.c0, b.c0) && fq_eq(a.c1, b.c1); }
fn fq2_mul(a: Fq2, b: Fq2) -> Fq2 {
  // Karatsuba: three base-field products, from one call site (software compilers inline each)
  var l = array<Fq, 3>(a.c0, a.c1, fq_add(a.c0, a.c1));
  var r = array<Fq, 3>(b.c0, b.c1, fq_add(b.c0, b.c1));
  var v: array<Fq, 3>;
  for (var k = 0u; k < 3u; k++) { v[k] = fq_mul(l[k], r[k]); }
  return Fq2(fq_sub(v[0], v[1]), fq_sub(fq_sub(v[2], v[0]), v[1]));
}
fn fq2_sqr(a: Fq2) -> Fq2 {
  // (a0 + a1 u)² = (a0 + a1)(a0 − a1) + 2 a0 a1 u
  var l = array<Fq, 2>(fq_add(a.c0, a.c1), a.c0);
  var r = array<Fq, 2>(fq_sub(a.c0, a.c1), a.c1);
  var v: array<Fq, 2>;
  for (var k = 0u; k < 2u; k++) { v[k] = fq_mul(l[k], r[k]); }
  return Fq2(v[0], fq_add(v[1], v[1]));
}`;
}
