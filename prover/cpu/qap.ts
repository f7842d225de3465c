/**
 * The cpu backend's steps 2 and 3 of a proof (`FrKernels`, prover/backend.ts), on the workers and
 * in the shared memory from the witness to h: A·w, B·w and C = A∘B at the constraint rows
 * (kernels: wasm/qap.ts), the six NTTs in place, and h = A·B − C. Against the prover's bigints
 * and an NTT round trip through new arrays, at 2^18 (the 4×8 rollup, 1.3 M coefficients):
 * A, B, C 0.55 s → 0.05 s, h 0.2 s → 0.02 s, and none of the ten 8 MiB arrays a round trip
 * allocates (each new array's first touch costs ~3 ms per MiB on this machine).
 *
 * `loadQap` sorts each matrix's entries by row (a counting sort) into three-u32 records in the
 * shared memory, with each distinct value once as v·R² (see wasm/qap.ts), and cuts each matrix
 * into one range per worker at row boundaries: ranges write disjoint rows, so they run at once
 * with no locking.
 */
import { FR_BYTES, type FrKernels, type NttOptions, type QapHandle, type QapMatrices } from "../backend.js";
import { R } from "../../core/bn254.js";
import { FIELD_BYTES, limbBytes, toMont } from "../../core/wasm/field.js";
import { QAP_RECORD_BYTES, QAP_SCRATCH } from "./wasm/qap.js";

/** What the kernels need of the backend. */
export interface QapEnv {
  alloc(bytes: number): number;
  release(p: number): void;
  bytes(): Uint8Array;
  threads: number;
  /** Runs tasks at once; waits for all to settle; throws the first failure. */
  runAll(tasks: Record<string, unknown>[]): Promise<unknown[]>;
  /** The NTT of the n scalars at `io`, in place. */
  ntt(io: number, n: number, options: NttOptions): Promise<void>;
}

/** One worker's share of a matrix: records [at, at + count) accumulate into rows A or B. */
interface QapRange {
  matrix: 0 | 1;
  at: number;
  count: number;
}

class CpuQap implements QapHandle {
  released = false;
  constructor(
    private readonly env: QapEnv,
    readonly rows: number,
    readonly wires: number,
    readonly recs: number,
    readonly values: number,
    readonly ranges: QapRange[],
  ) {}
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    this.env.release(this.recs);
    this.env.release(this.values);
  }
}

/** Cuts [0, n) into at most `parts` ranges of about equal length. */
function cut(n: number, parts: number): [number, number][] {
  const p = Math.max(1, Math.min(parts, n));
  const out: [number, number][] = [];
  for (let k = 0; k < p; k++) {
    const a = Math.floor((n * k) / p);
    const b = Math.floor((n * (k + 1)) / p);
    if (b > a) out.push([a, b]);
  }
  return out;
}

