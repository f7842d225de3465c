/**
 * The MSM driver of the WebGPU backend: plans a multi-scalar multiplication around the adapter's
 * limits and records the kernels of prover/webgpu/wgsl/msm.ts (steps 1–7 there) in one
 * command buffer per pass. A pass covers as many points as every buffer of the plan allows in one
 * binding; larger MSMs run several passes whose window sums add up on the host.
 *
 * With `debug`, each step is submitted alone, read back and compared with its CPU twin
 * (prover/webgpu/debug.ts); the first difference is a BackendError naming the step.
 */
import { BackendError, FR_BYTES } from "../backend.js";
import { Gpu } from "./device.js";
import { HostG1, HostG2, type HostCurve, type Xyzz } from "../../core/bn254.js";
import { windowCount } from "../reference.js";
import { readXyzz } from "./host.js";
import { affineWords, xyzzWords, type GroupSpec } from "./wgsl/curve.js";
import { HEADS_BLOCK, MSM_PARAMS, accumulateKernel, digitsKernel, headLevels, headsKernel, scatterKernel, segmentsKernel, windowsKernel } from "./wgsl/msm.js";
import { SCAN_BLOCK, scanAddKernel, scanBlockKernel } from "./wgsl/scan.js";
import type { StageCheck } from "./debug.js";

/** Window sizes the backend ships (bits per signed digit). */
export const MIN_WINDOW = 2;
export const MAX_WINDOW = 16;
/** Sorted entries per accumulation thread. */
export const CHUNK = 32;

/** The shape of one MSM pass. */
export interface MsmPlan {
  n: number;
  c: number;
  windows: number;
  buckets: number;
  chunk: number;
  seg: number;
  segs: number;
  chunks: number;
}

/** The plan of a pass of n points with window c. */
export function planFor(n: number, c: number): MsmPlan {
  const windows = windowCount(c);
  const buckets = 2 ** (c - 1);
  const seg = 2 ** Math.ceil((c - 1) / 2);
  return { n, c, windows, buckets, chunk: CHUNK, seg, segs: Math.ceil(buckets / seg), chunks: Math.ceil((windows * n) / CHUNK) };
}

/** Bytes of the largest binding a plan needs (the adapter limits one binding). */
export function largestBinding(p: MsmPlan, g: GroupSpec): number {
  const xyzz = xyzzWords(g) * 4;
  return Math.max(p.n * affineWords(g) * 4, p.windows * p.n * 4, p.chunks * xyzz, p.windows * p.buckets * xyzz, (p.windows * p.buckets + 1) * 4);
}

/**
 * The window for n points: the least estimated work, ⌈255/c⌉·(n + 3·2^(c−1)) (one mixed
 * addition per point and window; about three additions per bucket to sum and reduce).
 */
export function chooseWindow(n: number): number {
  let best = MIN_WINDOW;
  let bestCost = Infinity;
  for (let c = MIN_WINDOW; c <= MAX_WINDOW; c++) {
    const cost = windowCount(c) * (n + 3 * 2 ** (c - 1));
    if (cost < bestCost) {
      best = c;
      bestCost = cost;
    }
  }
  return best;
}

/** The scan's buffers for `n` counters: level 0 is the data itself. */
interface ScanLevels {
  sizes: number[];
  sums: GPUBuffer[];
  params: GPUBuffer[];
}

/** Runs MSMs of one group on a device. */
export class GpuMsm {
  readonly host: HostCurve<unknown>;
  constructor(
    readonly gpu: Gpu,
    readonly group: GroupSpec,
  ) {
    this.host = (group.name === "g1" ? HostG1 : HostG2) as HostCurve<unknown>;
  }

