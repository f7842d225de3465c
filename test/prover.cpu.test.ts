/**
 * What is the `cpu` backend's own (prover/cpu): MSMs cut into several worker ranges, its tree and
 * streaming bucket paths with signed digits meeting in one bucket, its shared-memory bookkeeping,
 * NTTs spread over the workers, its options and a crashed worker. What every backend must do
 * (closed forms, every window size, inputs that break Pippenger, NTTs against the naive twin, the
 * interface's refusals) is test/prover.conformance.test.ts. Fixed seeds: a failure repeats.
 */
import { buildBn128 } from "ffjavascript";
import { BackendError, FR_MODULUS as R, writeScalar } from "../prover/backend.js";
import type { CheckedBackend } from "../prover/checked.js";
import { createCpuBackend, type CpuBackend } from "../prover/cpu/index.js";
import { MAX_WINDOW } from "../prover/cpu/msm.js";
import { referenceMsm } from "../prover/reference.js";
import { rng } from "../bench/fixtures/rng.js";
import { bases, ffjsMsm, hex, msm, sameScalars, scalars } from "./helpers/msm.js";
import cpuTask, { init as initCpuTask } from "../prover/cpu/worker.mjs";
import { MAX_PAGES, cpuWasm } from "../prover/cpu/wasm/module.js";
import { PAIR_BYTES } from "../prover/cpu/wasm/curve.js";
import { FIELD_BYTES, fromLimbBytes, limbBytes, toMont } from "../core/wasm/field.js";

 
let curve: any;
let cpu: CheckedBackend<CpuBackend>;

beforeAll(async () => {
  curve = await buildBn128();
  cpu = await createCpuBackend({ threads: 2 });
});

afterAll(async () => {
  await cpu?.close();
  await curve?.terminate();
});

describe("cpu MSM", () => {
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

  test("releases what it allocates", async () => {
    const used = cpu.inner.debugHeapUsed();
    const r = rng(61);
    const b = await bases(curve, "G1", 700, r);
    const h = await cpu.loadBases("G1", b);
    await cpu.msm(h, scalars(700, "mix", r));
    await cpu.ntt(scalars(64, "full", r));
    await h.release();
    await h.release(); // twice is harmless
    // twiddle tables stay (one per NTT size)
    expect(cpu.inner.debugHeapUsed() - used).toBeLessThanOrEqual(32 * 36 + 64);
  });

  test("bases written straight into its staging memory (loadBasesFrom) are the bases loadBases takes; a failed fill frees all", async () => {
    const r = rng(62);
    const b = await bases(curve, "G2", 300, r);
    const sc = scalars(300, "mix", r);
    const from = await cpu.loadBasesFrom!("G2", 300, async (dst) => {
      expect(dst.length).toBe(b.length);
      dst.set(b);
    });
    const copied = await cpu.loadBases("G2", b);
    expect(hex(await cpu.msm(from, sc))).toBe(hex(await cpu.msm(copied, sc)));
    await Promise.all([from.release(), copied.release()]);
    const used = cpu.inner.debugHeapUsed();
    await expect(cpu.loadBasesFrom!("G1", 10, async () => Promise.reject(new Error("the file ended")))).rejects.toThrow(/the file ended/);
    expect(cpu.inner.debugHeapUsed()).toBe(used);
    await expect(cpu.loadBasesFrom!("G1", -1, async () => {})).rejects.toThrow(/G1 points: a count expected, got -1/);
    await expect(cpu.loadBasesFrom!("G3" as "G1", 1, async () => {})).rejects.toThrow(/group: G1 or G2 expected/);
  });
});

describe("cpu NTT", () => {
  /** ffjavascript's Fr.fft on the standard-form bytes (converted to its Montgomery form and back). */
  async function ffjsNtt(values: Uint8Array): Promise<Uint8Array> {
    const Fr = curve.Fr;
    return new Uint8Array(await Fr.batchFromMontgomery(await Fr.fft(await Fr.batchToMontgomery(values))));
  }

  test("independent NTTs submitted together run on different workers", async () => {
    const r = rng(74);
    const vs = [0, 1].map(() => scalars(2 ** 13, "full", r));
    const before = cpu.inner.nttThreads.length;
    const outs = await Promise.all(vs.map((v) => cpu.ntt(v)));
    const threads = cpu.inner.nttThreads.slice(before);
    expect(new Set(threads).size).toBe(2);
    for (let i = 0; i < 2; i++) expect(hex(outs[i])).toBe(hex(await ffjsNtt(vs[i])));
  });
});

describe("cpu backend failures", () => {
  const expectBackendError = async (p: Promise<unknown>, re: RegExp): Promise<void> => {
    const err = await p.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(BackendError);
    expect((err as Error).message).toMatch(re);
  };

  test("bad options: window bits, threads", async () => {
    await expect(createCpuBackend({ windowBits: 0 })).rejects.toThrow(BackendError);
    await expect(createCpuBackend({ windowBits: MAX_WINDOW + 1 })).rejects.toThrow(/windowBits: an integer in \[1, 24\] expected/);
    await expect(createCpuBackend({ threads: 0 })).rejects.toThrow(/threads/);
  });

  test("a crashed worker rejects its call with a BackendError; the pool goes on", async () => {
    await expectBackendError(cpu.inner.debugCrashWorker(), /worker task crash failed/);
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
