/**
 * The `cpu` backend (prover/cpu) against ffjavascript (snarkjs's engine) and against its naive
 * twin (prover/cpu/reference.ts): MSMs in G1 and G2 at every window size, with the inputs that
 * break Pippenger implementations (zero scalars, ones, r − 1, points at infinity, equal and
 * opposite points in one bucket, prefixes, empty input), NTTs forward/inverse/coset, and the
 * interface's errors. Fixed seeds: a failure repeats.
 */
import { buildBn128 } from "ffjavascript";
import { BackendError, FR_MODULUS, G1_BYTES, G2_BYTES, writeScalar, type Group, type ProverBackend } from "../prover/backend.js";
import { frRootOfUnity } from "../core/bn254.js";
import { createCpuBackend, type CpuBackend } from "../prover/cpu/index.js";
import { MAX_WINDOW } from "../prover/cpu/msm.js";
import { expandBases } from "../prover/cpu/points.js";
import { referenceMsm, referenceNtt } from "../prover/cpu/reference.js";
import { rng } from "../bench/fixtures/rng.js";
import cpuTask, { init as initCpuTask } from "../prover/cpu/worker.mjs";
import { MAX_PAGES, cpuWasm } from "../prover/cpu/wasm/module.js";
import { PAIR_BYTES } from "../prover/cpu/wasm/curve.js";
import { FIELD_BYTES, fromLimbBytes, limbBytes, toMont } from "../core/wasm/field.js";
import { bases, expectCancellingSums, ffjsMsm, hex, msm, sameScalars, scalars, size } from "./helpers/msm.js";

/* eslint-disable @typescript-eslint/no-explicit-any */
let curve: any;
let cpu: CpuBackend;

const R = FR_MODULUS;
beforeAll(async () => {
  curve = await buildBn128();
  cpu = (await createCpuBackend({ threads: 2 })) as CpuBackend;
});

afterAll(async () => {
  await cpu?.close();
  await curve?.terminate();
});

