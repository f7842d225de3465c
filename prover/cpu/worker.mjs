// @ts-check
// The CPU backend's task module, on one worker per core: in Node on core/pool.ts's worker threads
// (prover/cpu/node-pool.ts), in a browser on Web Workers (prover/cpu/web-pool.ts, through the
// entry prover/cpu/web-worker.ts). JavaScript, as the one exception core/pool.ts's rule allows: it
// imports nothing from the repository, and its pool of one worker per core starts with every CPU
// backend, where tsx's start-up cost in each worker (measured there) would show. Its types for
// TypeScript callers: worker.d.mts.
//
// One source for both hosts: no import of Node's modules and no bare `process` (a browser has
// neither); what only Node has (the environment, the thread id, exiting the thread) is reached
// through `globalThis.process`, guarded.
//
// `init` instantiates the backend's compiled wasm module (prover/cpu/wasm/module.ts) on the
// backend's one shared memory, so bases, scalars and NTT buffers are read where the main thread
// put them. Tasks are plain objects of addresses and counts; the main thread allocated every
// region a task touches (its scratch included) and frees them when the task settles. A test can
// call `init` and the task in-process, on a memory it made.
//
// Task kinds:
//   msm    one range of an MSM (the algorithm is described in prover/cpu/msm.ts)
//   ntt    one NTT over Fr (prover/cpu/ntt.ts)
//   qapAccum, qapStore, mulSub
//          the prover's Fr vector steps over a range (prover/cpu/qap.ts, wasm/qap.ts)
//   geom   out[i] = first·ratio^i over Fr (twiddle tables)
//   bases  LEM points → the internal affine layout
//   ping   answers its thread id (the backend waits for its workers at start)
//   crash  kills the worker (tests of the pool's failure path)

/** @type {WebAssembly.Memory} */
let memory;
/** @type {Record<string, Function>} */
let ex;
/** Bytes of a field element in the kernels' layout, and words of a batch-add list entry (main thread's constants). */
let FIELD_BYTES = 0;
let PAIR_WORDS = 0;
/** This worker's id (answered by `ping` and `ntt`: tests check that concurrent NTTs spread). */
let threadId = 0;

/**
 * Node's process object where there is one (worker threads share their process's); undefined in a
 * browser. Read through globalThis so that this file runs where `process` is not defined.
 * @type {any}
 */
const nodeProcess = /** @type {any} */ (globalThis).process;

/** @param {import("./worker.d.mts").CpuWorkerData} data */
export async function init(data) {
  memory = data.memory;
  const instance = await WebAssembly.instantiate(data.module, { env: { memory } });
  ex = /** @type {any} */ (instance.exports);
  FIELD_BYTES = data.fieldBytes;
  PAIR_WORDS = data.pairBytes / 4;
  // The Web Worker pool numbers its workers in the init data; Node's pool hands every worker the
  // same data, and a worker thread knows its own id (getBuiltinModule: no import for a bundler to
  // follow into a browser build).
  threadId = data.threadId ?? nodeProcess?.getBuiltinModule?.("worker_threads")?.threadId ?? 0;
}

// ZKR_CPU_PROFILE=1: each MSM range prints where its time went (stderr; Node only).
const PROFILE = Boolean(nodeProcess?.env?.ZKR_CPU_PROFILE);
/** @type {Record<string, number>} */
let prof = {};
/** @param {string} k @param {number} t0 */
function lap(k, t0) {
  if (PROFILE) prof[k] = (prof[k] ?? 0) + performance.now() - t0;
  return PROFILE ? performance.now() : 0;
}

/** @param {string} g */
function affineBytes(g) {
  return g === "g1" ? 2 * FIELD_BYTES : 4 * FIELD_BYTES;
}

