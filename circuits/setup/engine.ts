/**
 * The dev setup's fixed-base scalar multiplication engine (see circuits/devsetup.ts), one per
 * worker (circuits/setup/engine-task.ts runs it on core/pool.ts). It needs nothing but
 * WebAssembly: the main thread builds the bn128 module (wasmcurves + circuits/setup/wasm-plugin.ts)
 * and sends its bytes; each engine instantiates it on a memory of its own and keeps its window
 * tables there.
 *
 * Points are affine in Montgomery form, which is snarkjs's "LEM" file form. Field elements of
 * Fr are 32 bytes; "mont" means Montgomery form, "std" the plain little-endian integer.
 *
 * Window tables are built once per setup and shared: `tableRows` jobs (spread over the workers)
 * each write a share of the rows into one SharedArrayBuffer per group; a job that carries that
 * buffer (`table`) makes its engine copy the whole table in at first use. An engine given no
 * shared table builds its own rows.
 */
import { WasmHeap } from "../../core/heap.js";

type Exports = Record<string, (...args: number[]) => number>;

/** The generators' addresses inside the module's data (ffjavascript's `curve.tm`). */
export interface EngineConsts {
  pG1gen: number;
  pG2gen: number;
}

/** A job as the engine understands it (see {@link createEngine}'s job functions). */
export type EngineJob = Record<string, any> & { type: string };
/** Engine results: named byte buffers. */
export type EngineResult = Record<string, Uint8Array>;

/** A scalar sequence a job multiplies the generator by (see genScalars). */
export type ScalarSpec = Record<string, any> & { kind: string; count: number };

const FR = 32;
// Tests set ZKR_SETUP_POISON=1 to fill every allocation with garbage, so that any read of
// memory a job did not write first shows up as a wrong file.
const POISON = process.env.ZKR_SETUP_POISON === "1";
const WASM_PAGE = 65536;
/** Bytes kept free above the heap's top for the module's own scratch. */
const HEADROOM = 8 << 20;
const BATCH: Record<number, number> = { 1: 4096, 2: 2048 };

interface Table {
  group: number;
  w: number;
  nWin: number;
  rowSize: number;
  pTable: number;
  done: boolean[];
}

/** Bytes of the window table of `group` (1 or 2) at `w` bits: ceil(254 / w) rows of 2^w affine points. */
export function tableBytes(group: number, w: number): number {
  return Math.ceil(254 / w) * (group === 1 ? 64 : 128) * 2 ** w;
}

export type Engine = Awaited<ReturnType<typeof createEngine>>;

