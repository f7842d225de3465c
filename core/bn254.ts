/**
 * BN254: the one definition of the curve and its fields for all of zkr. Moduli, generators and
 * Montgomery constants live here; the byte layouts, the naive arithmetic used by the prover's
 * final assembly and by tests, and the kernels' constants derive from it.
 *
 * The arithmetic here is plain bigint: clear and slow. It handles a handful of points per proof
 * (blinding, combining partial results); the heavy kernels live in the backends.
 */

import { bigintToLe, leToBigint } from "./bytes.js";

/** Base field modulus p. */
export const P = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;
/** Scalar field modulus r (the group order). */
export const R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
/** Montgomery radix 2^256 for both fields (8 × 32-bit or 4 × 64-bit limbs). */
export const MONT_BITS = 256n;
/** 2-adicity of r − 1: the largest NTT domain is 2^28. */
export const FR_TWO_ADICITY = 28;
/** A generator of the 2^28-th roots of unity in Fr (5^((r−1)/2^28)). */
export const FR_ROOT_OF_UNITY = 19103219067921713944291392827692070036145651957329286315305642004821462161904n;

/** a mod m in [0, m). */
export function mod(a: bigint, m: bigint): bigint {
  const x = a % m;
  return x < 0n ? x + m : x;
}

/** a^e mod m. */
export function powMod(a: bigint, e: bigint, m: bigint): bigint {
  let base = mod(a, m);
  let x = 1n;
  let k = e;
  while (k > 0n) {
    if (k & 1n) x = (x * base) % m;
    base = (base * base) % m;
    k >>= 1n;
  }
  return x;
}

/** a^-1 mod m (m prime). */
export function invMod(a: bigint, m: bigint): bigint {
  if (mod(a, m) === 0n) throw new RangeError("invMod: zero has no inverse");
  return powMod(a, m - 2n, m);
}

const P_R = powMod(2n, MONT_BITS, P);
const P_RINV = invMod(P_R, P);
const R_R = powMod(2n, MONT_BITS, R);
const R_RINV = invMod(R_R, R);

/** x·2^256 mod p: to Montgomery form. */
export const toMontP = (x: bigint): bigint => (x * P_R) % P;
/** x·2^-256 mod p: from Montgomery form. */
export const fromMontP = (x: bigint): bigint => (x * P_RINV) % P;
/** Montgomery form in Fr. */
export const toMontR = (x: bigint): bigint => (x * R_R) % R;
/** From Montgomery form in Fr. */
export const fromMontR = (x: bigint): bigint => (x * R_RINV) % R;

/** A primitive 2^k-th root of unity in Fr. */
export function frRootOfUnity(k: number): bigint {
  if (k < 0 || k > FR_TWO_ADICITY) throw new RangeError(`frRootOfUnity: k in [0, ${FR_TWO_ADICITY}] expected, got ${k}`);
  return powMod(FR_ROOT_OF_UNITY, 1n << BigInt(FR_TWO_ADICITY - k), R);
}


// ---- G1: y^2 = x^3 + 3 over Fp ------------------------------------------------------------------

/** An affine G1 point; `null` is the point at infinity. */
export type G1Affine = { x: bigint; y: bigint } | null;

/** The G1 generator (1, 2). */
export const G1_GENERATOR: G1Affine = { x: 1n, y: 2n };

/** Reads a G1 point in the LEM layout (64 bytes; all zero = infinity). */
export function readG1(bytes: Uint8Array, offset = 0): G1Affine {
  const x = leToBigint(bytes, offset);
  const y = leToBigint(bytes, offset + 32);
  if (x === 0n && y === 0n) return null;
  return { x: fromMontP(x), y: fromMontP(y) };
}

/** Writes a G1 point in the LEM layout. */
export function writeG1(p: G1Affine, out: Uint8Array, offset = 0): void {
  if (!p) {
    out.fill(0, offset, offset + 64);
    return;
  }
  bigintToLe(toMontP(p.x), out, offset);
  bigintToLe(toMontP(p.y), out, offset + 32);
}

/** True when the point satisfies the curve equation. */
export function g1OnCurve(p: G1Affine): boolean {
  return p === null || mod(p.y * p.y - p.x * p.x * p.x - 3n, P) === 0n;
}

