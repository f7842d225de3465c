/**
 * One conformance suite for every backend of the prover (prover/backend.ts): `cpu`, `webgpu` (on
 * whatever adapter the machine has; in CI Mesa's llvmpipe, so its sizes are small) and `ffjs`
 * (ffjavascript, snarkjs's engine), each as its create function returns it (behind
 * prover/checked.ts's checks).
 *
 * References: closed forms where the answer is known without any MSM (bases e_i·G, so
 * Σ s_i·P_i = (Σ s_i·e_i mod r)·G, one naive scalar multiplication), the naive twins
 * (prover/reference.ts), and ffjavascript. Inputs include zeros, ones, r − 1, points at infinity,
 * equal and opposite points in one bucket, every window size each backend accepts, prefixes and
 * empty input. The interface's refusals are the same everywhere: same class, same message after
 * the backend's name. Fixed seeds: a failure repeats.
 */
import { buildBn128 } from "ffjavascript";
import { BackendError, FR_MODULUS, G1_BYTES, writeScalar, type Group } from "../prover/backend.js";
import type { CheckedBackend } from "../prover/checked.js";
import { G1_GENERATOR, HostG2, frRootOfUnity, g1Mul, writeG1 } from "../core/bn254.js";
import { createCpuBackend } from "../prover/cpu/index.js";
import { MAX_WINDOW as CPU_MAX_WINDOW, MIN_WINDOW as CPU_MIN_WINDOW } from "../prover/cpu/msm.js";
import { createFfjsBackend } from "../prover/ffjs.js";
import { hostCurve, referenceMsm, referenceNtt } from "../prover/reference.js";
import { createWebGpuBackend, MAX_WINDOW as GPU_MAX_WINDOW, MIN_WINDOW as GPU_MIN_WINDOW } from "../prover/webgpu/index.js";
import { rng } from "../bench/fixtures/rng.js";
import { bases, expectCancellingSums, ffjsMsm, hex, msm, sameScalars, scalars, size, type FfCurve, type ScalarKind } from "./helpers/msm.js";

const R = FR_MODULUS;
const range = (lo: number, hi: number): number[] => Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);

/** What the suite needs to know about a backend. */
interface Subject {
  name: string;
  start(): Promise<CheckedBackend>;
  /** A second backend of the same kind (foreign handles, closing). */
  another(main: CheckedBackend): Promise<CheckedBackend>;
  /** Window sizes (bits) a caller may force, per group (tested ones); empty: the backend picks. */
  windows: Record<Group, number[]>;
  /** The backend with window c forced. */
  withWindow(main: CheckedBackend, c: number): Promise<CheckedBackend>;
  /** Random MSMs against ffjavascript at window c (beside the closed forms). */
  windowCases(c: number): { g: Group; n: number; kind: ScalarKind }[];
  /** MSM sizes of the "every kind" test. */
  small: number[];
  /** log2 sizes: NTTs against the naive twin, against ffjavascript, round trips. */
  nttTwin: number[];
  nttFfjs: number[];
  nttRoundTrip: number[];
}

