/**
 * BN254: the one definition of the curve and its fields for all of zkr. Moduli, generators and
 * Montgomery constants live here; the byte layouts, the naive arithmetic used by the prover's
 * final assembly and by tests, and the kernels' constants derive from it.
 *
 * The arithmetic here is plain bigint: clear and slow. It handles a handful of points per proof
 * (blinding, combining partial results) and is the curve arithmetic of the prover's naive twins
 * (prover/reference.ts); the heavy kernels live in the backends. One set of curve formulas
 * ({@link HostCurve}, XYZZ coordinates over Fq or Fq2) serves G1 and G2; the affine G1 helpers
 * are views of it.
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
  return HostG1.toAffine(HostG1.add(HostG1.fromAffine(a), HostG1.fromAffine(b)));
}

/** −a. */
export function g1Neg(a: G1Affine): G1Affine {
  return a && { x: a.x, y: mod(-a.y, P) };
}

/** k·a (double and add; k taken mod r). */
export function g1Mul(a: G1Affine, k: bigint): G1Affine {
  return HostG1.toAffine(HostG1.mul(HostG1.fromAffine(a), mod(k, R)));
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

// ---- G1 and G2: one set of curve formulas over either field ------------------------------------

/** An XYZZ point (x = X/ZZ, y = Y/ZZZ, ZZ³ = ZZZ²); zz = 0 is the point at infinity. */
export interface Xyzz<T> {
  x: T;
  y: T;
  zz: T;
  zzz: T;
}

/**
 * BN254's G1 (over Fq) or G2 (over Fq2), y² = x³ + b, in XYZZ coordinates: the same formulas as
 * the WebGPU kernels (prover/webgpu/wgsl/curve.ts), written plainly. No inversion until
 * {@link toAffine}.
 */
export class HostCurve<T> {
  constructor(readonly F: HostField<T>) {}

  get inf(): Xyzz<T> {
    return { x: this.F.zero, y: this.F.one, zz: this.F.zero, zzz: this.F.zero };
  }

  isInf(p: Xyzz<T>): boolean {
    return this.F.isZero(p.zz);
  }

  /** An affine point (`null`: infinity) as XYZZ. */
  fromAffine(p: { x: T; y: T } | null): Xyzz<T> {
    return p ? { x: p.x, y: p.y, zz: this.F.one, zzz: this.F.one } : this.inf;
  }

  /** The affine point (`null` for infinity); one inversion. */
  toAffine(p: Xyzz<T>): { x: T; y: T } | null {
    const F = this.F;
    if (this.isInf(p)) return null;
    const i = F.inv(F.mul(p.zz, p.zzz));
    return { x: F.mul(p.x, F.mul(p.zzz, i)), y: F.mul(p.y, F.mul(p.zz, i)) };
  }

  dbl(p: Xyzz<T>): Xyzz<T> {
    const F = this.F;
    if (this.isInf(p)) return p;
    const u = F.add(p.y, p.y);
    const v = F.mul(u, u);
    const w = F.mul(u, v);
    const s = F.mul(p.x, v);
    const xx = F.mul(p.x, p.x);
    const m = F.add(F.add(xx, xx), xx);
    const x3 = F.sub(F.mul(m, m), F.add(s, s));
    const y3 = F.sub(F.mul(m, F.sub(s, x3)), F.mul(w, p.y));
    return { x: x3, y: y3, zz: F.mul(v, p.zz), zzz: F.mul(w, p.zzz) };
  }

  add(p: Xyzz<T>, q: Xyzz<T>): Xyzz<T> {
    const F = this.F;
    if (this.isInf(p)) return q;
    if (this.isInf(q)) return p;
    const u1 = F.mul(p.x, q.zz);
    const u2 = F.mul(q.x, p.zz);
    const s1 = F.mul(p.y, q.zzz);
    const s2 = F.mul(q.y, p.zzz);
    const pp_ = F.sub(u2, u1);
    const r = F.sub(s2, s1);
    if (F.isZero(pp_)) return F.isZero(r) ? this.dbl(p) : this.inf;
    const pp = F.mul(pp_, pp_);
    const ppp = F.mul(pp_, pp);
    const q1 = F.mul(u1, pp);
    const x3 = F.sub(F.sub(F.mul(r, r), ppp), F.add(q1, q1));
    const y3 = F.sub(F.mul(r, F.sub(q1, x3)), F.mul(s1, ppp));
    return { x: x3, y: y3, zz: F.mul(F.mul(p.zz, q.zz), pp), zzz: F.mul(F.mul(p.zzz, q.zzz), ppp) };
  }

  neg(p: Xyzz<T>): Xyzz<T> {
    return { ...p, y: this.F.sub(this.F.zero, p.y) };
  }

  /** k·p by double and add (k ≥ 0, not reduced). */
  mul(p: Xyzz<T>, k: bigint): Xyzz<T> {
    if (k < 0n) throw new RangeError(`HostCurve.mul: a nonnegative scalar expected, got ${k}`);
    let acc = this.inf;
    for (let b = k.toString(2).length - 1; b >= 0 && k > 0n; b--) {
      acc = this.dbl(acc);
      if ((k >> BigInt(b)) & 1n) acc = this.add(acc, p);
    }
    return acc;
  }

  /** Equality of two points (cross-multiplied, no inversion). */
  eq(p: Xyzz<T>, q: Xyzz<T>): boolean {
    const F = this.F;
    if (this.isInf(p) || this.isInf(q)) return this.isInf(p) && this.isInf(q);
    return F.eq(F.mul(p.x, q.zz), F.mul(q.x, p.zz)) && F.eq(F.mul(p.y, q.zzz), F.mul(q.y, p.zzz));
  }

  /** Bytes of an affine point in the LEM layout (64 for G1, 128 for G2). */
  get lemBytes(): number {
    return 64 * this.F.degree;
  }

  /** Reads affine LEM point i of `bytes` (all zero: infinity). */
  readLem(bytes: Uint8Array, i = 0): Xyzz<T> {
    const c = 32 * this.F.degree;
    const o = i * 2 * c;
    if (bytes.subarray(o, o + 2 * c).every((b) => b === 0)) return this.inf;
    return this.fromAffine({ x: this.F.read(bytes, o), y: this.F.read(bytes, o + c) });
  }

  /** The affine LEM bytes of p (all zero for infinity). */
  toLem(p: Xyzz<T>): Uint8Array {
    const c = 32 * this.F.degree;
    const out = new Uint8Array(2 * c);
    const a = this.toAffine(p);
    if (!a) return out;
    this.F.write(a.x, out, 0);
    this.F.write(a.y, out, c);
    return out;
  }
}

/** G1 over Fq and G2 over Fq2. */
export const HostG1 = new HostCurve(HostFq);
export const HostG2 = new HostCurve(HostFq2);