/** a + b. */
export function g1Add(a: G1Affine, b: G1Affine): G1Affine {
  if (!a) return b;
  if (!b) return a;
  if (a.x === b.x) {
    if (mod(a.y + b.y, P) === 0n) return null;
    const l = mod(3n * a.x * a.x * invMod(2n * a.y, P), P);
    const x = mod(l * l - 2n * a.x, P);
    return { x, y: mod(l * (a.x - x) - a.y, P) };
  }
  const l = mod((b.y - a.y) * invMod(b.x - a.x, P), P);
  const x = mod(l * l - a.x - b.x, P);
  return { x, y: mod(l * (a.x - x) - a.y, P) };
}

/** −a. */
export function g1Neg(a: G1Affine): G1Affine {
  return a && { x: a.x, y: mod(-a.y, P) };
}

/** k·a (double and add; k taken mod r). */
export function g1Mul(a: G1Affine, k: bigint): G1Affine {
  let acc: G1Affine = null;
  let base = a;
  let e = mod(k, R);
  while (e > 0n && base) {
    if (e & 1n) acc = g1Add(acc, base);
    base = g1Add(base, base);
    e >>= 1n;
  }
  return acc;
}

/** Decimal strings of a G1 point in snarkjs's projective JSON form [x, y, "1"]. */
export function g1ToJson(p: G1Affine): [string, string, string] {
  return p ? [p.x.toString(), p.y.toString(), "1"] : ["0", "1", "0"];
}

// ---- G2 points only cross the prover as bytes; reading them for JSON output: ------------------

/** Reads a G2 point in the LEM layout into snarkjs's JSON form [[x0,x1],[y0,y1],["1","0"]]. */
export function g2BytesToJson(bytes: Uint8Array, offset = 0): [[string, string], [string, string], [string, string]] {
  const c = [0, 1, 2, 3].map((i) => leToBigint(bytes, offset + 32 * i));
  if (c.every((v) => v === 0n)) return [["0", "0"], ["1", "0"], ["0", "0"]];
  const [x0, x1, y0, y1] = c.map((v) => fromMontP(v).toString());
  return [[x0, x1], [y0, y1], ["1", "0"]];
}

// ---- Fq and Fq2 behind one interface -------------------------------------------------------------

/**
 * Fq and Fq2 as objects with one set of operations, for code generic over G1 and G2 (the naive
 * twins, the WebGPU backend's host side). Elements are standard-form bigints (pairs for Fq2).
 */
export interface HostField<T> {
  zero: T;
  one: T;
  add(a: T, b: T): T;
  sub(a: T, b: T): T;
  mul(a: T, b: T): T;
  inv(a: T): T;
  isZero(a: T): boolean;
  eq(a: T, b: T): boolean;
  /** Elements per coordinate in 32-byte words. */
  degree: 1 | 2;
  /** Reads a Montgomery LE element at byte `o`. */
  read(bytes: Uint8Array, o: number): T;
  /** Writes a Montgomery LE element at byte `o`. */
  write(v: T, bytes: Uint8Array, o: number): void;
}

export const HostFq: HostField<bigint> = {
  zero: 0n,
  one: 1n,
  add: (a, b) => mod(a + b, P),
  sub: (a, b) => mod(a - b, P),
  mul: (a, b) => (a * b) % P,
  inv: (a) => invMod(a, P),
  isZero: (a) => a === 0n,
  eq: (a, b) => a === b,
  degree: 1,
  read: (bytes, o) => fromMontP(leToBigint(bytes, o)),
  write: (v, bytes, o) => bigintToLe(toMontP(v), bytes, o),
};

type Fq2 = readonly [bigint, bigint];
export const HostFq2: HostField<Fq2> = {
  zero: [0n, 0n],
  one: [1n, 0n],
  add: (a, b) => [mod(a[0] + b[0], P), mod(a[1] + b[1], P)],
  sub: (a, b) => [mod(a[0] - b[0], P), mod(a[1] - b[1], P)],
  mul: (a, b) => [mod(a[0] * b[0] - a[1] * b[1], P), mod(a[0] * b[1] + a[1] * b[0], P)],
  inv: (a) => {
    const t = invMod(mod(a[0] * a[0] + a[1] * a[1], P), P);
    return [(a[0] * t) % P, mod(-a[1] * t, P)];
  },
  isZero: (a) => a[0] === 0n && a[1] === 0n,
  eq: (a, b) => a[0] === b[0] && a[1] === b[1],
  degree: 2,
  read: (bytes, o) => [fromMontP(leToBigint(bytes, o)), fromMontP(leToBigint(bytes, o + 32))],
  write: (v, bytes, o) => {
    bigintToLe(toMontP(v[0]), bytes, o);
    bigintToLe(toMontP(v[1]), bytes, o + 32);
  },
};