const subjects: Subject[] = [
  {
    name: "cpu",
    start: () => createCpuBackend({ threads: 2 }),
    another: () => createCpuBackend({ threads: 1 }),
    windows: { G1: range(CPU_MIN_WINDOW, CPU_MAX_WINDOW), G2: range(CPU_MIN_WINDOW, CPU_MAX_WINDOW) },
    withWindow: (_, c) => createCpuBackend({ threads: 2, windowBits: c }),
    // several worker ranges, tree and streaming accumulation; large windows on the closed forms only
    windowCases: (c) =>
      c <= 16
        ? [
            { g: "G1", n: 3001, kind: "mix" },
            { g: "G1", n: 601, kind: "full" },
            { g: "G2", n: 401, kind: "mix" },
          ]
        : [],
    small: [1, 2, 3, 6, 7, 13],
    nttTwin: [0, 1, 2, 3, 4, 6, 9],
    nttFfjs: [1, 2, 3, 6, 11, 14],
    nttRoundTrip: [0, 1, 4, 9, 13],
  },
  {
    name: "webgpu",
    start: async () => {
      const b = await createWebGpuBackend();
      await b.inner.warm(); // every kernel compiled once (minutes on llvmpipe, cached by Mesa afterwards)
      return b;
    },
    another: async (main) => (main as Awaited<ReturnType<typeof createWebGpuBackend>>).inner.variant({}),
    // G2 at three windows: llvmpipe is slow, and the G2 kernels do not depend on the window
    windows: { G1: range(GPU_MIN_WINDOW, GPU_MAX_WINDOW), G2: [3, 8, 16] },
    withWindow: async (main, c) => (main as Awaited<ReturnType<typeof createWebGpuBackend>>).inner.variant({ windowBits: c }),
    windowCases: (c) => [{ g: "G1", n: 40, kind: "mix" }, ...([3, 8, 16].includes(c) ? [{ g: "G2" as const, n: 20, kind: "mix" as const }] : [])],
    small: [1, 2, 7, 13],
    nttTwin: [0, 1, 2, 5, 8],
    nttFfjs: [1, 2, 5],
    nttRoundTrip: [0, 1, 2, 5, 8],
  },
  {
    name: "ffjs",
    start: () => createFfjsBackend(),
    another: () => createFfjsBackend(),
    windows: { G1: [], G2: [] },
    withWindow: async (main) => main,
    windowCases: () => [
      { g: "G1", n: 40, kind: "mix" },
      { g: "G2", n: 20, kind: "mix" },
    ],
    small: [1, 2, 3, 6, 7, 13],
    nttTwin: [0, 1, 2, 3, 4, 6, 9],
    nttFfjs: [1, 2, 3, 6],
    nttRoundTrip: [0, 1, 4, 9],
  },
];

let curve: FfCurve;
/** The G2 generator in the LEM layout (ffjavascript's). */
let g2Generator: Uint8Array;

beforeAll(async () => {
  curve = await buildBn128();
  g2Generator = new Uint8Array(128);
  curve.G2.toRprLEM(g2Generator, 0, curve.G2.toAffine(curve.G2.g));
});

afterAll(async () => {
  await curve?.terminate();
});

/** e·G in the LEM layout: G1 through core/bn254.ts's affine g1Mul, G2 through its HostG2. */
function multipleOfGenerator(g: Group, e: bigint): Uint8Array {
  if (g === "G1") {
    const out = new Uint8Array(G1_BYTES);
    writeG1(g1Mul(G1_GENERATOR, e), out);
    return out;
  }
  return HostG2.toLem(HostG2.mul(HostG2.readLem(g2Generator), e % R));
}

/**
 * An MSM whose answer is known without one: bases e_i·G (e_i = i, so base 0 is ∞; also ∞ at 7, a
 * duplicate at 3 and a negation at 5), scalars i·k (with 0 at 1, r − 1 at 6, the same scalar on
 * the duplicate and on the negation, so they meet in one bucket). The answer is (Σ s_i·e_i)·G;
 * for the plain part, Σ i·k·i·G = k·(Σ i²)·G.
 */
function closedForm(g: Group, n: number, k: bigint): { bases: Uint8Array; scalars: Uint8Array; want: Uint8Array } {
  const e = Array.from({ length: n }, (_, i) => BigInt(i));
  const s = e.map((i) => (i * k) % R);
  if (n > 7) {
    e[3] = e[2];
    s[3] = s[2];
    e[5] = R - e[4];
    s[5] = s[4];
    s[1] = 0n;
    s[6] = R - 1n;
    e[7] = 0n;
  }
  const b = new Uint8Array(n * size(g));
  const sc = new Uint8Array(n * 32);
  const C = hostCurve(g);
  const G = C.readLem(multipleOfGenerator(g, 1n));
  let total = 0n;
  for (let i = 0; i < n; i++) {
    b.set(C.toLem(C.mul(G, e[i])), i * size(g));
    writeScalar(sc, i, s[i]);
    total = (total + s[i] * e[i]) % R;
  }
  return { bases: b, scalars: sc, want: multipleOfGenerator(g, total) };
}

/** The error a promise rejects with (null when it resolves). */
async function failure(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => null,
    (e: unknown) => e,
  );
}

async function expectRefused(p: Promise<unknown>, re: RegExp): Promise<void> {
  const err = await failure(p);
  expect(err).toBeInstanceOf(BackendError);
  expect((err as BackendError).retryable).toBe(false);
  expect((err as Error).message).toMatch(re);
}

