/**
 * WGSL layer 4: the MSM kernels, each a complete shader module assembled from the field and curve
 * layers. One entry point (`main`) per module; parameters in a uniform struct.
 *
 * Pippenger, signed-digit windows of c bits, B = 2^(c−1) buckets per window, numbered as in
 * prover/webgpu/msm.ts:
 *   1 digits      one thread per scalar: signed digits of every window, bucket histogram (atomics)
 *   2 scan        exclusive prefix sum of the histogram (scan.ts): each bucket's offset
 *   3 scatter     one thread per (window, scalar): point index into its bucket's slot (atomics)
 *   4 accumulate  one thread per chunk of T sorted entries: runs of equal buckets summed with mixed
 *                 additions; a run that started in an earlier chunk goes to that chunk's head slot,
 *                 keyed by its bucket
 *   5 heads       the head slots summed per bucket into its own sum, by levels: one thread per block
 *                 of 64 keyed slots adds the runs that end inside the block into their buckets and
 *                 passes the two that cross its edges to the next level, 32× smaller (a bucket
 *                 with N entries is a chain of about 64·log₆₄(N/T) additions, not N/T)
 *   6 segments    one thread per segment of L buckets: Σ (b+1)·S_b by running sums
 *   7 windows     one thread per window: Σ of its segments
 * The host combines the windows (Horner) and converts to affine.
 */
import { groupWgsl, storageWgsl, type GroupSpec } from "./curve.js";
import { ENTRY, ID } from "./entry.js";

/** Parameters of every MSM kernel (one uniform struct). */
export const MSM_PARAMS = ["n", "c", "windows", "buckets", "chunk", "seg", "segs", "chunks"] as const;
const MSM_PARAMS_WGSL = `struct Params { ${MSM_PARAMS.map((p) => `${p}: u32`).join(", ")} }`;
/** Keyed slots one thread of step 5 reads. */
export const HEADS_BLOCK = 64;
/** The key of an empty head slot. */
const NONE = "0xffffffffu";

/** Step 1: signed digits and the bucket histogram. */
export function digitsKernel(): string {
  return `${MSM_PARAMS_WGSL}
@group(0) @binding(0) var<storage, read> scalars: array<u32>;
@group(0) @binding(1) var<storage, read_write> digits: array<u32>;
@group(0) @binding(2) var<storage, read_write> counts: array<atomic<u32>>;
@group(0) @binding(3) var<uniform> prm: Params;
${ENTRY} {
  ${ID}
  if (id >= prm.n) { return; }
  var w: array<u32, 9>;
  for (var k = 0u; k < 8u; k++) { w[k] = scalars[id * 8u + k]; }
  w[8] = 0u;
  let full = 1u << prm.c;
  let half = full >> 1u;
  let mask = full - 1u;
  var carry = 0u;
  for (var win = 0u; win < prm.windows; win++) {
    let bit = win * prm.c;
    let k = bit >> 5u;
    let sh = bit & 31u;
    var v = w[k] >> sh;
    if (sh + prm.c > 32u) { v = v | (w[k + 1u] << (32u - sh)); }
    v = (v & mask) + carry;
    var d = 0u;
    if (v > half) {
      let mag = full - v;
      if (mag != 0u) { d = (mag << 1u) | 1u; }
      carry = 1u;
    } else {
      d = v << 1u;
      carry = 0u;
    }
    digits[win * prm.n + id] = d;
    if (d != 0u) { atomicAdd(&counts[win * prm.buckets + (d >> 1u) - 1u], 1u); }
  }
}`;
}

/** Step 3: every nonzero digit's point index (sign in bit 31) into its bucket's next slot. */
export function scatterKernel(): string {
  return `${MSM_PARAMS_WGSL}
@group(0) @binding(0) var<storage, read> digits: array<u32>;
@group(0) @binding(1) var<storage, read_write> cursor: array<atomic<u32>>;
@group(0) @binding(2) var<storage, read_write> sorted: array<u32>;
@group(0) @binding(3) var<storage, read_write> sortedBucket: array<u32>;
@group(0) @binding(4) var<uniform> prm: Params;
${ENTRY} {
  ${ID}
  if (id >= prm.n * prm.windows) { return; }
  let d = digits[id];
  if (d == 0u) { return; }
  let win = id / prm.n;
  let i = id - win * prm.n;
  let g = win * prm.buckets + (d >> 1u) - 1u;
  let pos = atomicAdd(&cursor[g], 1u);
  sorted[pos] = i | ((d & 1u) << 31u);
  sortedBucket[pos] = g;
}`;
}

