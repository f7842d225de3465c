/**
 * The CPU backend's naive twin: the same operations on the same byte layouts (prover/backend.ts),
 * written as plainly as possible in bigint arithmetic, for tests on small inputs. MSM is
 * Σ double-and-add(s_i, P_i) in Jacobian coordinates over Fq or Fq2; the NTT evaluates the
 * polynomial at every point of the (coset) domain directly, O(n²).
 */
import { FR_BYTES, G1_BYTES, G2_BYTES, readScalar, writeScalar, type Group, type NttOptions } from "../backend.js";
import { HostFq, HostFq2, P, R, frRootOfUnity, invMod, mod, powMod, type HostField } from "../../core/bn254.js";

type Field<T> = HostField<T>;
type Fq2 = readonly [bigint, bigint];
const fq = HostFq;
const fq2 = HostFq2;


/** Jacobian point (X, Y, Z); Z = 0 is infinity. */
type Jac<T> = { x: T; y: T; z: T };

function jacDouble<T>(F: Field<T>, p: Jac<T>): Jac<T> {
  if (F.isZero(p.z) || F.isZero(p.y)) return { x: F.one, y: F.one, z: F.zero };
  // dbl-2009-l (a = 0)
  const a = F.mul(p.x, p.x);
  const b = F.mul(p.y, p.y);
  const c = F.mul(b, b);
  const xb = F.add(p.x, b);
  let d = F.sub(F.sub(F.mul(xb, xb), a), c);
  d = F.add(d, d);
  const e = F.add(F.add(a, a), a);
  const f = F.mul(e, e);
  const x3 = F.sub(f, F.add(d, d));
  let c8 = F.add(c, c);
  c8 = F.add(c8, c8);
  c8 = F.add(c8, c8);
  const y3 = F.sub(F.mul(e, F.sub(d, x3)), c8);
  const yz = F.mul(p.y, p.z);
  return { x: x3, y: y3, z: F.add(yz, yz) };
}

function jacAdd<T>(F: Field<T>, p: Jac<T>, q: Jac<T>): Jac<T> {
  if (F.isZero(p.z)) return q;
  if (F.isZero(q.z)) return p;
  const z1z1 = F.mul(p.z, p.z);
  const z2z2 = F.mul(q.z, q.z);
  const u1 = F.mul(p.x, z2z2);
  const u2 = F.mul(q.x, z1z1);
  const s1 = F.mul(F.mul(p.y, q.z), z2z2);
  const s2 = F.mul(F.mul(q.y, p.z), z1z1);
  const h = F.sub(u2, u1);
  const r = F.sub(s2, s1);
  if (F.isZero(h)) return F.isZero(r) ? jacDouble(F, p) : { x: F.one, y: F.one, z: F.zero };
  const hh = F.mul(h, h);
  const hhh = F.mul(h, hh);
  const v = F.mul(u1, hh);
  const x3 = F.sub(F.sub(F.mul(r, r), hhh), F.add(v, v));
  const y3 = F.sub(F.mul(r, F.sub(v, x3)), F.mul(s1, hhh));
  return { x: x3, y: y3, z: F.mul(F.mul(p.z, q.z), h) };
}

function jacMul<T>(F: Field<T>, p: Jac<T>, k: bigint): Jac<T> {
  let acc: Jac<T> = { x: F.one, y: F.one, z: F.zero };
  for (let i = k.toString(2).length - 1; i >= 0 && k > 0n; i--) {
    acc = jacDouble(F, acc);
    if ((k >> BigInt(i)) & 1n) acc = jacAdd(F, acc, p);
  }
  return acc;
}

const MONT = powMod(2n, 256n, P);
const MONT_INV = invMod(MONT, P);
const fromLem = (bytes: Uint8Array, off: number): bigint => mod(readScalar(bytes.subarray(off, off + 32), 0) * MONT_INV, P);
const toLem = (x: bigint, out: Uint8Array, off: number): void => writeScalar(out.subarray(off, off + 32), 0, mod(x * MONT, P));

