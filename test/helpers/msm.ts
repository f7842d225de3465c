/**
 * Inputs and references for the MSM tests of every backend: random group elements from
 * ffjavascript (snarkjs's engine) with the points that break Pippenger implementations placed at
 * fixed spots, circom-like scalar mixes, and ffjavascript's own MSM as the outside reference.
 */
import { FR_MODULUS, G1_BYTES, G2_BYTES, writeScalar, type Group, type ProverBackend } from "../../prover/backend.js";
import { expandBases } from "../../prover/cpu/points.js";
import { referenceMsm } from "../../prover/reference.js";
import type { Rng } from "../../bench/fixtures/rng.js";

 
/** ffjavascript's bn128 curve object (`await buildBn128()`). */
export type FfCurve = any;

const R = FR_MODULUS;
export const size = (g: Group): number => (g === "G1" ? G1_BYTES : G2_BYTES);
export const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

/** k random group elements (LEM) from ffjavascript. */
function seedPoints(curve: FfCurve, g: Group, k: number, r: Rng): Uint8Array {
  const G = g === "G1" ? curve.G1 : curve.G2;
  const out = new Uint8Array(k * size(g));
  for (let i = 0; i < k; i++) G.toRprLEM(out, i * size(g), G.toAffine(G.timesScalar(G.g, r.below(R - 1n) + 1n)));
  return out;
}

/** n random points, with special points at fixed spots: ∞, a duplicate, a negation. */
export async function bases(curve: FfCurve, g: Group, n: number, r: Rng, special = true): Promise<Uint8Array> {
  const s = size(g);
  const out = n <= 8 ? seedPoints(curve, g, Math.max(n, 2), r).slice(0, n * s) : await expandBases(g, seedPoints(curve, g, 8, r), n);
  if (special && n >= 6) {
    out.fill(0, 1 * s, 2 * s); // ∞
    out.copyWithin(3 * s, 2 * s, 3 * s); // P3 = P2
    const G = g === "G1" ? curve.G1 : curve.G2;
    const p = G.fromRprLEM(out, 4 * s);
    G.toRprLEM(out, 5 * s, G.neg(p)); // P5 = −P4
  }
  return out;
}

export type ScalarKind = "full" | "mix" | "zero" | "one" | "rminus1" | "small";
/** n scalars; "mix" is circom-like (44% 0, 31% 1, 25% random) plus r − 1 and 2 here and there. */
export function scalars(n: number, kind: ScalarKind, r: Rng): Uint8Array {
  const out = new Uint8Array(n * 32);
  for (let i = 0; i < n; i++) {
    let v: bigint;
    switch (kind) {
      case "full":
        v = r.below(R);
        break;
      case "zero":
        v = 0n;
        break;
      case "one":
        v = 1n;
        break;
      case "rminus1":
        v = R - 1n;
        break;
      case "small":
        v = BigInt(r.int(8));
        break;
      case "mix": {
        const k = r.int(100);
        v = k < 44 ? 0n : k < 75 ? 1n : k < 78 ? R - 1n : k < 80 ? 2n : r.below(R);
        break;
      }
    }
    writeScalar(out, i, v);
  }
  return out;
}

/** The same scalar at the duplicated and the opposite points, so they share buckets. */
export function sameScalars(sc: Uint8Array): Uint8Array {
  const out = sc.slice();
  if (out.length >= 6 * 32) {
    out.copyWithin(3 * 32, 2 * 32, 3 * 32);
    out.copyWithin(5 * 32, 4 * 32, 5 * 32);
  }
  return out;
}

/** ffjavascript's MSM, as LEM bytes (all zero for infinity). */
export async function ffjsMsm(curve: FfCurve, g: Group, b: Uint8Array, sc: Uint8Array): Promise<Uint8Array> {
  const G = g === "G1" ? curve.G1 : curve.G2;
  const n = sc.length / 32;
  const out = new Uint8Array(size(g));
  if (n === 0) return out;
  const p = G.toAffine(await G.multiExpAffine(b.subarray(0, n * size(g)), sc));
  if (!G.isZero(p)) G.toRprLEM(out, 0, p);
  return out;
}

export async function msm(be: ProverBackend, g: Group, b: Uint8Array, sc: Uint8Array): Promise<Uint8Array> {
  const h = await be.loadBases(g, b);
  try {
    return await be.msm(h, sc);
  } finally {
    await h.release();
  }
}

/**
 * Sums that cancel in a backend's buckets, in G1 and G2: P + (−P) with ones and with a full
 * scalar (every window's bucket cancels), a duplicated base (s·P + s·P = 2s·P, against the naive
 * twin), and s·P + (r − s)·P = ∞.
 */
export async function expectCancellingSums(be: ProverBackend, curve: FfCurve, r: Rng): Promise<void> {
  for (const g of ["G1", "G2"] as const) {
    const b = await bases(curve, g, 6, r); // P3 = P2, P5 = −P4
    const sc = scalars(6, "zero", r);
    writeScalar(sc, 4, 1n);
    writeScalar(sc, 5, 1n);
    expect(hex(await msm(be, g, b, sc))).toBe(hex(new Uint8Array(size(g))));
    const s = r.below(R);
    writeScalar(sc, 4, s);
    writeScalar(sc, 5, s);
    expect(hex(await msm(be, g, b, sc))).toBe(hex(new Uint8Array(size(g))));
    const sc2 = scalars(6, "zero", r);
    writeScalar(sc2, 2, s);
    writeScalar(sc2, 3, s);
    expect(hex(await msm(be, g, b, sc2))).toBe(hex(referenceMsm(g, b, sc2)));
    writeScalar(sc2, 3, R - s);
    expect(hex(await msm(be, g, b, sc2))).toBe(hex(new Uint8Array(size(g))));
  }
}
