/**
 * Host-side arithmetic of the WebGPU backend (plain bigint, from prover/curve.ts): reading the
 * kernels' XYZZ points back, combining a handful of window sums (Horner), and converting to the
 * affine LEM layout. The same formulas serve the debug self-check's CPU twins.
 */
import { HostFq, HostFq2, type HostField } from "../../core/bn254.js";

export { HostFq, HostFq2, type HostField };

/** An XYZZ point; zz = 0 is infinity. */
export interface Xyzz<T> {
  x: T;
  y: T;
  zz: T;
  zzz: T;
}

/** XYZZ formulas over a host field (the same as the WGSL ones). */
export class HostCurve<T> {
  constructor(readonly F: HostField<T>) {}

  get inf(): Xyzz<T> {
    return { x: this.F.zero, y: this.F.one, zz: this.F.zero, zzz: this.F.zero };
  }

  isInf(p: Xyzz<T>): boolean {
    return this.F.isZero(p.zz);
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

  /** Reads XYZZ point i of a kernel buffer (4 coordinates of `degree` Montgomery elements). */
  readXyzz(bytes: Uint8Array, i: number): Xyzz<T> {
    const c = 32 * this.F.degree;
    const o = i * 4 * c;
    return { x: this.F.read(bytes, o), y: this.F.read(bytes, o + c), zz: this.F.read(bytes, o + 2 * c), zzz: this.F.read(bytes, o + 3 * c) };
  }

  /** Reads affine LEM point i (all-zero = infinity) as XYZZ. */
  readAffine(bytes: Uint8Array, i: number): Xyzz<T> {
    const c = 32 * this.F.degree;
    const o = i * 2 * c;
    if (bytes.subarray(o, o + 2 * c).every((b) => b === 0)) return this.inf;
    return { x: this.F.read(bytes, o), y: this.F.read(bytes, o + c), zz: this.F.one, zzz: this.F.one };
  }

  neg(p: Xyzz<T>): Xyzz<T> {
    return { ...p, y: this.F.sub(this.F.zero, p.y) };
  }

  /** Affine LEM bytes (64 or 128; zeros for infinity). */
  toAffineBytes(p: Xyzz<T>): Uint8Array {
    const c = 32 * this.F.degree;
    const out = new Uint8Array(2 * c);
    if (this.isInf(p)) return out;
    this.F.write(this.F.mul(p.x, this.F.inv(p.zz)), out, 0);
    this.F.write(this.F.mul(p.y, this.F.inv(p.zzz)), out, c);
    return out;
  }

  /** Equality of two XYZZ points (cross-multiplied, no inversion). */
  eq(p: Xyzz<T>, q: Xyzz<T>): boolean {
    const F = this.F;
    if (this.isInf(p) || this.isInf(q)) return this.isInf(p) && this.isInf(q);
    return F.eq(F.mul(p.x, q.zz), F.mul(q.x, p.zz)) && F.eq(F.mul(p.y, q.zzz), F.mul(q.y, p.zzz));
  }

  /** Σ 2^(c·w) · windows[w] (Horner from the top window). */
  horner(windows: Xyzz<T>[], c: number): Xyzz<T> {
    let acc = this.inf;
    for (let w = windows.length - 1; w >= 0; w--) {
      if (w !== windows.length - 1) for (let k = 0; k < c; k++) acc = this.dbl(acc);
      acc = this.add(acc, windows[w]);
    }
    return acc;
  }
}

export const HostG1 = new HostCurve(HostFq);
export const HostG2 = new HostCurve(HostFq2);
