/**
 * The `webgpu` backend on a real WebGPU implementation: Dawn through npm `webgpu`, on whatever
 * adapter the machine has (in CI, Mesa's llvmpipe through Dawn's OpenGL ES backend). Nothing here
 * is skipped: a machine without an adapter fails these tests.
 *
 * References are independent of our kernels: field ops against bigint, curve ops and MSMs against
 * ffjavascript (snarkjs's engine), NTTs against the naive O(n²) twin and the cpu backend. Inputs
 * include zeros, ones, r − 1, points at infinity, equal and opposite points in one bucket, every
 * window size shipped, prefixes and MSMs split into several passes. Fixed seeds.
 */
import { buildBn128 } from "ffjavascript";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { releaseSnarkjs } from "../circuits/witness.js";
import { prove } from "../prover/index.js";
import { BackendError, FR_MODULUS, writeScalar, type Group } from "../prover/backend.js";
import { P, R, frRootOfUnity, fromMontP, fromMontR, toMontP, toMontR } from "../core/bn254.js";
import { bigintToLe, leToBigint } from "../core/bytes.js";
import { referenceMsm, referenceNtt } from "../prover/cpu/reference.js";
import { createCpuBackend } from "../prover/cpu/index.js";
import type { ProverBackend } from "../prover/backend.js";
import { Gpu } from "../prover/webgpu/device.js";
import { HostG1, HostG2, type HostCurve } from "../prover/webgpu/host.js";
import { createWebGpuBackend, MAX_WINDOW, MIN_WINDOW, type WebGpuBackend } from "../prover/webgpu/index.js";
import { G1, G2, curveProbeKernel, fieldProbeKernel } from "../prover/webgpu/wgsl/kernels.js";
import { bases, expectCancellingSums, ffjsMsm, hex, msm, sameScalars, scalars, size, type FfCurve } from "./helpers/msm.js";
import { rng } from "../bench/fixtures/rng.js";
import { toyGroth16 } from "./helpers/circuit.js";

let curve: FfCurve;
let gpu: WebGpuBackend;
let cpu: ProverBackend;

beforeAll(async () => {
  curve = await buildBn128();
  gpu = await createWebGpuBackend();
  cpu = await createCpuBackend({ threads: 1 });
  await gpu.warm(); // every kernel compiled once (minutes on llvmpipe, cached by Mesa afterwards)
}, 900_000);

afterAll(async () => {
  await gpu?.close();
  await cpu?.close();
  await curve?.terminate();
});