/** Instantiates the module (`code`) with its generators at `consts`. */
export async function createEngine(code: Uint8Array, consts: EngineConsts) {
  const memory = new WebAssembly.Memory({ initial: 256, maximum: 65536 });
  const module = await WebAssembly.compile(code as Uint8Array<ArrayBuffer>);
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  const ex = instance.exports as unknown as Exports;
  // The module's own scratch (batch inversions) goes above the top it reads at address 0: the
  // heap writes every new top there and keeps HEADROOM free above it.
  const heap = new WasmHeap(memory, new Uint32Array(memory.buffer)[0], {
    name: "dev setup engine",
    headroom: HEADROOM,
    onTop: (top) => (new Uint32Array(memory.buffer)[0] = top),
    poison: POISON ? 0xa5 : undefined,
  });
  const tables = new Map<string, Table>();

  /** Room for the module's own scratch of `bytes` above the top, when that is more than HEADROOM. */
  function ensure(bytes: number): void {
    const need = heap.top + bytes + HEADROOM;
    if (need > memory.buffer.byteLength) memory.grow(Math.ceil((need - memory.buffer.byteLength) / WASM_PAGE));
  }
  /** Scratch inside a job's scope (`mark` … `release`); the tables are the engine's only blocks. */
  function alloc(bytes: number): number {
    return heap.scratch(bytes);
  }
  function mark(): number {
    return heap.mark();
  }
  function release(m: number): void {
    heap.releaseScope(m);
  }
  const u8 = () => new Uint8Array(memory.buffer);
  function put(p: number, bytes: Uint8Array): void {
    u8().set(bytes, p);
  }
  function get(p: number, len: number): Uint8Array {
    return u8().slice(p, p + len);
  }

  const G: Record<number, { g: string; f: string; n8: number; sA: number; gen: number }> = {
    1: { g: "g1m", f: "f1m", n8: 32, sA: 64, gen: consts.pG1gen },
    2: { g: "g2m", f: "f2m", n8: 64, sA: 128, gen: consts.pG2gen },
  };

  /**
   * Window table T[k][d] = d * 2^(w k) * generator (k < nWin = ceil(254 / w), d < 2^w), affine,
   * row k at pTable + k * 2^w * sizeAffine. Rows are built here or copied in from a shared
   * table (see the file's header); `table` completes any missing rows.
   */
  function tableObj(group: number, w: number): Table {
    const key = group + ":" + w;
    let t = tables.get(key);
    if (!t) {
      const { sA } = G[group];
      const nWin = Math.ceil(254 / w);
      const rowSize = sA * (1 << w);
      t = { group, w, nWin, rowSize, pTable: heap.alloc(nWin * rowSize), done: new Array(nWin).fill(false) };
      tables.set(key, t);
    }
    return t;
  }

  function buildRows(t: Table, from: number, to: number): void {
    const { g, n8, sA, gen } = G[t.group];
    const w = t.w;
    const m = mark();
    const pJ = alloc(3 * n8);
    const pDen = alloc(n8 * (1 << (w - 1)));
    ensure((1 << (w - 1)) * n8 + 64);
    const T = (k: number, d: number) => t.pTable + k * t.rowSize + d * sA;
    for (let k = from; k < to; k++) {
      // T[k][1] = 2^(w k) G
      ex[g + "_copyAffine"](gen, T(k, 1));
      if (k > 0) {
        ex[g + "_toJacobian"](gen, pJ);
        for (let i = 0; i < w * k; i++) ex[g + "_double"](pJ, pJ);
        ex[g + "_toAffine"](pJ, T(k, 1));
      }
      ex[g + "_zeroAffine"](T(k, 0));
      for (let j = 1; j < w; j++) {
        const h = 1 << j;
        ex[g + "_doubleAffine"](T(k, h >> 1), pJ);
        ex[g + "_toAffine"](pJ, T(k, h));
        if (h - 1 > 0) ex[g + "_zkrBatchAdd"](T(k, 1), sA, T(k, h), 0, h - 1, T(k, h + 1), pDen);
      }
      t.done[k] = true;
    }
    release(m);
  }

  /** The table of `group` at `w` bits, complete: copied in from `shared` when given, else built here. */
  function table(group: number, w: number, shared?: SharedArrayBuffer): Table {
    const t = tableObj(group, w);
    if (shared && t.done.includes(false)) {
      if (shared.byteLength !== t.nWin * t.rowSize) throw new Error(`shared table of G${group} at ${w} bits: ${t.nWin * t.rowSize} bytes expected, got ${shared.byteLength}`);
      put(t.pTable, new Uint8Array(shared));
      t.done.fill(true);
    }
    for (let k = 0; k < t.nWin; k++) if (!t.done[k]) buildRows(t, k, k + 1);
    return t;
  }

  /** Job: builds table rows [from, to) here and writes them into the shared table `shared`. */
  function tableRowsJob(job: EngineJob): EngineResult {
    const t = tableObj(job.group, job.w);
    buildRows(t, job.from, job.to);
    const shared = job.shared as SharedArrayBuffer;
    new Uint8Array(shared, job.from * t.rowSize, (job.to - job.from) * t.rowSize).set(new Uint8Array(memory.buffer, t.pTable + job.from * t.rowSize, (job.to - job.from) * t.rowSize));
    return {};
  }

  /**
   * Fixed-base multiplications of the group generator by n standard-form scalars at pScalars
   * (32 bytes each, plus 4 readable bytes after). Writes n affine LEM points at pOut.
   */
  function fixedBase(group: number, t: Table, pScalars: number, n: number, pOut: number): void {
    const { g, n8 } = G[group];
    const B = BATCH[group];
    const m = mark();
    const pFlags = alloc(4 * B);
    const pDen = alloc(n8 * B);
    ensure((B + 1) * n8);
    for (let i = 0; i < n; i += B) {
      const k = Math.min(B, n - i);
      ex[g + "_zkrFixedBase"](t.pTable, t.w, t.nWin, pScalars + i * FR, k, pOut + i * G[group].sA, pFlags, pDen);
    }
    release(m);
  }

  // ---- Fr helpers (Montgomery form) ----
  function frConst(bytes: Uint8Array): number {
    const p = alloc(FR);
    put(p, bytes);
    return p;
  }

  /** out_i = first * inc^i, Montgomery. */
  function genGeom(pOut: number, count: number, firstM: Uint8Array, incM: Uint8Array): void {
    const m = mark();
    const first = frConst(firstM);
    const inc = frConst(incM);
    ex.frm_zkrGeom(first, inc, count, pOut);
    release(m);
  }

  /**
   * Lagrange-type scalars: with W_i = first * step^i,
   *   out_i = W_i * (A / (tau - W_i) - Bc)
   * (A = f (tau^N - 1) / N, Bc = f tau^(N-1) / N for snarkjs's truncated top level, else 0).
   */
  function genLagrange(pOut: number, count: number, s: ScalarSpec): void {
    const m = mark();
    const tau = frConst(s.tau);
    const A = frConst(s.A);
    const Bc = frConst(s.Bc);
    const step = frConst(s.step);
    const first = frConst(s.first);
    const pW = alloc(count * FR);
    ensure((count + 1) * FR);
    ex.frm_zkrLagrange(tau, A, Bc, first, step, count, pOut, pW);
    release(m);
  }

  /** Montgomery scalars at pOut from a spec; returns count. */
  function genScalars(spec: ScalarSpec, pOut: number): number {
    if (spec.kind === "geom") genGeom(pOut, spec.count, spec.first, spec.inc);
    else if (spec.kind === "lagrange") genLagrange(pOut, spec.count, spec);
    else if (spec.kind === "mont") put(pOut, spec.data);
    else throw new Error("unknown scalar spec " + spec.kind);
    if (spec.factor) {
      const m = mark();
      const f = frConst(spec.factor);
      for (let i = 0; i < spec.count; i++) ex.frm_mul(pOut + i * FR, f, pOut + i * FR);
      release(m);
    }
    return spec.count;
  }

  /**
   * Job: fixed-base multiplication of a scalar spec. Returns the requested point forms:
   * lem (affine Montgomery, file form), u (uncompressed big-endian, hashed by snarkjs),
   * c (compressed, hashed into the phase-1 response).
   */
  function mulJob(job: EngineJob): EngineResult {
    const { group, w, spec, forms } = job;
    const { g, sA, n8 } = G[group];
    const n = spec.count;
    // Build the table before the job's buffers so it stays below them.
    const t = table(group, w, job.table);
    const m = mark();
    const pS = alloc(n * FR + 8);
    genScalars(spec, pS);
    ex.frm_batchFromMontgomery(pS, n, pS);
    new Uint8Array(memory.buffer, pS + n * FR, 8).fill(0);
    const pOut = alloc(n * sA);
    fixedBase(group, t, pS, n, pOut);
    const res: EngineResult = {};
    if (forms.includes("lem")) res.lem = get(pOut, n * sA);
    if (forms.includes("c")) {
      const pC = alloc(n * n8);
      ex[g + "_batchLEMtoC"](pOut, n, pC);
      res.c = get(pC, n * n8);
    }
    if (forms.includes("u")) {
      ex[g + "_batchLEMtoU"](pOut, n, pOut);
      res.u = get(pOut, n * sA);
    }
    release(m);
    return res;
  }

  /** Job: LEM points to the uncompressed form snarkjs hashes. */
  function toUJob(job: EngineJob): EngineResult {
    const { g, sA } = G[job.group];
    const n = job.lem.byteLength / sA;
    const m = mark();
    const p = alloc(job.lem.byteLength);
    put(p, job.lem);
    ex[g + "_batchLEMtoU"](p, n, p);
    const u = get(p, n * sA);
    release(m);
    return { u };
  }

  /**
   * Job: a_i - b_i for G1 LEM points (none zero, a_i != +-b_i), in the uncompressed form: the
   * tau^(i+n) G1 - tau^i G1 points snarkjs's zkey new hashes.
   */
  function subUJob(job: EngineJob): EngineResult {
    const n = job.a.byteLength / 64;
    const m = mark();
    const pA = alloc(n * 64);
    const pB = alloc(n * 64);
    const pDen = alloc(n * 32);
    ensure((n + 1) * 32);
    put(pA, job.a);
    put(pB, job.b);
    for (let i = 0; i < n; i++) ex.f1m_neg(pB + i * 64 + 32, pB + i * 64 + 32);
    ex.g1m_zkrBatchAdd(pA, 64, pB, 64, n, pA, pDen);
    ex.g1m_batchLEMtoU(pA, n, pA);
    const u = get(pA, n * 64);
    release(m);
    return { u };
  }

  /**
   * Job: snarkjs's own a - b (g1m_subAffine, g1m_batchToAffine, g1m_batchLEMtoU) on raw
   * 64-byte LEM inputs, for inputs that need not be curve points.
   */
  function subAffineUJob(job: EngineJob): EngineResult {
    const n = job.a.byteLength / 64;
    const m = mark();
    const pA = alloc(n * 64);
    const pB = alloc(n * 64);
    const pJ = alloc(n * 96);
    ensure((n + 1) * 32);
    put(pA, job.a);
    put(pB, job.b);
    for (let i = 0; i < n; i++) ex.g1m_subAffine(pA + i * 64, pB + i * 64, pJ + i * 96);
    ex.g1m_batchToAffine(pJ, n, pA);
    ex.g1m_batchLEMtoU(pA, n, pA);
    const u = get(pA, n * 64);
    release(m);
    return { u };
  }

  /** Job: Montgomery scalars of a spec (no points). */
  function scalarsJob(job: EngineJob): EngineResult {
    const m = mark();
    const p = alloc(job.spec.count * FR);
    genScalars(job.spec, p);
    const out = get(p, job.spec.count * FR);
    release(m);
    return { mont: out };
  }

  /**
   * Job: the Groth16 wire polynomials at tau from the r1cs constraints, as snarkjs's
   * `zkey new` combines them (public-input constraints appended to A), plus its coefficient
   * section. L: Montgomery Lagrange values L_c(tau) for c < nConstraints + nPublic + 1.
   * Returns Montgomery arrays a, b (nVars each) and c = beta a + alpha b + c (nVars), and the
   * bytes of zkey section 4.
   */
  function wiresJob(job: EngineJob): EngineResult {
    const { constraints, nConstraints, nVars, nPublic, L, alpha, beta } = job;
    const m = mark();
    const pL = alloc(L.byteLength);
    put(pL, L);
    const pa = alloc(nVars * FR);
    const pb = alloc(nVars * FR);
    const pc = alloc(nVars * FR);
    for (const p of [pa, pb, pc]) u8().fill(0, p, p + nVars * FR);
    const pCoef = alloc(FR);
    const tmp = alloc(FR);
    const pAl = frConst(alpha);
    const pBe = frConst(beta);
    const dv = new DataView(constraints.buffer, constraints.byteOffset, constraints.byteLength);
    // Coefficient section: count, then (matrix, constraint, signal, value * R^2 std) entries.
    let pos = 0;
    let nCoefs = 0;
    const coefChunks: Uint8Array[] = [];
    let chunk = new Uint8Array(44 * 65536);
    let chunkPos = 0;
    const pushCoef = (matrix: number, c: number, s: number, pValMont: number) => {
      if (chunkPos === chunk.byteLength) {
        coefChunks.push(chunk);
        chunk = new Uint8Array(44 * 65536);
        chunkPos = 0;
      }
      const cv = new DataView(chunk.buffer, chunkPos, 12);
      cv.setUint32(0, matrix, true);
      cv.setUint32(4, c, true);
      cv.setUint32(8, s, true);
      // value*R^2 in standard form is the raw Montgomery form of value*R
      ex.frm_toMontgomery(pValMont, tmp);
      chunk.set(new Uint8Array(memory.buffer, tmp, FR), chunkPos + 12);
      chunkPos += 44;
      nCoefs++;
    };
    const mem = () => new Uint8Array(memory.buffer);
    for (let c = 0; c < nConstraints; c++) {
      const pLc = pL + c * FR;
      for (let matrix = 0; matrix < 3; matrix++) {
        const nTerms = dv.getUint32(pos, true);
        pos += 4;
        for (let t = 0; t < nTerms; t++) {
          const s = dv.getUint32(pos, true);
          mem().set(constraints.subarray(pos + 4, pos + 4 + FR), pCoef);
          pos += 4 + FR;
          if (s >= nVars) throw new Error(`constraint ${c} uses signal ${s} >= nVars ${nVars}`);
          ex.frm_toMontgomery(pCoef, pCoef);
          ex.frm_mul(pCoef, pLc, tmp);
          const dst = matrix === 0 ? pa : matrix === 1 ? pb : pc;
          ex.frm_add(dst + s * FR, tmp, dst + s * FR);
          if (matrix < 2) pushCoef(matrix, c, s, pCoef);
        }
      }
    }
    if (pos !== constraints.byteLength) throw new Error("constraints section has trailing bytes");
    const pOne = alloc(FR);
    ex.frm_one(pOne);
    for (let s = 0; s <= nPublic; s++) {
      const pLc = pL + (nConstraints + s) * FR;
      ex.frm_add(pa + s * FR, pLc, pa + s * FR);
      pushCoef(0, nConstraints + s, s, pOne);
    }
    // c_s = beta a_s + alpha b_s + c_s
    for (let s = 0; s < nVars; s++) {
      ex.frm_mul(pa + s * FR, pBe, tmp);
      ex.frm_add(pc + s * FR, tmp, pc + s * FR);
      ex.frm_mul(pb + s * FR, pAl, tmp);
      ex.frm_add(pc + s * FR, tmp, pc + s * FR);
    }
    coefChunks.push(chunk.subarray(0, chunkPos));
    const coefs = new Uint8Array(4 + nCoefs * 44);
    new DataView(coefs.buffer).setUint32(0, nCoefs, true);
    let o = 4;
    for (const ch of coefChunks) {
      coefs.set(ch, o);
      o += ch.byteLength;
    }
    const res = { a: get(pa, nVars * FR), b: get(pb, nVars * FR), c: get(pc, nVars * FR), coefs };
    release(m);
    return res;
  }

  /** Runs one job by its `type`. */
  function run(job: EngineJob): EngineResult {
    switch (job.type) {
      case "mul":
        return mulJob(job);
      case "toU":
        return toUJob(job);
      case "scalars":
        return scalarsJob(job);
      case "wires":
        return wiresJob(job);
      case "subU":
        return subUJob(job);
      case "subAffineU":
        return subAffineUJob(job);
      case "tableRows":
        return tableRowsJob(job);
      default:
        throw new Error(`unknown job ${job.type}`);
    }
  }

  return { ex, memory, alloc, mark, release, get, put, table, genScalars, run };
}