/** Step 4: chunks of T sorted entries, summed per run of equal buckets. */
export function accumulateKernel(g: GroupSpec): string {
  const n = g.name;
  return `${groupWgsl(g)}
${MSM_PARAMS_WGSL}
@group(0) @binding(0) var<storage, read> bases: array<u32>;
@group(0) @binding(1) var<storage, read> sorted: array<u32>;
@group(0) @binding(2) var<storage, read> sortedBucket: array<u32>;
@group(0) @binding(3) var<storage, read> offsets: array<u32>;
@group(0) @binding(4) var<storage, read_write> own: array<u32>;
@group(0) @binding(5) var<storage, read_write> head: array<u32>;
@group(0) @binding(6) var<storage, read_write> headKey: array<u32>;
@group(0) @binding(7) var<uniform> prm: Params;
${storageWgsl(g, "bases", "affine", "read")}
${storageWgsl(g, "own", "xyzz", "read_write")}
${storageWgsl(g, "head", "xyzz", "read_write")}
${ENTRY} {
  ${ID}
  if (id >= prm.chunks) { return; }
  headKey[id] = ${NONE};
  let total = offsets[prm.windows * prm.buckets];
  let start = id * prm.chunk;
  if (start >= total) { return; }
  let end = min(start + prm.chunk, total);
  var b = sortedBucket[start];
  var continued = offsets[b] < start;
  var acc = ${n}_inf();
  for (var p = start; p < end; p++) {
    let bp = sortedBucket[p];
    if (bp != b) {
      if (continued) { ${n}_store_head(id, acc); headKey[id] = b; } else { ${n}_store_own(b, acc); }
      acc = ${n}_inf();
      b = bp;
      continued = false;
    }
    let e = sorted[p];
    let a = ${n}_load_affine_bases(e & 0x7fffffffu);
    if (!a.inf) {
      var y = a.y;
      if ((e >> 31u) == 1u) { y = ${g.f}_neg(y); }
      acc = ${n}_madd(acc, a.x, y);
    }
  }
  if (continued) { ${n}_store_head(id, acc); headKey[id] = b; } else { ${n}_store_own(b, acc); }
}`;
}

/**
 * Step 5, one level: `count` keyed slots in, two per block of {@link HEADS_BLOCK} out. Equal keys
 * are contiguous. A run that begins and ends inside the block is complete: it is added to its
 * bucket's own sum (no other thread holds that key). The run that began before the block goes to
 * slot 2k, the one that goes on past it to slot 2k+1; a block that is one run throughout gives
 * both slots that key (the second with ∞), so a key stays contiguous at the next level. The last
 * level is a single block, where every run is complete.
 */
export function headsKernel(g: GroupSpec): string {
  const n = g.name;
  return `${groupWgsl(g)}
struct HeadParams { count: u32 }
@group(0) @binding(0) var<storage, read> keysIn: array<u32>;
@group(0) @binding(1) var<storage, read> valsIn: array<u32>;
@group(0) @binding(2) var<storage, read_write> keysOut: array<u32>;
@group(0) @binding(3) var<storage, read_write> valsOut: array<u32>;
@group(0) @binding(4) var<storage, read_write> own: array<u32>;
@group(0) @binding(5) var<uniform> prm: HeadParams;
${storageWgsl(g, "valsIn", "xyzz", "read")}
${storageWgsl(g, "valsOut", "xyzz", "read_write")}
${storageWgsl(g, "own", "xyzz", "read_write")}
${ENTRY} {
  ${ID}
  let lo = id * ${HEADS_BLOCK}u;
  if (lo >= prm.count) { return; }
  let hi = min(lo + ${HEADS_BLOCK}u, prm.count);
  keysOut[2u * id] = ${NONE};
  keysOut[2u * id + 1u] = ${NONE};
  var p = lo;
  var key = keysIn[lo];
  var before = lo > 0u && key != ${NONE} && keysIn[lo - 1u] == key;
  var acc = ${n}_inf();
  // One addition call site (software compilers inline every call), executed on every step: the
  // next slot of the run into acc, or a complete run into its bucket; its result is dropped on a
  // step that ends a run crossing the block's edge (it added ∞). Unconditional, it compiles in a
  // third of the time on SwiftShader (branches around inlined code are costly there) and costs a
  // GPU one spare addition per run.
  loop {
    let more = p < hi && keysIn[p] == key;
    let after = !more && p == hi && hi < prm.count && keysIn[hi] == key;
    let done = !more && key != ${NONE} && !before && !after;
    var y = ${n}_inf();
    if (more) { y = ${n}_load_valsIn(p); } else if (done) { y = ${n}_load_own(key); }
    let r = ${n}_add(acc, y);
    if (more) {
      acc = r;
      p = p + 1u;
      continue;
    }
    if (done) { ${n}_store_own(key, r); }
    if (key != ${NONE} && !done) {
      // The run that began before the block goes to slot 2k, the one that goes on past it to 2k+1;
      // a block that is one run throughout gives both slots its key (the second with ∞).
      var o = 2u * id + 1u;
      if (before) { o = 2u * id; }
      keysOut[o] = key;
      ${n}_store_valsOut(o, acc);
      if (before && after) {
        keysOut[2u * id + 1u] = key;
        ${n}_store_valsOut(2u * id + 1u, ${n}_inf());
      }
    }
    if (p >= hi) { break; }
    key = keysIn[p];
    acc = ${n}_inf();
    before = false;
  }
}`;
}

