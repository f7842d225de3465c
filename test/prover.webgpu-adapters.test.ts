/**
 * Which adapter Dawn gives the `webgpu` backend (prover/webgpu/dawn.ts: hardware Vulkan, then
 * OpenGL ES, then SwiftShader Vulkan), and the kernels on each of Dawn's two backends by name: the
 * backend's own test file (test/prover.webgpu.test.ts) runs on the default order (llvmpipe without
 * a GPU), and a full proof on Vulkan is the browser test's (test/web.prove.test.ts: chromium's
 * WebGPU on SwiftShader). The whole kernel file on SwiftShader costs some 10 CPU-minutes (663 s in
 * a full suite on 2 cores): `ZKR_WEBGPU_BACKEND=vulkan npm run jest -- test/prover.webgpu.test.ts`.
 *
 * Nothing here is skipped. On a machine without a GPU the adapter tests check that software
 * adapters were seen and refused; on one with a GPU, that the adapter taken is not software.
 *
 * Each backend's block forces `ZKR_WEBGPU_BACKEND` (read by dawn.ts in JS, so this test file's
 * process.env reaches it) and runs one small G1 MSM and two NTTs against ffjavascript and the
 * reference NTT: only those kernels are compiled (not G2's, which take llvmpipe minutes).
 * Kept because it is cheap: 47 s for this file with Mesa's shader cache disabled
 * (MESA_SHADER_CACHE_DISABLE=true, as on a fresh CI machine; almost all of it llvmpipe compiling the
 * G1 MSM kernels), 52 s while another job used about one core, 3 s with the cache warm, on the
 * 2-core development machine. Running all of test/prover.webgpu.test.ts on OpenGL ES as well would
 * add some 9 minutes cold (the G2 kernels alone take llvmpipe about 5: bench/README.md).
 */
import { buildBn128 } from "ffjavascript";
import { writeScalar } from "../prover/backend.js";
import type { CheckedBackend } from "../prover/checked.js";
import { R } from "../core/bn254.js";
import { referenceNtt } from "../prover/reference.js";
import { openDawn, swiftShaderIcd } from "../prover/webgpu/dawn.js";
import { createWebGpuBackend, type WebGpuBackend } from "../prover/webgpu/index.js";
import { bases, ffjsMsm, hex, msm, sameScalars, scalars, type FfCurve } from "./helpers/msm.js";
import { rng } from "../bench/fixtures/rng.js";

const SOFTWARE = /swiftshader|llvmpipe|lavapipe|softpipe/i;

/** Runs `work` with ZKR_WEBGPU_BACKEND set to `value` (or unset), then puts it back. */
async function withBackendEnv<T>(value: string | undefined, work: () => Promise<T>): Promise<T> {
  const before = process.env.ZKR_WEBGPU_BACKEND;
  if (value === undefined) delete process.env.ZKR_WEBGPU_BACKEND;
  else process.env.ZKR_WEBGPU_BACKEND = value;
  try {
    return await work();
  } finally {
    if (before === undefined) delete process.env.ZKR_WEBGPU_BACKEND;
    else process.env.ZKR_WEBGPU_BACKEND = before;
  }
}