describe("WGSL layers against bigint and ffjavascript", () => {
  let dev: Gpu;
  beforeAll(async () => {
    dev = (await Gpu.open())!;
  });
  afterAll(() => dev?.close());

  /** Runs a probe kernel over `input` words and returns the output bytes. */
  async function probe(key: string, code: string, input: Uint8Array, n: number, outBytes: number): Promise<Uint8Array> {
    const pipe = await dev.pipeline(key, code);
    const inp = dev.upload(input, "in");
    const out = dev.buffer(outBytes, "out");
    const prm = dev.uniforms([n]);
    await dev.run(key, (enc) => {
      const pass = enc.beginComputePass();
      dev.dispatch(pass, pipe, [inp, out, prm], n);
      pass.end();
    });
    const bytes = await dev.read(out);
    for (const b of [inp, out, prm]) b.destroy();
    return bytes;
  }

  test.each([
    ["fq", P, toMontP, fromMontP],
    ["fr", R, toMontR, fromMontR],
  ] as const)("%s: Montgomery mul, add, sub, square equal bigint (edges and random)", async (field, M, toM, fromM) => {
    const r = rng(field === "fq" ? 101 : 102);
    const edges = [0n, 1n, 2n, M - 1n, M - 2n, (M - 1n) / 2n, (M + 1n) / 2n, 1n << 128n, (1n << 253n) % M, M >> 1n];
    const vals: bigint[] = [];
    for (const a of edges) for (const b of edges) vals.push(a, b);
    for (let i = 0; i < 200; i++) vals.push(r.below(M), r.below(M));
    const n = vals.length / 2;
    const input = new Uint8Array(vals.length * 32);
    vals.forEach((v, i) => bigintToLe(toM(v), input, i * 32));
    const out = await probe(`probe-${field}`, fieldProbeKernel(field), input, n, 4 * n * 32);
    for (let i = 0; i < n; i++) {
      const [a, b] = [vals[2 * i], vals[2 * i + 1]];
      const want = [(a * b) % M, (a + b) % M, (((a - b) % M) + M) % M, (a * a) % M];
      const got = [0, 1, 2, 3].map((k) => fromM(leToBigint(out, (4 * i + k) * 32)));
      expect({ i, got }).toEqual({ i, got: want });
      // outputs are fully reduced Montgomery representatives
      for (let k = 0; k < 4; k++) expect(leToBigint(out, (4 * i + k) * 32) < M).toBe(true);
    }
  });

  // G1 only: llvmpipe needs minutes to JIT a G2 probe, and the G2 MSM tests below reach every G2
  // formula anyway (mixed and full additions, doublings through equal points, small multiples).
  test.each(["G1"] as const)("%s: XYZZ add, mixed add, double and small multiples equal ffjavascript", async (g) => {
    const host = (g === "G1" ? HostG1 : HostG2) as HostCurve<unknown>;
    const G = g === "G1" ? curve.G1 : curve.G2;
    const pts = await bases(curve, g, 12, rng(g === "G1" ? 103 : 104)); // P1 = ∞, P3 = P2, P5 = −P4
    // pairs (P_i, P_{i+1}) cover ∞ + P, P + P, P + (−P), and plain sums
    const pairs = new Uint8Array(11 * 2 * size(g));
    for (let i = 0; i < 11; i++) pairs.set(pts.subarray(i * size(g), (i + 2) * size(g)), 2 * i * size(g));
    const out = await probe(`probe-${g}`, curveProbeKernel(g === "G1" ? G1 : G2), pairs, 11, 11 * 4 * 2 * size(g));
    const lem = (p: unknown) => {
      const b = new Uint8Array(size(g));
      if (!G.isZero(p)) G.toRprLEM(b, 0, G.toAffine(p));
      return hex(b);
    };
    for (let i = 0; i < 11; i++) {
      const a = G.fromRprLEM(pairs, 2 * i * size(g));
      const b = G.fromRprLEM(pairs, (2 * i + 1) * size(g));
      const sum = G.add(a, b);
      const want = [sum, G.double(sum), G.add(G.double(a), b), G.timesScalar(a, 5)].map(lem);
      const got = [0, 1, 2, 3].map((k) => hex(host.toAffineBytes(host.readXyzz(out, 4 * i + k))));
      expect({ i, got }).toEqual({ i, got: want });
    }
  });
});