/** Reads an affine LEM point as Jacobian (all-zero bytes: infinity). */
function readPoint(group: Group, bytes: Uint8Array, i: number): Jac<bigint> | Jac<Fq2> {
  const size = group === "G1" ? G1_BYTES : G2_BYTES;
  const p = bytes.subarray(i * size, (i + 1) * size);
  if (p.every((b) => b === 0)) return group === "G1" ? { x: 1n, y: 1n, z: 0n } : { x: fq2.one, y: fq2.one, z: fq2.zero };
  if (group === "G1") return { x: fromLem(p, 0), y: fromLem(p, 32), z: 1n };
  return { x: [fromLem(p, 0), fromLem(p, 32)], y: [fromLem(p, 64), fromLem(p, 96)], z: fq2.one };
}

function writePoint<T>(F: Field<T>, p: Jac<T>, size: number, write: (x: T, y: T, out: Uint8Array) => void): Uint8Array {
  const out = new Uint8Array(size);
  if (F.isZero(p.z)) return out;
  const zi = F.inv(p.z);
  const zi2 = F.mul(zi, zi);
  write(F.mul(p.x, zi2), F.mul(F.mul(p.y, zi2), zi), out);
  return out;
}

/** Σ scalars[i]·bases[i] by double-and-add, for the first scalars.length/32 points. */
export function referenceMsm(group: Group, bases: Uint8Array, scalars: Uint8Array): Uint8Array {
  const n = scalars.length / FR_BYTES;
  if (group === "G1") {
    let acc: Jac<bigint> = { x: 1n, y: 1n, z: 0n };
    for (let i = 0; i < n; i++) acc = jacAdd(fq, acc, jacMul(fq, readPoint("G1", bases, i) as Jac<bigint>, readScalar(scalars, i)));
    return writePoint(fq, acc, G1_BYTES, (x, y, out) => {
      toLem(x, out, 0);
      toLem(y, out, 32);
    });
  }
  let acc: Jac<Fq2> = { x: fq2.one, y: fq2.one, z: fq2.zero };
  for (let i = 0; i < n; i++) acc = jacAdd(fq2, acc, jacMul(fq2, readPoint("G2", bases, i) as Jac<Fq2>, readScalar(scalars, i)));
  return writePoint(fq2, acc, G2_BYTES, (x, y, out) => {
    toLem(x[0], out, 0);
    toLem(x[1], out, 32);
    toLem(y[0], out, 64);
    toLem(y[1], out, 96);
  });
}

/**
 * The NTT by definition: forward out_k = Σ_i a_i·(s·ω^k)^i; inverse out_k = s^−k·(1/n)·Σ_i
 * a_i·ω^−ik (s the coset shift, 1 without one), ω = frRootOfUnity(log2 n).
 */
export function referenceNtt(values: Uint8Array, options: NttOptions = {}): Uint8Array {
  const n = values.length / FR_BYTES;
  const logn = Math.round(Math.log2(n));
  const w = frRootOfUnity(logn);
  const s = options.coset ?? 1n;
  const a = Array.from({ length: n }, (_, i) => readScalar(values, i));
  const out = new Uint8Array(values.length);
  const nInv = invMod(BigInt(n), R);
  for (let k = 0; k < n; k++) {
    let acc = 0n;
    if (!options.inverse) {
      const x = (s * powMod(w, BigInt(k), R)) % R;
      for (let i = n - 1; i >= 0; i--) acc = (acc * x + a[i]) % R; // Horner
    } else {
      const x = invMod(powMod(w, BigInt(k), R), R);
      for (let i = n - 1; i >= 0; i--) acc = (acc * x + a[i]) % R;
      acc = (((acc * nInv) % R) * invMod(powMod(s, BigInt(k), R), R)) % R;
    }
    writeScalar(out, k, acc);
  }
  return out;
}