describe("openDawn's order: hardware Vulkan, then OpenGL ES, then SwiftShader Vulkan", () => {
  test("onlyHardware (what --backend auto uses) never takes SwiftShader or llvmpipe", async () => {
    const lines: string[] = [];
    const gpu = await withBackendEnv(undefined, () => openDawn({ onlyHardware: true, log: (l) => lines.push(l) }));
    try {
      if (gpu) {
        // a machine with a GPU: whatever it got is hardware
        expect({ adapter: gpu.adapter.name, software: gpu.adapter.software }).toEqual({ adapter: gpu.adapter.name, software: false });
        expect(gpu.adapter.name).not.toMatch(SOFTWARE);
      } else {
        // no GPU: the software adapters were offered and refused, each named in the log
        const skipped = lines.filter((l) => /skipping the software adapter/.test(l));
        expect(skipped).toContainEqual(expect.stringMatching(/OpenGL ES: .*llvmpipe/));
        // jest.config.js puts chromium's SwiftShader among the Vulkan loader's drivers when it exists:
        // step 1 sees it and must refuse it; step 3 (SwiftShader) never runs
        if (swiftShaderIcd()) expect(skipped).toContainEqual(expect.stringMatching(/hardware Vulkan: .*SwiftShader/));
        expect(lines.some((l) => /Vulkan on SwiftShader/.test(l))).toBe(false);
      }
    } finally {
      gpu?.close();
    }
  });

  test("without onlyHardware a GPU wins; without one llvmpipe (OpenGL ES) comes before SwiftShader", async () => {
    const lines: string[] = [];
    const gpu = await withBackendEnv(undefined, () => openDawn({ log: (l) => lines.push(l) }));
    try {
      expect(gpu).not.toBeNull();
      const a = gpu!.adapter;
      if (!a.software) return expect(["vulkan", "opengles"]).toContain(a.backend);
      // no GPU: llvmpipe through OpenGL ES, step 2. Step 1 was offered SwiftShader (among the
      // loader's drivers from jest.config.js on) and refused it as software.
      expect({ backend: a.backend, name: a.name }).toEqual({ backend: "opengles", name: expect.stringMatching(/llvmpipe/) });
      if (swiftShaderIcd()) expect(lines).toContainEqual(expect.stringMatching(/hardware Vulkan: skipping the software adapter .*SwiftShader/));
    } finally {
      gpu?.close();
    }
  });

  test("ZKR_WEBGPU_BACKEND=vulkan without a GPU takes SwiftShader (step 3)", async () => {
    const lines: string[] = [];
    const gpu = await withBackendEnv("vulkan", () => openDawn({ log: (l) => lines.push(l) }));
    try {
      expect(gpu).not.toBeNull();
      const a = gpu!.adapter;
      if (!a.software) return expect(a.backend).toBe("vulkan");
      expect({ backend: a.backend, name: a.name }).toEqual({ backend: "vulkan", name: expect.stringMatching(/SwiftShader/) });
      expect(lines.some((l) => /OpenGL ES/.test(l))).toBe(false);
    } finally {
      gpu?.close();
    }
  });
});

describe.each([
  ["opengles", "Dawn's OpenGL ES backend (llvmpipe without a GPU)"],
  ["vulkan", "Dawn's Vulkan backend (SwiftShader without a GPU: the path real GPUs take)"],
] as const)("the kernels on %s: %s", (backend, _what) => {
  let curve: FfCurve;
  let gpu: CheckedBackend<WebGpuBackend>;

  beforeAll(async () => {
    curve = await buildBn128();
    gpu = await withBackendEnv(backend, () => createWebGpuBackend());
  }, 600_000);

  afterAll(async () => {
    await gpu?.close();
    await curve?.terminate();
  });

  test(`ZKR_WEBGPU_BACKEND=${backend} opens that backend`, () => {
    console.info(`${backend}: ${gpu.inner.adapter.name}`);
    expect(gpu.inner.adapter.backend).toBe(backend);
    if (backend === "vulkan" && gpu.inner.adapter.software) expect(gpu.inner.adapter.name).toMatch(/SwiftShader/);
  });

  test("a G1 MSM (∞, a duplicate, a negation, circom's mix of 0s and 1s) equals ffjavascript's", async () => {
    const r = rng(141);
    const n = 100;
    const b = await bases(curve, "G1", n, r);
    const sc = sameScalars(scalars(n, "mix", r));
    expect(hex(await msm(gpu, "G1", b, sc))).toBe(hex(await ffjsMsm(curve, "G1", b, sc)));
  }, 600_000);

  test("a forward NTT and an inverse coset NTT equal the reference", async () => {
    const r = rng(142);
    const v = new Uint8Array(64 * 32);
    for (let i = 0; i < 64; i++) writeScalar(v, i, r.below(R));
    expect(hex(await gpu.ntt(v, {}))).toBe(hex(referenceNtt(v, {})));
    expect(hex(await gpu.ntt(v, { inverse: true, coset: 5n }))).toBe(hex(referenceNtt(v, { inverse: true, coset: 5n })));
  }, 600_000);
});
