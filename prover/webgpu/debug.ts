/**
 * The debug self-check of the WebGPU backend (`createWebGpuBackend({ debug: true })` or
 * `ZKR_WEBGPU_DEBUG=1`): after each GPU stage the driver reads the stage's output back and
 * compares it with a CPU twin computed here from the same inputs, in plain bigint. A difference
 * is a BackendError naming the stage and the first index that differs. Slow by design: it is for
 * hunting a kernel bug on a new adapter, not for production. The twins are built from
 * prover/reference.ts (signed digits) and core/bn254.ts's curve formulas.
 */
import { BackendError, FR_BYTES } from "../backend.js";
import type { Gpu } from "./device.js";
import type { HostCurve, Xyzz } from "../../core/bn254.js";
import { leToBigint } from "../../core/bytes.js";
import { signedDigits } from "../reference.js";
import { readXyzz } from "./host.js";
import type { MsmPlan } from "./msm.js";

/** Buffers a check may read. */
export interface MsmViews {
  digits: GPUBuffer;
  offsets: GPUBuffer;
  sorted: GPUBuffer;
  sortedBucket: GPUBuffer;
  own: GPUBuffer;
  segsum: GPUBuffer;
  winsum: GPUBuffer;
}

export type StageCheck = (stage: string, plan: MsmPlan, views: MsmViews) => Promise<void>;

const fail = (stage: string, what: string): never => {
  throw new BackendError("webgpu", `debug self-check: stage ${stage} differs from its CPU twin (${what})`);
};

/**
 * A check for one MSM pass: `bases` are the pass's affine LEM points, `scalars` its scalars.
 * Each stage's twin is derived from the previous twin, never from the GPU's output.
 */
export function msmCheck(gpu: Gpu, host: HostCurve<unknown>, bases: Uint8Array, scalars: Uint8Array): StageCheck {
  let digits: Uint32Array | undefined;
  let offsets: Uint32Array | undefined;
  let buckets: Xyzz<unknown>[] | undefined;
  let segs: Xyzz<unknown>[] | undefined;
  const u32 = async (b: GPUBuffer, count: number) => new Uint32Array((await gpu.read(b, count * 4)).buffer);
  const xyzzAt = async (b: GPUBuffer, count: number) => {
    const bytes = await gpu.read(b, count * 4 * 32 * host.F.degree);
    return Array.from({ length: count }, (_, i) => readXyzz(host, bytes, i));
  };
  return async (stage, p, v) => {
    const nb = p.windows * p.buckets;
    switch (stage) {
      case "digits": {
        digits = new Uint32Array(p.windows * p.n);
        for (let i = 0; i < p.n; i++) {
          signedDigits(leToBigint(scalars, i * FR_BYTES), p.c, p.windows).forEach((d, w) => (digits![w * p.n + i] = d));
        }
        const got = await u32(v.digits, p.windows * p.n);
        const i = got.findIndex((d, k) => d !== digits![k]);
        if (i >= 0) fail(stage, `digit ${i}: ${got[i]} instead of ${digits[i]}`);
        return;
      }
      case "scan": {
        const counts = new Uint32Array(nb + 1);
        for (let w = 0; w < p.windows; w++) {
          for (let i = 0; i < p.n; i++) {
            const d = digits![w * p.n + i];
            if (d !== 0) counts[w * p.buckets + (d >> 1) - 1]++;
          }
        }
        offsets = new Uint32Array(nb + 1);
        for (let g = 0; g < nb; g++) offsets[g + 1] = offsets[g] + counts[g];
        const got = await u32(v.offsets, nb + 1);
        const i = got.findIndex((o, k) => o !== offsets![k]);
        if (i >= 0) fail(stage, `offset of bucket ${i}: ${got[i]} instead of ${offsets[i]}`);
        return;
      }
      case "scatter": {
        const total = offsets![nb];
        const sorted = await u32(v.sorted, total);
        const bucketOf = await u32(v.sortedBucket, total);
        for (let w = 0; w < p.windows; w++) {
          const expect = new Map<number, number[]>();
          for (let i = 0; i < p.n; i++) {
            const d = digits![w * p.n + i];
            if (d === 0) continue;
            const g = w * p.buckets + (d >> 1) - 1;
            (expect.get(g) ?? expect.set(g, []).get(g)!).push((i | ((d & 1) << 31)) >>> 0);
          }
          for (const [g, entries] of expect) {
            const got = Array.from(sorted.subarray(offsets![g], offsets![g + 1])).sort((a, b) => a - b);
            entries.sort((a, b) => a - b);
            if (got.length !== entries.length || got.some((e, k) => e !== entries[k])) fail(stage, `entries of bucket ${g}`);
            for (let k = offsets![g]; k < offsets![g + 1]; k++) if (bucketOf[k] !== g) fail(stage, `bucket id at ${k}`);
          }
        }
        return;
      }
      case "buckets": {
        buckets = Array.from({ length: nb }, () => host.inf);
        for (let w = 0; w < p.windows; w++) {
          for (let i = 0; i < p.n; i++) {
            const d = digits![w * p.n + i];
            if (d === 0) continue;
            const pt = host.readLem(bases, i);
            const g = w * p.buckets + (d >> 1) - 1;
            buckets[g] = host.add(buckets[g], d & 1 ? host.neg(pt) : pt);
          }
        }
        const got = await xyzzAt(v.own, nb);
        const i = got.findIndex((q, k) => !host.eq(q, buckets![k]));
        if (i >= 0) fail(stage, `sum of bucket ${i}`);
        return;
      }
      case "segments": {
        segs = [];
        for (let w = 0; w < p.windows; w++) {
          for (let s = 0; s < p.segs; s++) {
            let acc = host.inf;
            for (let j = s * p.seg; j < Math.min((s + 1) * p.seg, p.buckets); j++) {
              acc = host.add(acc, host.mul(buckets![w * p.buckets + j], BigInt(j + 1)));
            }
            segs.push(acc);
          }
        }
        const got = await xyzzAt(v.segsum, p.windows * p.segs);
        const i = got.findIndex((q, k) => !host.eq(q, segs![k]));
        if (i >= 0) fail(stage, `segment ${i}`);
        return;
      }
      case "windows": {
        const wins = Array.from({ length: p.windows }, (_, w) => segs!.slice(w * p.segs, (w + 1) * p.segs).reduce((a, b) => host.add(a, b), host.inf));
        const got = await xyzzAt(v.winsum, p.windows);
        const i = got.findIndex((q, k) => !host.eq(q, wins[k]));
        if (i >= 0) fail(stage, `window ${i}`);
        return;
      }
      default:
        fail(stage, "unknown stage");
    }
  };
}