/**
 * Sums every bucket of a tree level in place: `ptrs` holds each bucket's point addresses in
 * segments (segStart[b], segLen[b]); pairs are added with one batch inversion per pass until each
 * bucket has one point. Results go to work slots [slots, slotsEnd); a pair whose first (or second)
 * point already is a work slot writes over it.
 * @param {string} g
 * @param {Uint32Array} u32 view of the whole memory
 * @param {any} L layout
 * @param {Int32Array} segStart
 * @param {Int32Array} segLen
 * @param {Int32Array} active buckets with ≥ 2 points (overwritten)
 * @param {number} nActive
 * @param {number} [ptrs] the pointer array (default L.ptrs)
 * @param {number} [slots] the work slots (default L.slots)
 * @param {number} [slotsEnd]
 */
function treeSum(g, u32, L, segStart, segLen, active, nActive, ptrs = L.ptrs, slots = L.slots, slotsEnd = L.slotsEnd) {
  const A = affineBytes(g);
  const ptrBase = ptrs >>> 2;
  const listBase = L.list >>> 2;
  let next = slots;
  const batchAdd = ex[`${g}_batchAdd`];
  while (nActive > 0) {
    let np = 0;
    let kept = 0;
    for (let t = 0; t < nActive; t++) {
      const b = active[t];
      const s0 = ptrBase + segStart[b];
      const len = segLen[b];
      const half = len >>> 1;
      for (let k = 0; k < half; k++) {
        const a = u32[s0 + 2 * k];
        const c = u32[s0 + 2 * k + 1];
        let out;
        if (a >= slots && a < slotsEnd) out = a;
        else if (c >= slots && c < slotsEnd) out = c;
        else {
          out = next;
          next += A;
          if (next > slotsEnd) throw new Error(`msm: work slots exhausted (${(slotsEnd - slots) / A})`);
        }
        const e = listBase + PAIR_WORDS * np;
        u32[e] = a;
        u32[e + 1] = c;
        u32[e + 2] = out;
        np++;
        u32[s0 + k] = out;
      }
      if (len & 1) u32[s0 + half] = u32[s0 + len - 1];
      const nl = half + (len & 1);
      segLen[b] = nl;
      if (nl >= 2) active[kept++] = b;
    }
    nActive = kept;
    const t0 = PROFILE ? performance.now() : 0;
    if (np > 0) batchAdd(L.list, np, L.prefix, L.flags, L.curve);
    if (PROFILE) { lap("batchAdd", t0); prof.pairs = (prof.pairs ?? 0) + np; prof.passes = (prof.passes ?? 0) + 1; }
  }
}

/**
 * Accumulates one window's points into its K buckets by streaming (see `streams` in
 * prover/cpu/msm.ts): points in index order; a point goes into the open batch unless its bucket
 * already has an addition there (then it waits in a queue for the next batch); the first point of
 * an empty bucket is copied in. Leaves bucket b's address (or 0 when empty) in L.buckets.
 * @param {string} g
 * @param {Uint32Array} u32
 * @param {Int32Array} i32
 * @param {any} L
 * @param {number} row word index of the window's digits
 * @param {number} mFull
 * @param {number} K
 * @param {number} bases
 * @param {Int32Array} mark per bucket: 0 empty, else the last batch that touched it
 * @param {Uint32Array} qP deferred points (address | sign)
 * @param {Int32Array} qB their buckets
 */
