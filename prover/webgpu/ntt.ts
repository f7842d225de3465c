/**
 * The NTT driver of the WebGPU backend: radix-2 decimation in time, in place on the GPU.
 *
 *   prep     out[bitrev(i)] = in[i] · shift^i           (forward on a coset; plain copy otherwise)
 *   stages   log2(n) butterfly dispatches with ω^e from a twiddle table
 *   scale    x[i] · n^-1 · shift^-i                     (inverse only)
 *
 * Tables of powers (twiddles, coset factors) are built on the GPU from two small host tables
 * (tab[e] = lo[e mod 2^h] · hi[e >> h]) and cached per (base, length, scale). Values stay in
 * standard form throughout (see wgsl/ntt.ts). The debug self-check compares each step with a twin
 * derived from prover/reference.ts's naive NTT.
 */
import { BackendError, FR_BYTES, type NttOptions } from "../backend.js";
import { referenceNttValues } from "../reference.js";
import { R, frRootOfUnity, invMod, powMod, toMontR } from "../../core/bn254.js";
import { bigintToLe, leToBigint } from "../../core/bytes.js";
import type { Gpu } from "./device.js";
import { nttPrepKernel, nttScaleKernel, nttStageKernel, powTableKernel } from "./wgsl/ntt.js";

function reverse(i: number, bits: number): number {
  let r = 0;
  for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
  return r;
}

const MAX_TABLES = 12;

export class GpuNtt {
  private readonly tables = new Map<string, GPUBuffer>();

  constructor(
    readonly gpu: Gpu,
    readonly debug = false,
  ) {}

  private pipelines(): Promise<GPUComputePipeline[]> {
    return Promise.all([
      this.gpu.pipeline("ntt-table", powTableKernel()),
      this.gpu.pipeline("ntt-prep", nttPrepKernel()),
      this.gpu.pipeline("ntt-stage", nttStageKernel()),
      this.gpu.pipeline("ntt-scale", nttScaleKernel()),
    ]);
  }

  async warm(): Promise<void> {
    await this.pipelines();
  }

  /** tab[e] = scale · base^e (Montgomery), e < count; cached. */
  private async table(base: bigint, count: number, scale: bigint): Promise<GPUBuffer> {
    const key = `${base}:${count}:${scale}`;
    const hit = this.tables.get(key);
    if (hit) {
      this.tables.delete(key);
      this.tables.set(key, hit);
      return hit;
    }
    const gpu = this.gpu;
    const [tableP] = await this.pipelines();
    const logc = Math.max(0, Math.ceil(Math.log2(count)));
    const h = Math.ceil(logc / 2);
    const lo = new Uint8Array(2 ** h * FR_BYTES);
    const hi = new Uint8Array(Math.max(1, 2 ** (logc - h)) * FR_BYTES);
    let x = scale % R;
    for (let j = 0; j < 2 ** h; j++) {
      bigintToLe(toMontR(x), lo, j * FR_BYTES);
      x = (x * base) % R;
    }
    const step = powMod(base, BigInt(2 ** h), R);
    let y = 1n;
    for (let j = 0; j < hi.length / FR_BYTES; j++) {
      bigintToLe(toMontR(y), hi, j * FR_BYTES);
      y = (y * step) % R;
    }
    const loB = gpu.upload(lo, "table-lo");
    const hiB = gpu.upload(hi, "table-hi");
    const tab = gpu.buffer(count * FR_BYTES, "table");
    const prm = gpu.uniforms([count, 0, h, 0]);
    try {
      await gpu.run("ntt-table", (enc) => {
        const pass = enc.beginComputePass();
        gpu.dispatch(pass, tableP, [loB, hiB, tab, prm], count);
        pass.end();
      });
    } finally {
      loB.destroy();
      hiB.destroy();
      prm.destroy();
    }
    this.tables.set(key, tab);
    while (this.tables.size > MAX_TABLES) {
      const [oldest, buf] = this.tables.entries().next().value as [string, GPUBuffer];
      this.tables.delete(oldest);
      buf.destroy();
    }
    return tab;
  }