describe("webgpu MSM", () => {
  test.each(["G1", "G2"] as const)("%s: small inputs of every kind equal ffjavascript and the naive twin", async (g) => {
    const r = rng(g === "G1" ? 111 : 112);
    for (const n of [1, 2, 7, 13]) {
      const b = await bases(curve, g, n, r);
      for (const kind of ["full", "mix", "zero", "one", "rminus1", "small"] as const) {
        const sc = sameScalars(scalars(n, kind, r));
        const got = await msm(gpu, g, b, sc);
        expect({ n, kind, got: hex(got) }).toEqual({ n, kind, got: hex(await ffjsMsm(curve, g, b, sc)) });
        if (n <= 7) expect(hex(got)).toBe(hex(referenceMsm(g, b, sc)));
      }
    }
    // G2's first run compiles its kernels: on llvmpipe with a cold shader cache that took 10 to 17
    // minutes on a busy 2-core machine (the other jest worker running the proofs). A generous
    // deadline, not a measurement.
  }, 1_800_000);

  test(`G1: every window size ${MIN_WINDOW}..${MAX_WINDOW} gives ffjavascript's result`, async () => {
    const r = rng(113);
    const b = await bases(curve, "G1", 40, r);
    const sc = sameScalars(scalars(40, "mix", r));
    const want = hex(await ffjsMsm(curve, "G1", b, sc));
    for (let c = MIN_WINDOW; c <= MAX_WINDOW; c++) {
      const be = gpu.variant({ windowBits: c });
      expect({ c, got: hex(await msm(be, "G1", b, sc)) }).toEqual({ c, got: want });
    }
  }, 600_000);

  test("G2: windows 3, 8 and 16 give ffjavascript's result", async () => {
    const r = rng(114);
    const b = await bases(curve, "G2", 20, r);
    const sc = sameScalars(scalars(20, "mix", r));
    const want = hex(await ffjsMsm(curve, "G2", b, sc));
    for (const c of [3, 8, 16]) {
      const be = gpu.variant({ windowBits: c });
      expect({ c, got: hex(await msm(be, "G2", b, sc)) }).toEqual({ c, got: want });
    }
  }, 600_000);

  test("sums that cancel: P + (−P), s·P + (r − s)·P, and duplicated bases", async () => {
    await expectCancellingSums(gpu, curve, rng(115));
  }, 600_000);

  test("a larger G1 MSM, its prefixes, and the same MSM split into several passes", async () => {
    const r = rng(116);
    const n = 700;
    const b = await bases(curve, "G1", n, r);
    const sc = sameScalars(scalars(n, "mix", r));
    const want = hex(await ffjsMsm(curve, "G1", b, sc));
    const h = await gpu.loadBases("G1", b);
    expect(hex(await gpu.msm(h, sc))).toBe(want);
    expect(hex(await gpu.msm(h, sc))).toBe(hex(await cpu.msm(await cpu.loadBases("G1", b), sc)));
    const k = 257;
    expect(hex(await gpu.msm(h, sc.subarray(0, k * 32)))).toBe(hex(await ffjsMsm(curve, "G1", b, sc.subarray(0, k * 32))));
    await h.release();
    const split = gpu.variant({ maxPassPoints: 128 });
    expect(hex(await msm(split, "G1", b, sc))).toBe(want);
  }, 600_000);

  test("one bucket holding most entries (circom's heap of 1s) is summed through every level of the head reduction", async () => {
    // About 138,000 entries in one bucket fill some 4,300 chunks: more than 64 blocks of 64 head
    // slots, so the bucket's partial sums cross two levels, and a whole block of the second level
    // is that one bucket.
    const r = rng(117);
    const n = 140_000;
    const distinct = await bases(curve, "G1", 1000, r);
    const b = new Uint8Array(n * size("G1"));
    for (let i = 0; i < n; i++) b.set(distinct.subarray((i % 1000) * size("G1"), (i % 1000 + 1) * size("G1")), i * size("G1"));
    const sc = scalars(n, "one", r);
    const full = scalars(n, "full", r);
    const neg = scalars(1, "rminus1", r);
    for (let i = 0; i < n; i += 97) sc.set(full.subarray(i * 32, i * 32 + 32), i * 32);
    for (let i = 5; i < n; i += 1001) sc.set(neg, i * 32);
    const want = hex(await ffjsMsm(curve, "G1", b, sc));
    for (const c of [8, 16]) expect({ c, got: hex(await msm(gpu.variant({ windowBits: c }), "G1", b, sc)) }).toEqual({ c, got: want });
  }, 600_000);

  test("bad input is refused with a BackendError and nothing runs", async () => {
    const b = await bases(curve, "G1", 4, rng(117), false);
    const h = await gpu.loadBases("G1", b);
    const big = new Uint8Array(4 * 32);
    writeScalar(big, 2, FR_MODULUS);
    await expect(gpu.msm(h, big)).rejects.toThrow(/scalars\[2\]: a value below r expected/);
    await expect(gpu.msm(h, new Uint8Array(5 * 32))).rejects.toThrow(/at most 4 expected, got 5/);
    await expect(gpu.msm(h, new Uint8Array(33))).rejects.toThrow(BackendError);
    await expect(gpu.loadBases("G1", new Uint8Array(65))).rejects.toThrow(/a multiple of 64 bytes expected/);
    expect(hex(await gpu.msm(h, new Uint8Array(0)))).toBe(hex(new Uint8Array(64)));
    await h.release();
    await expect(gpu.msm(h, new Uint8Array(32))).rejects.toThrow(/released/);
    const foreign = await cpu.loadBases("G1", b);
    await expect(gpu.msm(foreign, new Uint8Array(32))).rejects.toThrow(/not loaded by this backend/);
  });
});

