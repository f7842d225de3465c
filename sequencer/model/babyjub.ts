// Baby Jubjub: the one definition of the curve for the sequencer (parameters and the constants derived
// from them), and its naive bigint arithmetic. The naive twin is what the fast verifier
// (babyjub-engine.ts and its algorithm files, WebAssembly kernels in babyjub-wasm.ts) is tested against; it is slow (an
// inversion per addition) and meant for tests, constant derivation and rare paths only.
//
// The curve (EIP-2494): a·x² + y² = 1 + d·x²·y² over F_r, r the BN254 scalar field, a = 168700,
// d = 168696. Its group of points is cyclic of order 8·l (l prime): cofactor 8. a is a square and
// d is not, so the twisted Edwards addition law is complete (no exceptional points).

import { SNARK_FIELD } from "./constants.js";

/** Twisted Edwards coefficient a. */
export const BABYJUB_A = 168700n;
/** Twisted Edwards coefficient d. */
export const BABYJUB_D = 168696n;
/** Order l of Baby Jubjub's prime subgroup; a valid signature scalar `S` is below it. */
export const BABYJUB_SUBORDER = 2736030358979909402780800718157159386076813972158567259200215660948447373041n;
/** The cofactor: the group has 8·l points. */
export const BABYJUB_COFACTOR = 8n;

/** An affine point `(x, y)` in the curve's own coordinates (those of circomlib and of signatures). */
export type BabyJubPoint = readonly [bigint, bigint];

/** The neutral element (0, 1). */
export const BABYJUB_IDENTITY: BabyJubPoint = [0n, 1n];

/** circomlib's `Base8`, generator of the prime subgroup: signatures are `S·B8 = R8 + 8·h·A`. */
export const BABYJUB_BASE8: BabyJubPoint = [
  5299619240641551281634865583518297030282874472190772894086521144482721001553n,
  16950150798460657717958625567821834550301663161624707787222815936182638968203n,
];

const r = SNARK_FIELD;

/** x mod r in [0, r). */
export function fmod(x: bigint): bigint {
  const m = x % r;
  return m < 0n ? m + r : m;
}

/** x⁻¹ mod r (extended Euclid); throws on zero. */
export function finv(x: bigint): bigint {
  let a = fmod(x);
  if (a === 0n) throw new RangeError("finv: zero has no inverse");
  let [b, u, v] = [r, 1n, 0n];
  while (a !== 0n) {
    const q = b / a;
    [a, b] = [b - q * a, a];
    [u, v] = [v - q * u, u];
  }
  return fmod(v);
}

/** x^e mod r. */
export function fpow(x: bigint, e: bigint): bigint {
  let base = fmod(x);
  let acc = 1n;
  for (let k = e; k > 0n; k >>= 1n) {
    if (k & 1n) acc = (acc * base) % r;
    base = (base * base) % r;
  }
  return acc;
}

/** A square root of x mod r (Tonelli–Shanks), or null when x is not a square. */
export function fsqrt(x: bigint): bigint | null {
  const n = fmod(x);
  if (n === 0n) return 0n;
  if (fpow(n, (r - 1n) / 2n) !== 1n) return null;
  // r − 1 = q·2^s with q odd
  let q = r - 1n;
  let s = 0;
  while ((q & 1n) === 0n) {
    q >>= 1n;
    s++;
  }
  let z = 2n;
  while (fpow(z, (r - 1n) / 2n) !== r - 1n) z++;
  let m = s;
  let c = fpow(z, q);
  let t = fpow(n, q);
  let root = fpow(n, (q + 1n) / 2n);
  while (t !== 1n) {
    let i = 0;
    for (let t2 = t; t2 !== 1n; t2 = (t2 * t2) % r) i++;
    let b = c;
    for (let j = 0; j < m - i - 1; j++) b = (b * b) % r;
    m = i;
    c = (b * b) % r;
    t = (t * c) % r;
    root = (root * b) % r;
  }
  return root;
}

/** True when `p` satisfies the curve equation (coordinates taken as given, not reduced). */
export function babyjubOnCurve(p: BabyJubPoint): boolean {
  const [x, y] = p;
  const x2 = (x * x) % r;
  const y2 = (y * y) % r;
  return fmod(BABYJUB_A * x2 + y2 - 1n - ((BABYJUB_D * x2) % r) * y2) === 0n;
}

/** p + q by the affine twisted Edwards law (complete on this curve). */
export function babyjubAdd(p: BabyJubPoint, q: BabyJubPoint): BabyJubPoint {
  const [x1, y1] = p;
  const [x2, y2] = q;
  const t = fmod(BABYJUB_D * x1 * x2 * y1 * y2);
  return [fmod((x1 * y2 + y1 * x2) * finv(1n + t)), fmod((y1 * y2 - BABYJUB_A * x1 * x2) * finv(1n - t))];
}

