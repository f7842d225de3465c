/**
 * What is the `webgpu` backend's own, on a real WebGPU implementation: Dawn through npm `webgpu`,
 * on the adapter prover/webgpu/dawn.ts's order gives: a GPU on Vulkan, or without one (CI) Mesa's
 * llvmpipe through OpenGL ES (20–47× faster than SwiftShader, and compiled once per machine).
 * `ZKR_WEBGPU_BACKEND=vulkan` runs the file on SwiftShader, the Vulkan path real GPUs take (about
 * 5 minutes alone; the suite runs the kernels there in test/prover.webgpu-adapters.test.ts and a
 * full proof in the browser, test/web.prove.test.ts). The first test says which adapter it
 * is, and fails when it is not the one expected (dawn.ts's order, or ZKR_WEBGPU_BACKEND's backend
 * when that is set). Nothing here is skipped: a machine without an adapter fails these tests.
 *
 * The WGSL layers against bigint and ffjavascript (probe kernels), MSMs split into several passes,
 * a bucket that crosses every level of the head reduction, the debug self-check, a full proof.
 * What every backend must do (closed forms, every window size, inputs that break Pippenger, NTTs
 * against the naive twin, the interface's refusals) is test/prover.conformance.test.ts. Fixed seeds.
 */
import { buildBn128 } from "ffjavascript";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { releaseSnarkjs } from "../circuits/witness.js";
import { prove } from "../prover/index.js";
import { writeScalar, type Group } from "../prover/backend.js";
import type { CheckedBackend } from "../prover/checked.js";
import { HostG1, HostG2, P, R, fromMontP, fromMontR, toMontP, toMontR, type HostCurve } from "../core/bn254.js";
import { bigintToLe, leToBigint } from "../core/bytes.js";
import { referenceNtt } from "../prover/reference.js";
import { createCpuBackend } from "../prover/cpu/index.js";
import type { ProverBackend } from "../prover/backend.js";
import { openDawn } from "../prover/webgpu/dawn.js";
import type { Gpu } from "../prover/webgpu/device.js";
import { readXyzz } from "../prover/webgpu/host.js";
import { createWebGpuBackend, type WebGpuBackend } from "../prover/webgpu/index.js";
import { G1, G2 } from "../prover/webgpu/wgsl/curve.js";
import { curveProbeKernel, fieldProbeKernel } from "../prover/webgpu/wgsl/probes.js";
import { bases, ffjsMsm, hex, msm, sameScalars, scalars, size, type FfCurve } from "./helpers/msm.js";
import { rng } from "../bench/fixtures/rng.js";
import { toyGroth16 } from "./helpers/circuit.js";

let curve: FfCurve;
let gpu: CheckedBackend<WebGpuBackend>;
let cpu: ProverBackend;

beforeAll(async () => {
  curve = await buildBn128();
  gpu = await createWebGpuBackend();
  cpu = await createCpuBackend({ threads: 1 });
  // every kernel compiled once: minutes on SwiftShader, which keeps no cache between processes
  // (minutes on llvmpipe too, the first time: Mesa caches them on disk)
  await gpu.inner.warm();
}, 900_000);

afterAll(async () => {
  await gpu?.close();
  await cpu?.close();
  await curve?.terminate();
});

test("runs on the adapter expected: a GPU, else llvmpipe; or the backend ZKR_WEBGPU_BACKEND names", () => {
  const a = gpu.inner.adapter;
  console.info(`webgpu tests on ${a.name} (Dawn's ${a.backend} backend${a.software ? ", software" : ""})`);
  const forced = process.env.ZKR_WEBGPU_BACKEND;
  if (forced) expect(a.backend).toBe(forced);
  if (forced === "vulkan" && a.software) expect(a.name).toMatch(/SwiftShader/);
  // without a GPU and unforced: llvmpipe through OpenGL ES (dawn.ts's order), never SwiftShader
  if (!forced && a.software) expect({ backend: a.backend, name: a.name }).toEqual({ backend: "opengles", name: expect.stringMatching(/llvmpipe/) });
});