  private pipelines(): Promise<GPUComputePipeline[]> {
    const g = this.group;
    return Promise.all([
      this.gpu.pipeline("msm-digits", digitsKernel()),
      this.gpu.pipeline("scan-block", scanBlockKernel()),
      this.gpu.pipeline("scan-add", scanAddKernel()),
      this.gpu.pipeline("msm-scatter", scatterKernel()),
      this.gpu.pipeline(`msm-accumulate-${g.name}`, accumulateKernel(g)),
      this.gpu.pipeline(`msm-heads-${g.name}`, headsKernel(g)),
      this.gpu.pipeline(`msm-segments-${g.name}`, segmentsKernel(g)),
      this.gpu.pipeline(`msm-windows-${g.name}`, windowsKernel(g)),
    ]);
  }

  /** Compiles the kernels ahead of the first MSM. */
  async warm(): Promise<void> {
    await this.pipelines();
  }

  /** The largest pass the adapter allows for window c (at least 1 point, or an error). */
  maxPassPoints(c: number): number {
    const limit = this.gpu.limits.maxStorageBufferBindingSize;
    let hi = 1 << 28;
    let lo = 0;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (largestBinding(planFor(mid, c), this.group) <= limit) lo = mid;
      else hi = mid - 1;
    }
    if (lo === 0) throw new BackendError("webgpu", `window ${c} needs more than the adapter's ${limit}-byte bindings`);
    return lo;
  }

  /**
   * Σ scalars[i]·bases[i] for one pass: `bases` holds the pass's points (affine words) from point
   * `first`; `scalars` has the pass's 32-byte scalars. Returns the window sums.
   */
  async pass(bases: { buffer: GPUBuffer; first: number }, scalars: Uint8Array, c: number, check?: StageCheck): Promise<Xyzz<unknown>[]> {
    const gpu = this.gpu;
    const g = this.group;
    const n = scalars.length / FR_BYTES;
    const p = planFor(n, c);
    const [digitsP, scanBlockP, scanAddP, scatterP, accP, headsP, segP, winP] = await this.pipelines();
    const xyzz = xyzzWords(g) * 4;
    const aff = affineWords(g) * 4;
    const nb = p.windows * p.buckets;

    const owned: GPUBuffer[] = [];
    const buf = (size: number, label: string) => {
      const b = gpu.buffer(size, label);
      owned.push(b);
      return b;
    };
    try {
      const prm = gpu.uniforms(MSM_PARAMS.map((k) => p[k]));
      owned.push(prm);
      const sc = buf(scalars.length, "scalars");
      gpu.write(sc, scalars);
      const digits = buf(p.windows * n * 4, "digits");
      const offsets = buf((nb + 1) * 4, "offsets");
      const cursor = buf((nb + 1) * 4, "cursor");
      const sorted = buf(p.windows * n * 4, "sorted");
      const sortedBucket = buf(p.windows * n * 4, "sorted-bucket");
      const own = buf(nb * xyzz, "buckets");
      const head = buf(p.chunks * xyzz, "heads");
      const headKey = buf(p.chunks * 4, "head-keys");
      // Step 5's levels: slots in, keys and values out (the last level's outputs stay unused).
      const levels = headLevels(p.chunks).map((count, k, all) => {
        const out = k + 1 < all.length ? all[k + 1] : 2;
        const prmL = gpu.uniforms([count]);
        owned.push(prmL);
        return { count, prm: prmL, keysOut: buf(out * 4, "head-keys"), valsOut: buf(out * xyzz, "heads") };
      });
      const segsum = buf(p.windows * p.segs * xyzz, "segments");
      const winsum = buf(p.windows * xyzz, "windows");
      const scan = this.scanLevels(nb + 1, buf);
      owned.push(...scan.params);
      const basesBinding = { buffer: bases.buffer, offset: bases.first * aff, size: Math.max(aff, n * aff) };

      const steps: [string, (enc: GPUCommandEncoder) => void][] = [
        ["digits", (enc) => this.compute(enc, (pass) => gpu.dispatch(pass, digitsP, [sc, digits, offsets, prm], n))],
        ["scan", (enc) => this.recordScan(enc, offsets, scan, scanBlockP, scanAddP)],
        [
          "scatter",
          (enc) => {
            enc.copyBufferToBuffer(offsets, 0, cursor, 0, (nb + 1) * 4);
            this.compute(enc, (pass) => gpu.dispatch(pass, scatterP, [digits, cursor, sorted, sortedBucket, prm], p.windows * n));
          },
        ],
        ["accumulate", (enc) => this.compute(enc, (pass) => gpu.dispatch(pass, accP, [basesBinding, sorted, sortedBucket, offsets, own, head, headKey, prm], p.chunks))],
        [
          "buckets",
          (enc) =>
            this.compute(enc, (pass) =>
              levels.forEach((l, k) => {
                const [keysIn, valsIn] = k === 0 ? [headKey, head] : [levels[k - 1].keysOut, levels[k - 1].valsOut];
                gpu.dispatch(pass, headsP, [keysIn, valsIn, l.keysOut, l.valsOut, own, l.prm], Math.ceil(l.count / HEADS_BLOCK));
              }),
            ),
        ],
        ["segments", (enc) => this.compute(enc, (pass) => gpu.dispatch(pass, segP, [own, segsum, prm], p.windows * p.segs))],
        ["windows", (enc) => this.compute(enc, (pass) => gpu.dispatch(pass, winP, [segsum, winsum, prm], p.windows))],
      ];
      if (!check) {
        await gpu.run(`msm-${g.name}`, (enc) => steps.forEach(([, record]) => record(enc)));
      } else {
        const views = { digits, offsets, sorted, sortedBucket, own, segsum, winsum };
        for (const [name, record] of steps) {
          await gpu.run(`msm-${g.name}-${name}`, record);
          if (name === "digits" || name === "scan" || name === "scatter" || name === "buckets" || name === "segments" || name === "windows") {
            await check(name, p, views);
          }
        }
      }
      const out = await gpu.read(winsum);
      return Array.from({ length: p.windows }, (_, w) => readXyzz(this.host, out, w));
    } finally {
      for (const b of owned) b.destroy();
    }
  }

  /** Combines window sums (of one or more passes with the same c) into one point: Σ 2^(c·w)·windows[w], Horner from the top. */
  combine(windows: Xyzz<unknown>[], c: number): Xyzz<unknown> {
    const host = this.host;
    let acc = host.inf;
    for (let w = windows.length - 1; w >= 0; w--) {
      if (w !== windows.length - 1) for (let k = 0; k < c; k++) acc = host.dbl(acc);
      acc = host.add(acc, windows[w]);
    }
    return acc;
  }

  private compute(enc: GPUCommandEncoder, record: (pass: GPUComputePassEncoder) => void): void {
    const pass = enc.beginComputePass();
    record(pass);
    pass.end();
  }

  private scanLevels(n: number, buf: (size: number, label: string) => GPUBuffer): ScanLevels {
    const sizes = [n];
    const sums: GPUBuffer[] = [];
    for (;;) {
      const blocks = Math.ceil(sizes[sizes.length - 1] / SCAN_BLOCK);
      sums.push(buf(Math.max(1, blocks) * 4, "scan-sums"));
      if (blocks <= 1) break;
      sizes.push(blocks);
    }
    return { sizes, sums, params: sizes.map((size) => this.gpu.uniforms([size])) };
  }

  /** Exclusive prefix sum of `data` in place: block scans up the levels, block offsets down. */
  private recordScan(enc: GPUCommandEncoder, data: GPUBuffer, levels: ScanLevels, blockP: GPUComputePipeline, addP: GPUComputePipeline): void {
    const gpu = this.gpu;
    const bufs = [data, ...levels.sums];
    const params = levels.params;
    this.compute(enc, (pass) => {
      levels.sizes.forEach((size, k) => gpu.dispatchGroups(pass, blockP, [bufs[k], bufs[k + 1], params[k]], Math.ceil(size / SCAN_BLOCK)));
      for (let k = levels.sizes.length - 2; k >= 0; k--) gpu.dispatch(pass, addP, [bufs[k], bufs[k + 1], params[k]], levels.sizes[k]);
    });
  }
}