/** −p. */
export function babyjubNeg(p: BabyJubPoint): BabyJubPoint {
  return [fmod(-p[0]), p[1]];
}

/** True when p and q are the same point (coordinates compared mod r). */
export function babyjubEq(p: BabyJubPoint, q: BabyJubPoint): boolean {
  return fmod(p[0] - q[0]) === 0n && fmod(p[1] - q[1]) === 0n;
}

/** k·p by plain double-and-add (k ≥ 0, any size): the naive twin of every scalar multiplication. */
export function babyjubMulNaive(p: BabyJubPoint, k: bigint): BabyJubPoint {
  if (k < 0n) throw new RangeError(`babyjubMulNaive: non-negative scalar expected, got ${k}`);
  let acc: BabyJubPoint = BABYJUB_IDENTITY;
  let base = p;
  for (let e = k; e > 0n; e >>= 1n) {
    if (e & 1n) acc = babyjubAdd(acc, base);
    base = babyjubAdd(base, base);
  }
  return acc;
}

/** Σ kᵢ·pᵢ, naively: the twin of the multi-scalar multiplications. */
export function babyjubMsmNaive(points: readonly BabyJubPoint[], scalars: readonly bigint[]): BabyJubPoint {
  if (points.length !== scalars.length) throw new RangeError(`babyjubMsmNaive: as many scalars as points expected, got ${scalars.length} for ${points.length}`);
  return points.reduce<BabyJubPoint>((acc, p, i) => babyjubAdd(acc, babyjubMulNaive(p, scalars[i])), BABYJUB_IDENTITY);
}

/** True when p (on the curve) lies in the prime-order subgroup: l·p = 0. Naive (≈ 400 inversions). */
export function babyjubInSubgroupNaive(p: BabyJubPoint): boolean {
  return babyjubEq(babyjubMulNaive(p, BABYJUB_SUBORDER), BABYJUB_IDENTITY);
}

/** Constants derived once from the parameters above (square roots, a point of order 8). */
export interface BabyJubDerived {
  /** c with c² = −a: (x, y) ↦ (c·x, y) maps the curve onto −X² + y² = 1 + d'·X²·y². */
  sqrtMinusA: bigint;
  /** d' = −d/a, the coefficient of that a = −1 model (where additions are one multiplication cheaper). */
  dPrime: bigint;
  /** A point of order exactly 8 (it generates the torsion: the group is cyclic). */
  torsion8: BabyJubPoint;
  /** The y-coordinates of the 8 torsion points ({1, −1, 0, ±y of order-8 points}). */
  torsionYs: readonly bigint[];
}

let derived: BabyJubDerived | null = null;

/** The derived constants (computed on first use, ≈ 1 ms). */
export function babyjubDerived(): BabyJubDerived {
  if (derived) return derived;
  const sqrtMinusA = fsqrt(-BABYJUB_A);
  if (sqrtMinusA === null) throw new Error("babyjub: −a must be a square");
  const dPrime = fmod(-BABYJUB_D * finv(BABYJUB_A));
  // Points of order 8 halve the order-4 points (±1/√a, 0): doubling (x, y) gives y' = 0 exactly when
  // y² = a·x², and then the curve equation leaves d·a·x⁴ − 2a·x² + 1 = 0, x² = (1 ± 2/√a)/d.
  const sqrtA = fsqrt(BABYJUB_A);
  if (sqrtA === null) throw new Error("babyjub: a must be a square");
  let torsion8: BabyJubPoint | null = null;
  for (const sign of [1n, -1n]) {
    const x2 = fmod((1n + sign * 2n * finv(sqrtA)) * finv(BABYJUB_D));
    const x = fsqrt(x2);
    if (x === null) continue;
    const p: BabyJubPoint = [x, fmod(sqrtA * x)];
    if (!babyjubOnCurve(p)) continue;
    const p4 = babyjubMulNaive(p, 4n);
    if (!babyjubEq(p4, BABYJUB_IDENTITY) && babyjubEq(babyjubAdd(p4, p4), BABYJUB_IDENTITY)) {
      torsion8 = p;
      break;
    }
  }
  if (torsion8 === null) throw new Error("babyjub: no point of order 8 found");
  const ys = new Set<bigint>();
  for (let k = 0n; k < 8n; k++) ys.add(babyjubMulNaive(torsion8, k)[1]);
  derived = { sqrtMinusA, dPrime, torsion8, torsionYs: [...ys] };
  return derived;
}