describe("WGSL layers against bigint and ffjavascript", () => {
  let dev: Gpu;
  beforeAll(async () => {
    dev = (await openDawn())!;
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
      const got = [0, 1, 2, 3].map((k) => hex(host.toLem(readXyzz(host, out, 4 * i + k))));
      expect({ i, got }).toEqual({ i, got: want });
    }
  });
});

describe("webgpu MSM", () => {
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
    const split = gpu.inner.variant({ maxPassPoints: 128 });
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
    for (const c of [8, 16]) expect({ c, got: hex(await msm(gpu.inner.variant({ windowBits: c }), "G1", b, sc)) }).toEqual({ c, got: want });
  }, 600_000);
});

describe("WebGPU's core default limits (128 MiB per binding, 256 MiB per buffer)", () => {
  test("a G1 MSM whose bases span two 128 MiB bindings equals ffjavascript's", async () => {
    // 2^21 G1 points fill one 128 MiB binding exactly; 4,096 more start a second one. The bases repeat
    // 1,024 distinct points, so the reference is ffjavascript's MSM of the 1,024 points with the
    // scalars summed per point. The scalars are zero except around the seam between the bindings,
    // in all of the second and here and there in the first (the kernels still sort every digit).
    const small = await createWebGpuBackend({ open: () => openDawn({ defaultLimits: true }) });
    try {
      expect(small.inner.limits).toMatchObject({ maxStorageBufferBindingSize: 128 * 2 ** 20, maxBufferSize: 256 * 2 ** 20 });
      const r = rng(118);
      const distinct = 1024;
      const seam = 1 << 21;
      const n = seam + 4096;
      const d = await bases(curve, "G1", distinct, r);
      const b = new Uint8Array(n * size("G1"));
      for (let i = 0; i < n; i += distinct) b.set(d.subarray(0, Math.min(distinct, n - i) * size("G1")), i * size("G1"));
      const sc = new Uint8Array(n * 32);
      const sums = new Array<bigint>(distinct).fill(0n);
      const put = (i: number, v: bigint) => {
        writeScalar(sc, i, v);
        sums[i % distinct] = (sums[i % distinct] + v) % R;
      };
      for (let i = seam - 2048; i < n; i++) put(i, r.below(R));
      for (let i = 7; i < seam - 2048; i += 4099) put(i, r.below(R));
      const want = new Uint8Array(distinct * 32);
      sums.forEach((v, i) => writeScalar(want, i, v));
      const h = await small.loadBases("G1", b);
      try {
        const pieces = (h as unknown as { inner: { pieces: { start: number; count: number }[] } }).inner.pieces;
        expect(pieces.map((p) => [p.start, p.count])).toEqual([[0, seam], [seam, 4096]]);
        expect(hex(await small.msm(h, sc))).toBe(hex(await ffjsMsm(curve, "G1", d, want)));
      } finally {
        await h.release();
      }
    } finally {
      await small.close();
    }
  }, 600_000);
});

describe("debug self-check", () => {
  test("every MSM and NTT stage matches its CPU twin on correct kernels", async () => {
    const dbg = gpu.inner.variant({ debug: true, windowBits: 5 });
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
    const dbg = gpu.inner.variant({ debug: true, windowBits: 4 });
    const r = rng(132);
    const b = await bases(curve, "G1", 8, r, false);
    const h = await dbg.loadBases("G1", b);
    // corrupt point 3 on the GPU only: swap in point 4
    (dbg.inner as unknown as { gpu: Gpu }).gpu.write((h as unknown as { inner: { pieces: { buffer: GPUBuffer }[] } }).inner.pieces[0].buffer, b.subarray(4 * 64, 5 * 64), 3 * 64);
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