  /** The transform of `values` (checked by prover/checked.ts): a new array. */
  async ntt(values: Uint8Array, opts: NttOptions = {}): Promise<Uint8Array> {
    const gpu = this.gpu;
    const n = values.length / FR_BYTES;
    const logn = Math.log2(n);
    if (values.length > gpu.limits.maxStorageBufferBindingSize) {
      throw new BackendError("webgpu", `ntt of 2^${logn} values needs ${values.length}-byte bindings; the adapter allows ${gpu.limits.maxStorageBufferBindingSize}`);
    }
    const [, prepP, stageP, scaleP] = await this.pipelines();
    const omega = frRootOfUnity(logn);
    const w = opts.inverse ? invMod(omega, R) : omega;
    // a shift in [1, r) (prover/checked.ts); 1 is no coset
    const coset = opts.coset !== undefined && opts.coset !== 1n ? opts.coset : undefined;
    const tw = n >= 2 ? await this.table(w, n / 2, 1n) : undefined;
    const pre = !opts.inverse && coset !== undefined ? await this.table(coset, n, 1n) : undefined;
    const post = opts.inverse ? await this.table(coset !== undefined ? invMod(coset, R) : 1n, n, invMod(BigInt(n), R)) : undefined;

    const src = gpu.upload(values, "ntt-in");
    const x = gpu.buffer(values.length, "ntt-x");
    const params: GPUBuffer[] = [];
    const prm = (h: number, flag: number) => {
      const b = gpu.uniforms([n, logn, h, flag]);
      params.push(b);
      return b;
    };
    try {
      const steps: [string, (pass: GPUComputePassEncoder) => void][] = [
        ["prep", (pass) => gpu.dispatch(pass, prepP, [src, x, pre ?? src, prm(0, pre ? 1 : 0)], n)],
        [
          "stages",
          (pass) => {
            for (let h = 0; h < logn; h++) gpu.dispatch(pass, stageP, [x, tw!, prm(h, 0)], n / 2);
          },
        ],
      ];
      if (post) steps.push(["scale", (pass) => gpu.dispatch(pass, scaleP, [x, post, prm(0, 0)], n)]);
      if (!this.debug) {
        await gpu.run("ntt", (enc) => {
          const pass = enc.beginComputePass();
          for (const [, record] of steps) record(pass);
          pass.end();
        });
      } else {
        await this.runChecked(values, opts, coset, steps, x);
      }
      return await gpu.read(x, values.length);
    } finally {
      src.destroy();
      x.destroy();
      for (const b of params) b.destroy();
    }
  }

  /** Debug: each step alone, compared with the host twin after it. */
  private async runChecked(values: Uint8Array, opts: NttOptions, coset: bigint | undefined, steps: [string, (pass: GPUComputePassEncoder) => void][], x: GPUBuffer): Promise<void> {
    const n = values.length / FR_BYTES;
    const logn = Math.log2(n);
    const input = Array.from({ length: n }, (_, i) => leToBigint(values, i * FR_BYTES));
    const prepTwin = new Array<bigint>(n);
    let f = 1n;
    for (let i = 0; i < n; i++) {
      prepTwin[logn === 0 ? 0 : reverse(i, logn)] = !opts.inverse && coset !== undefined ? (input[i] * f) % R : input[i];
      if (coset !== undefined) f = (f * coset) % R;
    }
    const final = referenceNttValues(input, { inverse: opts.inverse, coset });
    // without the scale step the butterflies' output is final · n · shift^i
    const stagesTwin = opts.inverse
      ? (() => {
          const sh = coset ?? 1n;
          let g = BigInt(n) % R;
          return final.map((v) => {
            const r = (v * g) % R;
            g = (g * sh) % R;
            return r;
          });
        })()
      : final;
    const twins: Record<string, bigint[]> = { prep: prepTwin, stages: stagesTwin, scale: final };
    for (const [name, record] of steps) {
      await this.gpu.run(`ntt-${name}`, (enc) => {
        const pass = enc.beginComputePass();
        record(pass);
        pass.end();
      });
      const got = await this.gpu.read(x, values.length);
      const twin = twins[name];
      for (let i = 0; i < n; i++) {
        if (leToBigint(got, i * FR_BYTES) !== twin[i]) {
          throw new BackendError("webgpu", `debug self-check: stage ntt-${name} differs from its CPU twin at index ${i}`);
        }
      }
    }
  }

  close(): void {
    for (const b of this.tables.values()) b.destroy();
    this.tables.clear();
  }
}