describe.each(subjects)("$name backend", (s) => {
  let be: CheckedBackend;
  beforeAll(async () => {
    be = await s.start();
  }, 900_000);
  afterAll(async () => {
    await be?.close();
  });

  describe("MSM", () => {
    test.each(["G1", "G2"] as const)(
      "%s: small inputs of every kind equal the naive twin and ffjavascript",
      async (g) => {
        const r = rng(g === "G1" ? 11 : 12);
        for (const n of s.small) {
          const b = await bases(curve, g, n, r);
          for (const kind of ["full", "mix", "zero", "one", "rminus1", "small"] as const) {
            const sc = sameScalars(scalars(n, kind, r));
            const got = hex(await msm(be, g, b, sc));
            expect({ n, kind, got }).toEqual({ n, kind, got: hex(referenceMsm(g, b, sc)) });
            expect({ n, kind, got }).toEqual({ n, kind, got: hex(await ffjsMsm(curve, g, b, sc)) });
          }
        }
        // webgpu: G2's first run may compile its kernels; on llvmpipe with a cold shader cache that
        // took 10 to 17 minutes on a busy 2-core machine. A generous deadline, not a measurement.
      },
      1_800_000,
    );

    test("closed forms: bases e_i·G, scalars i·k with zeros, r − 1, ∞, duplicates and negations", async () => {
      const r = rng(21);
      for (const g of ["G1", "G2"] as const) {
        for (const n of [1, 2, 9, 33]) {
          const { bases: b, scalars: sc, want } = closedForm(g, n, r.below(R));
          expect({ g, n, got: hex(await msm(be, g, b, sc)) }).toEqual({ g, n, got: hex(want) });
          // a prefix of the bases
          const k = Math.ceil(n / 2);
          expect({ g, n, k, got: hex(await msm(be, g, b, sc.subarray(0, k * 32))) }).toEqual({ g, n, k, got: hex(referenceMsm(g, b, sc.subarray(0, k * 32))) });
        }
      }
      // the plain form: Σ i·k·(i·G) = k·(Σ i²)·G
      const k = r.below(R);
      const { bases: b, scalars: sc } = closedForm("G1", 6, k);
      const want = new Uint8Array(G1_BYTES);
      writeG1(g1Mul(G1_GENERATOR, k * (0n + 1n + 4n + 9n + 16n + 25n)), want);
      expect(hex(await msm(be, "G1", b, sc))).toBe(hex(want));
    });

    test("every window size the backend accepts gives the known answer (closed forms and ffjavascript)", async () => {
      const r = rng(51);
      const windows = [...new Set([...s.windows.G1, ...s.windows.G2])].sort((a, b) => a - b);
      const forms = { G1: closedForm("G1", 20, r.below(R)), G2: closedForm("G2", 12, r.below(R)) };
      // random inputs against ffjavascript, computed once per shape
      const shapes = new Map<string, { b: Uint8Array; sc: Uint8Array; want: string }>();
      const shape = async (g: Group, n: number, kind: ScalarKind) => {
        const key = `${g}:${n}:${kind}`;
        if (!shapes.has(key)) {
          const q = rng(52 + shapes.size);
          const b = await bases(curve, g, n, q);
          const sc = sameScalars(scalars(n, kind, q));
          shapes.set(key, { b, sc, want: hex(await ffjsMsm(curve, g, b, sc)) });
        }
        return shapes.get(key)!;
      };
      for (const c of windows.length > 0 ? windows : [undefined]) {
        const w = c === undefined ? be : await s.withWindow(be, c);
        try {
          for (const g of ["G1", "G2"] as const) {
            if (c !== undefined && !s.windows[g].includes(c)) continue;
            const f = forms[g];
            expect({ c, g, got: hex(await msm(w, g, f.bases, f.scalars)) }).toEqual({ c, g, got: hex(f.want) });
          }
          for (const { g, n, kind } of s.windowCases(c ?? 0)) {
            const { b, sc, want } = await shape(g, n, kind);
            expect({ c, g, n, kind, got: hex(await msm(w, g, b, sc)) }).toEqual({ c, g, n, kind, got: want });
          }
        } finally {
          if (w !== be) await w.close();
        }
      }
    });

    test("P + (−P) in one bucket, P + P in one bucket, and sums that cancel to infinity", async () => {
      await expectCancellingSums(be, curve, rng(31));
    });

    test("empty input is infinity; all-zero scalars and all-infinity bases are infinity", async () => {
      for (const g of ["G1", "G2"] as const) {
        const b = await bases(curve, g, 8, rng(41));
        const h = await be.loadBases(g, b);
        expect(h.length).toBe(8);
        expect(h.group).toBe(g);
        expect(hex(await be.msm(h, new Uint8Array(0)))).toBe(hex(new Uint8Array(size(g))));
        expect(hex(await be.msm(h, new Uint8Array(8 * 32)))).toBe(hex(new Uint8Array(size(g))));
        await h.release();
        const inf = await be.loadBases(g, new Uint8Array(5 * size(g)));
        expect(hex(await be.msm(inf, scalars(5, "full", rng(42))))).toBe(hex(new Uint8Array(size(g))));
        await inf.release();
        const none = await be.loadBases(g, new Uint8Array(0));
        expect(none.length).toBe(0);
        expect(hex(await be.msm(none, new Uint8Array(0)))).toBe(hex(new Uint8Array(size(g))));
        await none.release();
      }
    });
  });

  describe("NTT", () => {
    const json = (o: object) => JSON.stringify(o, (_, x) => (typeof x === "bigint" ? x.toString() : x));

    test("forward, inverse and coset transforms equal the naive twin", async () => {
      const r = rng(121);
      for (const logn of s.nttTwin) {
        const n = 1 << logn;
        const v = new Uint8Array(n * 32);
        for (let i = 0; i < n; i++) writeScalar(v, i, i % 7 === 3 ? R - 1n : i % 7 === 5 ? 0n : r.below(R));
        const shift = frRootOfUnity(logn + 1);
        const random = r.below(R - 1n) + 1n;
        for (const o of [{}, { inverse: true }, { coset: shift }, { inverse: true, coset: shift }, { coset: 7n }, { coset: random }, { inverse: true, coset: random }, { coset: 1n }]) {
          expect({ logn, o: json(o), got: hex(await be.ntt(v, o)) }).toEqual({ logn, o: json(o), got: hex(referenceNtt(v, o)) });
        }
      }
      // edge values
      const e = new Uint8Array(4 * 32);
      writeScalar(e, 0, R - 1n);
      writeScalar(e, 1, 1n);
      writeScalar(e, 3, R - 2n);
      expect(hex(await be.ntt(e, { coset: 7n }))).toBe(hex(referenceNtt(e, { coset: 7n })));
      expect(hex(await be.ntt(e, { coset: R - 1n }))).toBe(hex(referenceNtt(e, { coset: R - 1n })));
    });

    test("forward and inverse equal ffjavascript's Fr.fft / Fr.ifft", async () => {
      /** ffjavascript's Fr.fft / Fr.ifft on the standard-form bytes (converted to its Montgomery form and back). */
      const ffjsNtt = async (values: Uint8Array, inverse: boolean): Promise<Uint8Array> => {
        const Fr = curve.Fr;
        const m = await Fr.batchToMontgomery(values);
        const t = inverse ? await Fr.ifft(m) : await Fr.fft(m);
        return new Uint8Array(await Fr.batchFromMontgomery(t));
      };
      const r = rng(71);
      for (const logn of s.nttFfjs) {
        const v = scalars(2 ** logn, "full", r);
        expect([logn, hex(await be.ntt(v))]).toEqual([logn, hex(await ffjsNtt(v, false))]);
        expect([logn, hex(await be.ntt(v, { inverse: true }))]).toEqual([logn, hex(await ffjsNtt(v, true))]);
      }
    });

    test("round trips, plain and on cosets (the prover's ω_2n and a random shift)", async () => {
      const r = rng(72);
      for (const logn of s.nttRoundTrip) {
        const v = scalars(2 ** logn, "full", r);
        expect([logn, hex(await be.ntt(await be.ntt(v), { inverse: true }))]).toEqual([logn, hex(v)]);
        for (const shift of [frRootOfUnity(logn + 1), r.below(R - 1n) + 1n]) {
          const e = await be.ntt(v, { coset: shift });
          expect([logn, hex(await be.ntt(e, { inverse: true, coset: shift }))]).toEqual([logn, hex(v)]);
        }
      }
    });
  });

  describe("refusals: the same BackendError from every backend", () => {
    test("bad lengths, a wrong group, scalars ≥ r, more scalars than bases, released bases", async () => {
      const b = await bases(curve, "G1", 4, rng(81), false);
      await expectRefused(be.loadBases("G1", b.subarray(0, 100)), /: G1 points: a multiple of 64 bytes expected, got 100$/);
      await expectRefused(be.loadBases("G1", new Uint8Array(65)), /a multiple of 64 bytes expected/);
      await expectRefused(be.loadBases("G2", b.subarray(0, 64)), /: G2 points: a multiple of 128 bytes expected, got 64$/);
      await expectRefused(be.loadBases("G3" as Group, b), /: group: G1 or G2 expected, got G3$/);
      const h = await be.loadBases("G1", b);
      await expectRefused(be.msm(h, new Uint8Array(33)), /: scalars: a multiple of 32 bytes expected, got 33$/);
      await expectRefused(be.msm(h, new Uint8Array(5 * 32)), /: scalars: at most 4 expected, got 5$/);
      const sc = new Uint8Array(2 * 32);
      writeScalar(sc, 1, R);
      await expectRefused(be.msm(h, sc), /: scalars\[1\]: a value below r expected/);
      sc.fill(0xff, 32, 64);
      await expectRefused(be.msm(h, sc), /: scalars\[1\]: a value below r expected/);
      const big = new Uint8Array(4 * 32);
      writeScalar(big, 2, R);
      await expectRefused(be.msm(h, big), /scalars\[2\]: a value below r expected/);
      await h.release();
      await h.release(); // twice is harmless
      await expectRefused(be.msm(h, new Uint8Array(32)), /: msm: these bases were released$/);
    });

    test("bad NTT input: not a power of two, empty, not whole scalars, a value ≥ r", async () => {
      await expectRefused(be.ntt(new Uint8Array(3 * 32)), /: ntt: a power-of-two length expected, got 3$/);
      await expectRefused(be.ntt(new Uint8Array(0)), /: ntt: a power-of-two length expected, got 0$/);
      await expectRefused(be.ntt(new Uint8Array(31)), /: ntt values: a multiple of 32 bytes expected, got 31$/);
      const v = new Uint8Array(4 * 32);
      writeScalar(v, 2, R);
      await expectRefused(be.ntt(v), /: ntt values\[2\]: a value below r expected/);
      const w = new Uint8Array(4 * 32);
      writeScalar(w, 1, R + 5n);
      await expectRefused(be.ntt(w), /: ntt values\[1\]: a value below r expected/);
    });

    test("a coset shift of 0 or ≥ r is refused, never reduced", async () => {
      const v = scalars(4, "full", rng(84));
      for (const shift of [0n, R, R + 1n, R + 7n, 2n * R, -1n, 5 as unknown as bigint]) {
        for (const inverse of [false, true]) {
          const err = await failure(be.ntt(v, { coset: shift, inverse }));
          expect(err).toBeInstanceOf(BackendError);
          expect((err as BackendError).retryable).toBe(false);
          expect((err as Error).message).toBe(`${be.name}: ntt coset: a scalar in [1, r) expected, got ${String(shift)}`);
        }
      }
    });

    test("bases of another backend; a closed backend", async () => {
      const other = await s.another(be);
      const b = await bases(curve, "G1", 2, rng(82), false);
      const h = await other.loadBases("G1", b);
      await expectRefused(be.msm(h, new Uint8Array(32)), /: msm: these bases were not loaded by this backend$/);
      const fake = { group: "G1" as const, length: 2, release: async () => {} };
      await expectRefused(be.msm(fake, new Uint8Array(32)), /not loaded by this backend/);
      await other.close();
      await other.close(); // twice is harmless
      await expectRefused(other.msm(h, new Uint8Array(32)), /: the backend is closed$/);
      await expectRefused(other.ntt(new Uint8Array(32)), /: the backend is closed$/);
      await expectRefused(other.loadBases("G1", b), /: the backend is closed$/);
      // the first backend is unaffected
      expect(hex(await msm(be, "G1", b, scalars(2, "one", rng(83))))).toBe(hex(referenceMsm("G1", b, scalars(2, "one", rng(83)))));
    });
  });
});
