/**
 * MSM on the CPU backend: Σ s_i·P_i over G1 or G2, planned here on the main thread and run by
 * the workers (prover/cpu/worker.mjs) on the shared memory, with the wasm kernels of
 * prover/cpu/wasm/curve.ts.
 *
 * Algorithm (Pippenger with signed digits and batch-affine bucket accumulation):
 *
 *  1. Split: the points are cut into one contiguous range per worker, balanced by work (a full
 *     scalar weighs 1, a scalar 1 weighs 1/20, a zero nothing), from one scan of the scalars.
 *  2. Classify (per range, wasm `g_classify`): skip zero scalars and bases at infinity; put the
 *     indices of scalar-1 points in one list, the rest in another. Circom witnesses are mostly
 *     0 and 1, so Pippenger only sees the "full" scalars.
 *  3. Ones: the scalar-1 points are summed as one bucket (step 6's tree), added at the end.
 *  4. Window size c from the cost model below (or forced by `windowBits`). W = ⌈255/c⌉ windows.
 *  5. Digits (wasm `msm_digits`): each scalar becomes W signed digits d_w ∈ [−2^(c−1), 2^(c−1)]
 *     (a digit above 2^(c−1) becomes d − 2^c with a carry into the next window), so a window has
 *     K = 2^(c−1) buckets and −P is used for negative digits (a flag bit on the point's address).
 *  6. Bucket accumulation, per window from the top, with batch-affine additions: many
 *     independent affine additions share one inversion (Montgomery's trick, `g_batchAdd`: 5M+1S
 *     per addition; measured 350 ns against 560 ns for an XYZZ mixed addition, 8M+2S).
 *     - Streaming (c ≥ 11, every window but the top one, see `streams`): the points are read in
 *       index order and each is added to its bucket, a K-point array that stays in cache; a
 *       batch takes one addition per bucket, a point whose bucket is taken waits for the next
 *       batch, the first point of a bucket is copied in.
 *     - Tree (small c, and the top window, whose few buckets cannot fill a batch): counting-sort
 *       the points by |digit|, then add neighbours within every bucket, pass after pass, one
 *       inversion per pass, until each bucket holds one point (results go to a work area; the
 *       bases are never written). Measured: reading the bases in bucket order costs ~100–200 ns
 *       more per addition than streaming them (cache and TLB misses over MBs of points).
 *  7. Bucket reduction: S_w = Σ k·B_k. From c = 9 split (see `splitReduction`): the buckets as a
 *     2^⌈(c−1)/2⌉ × 2^⌊(c−1)/2⌋ grid, row and column sums by one more batch-affine tree, then two
 *     short running sums; below, running sums in XYZZ coordinates (`g_bucketSum`: a mixed and a
 *     full addition per bucket).
 *  8. Horner over windows: acc = 2^c·acc + S_w (c XYZZ doublings per window), plus the ones' sum;
 *     the worker returns its range's sum as an affine LEM point.
 *  9. The main thread adds the ranges' sums (`g_sumLem`).
 *
 * Cost model (step 4), in field multiplications, for m full scalars in a range:
 *
 *     cost(c) = W(c) · [ α·(m − K(1 − e^(−m/K))) + β·K + γ·m + δ·passes ]
 *     W(c) = ⌈255/c⌉, K = 2^(c−1), passes ≈ log2(m/K) + 2
 *
 * where α is one batch-affine addition (tree additions per window = points − non-empty buckets),
 * β the bucket reduction per bucket (running sums: an XYZZ mixed + full addition, 20M+4S; split
 * reduction from c = 9: two batch-affine additions), γ the per-point sorting and digit
 * bookkeeping, δ one inversion per tree pass (Fermat, ~330M). The constants come from the dev
 * machine's timings (one multiplication ~50 ns, a batch-affine addition ~350 ns); the chosen c is
 * the argmin over c ∈ [2, MAX_AUTO_WINDOW]. `npx tsx bench/msm.ts --windows 11,12,13,14,15,16`
 * times forced windows against the model's pick: at 2^16 and 2^18 points (two workers) the pick
 * (13 and 15) is within the noise of the fastest.
 */
import { BackendError, FR_BYTES, type Group } from "../backend.js";
import { CURVE_SCRATCH, COMPOSITE_SCRATCH, PAIR_BYTES } from "./wasm/curve.js";
import { FIELD_BYTES } from "../../core/wasm/field.js";
import { windowCount } from "../reference.js";

/** Smallest window. */
export const MIN_WINDOW = 1;
/** Largest window a caller may force (digits are read with 32-bit loads). */
export const MAX_WINDOW = 24;
/** Largest window the cost model picks. */
export const MAX_AUTO_WINDOW = 20;

