/**
 * Steps 2 and 3 of a proof (`FrKernels.quotient`): the cpu backend's kernels (prover/cpu/qap.ts,
 * in the workers' shared memory) against the prover's bigint path (prover/qap.ts) composed with
 * the naive NTT (prover/reference.ts), on random matrices with the shapes that could break the
 * kernels: entries in no order, rows split across workers, a row with thousands of entries, zero
 * and one witness values, values at r − 1. Then what the interface refuses. Fixed seeds.
 * (The whole prover on real keys, against snarkjs, is test/prover.groth16.test.ts.)
 */
import { BackendError, FR_MODULUS as R, writeScalar, type FrKernels, type QapMatrices } from "../prover/backend.js";
import type { CheckedBackend } from "../prover/checked.js";
import { createCpuBackend, type CpuBackend } from "../prover/cpu/index.js";
import { bigintFrKernels } from "../prover/qap.js";
import { referenceNtt } from "../prover/reference.js";
import { frRootOfUnity } from "../core/bn254.js";
import { rng, type Rng } from "../bench/fixtures/rng.js";

let cpu: CheckedBackend<CpuBackend>;
let cpu3: CheckedBackend<CpuBackend>;

beforeAll(async () => {
  cpu = await createCpuBackend({ threads: 2 });
  cpu3 = await createCpuBackend({ threads: 3 });
});

afterAll(async () => {
  await cpu?.close();
  await cpu3?.close();
});

/** The bigint path over the naive NTT: the independent twin. */
const twin: FrKernels = bigintFrKernels({ ntt: async (v, o) => referenceNtt(v, o) });

/** Random matrices: `count` entries in random order, a few values repeated (as circuits do), one heavy row. */
function matrices(r: Rng, logRows: number, wires: number, count: number): QapMatrices {
  const rows = 2 ** logRows;
  const values = [1n, R - 1n, 2n, R - 2n, ...Array.from({ length: 20 }, () => r.below(R))];
  const m: QapMatrices = {
    rows,
    wires,
    count,
    matrix: new Uint8Array(count),
    constraint: new Uint32Array(count),
    signal: new Uint32Array(count),
    valueIndex: new Uint32Array(count),
    values,
  };
  for (let i = 0; i < count; i++) {
    m.matrix[i] = r.int(2);
    // a quarter of the entries in row 5 of their matrix: one row far longer than a worker's share
    m.constraint[i] = r.int(4) === 0 ? Math.min(5, rows - 1) : r.int(rows);
    m.signal[i] = r.int(wires);
    m.valueIndex[i] = r.int(values.length);
  }
  return m;
}

/** A witness of mostly zeros and ones (as circom's), wire 0 = 1, some values near r. */
function witness(r: Rng, wires: number): Uint8Array {
  const w = new Uint8Array(wires * 32);
  for (let i = 0; i < wires; i++) {
    const k = r.int(6);
    const v = i === 0 || k === 1 ? 1n : k <= 2 ? 0n : k === 3 ? R - 1n - BigInt(r.int(3)) : r.below(R);
    writeScalar(w, i, v);
  }
  return w;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("quotient: cpu kernels against the bigint twin", () => {
  test.each([
    ["2 workers", () => cpu, 10, 300, 6000, 41],
    ["3 workers, rows split mid-matrix", () => cpu3, 12, 1000, 30000, 42],
    ["4 rows, fewer entries than workers per matrix", () => cpu3, 2, 5, 5, 43],
  ] as const)("%s", async (_name, backend, logRows, wires, count, seed) => {
    const r = rng(seed);
    const m = matrices(r, logRows, wires, count);
    const shift = frRootOfUnity(logRows + 1);
    const be = backend();
    const h = await be.fr!.loadQap(m);
    const t = await twin.loadQap(m);
    for (let k = 0; k < 2; k++) {
      const w = witness(r, wires);
      let steps = 0;
      const got = await be.fr!.quotient(h, w, shift, () => steps++);
      expect(steps).toBe(4);
      expect(hex(got)).toBe(hex(await twin.quotient(t, w, shift)));
    }
    await h.release();
  });

  test("an all-zero witness but wire 0 gives the constant rows' quotient; nothing leaks", async () => {
    const r = rng(44);
    const m = matrices(r, 8, 50, 800);
    const w = new Uint8Array(50 * 32);
    writeScalar(w, 0, 1n);
    const shift = frRootOfUnity(9);
    const first = await cpu.fr!.loadQap(m);
    await cpu.fr!.quotient(first, w, shift); // builds the 2^8 twiddles, kept for every later NTT
    await first.release();
    const used = cpu.inner.debugHeapUsed();
    const h = await cpu.fr!.loadQap(m);
    expect(hex(await cpu.fr!.quotient(h, w, shift))).toBe(hex(await twin.quotient(await twin.loadQap(m), w, shift)));
    await h.release();
    await h.release(); // twice: nothing more is freed
    expect(cpu.inner.debugHeapUsed()).toBe(used);
  });
});

describe("quotient: what the interface refuses", () => {
  const r = rng(45);
  const m = matrices(r, 6, 20, 100);
  const shift = frRootOfUnity(7);

  test("matrices out of range: a value ≥ r, a row ≥ rows, a signal ≥ wires, a value index past the table, a matrix 2", async () => {
    const bad: [string, QapMatrices, RegExp][] = [
      ["value r", { ...m, values: [...m.values.slice(0, -1), R] }, /values\[\d+\]: a scalar in \[0, r\) expected/],
      ["row", { ...m, constraint: m.constraint.map((x, i) => (i === 7 ? m.rows : x)) }, /entry 7: .*out of range/],
      ["signal", { ...m, signal: m.signal.map((x, i) => (i === 8 ? m.wires : x)) }, /entry 8: .*out of range/],
      ["value index", { ...m, valueIndex: m.valueIndex.map((x, i) => (i === 9 ? m.values.length : x)) }, /entry 9: .*out of range/],
      ["matrix", { ...m, matrix: m.matrix.map((x, i) => (i === 3 ? 2 : x)) }, /entry 3: matrix 2/],
      ["count", { ...m, count: m.count + 1 }, /more entries than the arrays hold/],
    ];
    for (const [, q, re] of bad) {
      const err = await cpu.fr!.loadQap(q).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BackendError);
      expect((err as Error).message).toMatch(re);
    }
  });

  test("a witness of the wrong length or with a value ≥ r, a zero shift, another backend's key, a released key, a closed backend", async () => {
    const h = await cpu.fr!.loadQap(m);
    const w = witness(r, m.wires);
    await expect(cpu.fr!.quotient(h, w.subarray(32), shift)).rejects.toThrow(/witness: 20 values expected, got 19/);
    const big = w.slice();
    writeScalar(big, 4, R);
    await expect(cpu.fr!.quotient(h, big, shift)).rejects.toThrow(/witness\[4\]: a value below r expected/);
    await expect(cpu.fr!.quotient(h, w, 0n)).rejects.toThrow(/coset: a scalar in \[1, r\) expected/);
    await expect(cpu3.fr!.quotient(h, w, shift)).rejects.toThrow(/not loaded by this backend/);
    await h.release();
    await expect(cpu.fr!.quotient(h, w, shift)).rejects.toThrow(/released/);
    const be = await createCpuBackend({ threads: 1 });
    const h1 = await be.fr!.loadQap(m);
    await be.close();
    await expect(be.fr!.quotient(h1, w, shift)).rejects.toThrow(/closed/);
  });
});
