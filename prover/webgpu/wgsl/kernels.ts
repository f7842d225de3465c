/**
 * WGSL layers 4 and 5: the MSM and NTT kernels, each a complete shader module assembled from the
 * field and curve layers. One entry point (`main`) per module; parameters in a uniform struct.
 *
 * MSM (Pippenger, signed-digit windows of c bits, B = 2^(c−1) buckets per window), numbered as
 * in prover/webgpu/msm.ts:
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
 *
 * NTT over Fr (radix 2, in place, one dispatch per stage). Values stay in standard form: the
 * twiddles and factors are in Montgomery form, and mont(a, b·2^256) = a·b.
 */
import { FQ, FR, fieldWgsl, fq2Wgsl, WORDS } from "./field.js";
import { G1, G2, curveWgsl, storageWgsl, type GroupSpec } from "./curve.js";

const ENTRY = "@compute @workgroup_size(64)\nfn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>)";
const ID = "let id = gid.x + gid.y * nwg.x * 64u;";

/** The field and curve code a group's kernels need. */
function groupHeader(g: GroupSpec): string {
  return [fieldWgsl(FQ), g.degree === 2 ? fq2Wgsl() : "", curveWgsl(g)].join("\n\n");
}

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
  return `${groupHeader(g)}
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
  return `${groupHeader(g)}
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
  // One addition call site (software compilers inline every call): either the next slot of the
  // run into acc, or a complete run into its bucket.
  loop {
    let more = p < hi && keysIn[p] == key;
    let after = !more && p == hi && hi < prm.count && keysIn[hi] == key;
    let done = !more && key != ${NONE} && !before && !after;
    if ((more && key != ${NONE}) || done) {
      var y = ${n}_inf();
      if (more) { y = ${n}_load_valsIn(p); } else { y = ${n}_load_own(key); }
      let r = ${n}_add(acc, y);
      if (more) { acc = r; } else { ${n}_store_own(key, r); }
    }
    if (more) {
      p = p + 1u;
      continue;
    }
    if (key != ${NONE} && !done) {
      if (before) {
        keysOut[2u * id] = key;
        ${n}_store_valsOut(2u * id, acc);
        if (after) {
          keysOut[2u * id + 1u] = key;
          ${n}_store_valsOut(2u * id + 1u, ${n}_inf());
        }
      } else {
        keysOut[2u * id + 1u] = key;
        ${n}_store_valsOut(2u * id + 1u, acc);
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
  return `${groupHeader(g)}
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
  return `${groupHeader(g)}
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

// ---- prefix sums ---------------------------------------------------------------------------

/** Elements one workgroup scans (256 threads × 2). */
export const SCAN_BLOCK = 512;

/** Exclusive scan of each block of 512 u32 in place; block totals to `sums`. */
export function scanBlockKernel(): string {
  return `struct Params { n: u32 }
@group(0) @binding(0) var<storage, read_write> data: array<u32>;
@group(0) @binding(1) var<storage, read_write> sums: array<u32>;
@group(0) @binding(2) var<uniform> prm: Params;
var<workgroup> tmp: array<u32, 256>;
@compute @workgroup_size(256)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let block = wid.x + wid.y * nwg.x;
  let base = block * 512u + lid.x * 2u;
  var a = 0u;
  var b = 0u;
  if (base < prm.n) { a = data[base]; }
  if (base + 1u < prm.n) { b = data[base + 1u]; }
  tmp[lid.x] = a + b;
  workgroupBarrier();
  // Hillis–Steele inclusive scan of the 256 pair sums
  for (var d = 1u; d < 256u; d = d << 1u) {
    var v = tmp[lid.x];
    if (lid.x >= d) { v = v + tmp[lid.x - d]; }
    workgroupBarrier();
    tmp[lid.x] = v;
    workgroupBarrier();
  }
  let before = tmp[lid.x] - a - b;
  if (base < prm.n) { data[base] = before; }
  if (base + 1u < prm.n) { data[base + 1u] = before + a; }
  if (lid.x == 255u) { sums[block] = tmp[255]; }
}`;
}

/** Adds each block's scanned total to its elements. */
export function scanAddKernel(): string {
  return `struct Params { n: u32 }
@group(0) @binding(0) var<storage, read_write> data: array<u32>;
@group(0) @binding(1) var<storage, read> sums: array<u32>;
@group(0) @binding(2) var<uniform> prm: Params;
${ENTRY} {
  ${ID}
  if (id >= prm.n) { return; }
  data[id] = data[id] + sums[id / 512u];
}`;
}

// ---- NTT -----------------------------------------------------------------------------------

const NTT_PARAMS = `struct Params { n: u32, logn: u32, h: u32, flag: u32 }`;
const frLoad = (buf: string) => `fn load_${buf}(i: u32) -> Fr {
  return fr_unpack(array<u32, ${WORDS}>(${Array.from({ length: WORDS }, (_, k) => `${buf}[i * ${WORDS}u + ${k}u]`).join(", ")}));
}`;
const frStore = (buf: string) => `fn store_${buf}(i: u32, v: Fr) {
  let w = fr_pack(v);
${Array.from({ length: WORDS }, (_, k) => `  ${buf}[i * ${WORDS}u + ${k}u] = w[${k}];`).join("\n")}
}`;

/** tab[e] = lo[e mod 2^h] · hi[e >> h] (Montgomery), for e < n (`n` here is the table's length). */
export function powTableKernel(): string {
  return `${fieldWgsl(FR)}
${NTT_PARAMS}
@group(0) @binding(0) var<storage, read> lo: array<u32>;
@group(0) @binding(1) var<storage, read> hi: array<u32>;
@group(0) @binding(2) var<storage, read_write> tab: array<u32>;
@group(0) @binding(3) var<uniform> prm: Params;
${frLoad("lo")}
${frLoad("hi")}
${frStore("tab")}
${ENTRY} {
  ${ID}
  if (id >= prm.n) { return; }
  store_tab(id, fr_mul(load_lo(id & ((1u << prm.h) - 1u)), load_hi(id >> prm.h)));
}`;
}

/** out[bitrev(i)] = in[i] · f[i] (f Montgomery; flag 0: no factors). */
export function nttPrepKernel(): string {
  return `${fieldWgsl(FR)}
${NTT_PARAMS}
@group(0) @binding(0) var<storage, read> src: array<u32>;
@group(0) @binding(1) var<storage, read_write> dst: array<u32>;
@group(0) @binding(2) var<storage, read> factors: array<u32>;
@group(0) @binding(3) var<uniform> prm: Params;
${frLoad("src")}
${frLoad("factors")}
${frStore("dst")}
${ENTRY} {
  ${ID}
  if (id >= prm.n) { return; }
  var v = load_src(id);
  if (prm.flag == 1u) { v = fr_mul(v, load_factors(id)); }
  var j = 0u;
  if (prm.logn > 0u) { j = reverseBits(id) >> (32u - prm.logn); }
  store_dst(j, v);
}`;
}

/** One radix-2 stage (`h` = log2 of the half-size) on n/2 butterflies; tw[e] = ω^e, e < n/2. */
export function nttStageKernel(): string {
  return `${fieldWgsl(FR)}
${NTT_PARAMS}
@group(0) @binding(0) var<storage, read_write> x: array<u32>;
@group(0) @binding(1) var<storage, read> tw: array<u32>;
@group(0) @binding(2) var<uniform> prm: Params;
${frLoad("x")}
${frStore("x")}
${frLoad("tw")}
${ENTRY} {
  ${ID}
  if (id >= (prm.n >> 1u)) { return; }
  let m = 1u << prm.h;
  let k = id & (m - 1u);
  let i0 = ((id >> prm.h) << (prm.h + 1u)) | k;
  let i1 = i0 + m;
  let t = fr_mul(load_x(i1), load_tw(k << (prm.logn - 1u - prm.h)));
  let a = load_x(i0);
  store_x(i0, fr_add(a, t));
  store_x(i1, fr_sub(a, t));
}`;
}

/** x[i] = x[i] · f[i] (the inverse transform's 1/n and coset factors). */
export function nttScaleKernel(): string {
  return `${fieldWgsl(FR)}
${NTT_PARAMS}
@group(0) @binding(0) var<storage, read_write> x: array<u32>;
@group(0) @binding(1) var<storage, read> factors: array<u32>;
@group(0) @binding(2) var<uniform> prm: Params;
${frLoad("x")}
${frStore("x")}
${frLoad("factors")}
${ENTRY} {
  ${ID}
  if (id >= prm.n) { return; }
  store_x(id, fr_mul(load_x(id), load_factors(id)));
}`;
}

// ---- probes for tests and the debug self-check ------------------------------------------------

/** Field ops on pairs: out[4i..4i+3] = a·b, a+b, a−b, a² (Montgomery inputs, packed words). */
export function fieldProbeKernel(field: "fq" | "fr"): string {
  const spec = field === "fq" ? FQ : FR;
  return `${fieldWgsl(spec)}
struct Params { n: u32 }
@group(0) @binding(0) var<storage, read> inp: array<u32>;
@group(0) @binding(1) var<storage, read_write> outp: array<u32>;
@group(0) @binding(2) var<uniform> prm: Params;
fn ld(i: u32) -> ${field === "fq" ? "Fq" : "Fr"} {
  return ${field}_unpack(array<u32, ${WORDS}>(${Array.from({ length: WORDS }, (_, k) => `inp[i * ${WORDS}u + ${k}u]`).join(", ")}));
}
fn st(i: u32, v: ${field === "fq" ? "Fq" : "Fr"}) {
  let w = ${field}_pack(v);
${Array.from({ length: WORDS }, (_, k) => `  outp[i * ${WORDS}u + ${k}u] = w[${k}];`).join("\n")}
}
${ENTRY} {
  ${ID}
  if (id >= prm.n) { return; }
  let a = ld(2u * id);
  let b = ld(2u * id + 1u);
  st(4u * id, ${field}_mul(a, b));
  st(4u * id + 1u, ${field}_add(a, b));
  st(4u * id + 2u, ${field}_sub(a, b));
  st(4u * id + 3u, ${field}_sqr(a));
}`;
}

/**
 * Curve ops on pairs of affine points (P, Q): out = P + Q (mixed add), 2(P + Q), 2P + Q, 5P.
 * Every XYZZ addition goes through one call site (doubling is add(x, x)): software compilers
 * inline each call, and a G2 probe with a dozen sites takes them many minutes to compile.
 */
export function curveProbeKernel(g: GroupSpec): string {
  const n = g.name;
  return `${groupHeader(g)}
struct Params { n: u32 }
@group(0) @binding(0) var<storage, read> pts: array<u32>;
@group(0) @binding(1) var<storage, read_write> res: array<u32>;
@group(0) @binding(2) var<uniform> prm: Params;
${storageWgsl(g, "pts", "affine", "read")}
${storageWgsl(g, "res", "xyzz", "read_write")}
${ENTRY} {
  ${ID}
  if (id >= prm.n) { return; }
  let a = ${n}_load_affine_pts(2u * id);
  let b = ${n}_load_affine_pts(2u * id + 1u);
  var pa = ${n}_inf();
  if (!a.inf) { pa = ${n}_from_affine(a.x, a.y); }
  var pb = ${n}_inf();
  if (!b.inf) { pb = ${n}_from_affine(b.x, b.y); }
  var s = pa;
  if (!b.inf) { s = ${n}_madd(pa, b.x, b.y); }
  // 2(P+Q), 2P, 2P + Q, 4P, 5P, one step per iteration (no dynamic indexing of point arrays:
  // llvmpipe turns that into code that runs for minutes)
  var d = s;
  var p2 = s;
  var p2q = s;
  var p4 = s;
  var p5 = s;
  for (var k = 0u; k < 5u; k++) {
    var x = s;
    var y = s;
    if (k == 1u) { x = pa; y = pa; } else if (k == 2u) { x = p2; y = pb; } else if (k == 3u) { x = p2; y = p2; } else if (k == 4u) { x = p4; y = pa; }
    let r = ${n}_add(x, y);
    if (k == 0u) { d = r; } else if (k == 1u) { p2 = r; } else if (k == 2u) { p2q = r; } else if (k == 3u) { p4 = r; } else { p5 = r; }
  }
  ${n}_store_res(4u * id, s);
  ${n}_store_res(4u * id + 1u, d);
  ${n}_store_res(4u * id + 2u, p2q);
  ${n}_store_res(4u * id + 3u, p5);
}`;
}

export { G1, G2 };