/** Cost-model constants (field multiplications); see the header. */
export const COST = { alpha: 7, beta: 24, betaSplit: 14, gamma: 1.5, delta: 330 } as const;

/** Modelled cost of one range of m full scalars with window c (field multiplications). */
export function msmCost(m: number, c: number): number {
  const K = 2 ** (c - 1);
  const adds = m - K * (1 - Math.exp(-m / K));
  const passes = Math.max(1, Math.log2(Math.max(m / K, 1)) + 2);
  const beta = splitReduction(c) ? COST.betaSplit : COST.beta;
  return windowCount(c) * (COST.alpha * adds + beta * K + COST.gamma * m + COST.delta * passes);
}

/** The window size the cost model picks for m full scalars. */
export function chooseWindow(m: number): number {
  let best = 2;
  let bestCost = Infinity;
  for (let c = 2; c <= MAX_AUTO_WINDOW; c++) {
    const cost = msmCost(m, c);
    if (cost < bestCost) {
      best = c;
      bestCost = cost;
    }
  }
  return best;
}

/** Affine point bytes in the backend's internal (29-bit limb) layout. */
export function internalAffineBytes(group: Group): number {
  return group === "G1" ? 2 * FIELD_BYTES : 4 * FIELD_BYTES;
}

/** One worker task of an MSM. */
export interface MsmRange {
  start: number;
  count: number;
  /** Upper bounds from the scalars alone (bases at infinity are found by the worker). */
  full: number;
  ones: number;
  window: number;
}

/**
 * Bucket accumulation strategy of step 6 for window c. Large windows stream: the points are read
 * in index order and each is added to its bucket (a small, cache-resident array) in batches of
 * additions to distinct buckets; a point whose bucket already has an addition in the open batch
 * waits for the next one. Small windows (few buckets, so small batches and many inversions) use
 * the tree. Measured on the dev machine: reading the bases in bucket order (the tree's first
 * pass) costs ~170 ns more per addition than streaming them (TLB and cache misses over MBs of
 * points), while an addition itself is ~380 ns.
 */
export function streams(c: number): boolean {
  return c >= STREAM_MIN_WINDOW;
}
/**
 * Whether window w of W (c bits) streams: its digits must spread over enough buckets to fill a
 * batch. The top window holds only the scalars' last bits (254 − c·w of them), so few buckets:
 * it uses the tree.
 */
export function windowStreams(c: number, w: number, W: number): boolean {
  if (!streams(c)) return false;
  const maxDigit = w < W - 1 ? 2 ** (c - 1) : Math.min(2 ** (c - 1), 2 ** Math.max(0, 254 - c * w));
  return maxDigit >= 4 * streamBatch(c);
}
/**
 * Bucket reduction strategy of step 7 for window c. With k − 1 = a·H + b (H = 2^⌊(c−1)/2⌋),
 * Σ k·B_k = H·Σ_a a·G_a + Σ_b (b+1)·V_b where G_a sums row a (buckets aH .. aH+H−1) and V_b
 * column b (buckets b, b+H, …). Every bucket joins two sums: 2K batch-affine additions (one
 * tree over all rows and columns) instead of 2K XYZZ additions, then two running sums over only
 * 2^⌈(c−1)/2⌉ and H terms. Pays from a few hundred buckets.
 */
export function splitReduction(c: number): boolean {
  return c >= SPLIT_MIN_WINDOW;
}
/** Smallest window with the split reduction. */
export const SPLIT_MIN_WINDOW = 9;
/** Smallest window that streams. */
export const STREAM_MIN_WINDOW = 11;
/** Additions per batch when streaming: a quarter of the buckets (few conflicts), at most 2048. */
export function streamBatch(c: number): number {
  return Math.min(2048, 2 ** (c - 1) / 4);
}

/** Addresses of a range task's scratch regions (all inside one block the main thread allocates). */
export interface MsmLayout {
  /** Curve kernels' scratch. */
  curve: number;
  /** Two u32 counts written by g_classify. */
  counts: number;
  /** XYZZ accumulators: the range's sum, a window's sum, the ones' sum. */
  acc: number;
  win: number;
  onesAcc: number;
  /** One affine point and one LEM point (the result). */
  aff: number;
  lem: number;
  full: number;
  ones: number;
  digits: number;
  ptrs: number;
  buckets: number;
  list: number;
  prefix: number;
  flags: number;
  slots: number;
  slotsEnd: number;
  /** Streaming accumulation: K bucket points, and the most pairs per batch. */
  bucketPts: number;
  batchMax: number;
  /** Split bucket reduction (0 when unused): 2K pointers, row and column sums, their slots. */
  redPtrs: number;
  redOut: number;
  redSlots: number;
  redSlotsEnd: number;
  win2: number;
  /** First byte after the block. */
  end: number;
}