describe("cpu MSM", () => {
  test.each(["G1", "G2"] as const)("%s: small inputs equal the naive twin and ffjavascript", async (g) => {
    const r = rng(g === "G1" ? 11 : 12);
    for (const n of [1, 2, 3, 6, 7, 13]) {
      const b = await bases(curve, g, n, r);
      for (const kind of ["full", "mix", "zero", "one", "rminus1", "small"] as const) {
        const sc = sameScalars(scalars(n, kind, r));
        const got = await msm(cpu, g, b, sc);
        expect(hex(got)).toBe(hex(referenceMsm(g, b, sc)));
        expect(hex(got)).toBe(hex(await ffjsMsm(curve, g, b, sc)));
      }
    }
  });

  test.each(["G1", "G2"] as const)("%s: larger inputs (several worker ranges) equal ffjavascript", async (g) => {
    const r = rng(g === "G1" ? 21 : 22);
    const n = g === "G1" ? 5003 : 2503;
    const b = await bases(curve, g, n, r);
    const h = await cpu.loadBases(g, b);
    for (const kind of ["full", "mix"] as const) {
      const sc = sameScalars(scalars(n, kind, r));
      expect(hex(await cpu.msm(h, sc))).toBe(hex(await ffjsMsm(curve, g, b, sc)));
      // a prefix of the bases
      const k = Math.floor(n / 3) + 1;
      expect(hex(await cpu.msm(h, sc.subarray(0, k * 32)))).toBe(hex(await ffjsMsm(curve, g, b, sc.subarray(0, k * 32))));
    }
    await h.release();
  });

  test("P + (−P) in one bucket, P + P in one bucket, and sums that cancel to infinity", async () => {
    await expectCancellingSums(cpu, curve, rng(31));
  });

  test("signed digits: ±P meeting ∓P and ±P in one bucket (tree at c = 4, streaming at c = 12)", async () => {
    const r = rng(32);
    for (const c of [4, 12]) {
      const be = await createCpuBackend({ threads: 1, windowBits: c });
      try {
        for (const g of ["G1", "G2"] as const) {
          const b = await bases(curve, g, 6, r); // P3 = P2, P5 = −P4
          const full = 2n ** BigInt(c);
          // window 0 digits: 3 → +3; 2^c − 3 → −3 (carry 1)
          const cases: [number, bigint, number, bigint][] = [
            [4, 3n, 5, full - 3n], // +P4 and −(−P4) = P4: a doubling from opposite flags
            [5, 3n, 4, full - 3n], // the same, the other way round
            [2, full - 3n, 3, full - 3n], // −P2 and −P2: a doubling of a negated point
            [2, 3n, 3, full - 3n], // +P2 and −P2: infinity in the bucket
            [4, 3n, 5, 3n], // P4 and −P4 with the same digit: infinity in the bucket
          ];
          for (const [i, si, j, sj] of cases) {
            const sc = new Uint8Array(6 * 32);
            writeScalar(sc, i, si);
            writeScalar(sc, j, sj);
            writeScalar(sc, 0, 5n); // something else in another bucket
            expect([c, g, i, j, hex(await msm(be, g, b, sc))]).toEqual([c, g, i, j, hex(referenceMsm(g, b, sc))]);
          }
        }
      } finally {
        await be.close();
      }
    }
  });

  test("empty input is infinity; all-zero scalars and all-infinity bases are infinity", async () => {
    for (const g of ["G1", "G2"] as const) {
      const b = await bases(curve, g, 8, rng(41));
      const h = await cpu.loadBases(g, b);
      expect(hex(await cpu.msm(h, new Uint8Array(0)))).toBe(hex(new Uint8Array(size(g))));
      expect(hex(await cpu.msm(h, new Uint8Array(8 * 32)))).toBe(hex(new Uint8Array(size(g))));
      await h.release();
      const inf = await cpu.loadBases(g, new Uint8Array(5 * size(g)));
      expect(hex(await cpu.msm(inf, scalars(5, "full", rng(42))))).toBe(hex(new Uint8Array(size(g))));
      await inf.release();
      const none = await cpu.loadBases(g, new Uint8Array(0));
      expect(none.length).toBe(0);
      expect(hex(await cpu.msm(none, new Uint8Array(0)))).toBe(hex(new Uint8Array(size(g))));
      await none.release();
    }
  });

  test("every window size 1..16 gives the known answer (G1 and G2, tree and streaming paths)", async () => {
    const r = rng(51);
    const g1 = await bases(curve, "G1", 3001, r);
    const g2 = await bases(curve, "G2", 401, r);
    const s1 = sameScalars(scalars(3001, "mix", r));
    const s1full = sameScalars(scalars(601, "full", r));
    const s2 = sameScalars(scalars(401, "mix", r));
    const want1 = await ffjsMsm(curve, "G1", g1, s1);
    const want1full = await ffjsMsm(curve, "G1", g1, s1full);
    const want2 = await ffjsMsm(curve, "G2", g2, s2);
    for (let c = 1; c <= 16; c++) {
      const be = (await createCpuBackend({ threads: 2, windowBits: c })) as CpuBackend;
      try {
        const h1 = await be.loadBases("G1", g1);
        expect([c, hex(await be.msm(h1, s1))]).toEqual([c, hex(want1)]);
        expect([c, hex(await be.msm(h1, s1full))]).toEqual([c, hex(want1full)]);
        const h2 = await be.loadBases("G2", g2);
        expect([c, hex(await be.msm(h2, s2))]).toEqual([c, hex(want2)]);
        await h1.release();
        await h2.release();
      } finally {
        await be.close();
      }
    }
  });

  test("releases what it allocates", async () => {
    const used = cpu.debugHeapUsed();
    const r = rng(61);
    const b = await bases(curve, "G1", 700, r);
    const h = await cpu.loadBases("G1", b);
    await cpu.msm(h, scalars(700, "mix", r));
    await cpu.ntt(scalars(64, "full", r));
    await h.release();
    await h.release(); // twice is harmless
    // twiddle tables stay (one per NTT size)
    expect(cpu.debugHeapUsed() - used).toBeLessThanOrEqual(32 * 36 + 64);
  });
});