function streamWindow(g, u32, i32, L, row, mFull, K, bases, mark, qP, qB) {
  const A = affineBytes(g);
  const listBase = L.list >>> 2;
  const fullBase = L.full >>> 2;
  const bp = L.bucketPts;
  const batchMax = L.batchMax;
  const copySigned = ex[`${g}_affCopySigned`];
  const batchAdd = ex[`${g}_batchAdd`];
  mark.fill(0);
  let cur = 2;
  let np = 0;
  let qLen = 0;
  const flush = () => {
    const t0 = PROFILE ? performance.now() : 0;
    batchAdd(L.list, np, L.prefix, L.flags, L.curve);
    if (PROFILE) {
      lap("batchAdd", t0);
      prof.pairs = (prof.pairs ?? 0) + np;
      prof.passes = (prof.passes ?? 0) + 1;
    }
    np = 0;
    cur++;
  };
  /** @param {number} P @param {number} b */
  const pair = (P, b) => {
    const e = listBase + PAIR_WORDS * np;
    const q = bp + b * A;
    u32[e] = q;
    u32[e + 1] = P;
    u32[e + 2] = q;
    mark[b] = cur;
    np++;
  };
  const drain = () => {
    let keep = 0;
    for (let k = 0; k < qLen; k++) {
      const b = qB[k];
      if (mark[b] === cur) {
        qB[keep] = b;
        qP[keep] = qP[k];
        keep++;
        continue;
      }
      pair(qP[k], b);
      if (np === batchMax) flush();
    }
    qLen = keep;
  };
  for (let j = 0; j < mFull; j++) {
    const d = i32[row + j];
    if (d === 0) continue;
    const b = (d < 0 ? -d : d) - 1;
    const P = bases + u32[fullBase + j] * A;
    const m = mark[b];
    if (m === 0) {
      copySigned(P, d < 0 ? 1 : 0, bp + b * A);
      mark[b] = 1;
    } else if (m === cur) {
      qB[qLen] = b;
      qP[qLen] = P | (d < 0 ? 1 : 0);
      qLen++;
    } else {
      pair(P | (d < 0 ? 1 : 0), b);
      if (np === batchMax) {
        flush();
        drain();
      }
    }
  }
  while (np > 0 || qLen > 0) {
    if (np > 0) flush();
    drain();
  }
  const bucketBase = L.buckets >>> 2;
  for (let b = 0; b < K; b++) u32[bucketBase + b] = mark[b] !== 0 ? bp + b * A : 0;
}

/**
 * Σ (k+1)·B_k over the K bucket pointers at L.buckets into the XYZZ point at L.win, split into
 * row and column sums (see splitReduction in prover/cpu/msm.ts).
 * @param {string} g
 * @param {Uint32Array} u32
 * @param {any} L
 * @param {number} c window bits
 */
function splitReduce(g, u32, L, c) {
  const K = 1 << (c - 1);
  const h = (c - 1) >> 1;
  const H = 1 << h;
  const NA = K >>> h;
  const nSeg = NA + H;
  const segStart = new Int32Array(nSeg);
  const segLen = new Int32Array(nSeg);
  const active = new Int32Array(nSeg);
  const bk = L.buckets >>> 2;
  const rp = L.redPtrs >>> 2;
  let off = 0;
  let nActive = 0;
  for (let a = 0; a < NA; a++) {
    segStart[a] = off;
    for (let b = 0; b < H; b++) {
      const p = u32[bk + a * H + b];
      if (p !== 0) u32[rp + off++] = p;
    }
    segLen[a] = off - segStart[a];
    if (segLen[a] >= 2) active[nActive++] = a;
  }
  for (let b = 0; b < H; b++) {
    segStart[NA + b] = off;
    for (let a = 0; a < NA; a++) {
      const p = u32[bk + a * H + b];
      if (p !== 0) u32[rp + off++] = p;
    }
    segLen[NA + b] = off - segStart[NA + b];
    if (segLen[NA + b] >= 2) active[nActive++] = NA + b;
  }
  treeSum(g, u32, L, segStart, segLen, active, nActive, L.redPtrs, L.redSlots, L.redSlotsEnd);
  const ro = L.redOut >>> 2;
  for (let k = 0; k < nSeg; k++) u32[ro + k] = segLen[k] > 0 ? u32[rp + segStart[k]] : 0;
  const s = L.curve;
  // H·Σ_{a≥1} a·G_a + Σ_b (b+1)·V_b
  ex[`${g}_bucketSum`](L.redOut + 4, NA - 1, L.win, s);
  ex[`${g}_xyzzDoubleN`](L.win, h, s);
  ex[`${g}_bucketSum`](L.redOut + 4 * NA, H, L.win2, s);
  ex[`${g}_xyzzAdd`](L.win, L.win2, s);
}