/** Lays out a range task's scratch from `base`. */
export function msmLayout(group: Group, r: MsmRange, base: number): MsmLayout {
  const A = internalAffineBytes(group);
  const E = A / 2;
  const W = windowCount(r.window);
  const K = 2 ** (r.window - 1);
  const m = Math.max(r.full, r.ones, 1);
  const stream = streams(r.window);
  const batchMax = stream ? streamBatch(r.window) : 0;
  const split = splitReduction(r.window);
  const half = Math.max((m >> 1) + 1, batchMax, split ? K + 1 : 0);
  let p = base;
  const take = (bytes: number): number => {
    const at = p;
    p = Math.ceil((p + bytes) / 64) * 64;
    return at;
  };
  const curve = take(CURVE_SCRATCH + COMPOSITE_SCRATCH);
  const counts = take(16);
  const acc = take(4 * E);
  const win = take(4 * E);
  const onesAcc = take(4 * E);
  const aff = take(A);
  const lem = take(128);
  const full = take(4 * r.full);
  const ones = take(4 * r.ones);
  const digits = take(4 * W * r.full);
  const ptrs = take(4 * m);
  const buckets = take(4 * K);
  const list = take(PAIR_BYTES * half);
  const prefix = take(E * (half + 1));
  const flags = take(4 * half);
  // work slots of the tree (the ones, small windows, and a streaming range's top window)
  const nSlots = (m >> 1) + 1;
  const slots = take(A * nSlots);
  const bucketPts = take(stream ? A * K : 0);
  const redPtrs = take(split ? 4 * 2 * K : 0);
  const redOut = take(split ? 4 * 2 * K : 0);
  const redSlots = take(split ? A * (K + 1) : 0);
  const win2 = take(4 * E);
  return {
    curve, counts, acc, win, onesAcc, aff, lem, full, ones, digits, ptrs, buckets, list, prefix, flags,
    slots, slotsEnd: slots + A * nSlots, bucketPts, batchMax,
    redPtrs, redOut, redSlots, redSlotsEnd: split ? redSlots + A * (K + 1) : 0, win2, end: p,
  };
}

/** Bytes of a range task's scratch block. */
export function msmScratchBytes(group: Group, r: MsmRange): number {
  return msmLayout(group, r, 0).end;
}

/**
 * Cuts n scalars (the 32-byte words at `words`, a Uint32Array view) into at most `parts` ranges
 * of about equal work, and picks each range's window.
 */
export function planMsm(words: Uint32Array, n: number, parts: number, windowBits?: number): MsmRange[] {
  const kind = new Uint8Array(n); // 0 zero, 1 one, 2 full
  let full = 0;
  let ones = 0;
  for (let i = 0, k = 0; i < n; i++, k += 8) {
    const hi = words[k + 1] | words[k + 2] | words[k + 3] | words[k + 4] | words[k + 5] | words[k + 6] | words[k + 7];
    const lo = words[k];
    if (hi !== 0 || lo > 1) {
      kind[i] = 2;
      full++;
    } else if (lo === 1) {
      kind[i] = 1;
      ones++;
    }
  }
  const ONE_WEIGHT = 1 / 20;
  const total = full + ones * ONE_WEIGHT;
  // Below ~256 full scalars per part the fixed costs (a task, its bucket reduction) dominate.
  const p = Math.max(1, Math.min(parts, Math.floor(total / 256)));
  const ranges: MsmRange[] = [];
  let start = 0;
  let acc = 0;
  let f = 0;
  let o = 0;
  for (let i = 0; i < n; i++) {
    if (kind[i] === 2) {
      f++;
      acc += 1;
    } else if (kind[i] === 1) {
      o++;
      acc += ONE_WEIGHT;
    }
    const boundary = ranges.length < p - 1 && acc >= (total * (ranges.length + 1)) / p;
    if (boundary || i === n - 1) {
      ranges.push({ start, count: i + 1 - start, full: f, ones: o, window: windowBits ?? chooseWindow(f) });
      start = i + 1;
      f = 0;
      o = 0;
    }
  }
  return ranges;
}

/** Checks a forced window size. */
export function checkWindowBits(backend: string, w: number | undefined): void {
  if (w === undefined) return;
  if (!Number.isInteger(w) || w < MIN_WINDOW || w > MAX_WINDOW) {
    throw new BackendError(backend, `windowBits: an integer in [${MIN_WINDOW}, ${MAX_WINDOW}] expected, got ${w}`);
  }
}

/** Bytes of the scalars region of an MSM (padding: the digit reader loads 4 bytes past the end). */
export function scalarRegionBytes(n: number): number {
  return n * FR_BYTES + 64;
}
