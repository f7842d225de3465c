/**
 * Point generation for tests and benchmarks on the CPU backend's wasm kernels (main thread):
 * many distinct group elements from a few seeds, far faster than one scalar multiplication each.
 * Not used by the prover.
 */
import { G1_BYTES, G2_BYTES, type Group } from "../backend.js";
import { CURVE_SCRATCH, COMPOSITE_SCRATCH, PAIR_BYTES } from "./wasm/curve.js";
import { MAX_PAGES, cpuWasm } from "./wasm/module.js";
import { internalAffineBytes } from "./msm.js";

/**
 * n affine LEM points from k ≥ 2 seeds (LEM, none at infinity, seeds[i] ≠ ±seeds[i+1]):
 * P_i = seed_i for i < k, then P_i = P_{i−k} + P_{i−k+1}. Sums of two random points are random
 * points; batches of k additions share one inversion.
 */
export async function expandBases(group: Group, seeds: Uint8Array, n: number): Promise<Uint8Array> {
  const lemSize = group === "G1" ? G1_BYTES : G2_BYTES;
  const A = internalAffineBytes(group);
  const k = seeds.length / lemSize;
  if (!Number.isInteger(k) || k < 2) throw new RangeError(`expandBases: at least 2 whole seed points expected, got ${seeds.length} bytes`);
  const g = group === "G1" ? "g1" : "g2";
  const wasm = await cpuWasm();
  const scratch = wasm.staticEnd;
  const list = scratch + CURVE_SCRATCH + COMPOSITE_SCRATCH;
  const pre = list + PAIR_BYTES * k;
  const flags = pre + (A / 2) * (k + 1);
  const pts = flags + 4 * k + 64;
  const lem = pts + A * Math.max(n, k);
  const end = lem + lemSize * Math.max(n, k);
  const memory = new WebAssembly.Memory({ initial: Math.ceil(end / 65536) + 1, maximum: MAX_PAGES, shared: true });
  const ex = (await WebAssembly.instantiate(wasm.module, { env: { memory } })).exports as Record<string, (...a: number[]) => number>;
  const mem = new Uint8Array(memory.buffer);
  mem.set(seeds, lem);
  ex[`${g}_affBatchFromLem`](lem, k, pts);
  const u32 = new Uint32Array(memory.buffer);
  for (let i = k; i < n; i += k) {
    const m = Math.min(k, n - i);
    for (let j = 0; j < m; j++) {
      const e = (list >>> 2) + 3 * j;
      u32[e] = pts + (i + j - k) * A;
      u32[e + 1] = pts + (i + j - k + 1) * A;
      u32[e + 2] = pts + (i + j) * A;
    }
    ex[`${g}_batchAdd`](list, m, pre, flags, scratch);
  }
  for (let i = 0; i < n; i++) ex[`${g}_affToLem`](pts + i * A, lem + i * lemSize, scratch);
  return mem.slice(lem, lem + n * lemSize);
}