describe("cpu NTT", () => {
  /** ffjavascript's Fr.fft / Fr.ifft on the standard-form bytes (converted to its Montgomery form and back). */
  async function ffjsNtt(values: Uint8Array, inverse: boolean): Promise<Uint8Array> {
    const Fr = curve.Fr;
    const m = await Fr.batchToMontgomery(values);
    const t = inverse ? await Fr.ifft(m) : await Fr.fft(m);
    return new Uint8Array(await Fr.batchFromMontgomery(t));
  }

  test("forward and inverse equal ffjavascript's Fr.fft / Fr.ifft", async () => {
    const r = rng(71);
    for (const logn of [1, 2, 3, 6, 11, 14]) {
      const v = scalars(2 ** logn, "full", r);
      expect([logn, hex(await cpu.ntt(v))]).toEqual([logn, hex(await ffjsNtt(v, false))]);
      expect([logn, hex(await cpu.ntt(v, { inverse: true }))]).toEqual([logn, hex(await ffjsNtt(v, true))]);
    }
  });

  test("round trips, plain and on cosets (the prover's ω_2n and a random shift)", async () => {
    const r = rng(72);
    for (const logn of [0, 1, 4, 9, 13]) {
      const v = scalars(2 ** logn, "full", r);
      expect(hex(await cpu.ntt(await cpu.ntt(v), { inverse: true }))).toBe(hex(v));
      for (const shift of [frRootOfUnity(logn + 1), r.below(R - 1n) + 1n]) {
        const e = await cpu.ntt(v, { coset: shift });
        expect(hex(await cpu.ntt(e, { inverse: true, coset: shift }))).toBe(hex(v));
      }
    }
  });

  test("coset transforms equal evaluation at shift·ω^i (naive twin)", async () => {
    const r = rng(73);
    for (const logn of [0, 2, 4]) {
      const v = scalars(2 ** logn, "full", r);
      const shift = r.below(R - 1n) + 1n;
      expect(hex(await cpu.ntt(v, { coset: shift }))).toBe(hex(referenceNtt(v, { coset: shift })));
      expect(hex(await cpu.ntt(v, { inverse: true, coset: shift }))).toBe(hex(referenceNtt(v, { inverse: true, coset: shift })));
      expect(hex(await cpu.ntt(v))).toBe(hex(referenceNtt(v)));
    }
    // edge values
    const e = new Uint8Array(4 * 32);
    writeScalar(e, 0, R - 1n);
    writeScalar(e, 1, 1n);
    writeScalar(e, 3, R - 2n);
    expect(hex(await cpu.ntt(e, { coset: 7n }))).toBe(hex(referenceNtt(e, { coset: 7n })));
  });

  test("independent NTTs submitted together run on different workers", async () => {
    const r = rng(74);
    const vs = [0, 1].map(() => scalars(2 ** 13, "full", r));
    const before = cpu.nttThreads.length;
    const outs = await Promise.all(vs.map((v) => cpu.ntt(v)));
    const threads = cpu.nttThreads.slice(before);
    expect(new Set(threads).size).toBe(2);
    for (let i = 0; i < 2; i++) expect(hex(outs[i])).toBe(hex(await ffjsNtt(vs[i], false)));
  });
});