describe("webgpu NTT", () => {
  test("forward, inverse and coset transforms equal the naive twin and the cpu backend; round trips", async () => {
    const r = rng(121);
    for (const logn of [0, 1, 2, 5, 8]) {
      const n = 1 << logn;
      const v = new Uint8Array(n * 32);
      for (let i = 0; i < n; i++) writeScalar(v, i, i % 7 === 3 ? R - 1n : i % 7 === 5 ? 0n : r.below(R));
      const shift = frRootOfUnity(logn + 1);
      for (const o of [{}, { inverse: true }, { coset: shift }, { inverse: true, coset: shift }, { coset: 7n }]) {
        const got = await gpu.ntt(v, o);
        expect({ logn, o: JSON.stringify(o, (_, x) => (typeof x === "bigint" ? x.toString() : x)), got: hex(got) }).toEqual({
          logn,
          o: JSON.stringify(o, (_, x) => (typeof x === "bigint" ? x.toString() : x)),
          got: hex(n <= 64 ? referenceNtt(v, o) : await cpu.ntt(v, o)),
        });
      }
      expect(hex(await gpu.ntt(await gpu.ntt(v, { coset: shift }), { inverse: true, coset: shift }))).toBe(hex(v));
      expect(hex(await gpu.ntt(await gpu.ntt(v), { inverse: true }))).toBe(hex(v));
    }
  }, 600_000);

  test("a non-power-of-two length or a value ≥ r is refused", async () => {
    await expect(gpu.ntt(new Uint8Array(3 * 32))).rejects.toThrow(/power-of-two length expected, got 3/);
    const v = new Uint8Array(4 * 32);
    writeScalar(v, 1, FR_MODULUS + 5n);
    await expect(gpu.ntt(v)).rejects.toThrow(BackendError);
  });
});

describe("debug self-check", () => {
  test("every MSM and NTT stage matches its CPU twin on correct kernels", async () => {
    const dbg = gpu.variant({ debug: true, windowBits: 5 });
    const r = rng(131);
    for (const g of ["G1", "G2"] as Group[]) {
      const b = await bases(curve, g, 9, r);
      const sc = sameScalars(scalars(9, "mix", r));
      expect(hex(await msm(dbg, g, b, sc))).toBe(hex(await ffjsMsm(curve, g, b, sc)));
    }
    const v = new Uint8Array(16 * 32);
    for (let i = 0; i < 16; i++) writeScalar(v, i, r.below(R));
    expect(hex(await dbg.ntt(v, { inverse: true, coset: 5n }))).toBe(hex(referenceNtt(v, { inverse: true, coset: 5n })));
  }, 600_000);

  test("a GPU copy that differs from the input is caught at the first stage that reads it", async () => {
    const dbg = gpu.variant({ debug: true, windowBits: 4 });
    const r = rng(132);
    const b = await bases(curve, "G1", 8, r, false);
    const h = await dbg.loadBases("G1", b);
    // corrupt point 3 on the GPU only: swap in point 4
    (dbg as unknown as { gpu: Gpu }).gpu.write((h as unknown as { pieces: { buffer: GPUBuffer }[] }).pieces[0].buffer, b.subarray(4 * 64, 5 * 64), 3 * 64);
    const sc = scalars(8, "full", r);
    await expect(dbg.msm(h, sc)).rejects.toThrow(/debug self-check: stage buckets differs from its CPU twin/);
    await h.release();
  }, 600_000);
});

describe("a full Groth16 proof on the webgpu backend", () => {
  test("verifies with snarkjs; a tampered proof does not", async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "zkr-webgpu-proof-"));
    try {
      const { wasm, zkey, vkey } = await toyGroth16(tmp);
      const snarkjs = await import("snarkjs");
      for (const input of [{ a: 3, b: 5, pub: 7 }, { a: (R - 1n).toString(), b: 2, pub: 1 }]) {
        const { proof, publicSignals } = await prove({ zkey, wasm, input, backend: gpu });
        expect(await snarkjs.groth16.verify(vkey, publicSignals, proof)).toBe(true);
        const tampered = structuredClone(proof);
        tampered.pi_c[1] = ((BigInt(tampered.pi_c[1]) + 1n) % P).toString();
        expect(await snarkjs.groth16.verify(vkey, publicSignals, tampered)).toBe(false);
      }
    } finally {
      await releaseSnarkjs();
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }, 600_000);
});