/**
 * One range of an MSM.
 * @param {any} t
 */
function msmTask(t) {
  const { g, bases, scalars, start, count, window: c, nWin, layout: L } = t;
  const A = affineBytes(g);
  const s = L.curve;
  prof = {};
  const tStart = performance.now();
  let t0 = tStart;
  ex[`${g}_classify`](scalars, bases, start, count, L.full, L.ones, L.counts);
  let u32 = new Uint32Array(memory.buffer);
  const mFull = u32[L.counts >>> 2];
  const mOnes = u32[(L.counts >>> 2) + 1];
  if (mFull > t.full || mOnes > t.ones) throw new Error(`msm: classify found ${mFull}/${mOnes} points, planned ${t.full}/${t.ones}`);
  ex[`${g}_xyzzZero`](L.acc);
  ex[`${g}_xyzzZero`](L.onesAcc);
  t0 = lap("classify", t0);

  // the scalar-1 points: one bucket
  if (mOnes > 0) {
    const ptrBase = L.ptrs >>> 2;
    const onesBase = L.ones >>> 2;
    for (let j = 0; j < mOnes; j++) u32[ptrBase + j] = bases + u32[onesBase + j] * A;
    const segStart = new Int32Array([0]);
    const segLen = new Int32Array([mOnes]);
    treeSum(g, u32, L, segStart, segLen, new Int32Array([0]), mOnes >= 2 ? 1 : 0);
    ex[`${g}_xyzzFromAff`](u32[ptrBase], L.onesAcc);
    t0 = lap("ones", t0);
  }

  if (mFull > 0) {
    ex.msm_digits(scalars, L.full, mFull, c, nWin, L.digits);
    t0 = lap("digits", t0);
    u32 = new Uint32Array(memory.buffer);
    const i32 = new Int32Array(memory.buffer);
    const K = 1 << (c - 1);
    const stream = L.batchMax > 0;
    const cnt = new Int32Array(K);
    const segStart = new Int32Array(K);
    const segLen = new Int32Array(K);
    const active = new Int32Array(K);
    const mark = new Int32Array(stream ? K : 0);
    const qP = new Uint32Array(stream ? mFull : 0);
    const qB = new Int32Array(stream ? mFull : 0);
    const fullBase = L.full >>> 2;
    const ptrBase = L.ptrs >>> 2;
    const bucketBase = L.buckets >>> 2;
    const bucketSum = ex[`${g}_bucketSum`];
    for (let w = nWin - 1; w >= 0; w--) {
      const row = (L.digits >>> 2) + w * mFull;
      // as windowStreams in prover/cpu/msm.ts: the top window has few buckets
      const maxDigit = w < nWin - 1 ? K : Math.min(K, 2 ** Math.max(0, 254 - c * w));
      if (stream && maxDigit >= 4 * L.batchMax) {
        streamWindow(g, u32, i32, L, row, mFull, K, bases, mark, qP, qB);
        t0 = lap("stream", t0);
      } else {
        cnt.fill(0);
        for (let j = 0; j < mFull; j++) {
          const d = i32[row + j];
          if (d !== 0) cnt[(d < 0 ? -d : d) - 1]++;
        }
        let off = 0;
        let nActive = 0;
        for (let b = 0; b < K; b++) {
          segStart[b] = off;
          segLen[b] = cnt[b];
          if (cnt[b] >= 2) active[nActive++] = b;
          off += cnt[b];
          cnt[b] = segStart[b]; // becomes the fill cursor
        }
        for (let j = 0; j < mFull; j++) {
          const d = i32[row + j];
          if (d === 0) continue;
          const b = (d < 0 ? -d : d) - 1;
          u32[ptrBase + cnt[b]++] = (bases + u32[fullBase + j] * A) | (d < 0 ? 1 : 0);
        }
        t0 = lap("sort", t0);
        treeSum(g, u32, L, segStart, segLen, active, nActive);
        t0 = lap("tree", t0);
        for (let b = 0; b < K; b++) u32[bucketBase + b] = segLen[b] > 0 ? u32[ptrBase + segStart[b]] : 0;
      }
      if (w < nWin - 1) ex[`${g}_xyzzDoubleN`](L.acc, c, s);
      if (L.redSlotsEnd > 0) splitReduce(g, u32, L, c);
      else bucketSum(L.buckets, K, L.win, s);
      ex[`${g}_xyzzAdd`](L.acc, L.win, s);
      t0 = lap("reduce", t0);
    }
  }
  if (PROFILE) {
    const total = performance.now() - tStart;
    const f = (/** @type {number} */ v) => v.toFixed(1);
    console.error(`msm ${g} range ${start}+${count}: full ${mFull} ones ${mOnes} c ${c} total ${f(total)} ms ` + Object.entries(prof).map(([k, v]) => `${k} ${f(v)}`).join(" "));
  }
  ex[`${g}_xyzzAdd`](L.acc, L.onesAcc, s);
  ex[`${g}_xyzzToAff`](L.acc, L.aff, s);
  ex[`${g}_affToLem`](L.aff, L.lem, s);
  return new Uint8Array(memory.buffer).slice(L.lem, L.lem + (g === "g1" ? 64 : 128));
}