export function cpuFrKernels(env: QapEnv): FrKernels {
  /** Runs one task per range of [0, n) with its own scratch; `task(a, b, scratch)` builds it. */
  const perRange = async (n: number, task: (a: number, b: number, scratch: number) => Record<string, unknown>, minPerTask = 4096) => {
    const ranges = cut(n, Math.min(env.threads, Math.ceil(n / minPerTask)));
    const scratch = ranges.map(() => env.alloc(QAP_SCRATCH));
    try {
      await env.runAll(ranges.map(([a, b], k) => task(a, b, scratch[k])));
    } finally {
      for (const s of scratch) env.release(s);
    }
  };

  return {
    async loadQap(m: QapMatrices): Promise<QapHandle> {
      const { rows, count } = m;
      // counting sort by (matrix, row): start[k] is where key k = matrix·rows + row begins
      const start = new Uint32Array(2 * rows + 1);
      for (let i = 0; i < count; i++) start[m.matrix[i] * rows + m.constraint[i] + 1]++;
      for (let k = 1; k <= 2 * rows; k++) start[k] += start[k - 1];
      const recs = env.alloc(Math.max(1, count * QAP_RECORD_BYTES));
      let values = 0;
      try {
        values = env.alloc(Math.max(1, m.values.length * FIELD_BYTES));
        const mem = env.bytes();
        const u32 = new Uint32Array(mem.buffer, recs, count * 3);
        const next = start.slice(0, 2 * rows);
        for (let i = 0; i < count; i++) {
          const o = 3 * next[m.matrix[i] * rows + m.constraint[i]]++;
          u32[o] = m.constraint[i];
          u32[o + 1] = m.signal[i];
          u32[o + 2] = m.valueIndex[i];
        }
        m.values.forEach((v, k) => mem.set(limbBytes(toMont(toMont(v, R), R)), values + k * FIELD_BYTES));
        // per matrix, one range per worker, each cut moved forward to the next row's first record
        const ranges: QapRange[] = [];
        for (const matrix of [0, 1] as const) {
          const lo = start[matrix * rows];
          const hi = start[(matrix + 1) * rows];
          let at = lo;
          for (const [, b] of cut(hi - lo, env.threads)) {
            let end = Math.max(lo + b, at);
            while (end < hi && u32[3 * end] === u32[3 * (end - 1)]) end++;
            if (end > at) ranges.push({ matrix, at, count: end - at });
            at = end;
          }
        }
        return new CpuQap(env, rows, m.wires, recs, values, ranges);
      } catch (err) {
        env.release(recs);
        if (values) env.release(values);
        throw err;
      }
    },

    async quotient(handle: QapHandle, witness: Uint8Array, shift: bigint, step?: () => void): Promise<Uint8Array> {
      const h = handle as CpuQap;
      const n = h.rows;
      const blocks: number[] = [];
      const take = (bytes: number) => {
        const p = env.alloc(Math.max(1, bytes));
        blocks.push(p);
        return p;
      };
      /** Frees blocks early (the NTTs' work areas can take their place: a lower peak). */
      const drop = (...ps: number[]) => {
        for (const p of ps) {
          blocks.splice(blocks.indexOf(p), 1);
          env.release(p);
        }
      };
      try {
        // 2. A·w and B·w at the rows (Montgomery limbs), then A, B, C as standard-form scalars
        const w = take(h.wires * FR_BYTES);
        const rowsA = take(n * FIELD_BYTES);
        const rowsB = take(n * FIELD_BYTES);
        const mem = env.bytes();
        mem.set(witness.subarray(0, h.wires * FR_BYTES), w);
        mem.fill(0, rowsA, rowsA + n * FIELD_BYTES);
        mem.fill(0, rowsB, rowsB + n * FIELD_BYTES);
        const scratch = h.ranges.map(() => take(QAP_SCRATCH));
        await env.runAll(
          h.ranges.map((r, k) => ({
            kind: "qapAccum",
            recs: h.recs + r.at * QAP_RECORD_BYTES,
            count: r.count,
            values: h.values,
            witness: w,
            rows: r.matrix === 0 ? rowsA : rowsB,
            scratch: scratch[k],
          })),
        );
        drop(w, ...scratch);
        const bytes = n * FR_BYTES;
        const out = take(3 * bytes);
        const [a, b, c] = [out, out + bytes, out + 2 * bytes];
        await perRange(n, (i, j, scratch) => ({
          kind: "qapStore",
          rowsA: rowsA + i * FIELD_BYTES,
          rowsB: rowsB + i * FIELD_BYTES,
          n: j - i,
          outA: a + i * FR_BYTES,
          outB: b + i * FR_BYTES,
          outC: c + i * FR_BYTES,
          scratch,
        }));
        drop(rowsA, rowsB);
        step?.();
        // 3. each to coefficients and onto the coset, in place; h = A·B − C into A's place
        await Promise.all(
          [a, b, c].map(async (io) => {
            await env.ntt(io, n, { inverse: true });
            await env.ntt(io, n, { coset: shift });
            step?.();
          }),
        );
        await perRange(n, (i, j, scratch) => ({
          kind: "mulSub",
          a: a + i * FR_BYTES,
          b: b + i * FR_BYTES,
          c: c + i * FR_BYTES,
          n: j - i,
          out: a + i * FR_BYTES,
          scratch,
        }));
        return env.bytes().slice(a, a + bytes);
      } finally {
        for (const b of blocks) env.release(b);
      }
    },
  };
}