describe("cpu backend errors", () => {
  const expectBackendError = async (p: Promise<unknown>, re: RegExp): Promise<void> => {
    const err = await p.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(BackendError);
    expect((err as Error).message).toMatch(re);
  };

  test("bad lengths, scalars ≥ r, more scalars than bases", async () => {
    const b = await bases(curve, "G1", 4, rng(81), false);
    await expectBackendError(cpu.loadBases("G1", b.subarray(0, 100)), /multiple of 64 bytes expected, got 100/);
    await expectBackendError(cpu.loadBases("G2", b.subarray(0, 64)), /multiple of 128 bytes expected, got 64/);
    const h = await cpu.loadBases("G1", b);
    await expectBackendError(cpu.msm(h, new Uint8Array(33)), /multiple of 32 bytes expected, got 33/);
    await expectBackendError(cpu.msm(h, new Uint8Array(5 * 32)), /at most 4 expected, got 5/);
    const sc = new Uint8Array(2 * 32);
    writeScalar(sc, 1, R);
    await expectBackendError(cpu.msm(h, sc), /scalars\[1\]: a value below r expected/);
    sc.fill(0xff, 32, 64);
    await expectBackendError(cpu.msm(h, sc), /scalars\[1\]: a value below r expected/);
    await h.release();
    await expectBackendError(cpu.msm(h, new Uint8Array(32)), /released/);
  });

  test("bad NTT input: not a power of two, empty, ≥ r, bad coset", async () => {
    await expectBackendError(cpu.ntt(new Uint8Array(3 * 32)), /power-of-two length expected, got 3/);
    await expectBackendError(cpu.ntt(new Uint8Array(0)), /power-of-two length expected, got 0/);
    await expectBackendError(cpu.ntt(new Uint8Array(31)), /multiple of 32 bytes/);
    const v = new Uint8Array(4 * 32);
    writeScalar(v, 2, R);
    await expectBackendError(cpu.ntt(v), /ntt values\[2\]: a value below r expected/);
    await expectBackendError(cpu.ntt(new Uint8Array(4 * 32), { coset: 0n }), /coset: a scalar in \[1, r\) expected, got 0/);
    await expectBackendError(cpu.ntt(new Uint8Array(4 * 32), { coset: R }), /coset/);
  });

  test("bad options; bases of another backend; a closed backend", async () => {
    await expect(createCpuBackend({ windowBits: 0 })).rejects.toThrow(BackendError);
    await expect(createCpuBackend({ windowBits: MAX_WINDOW + 1 })).rejects.toThrow(/windowBits: an integer in \[1, 24\] expected/);
    await expect(createCpuBackend({ threads: 0 })).rejects.toThrow(/threads/);
    const other = await createCpuBackend({ threads: 1 });
    const b = await bases(curve, "G1", 2, rng(82), false);
    const h = await other.loadBases("G1", b);
    await expectBackendError(cpu.msm(h, new Uint8Array(32)), /loaded by this backend/);
    await other.close();
    await expectBackendError(other.msm(h, new Uint8Array(32)), /closed/);
    await expectBackendError(other.ntt(new Uint8Array(32)), /closed/);
  });

  test("a crashed worker rejects its call with a BackendError; the pool goes on", async () => {
    await expectBackendError(cpu.debugCrashWorker(), /worker task crash failed/);
    const r = rng(83);
    const b = await bases(curve, "G1", 9, r);
    const sc = scalars(9, "full", r);
    expect(hex(await msm(cpu, "G1", b, sc))).toBe(hex(await ffjsMsm(curve, "G1", b, sc)));
  });
});

test("the worker's task, in-process on a memory made here: twiddle-style powers and LEM bases", async () => {
  const wasm = await cpuWasm();
  const memory = new WebAssembly.Memory({ initial: Math.ceil((wasm.staticEnd + (1 << 20)) / 65536), maximum: MAX_PAGES, shared: true });
  await initCpuTask({ memory, module: wasm.module, fieldBytes: FIELD_BYTES, pairBytes: PAIR_BYTES });
  const mem = () => new Uint8Array(memory.buffer);
  const at = wasm.staticEnd;
  // geom: out[i] = 5·3^i (Montgomery, 29-bit limbs)
  mem().set(limbBytes(toMont(5n, R)), at);
  mem().set(limbBytes(toMont(3n, R)), at + FIELD_BYTES);
  const out = at + 2 * FIELD_BYTES;
  expect(cpuTask({ kind: "geom", first: at, ratio: at + FIELD_BYTES, n: 10, out })).toBe(true);
  for (let i = 0; i < 10; i++) expect(fromLimbBytes(mem(), out + i * FIELD_BYTES) % R).toBe(toMont(5n * 3n ** BigInt(i), R));
  // bases: a LEM point converts without a trap (its MSM use is covered through the backend above)
  const b = await bases(curve, "G1", 3, rng(84), false);
  const lem = out + 10 * FIELD_BYTES;
  mem().set(b, lem);
  expect(cpuTask({ kind: "bases", g: "g1", lem, n: 3, out: lem + b.byteLength })).toBe(true);
  expect(typeof cpuTask({ kind: "ping" })).toBe("number");
});