/**
 * One NTT: load (bit reversal, coset factors), blocked butterflies, store (order, scaling).
 * @param {any} t
 */
function nttTask(t) {
  const { io, work, n, logn, tw, inverse, shift, scale, ratio, scratch, blockLog } = t;
  ex.fr_nttLoad(io, n, logn, work, shift, scratch);
  const L = Math.min(blockLog, logn);
  const bs = 2 ** L;
  if (L > 0) for (let b = 0; b < n; b += bs) ex.fr_nttStages(work + b * FIELD_BYTES, bs, 0, L, tw, logn, scratch);
  if (L < logn) ex.fr_nttStages(work, n, L, logn, tw, logn, scratch);
  ex.fr_nttStore(work, n, io, inverse ? 1 : 0, scale, ratio, scratch);
  return threadId;
}

/** @param {import("./worker.d.mts").CpuTask} t */
export default function run(t) {
  switch (t.kind) {
    case "msm":
      return msmTask(t);
    case "ntt":
      return nttTask(t);
    case "qapAccum":
      ex.fr_qapAccum(t.recs, t.count, t.values, t.witness, t.rows, t.scratch);
      return true;
    case "qapStore":
      ex.fr_qapStore(t.rowsA, t.rowsB, t.n, t.outA, t.outB, t.outC, t.scratch);
      return true;
    case "mulSub":
      ex.fr_mulSub(t.a, t.b, t.c, t.n, t.out, t.scratch);
      return true;
    case "geom":
      ex.fr_geom(t.first, t.ratio, t.n, t.out);
      return true;
    case "bases":
      ex[`${t.g}_affBatchFromLem`](t.lem, t.n, t.out);
      return true;
    case "ping":
      return threadId;
    case "crash":
      // Node: the thread exits (piscina fails the task and replaces the worker). A Web Worker
      // cannot exit itself with an error: an uncaught one is its `error` event at the page's pool,
      // which fails the task and replaces the worker; the task never settles here.
      if (nodeProcess?.exit) nodeProcess.exit(70);
      setTimeout(() => {
        throw new Error("cpu worker: crash (test hook)");
      });
      return new Promise(() => {});
    default:
      throw new Error(`cpu worker: unknown task ${/** @type {any} */ (t).kind}`);
  }
}