/** The slot counts of step 5's levels for `chunks` head slots: the last one fits one block. */
export function headLevels(chunks: number): number[] {
  const counts = [chunks];
  while (counts[counts.length - 1] > HEADS_BLOCK) counts.push(2 * Math.ceil(counts[counts.length - 1] / HEADS_BLOCK));
  return counts;
}

/** Step 6: Σ (b+1)·S_b over each segment of L buckets, by running sums from the top. */
export function segmentsKernel(g: GroupSpec): string {
  const n = g.name;
  return `${groupWgsl(g)}
${MSM_PARAMS_WGSL}
@group(0) @binding(0) var<storage, read_write> own: array<u32>;
@group(0) @binding(1) var<storage, read_write> segsum: array<u32>;
@group(0) @binding(2) var<uniform> prm: Params;
${storageWgsl(g, "own", "xyzz", "read_write")}
${storageWgsl(g, "segsum", "xyzz", "read_write")}
${ENTRY} {
  ${ID}
  if (id >= prm.windows * prm.segs) { return; }
  let win = id / prm.segs;
  let s = id - win * prm.segs;
  let lo = s * prm.seg;
  let hi = min(lo + prm.seg, prm.buckets);
  // Σ_j (j − lo + 1)·S_j by running sums from the top, then + lo·run by double and add, all
  // through one addition call site (software compilers inline every call).
  var run = ${n}_inf();
  var acc = ${n}_inf();
  var m = ${n}_inf();
  var j = hi;
  var second = false;
  var bit: i32 = -1;
  if (lo > 0u) { bit = i32(31u - countLeadingZeros(lo)); }
  var phase = 0u;
  loop {
    if (phase == 0u && j == lo) { phase = 1u; }
    if (phase == 1u && bit < 0) { phase = 2u; }
    if (phase == 3u) { break; }
    var x = acc;
    var y = m;
    if (phase == 0u) {
      if (!second) { x = run; y = ${n}_load_own(win * prm.buckets + j - 1u); } else { y = run; }
    } else if (phase == 1u) {
      x = m;
      if (second) { y = run; }
    }
    let r = ${n}_add(x, y);
    if (phase == 0u) {
      if (!second) { run = r; second = true; } else { acc = r; second = false; j = j - 1u; }
    } else if (phase == 1u) {
      m = r;
      if (!second && ((lo >> u32(bit)) & 1u) == 1u) { second = true; } else { second = false; bit = bit - 1; }
    } else {
      acc = r;
      phase = 3u;
    }
  }
  ${n}_store_segsum(id, acc);
}`;
}

/** Step 7: the sum of each window's segments. */
export function windowsKernel(g: GroupSpec): string {
  const n = g.name;
  return `${groupWgsl(g)}
${MSM_PARAMS_WGSL}
@group(0) @binding(0) var<storage, read_write> segsum: array<u32>;
@group(0) @binding(1) var<storage, read_write> winsum: array<u32>;
@group(0) @binding(2) var<uniform> prm: Params;
${storageWgsl(g, "segsum", "xyzz", "read_write")}
${storageWgsl(g, "winsum", "xyzz", "read_write")}
${ENTRY} {
  ${ID}
  if (id >= prm.windows) { return; }
  var acc = ${n}_inf();
  for (var s = 0u; s < prm.segs; s++) { acc = ${n}_add(acc, ${n}_load_segsum(id * prm.segs + s)); }
  ${n}_store_winsum(id, acc);
}`;
}
