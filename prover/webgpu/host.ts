/**
 * The WebGPU backend's layout conversion on the host: the kernels' XYZZ points (four coordinates
 * of `degree` Montgomery little-endian elements, prover/webgpu/wgsl/curve.ts) read back as
 * core/bn254.ts's XYZZ points. Every operation on them (the host's final combination, the debug
 * self-check's twins) is core/bn254.ts's one set of curve formulas, HostCurve.
 */
import type { HostCurve, Xyzz } from "../../core/bn254.js";

/** Reads XYZZ point i of a kernel buffer. */
export function readXyzz<T>(curve: HostCurve<T>, bytes: Uint8Array, i: number): Xyzz<T> {
  const F = curve.F;
  const c = 32 * F.degree;
  const o = i * 4 * c;
  return { x: F.read(bytes, o), y: F.read(bytes, o + c), zz: F.read(bytes, o + 2 * c), zzz: F.read(bytes, o + 3 * c) };
}
