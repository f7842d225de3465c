/**
 * The prover's naive twins: each algorithm behind the backend interface (prover/backend.ts) once,
 * written as plainly as possible in bigint on the interface's byte layouts, for the tests of every
 * backend and the WebGPU debug self-check (prover/webgpu/debug.ts). Slow by design: small inputs.
 *
 * - MSM: Σ double-and-add(s_i, P_i), on core/bn254.ts's one set of curve formulas (HostG1, HostG2).
 * - Signed digits: the window decomposition both backends' Pippenger implementations use.
 * - NTT: the polynomial evaluated on the (coset) domain by the recursive even/odd split, which is
 *   the definition out_k = Σ_i a_i·x_k^i reorganised, nothing more (O(n log n), so the debug
 *   self-check can use it at real sizes).
 */
import { FR_BYTES, readScalar, writeScalar, type Group, type NttOptions } from "./backend.js";
import { HostG1, HostG2, R, frRootOfUnity, invMod, type HostCurve, type Xyzz } from "../core/bn254.js";

/** The naive curve of a group. */
export function hostCurve(group: Group): HostCurve<unknown> {
  return (group === "G1" ? HostG1 : HostG2) as HostCurve<unknown>;
}

/** Σ scalars[i]·bases[i] by double-and-add over the first scalars.length/32 bases (affine LEM in and out). */
export function referenceMsm(group: Group, bases: Uint8Array, scalars: Uint8Array): Uint8Array {
  const curve = hostCurve(group);
  const n = scalars.length / FR_BYTES;
  let acc: Xyzz<unknown> = curve.inf;
  for (let i = 0; i < n; i++) acc = curve.add(acc, curve.mul(curve.readLem(bases, i), readScalar(scalars, i)));
  return curve.toLem(acc);
}

/**
 * Number of signed windows of c bits for scalars below r < 2^254: ⌈255/c⌉ (the carry out of the
 * top of 254 bits needs one more bit).
 */
export function windowCount(c: number): number {
  return Math.ceil(255 / c);
}

/**
 * Signed digits of one scalar, encoded as (|d| << 1) | negative: window w's c bits plus the carry
 * from below; a value v > 2^(c−1) becomes −(2^c − v) with a carry into the next window, so
 * |d| ≤ 2^(c−1) (2^(c−1) buckets per window).
 */
export function signedDigits(k: bigint, c: number, windows = windowCount(c)): number[] {
  const full = 1 << c;
  const half = full >> 1;
  const out: number[] = [];
  let carry = 0;
  for (let w = 0; w < windows; w++) {
    const v = Number((k >> BigInt(w * c)) & BigInt(full - 1)) + carry;
    if (v > half) {
      out.push(full - v === 0 ? 0 : ((full - v) << 1) | 1);
      carry = 1;
    } else {
      out.push(v << 1);
      carry = 0;
    }
  }
  if (carry) throw new RangeError("signedDigits: scalar too large for the windows");
  return out;
}

/** Σ_i a_i·(x^k)^i for k < n, x of order n (n a power of two): even and odd halves, recursively. */
function evaluate(a: bigint[], x: bigint): bigint[] {
  const n = a.length;
  if (n === 1) return [a[0] % R];
  const x2 = (x * x) % R;
  const even = evaluate(a.filter((_, i) => i % 2 === 0), x2);
  const odd = evaluate(a.filter((_, i) => i % 2 === 1), x2);
  const out = new Array<bigint>(n);
  let t = 1n;
  for (let k = 0; k < n / 2; k++) {
    const v = (odd[k] * t) % R;
    out[k] = (even[k] + v) % R;
    out[k + n / 2] = (even[k] - v + R) % R;
    t = (t * x) % R;
  }
  return out;
}

/**
 * The NTT by definition on bigints: forward out_k = Σ_i a_i·(s·ω^k)^i; inverse
 * out_k = s^−k·(1/n)·Σ_i a_i·ω^−ik (s the coset shift, 1 without one), ω = frRootOfUnity(log2 n).
 */
export function referenceNttValues(values: readonly bigint[], options: NttOptions = {}): bigint[] {
  const n = values.length;
  const w = frRootOfUnity(Math.round(Math.log2(n)));
  const s = options.coset ?? 1n;
  if (!options.inverse) {
    let f = 1n;
    return evaluate(
      values.map((v) => {
        const x = (v * f) % R;
        f = (f * s) % R;
        return x;
      }),
      w,
    );
  }
  const sInv = invMod(s, R);
  let f = invMod(BigInt(n), R);
  return evaluate(values.slice(), invMod(w, R)).map((v) => {
    const x = (v * f) % R;
    f = (f * sInv) % R;
    return x;
  });
}

/** {@link referenceNttValues} on the interface's scalar layout. */
export function referenceNtt(values: Uint8Array, options: NttOptions = {}): Uint8Array {
  const n = values.length / FR_BYTES;
  const out = new Uint8Array(values.length);
  referenceNttValues(Array.from({ length: n }, (_, i) => readScalar(values, i)), options).forEach((v, i) => writeScalar(out, i, v));
  return out;
}
