/**
 * The kernel rows of a benchmark run: at each size 2^k, G1 MSM (uniform scalars and the circom
 * mix), G2 MSM, the forward NTT and the prover's NTT step (inverse + coset NTT of A, B, C at
 * once), on every started backend and on ffjavascript (snarkjs's engine, called as snarkjs calls
 * it). Every result is checked against ffjavascript's in the warm-up.
 */
import os from "node:os";
import { buildBn128 } from "ffjavascript";
import { G1_BYTES, G2_BYTES, type BasesHandle, type Group, type ProverBackend } from "../prover/backend.js";
import { frRootOfUnity } from "../core/bn254.js";
import { interleaved, randomBases, randomScalars, summarize } from "./lib.js";
import { rng } from "./fixtures/rng.js";
import { KERNELS, type BenchOptions, type KernelKey } from "./options.js";
import { KERNEL_BASELINE, type KernelRow } from "./report.js";
import type { BenchBackends, BenchRecord } from "./backends.js";

 
type Curve = any;

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

/** Runs the kernels of `o` on the started backends; returns their rows. */
export async function runKernels(o: BenchOptions, started: BenchBackends, rec: BenchRecord): Promise<KernelRow[]> {
  const { skipped, log } = rec;
  const { backends, software } = started;
  const kernels: KernelRow[] = [];
  if (!o.kernels.length || !o.sizes.length) return kernels;
  const curve: Curve = await buildBn128();
  const next = rng(20261121n).next64;
  try {
    for (const logn of o.sizes) {
      const n = 2 ** logn;
      const need = n * (o.bytesPerElement ?? 1024);
      if (need > os.freemem() * 0.6) {
        skipped.push({ what: `kernels at 2^${logn}`, why: `needs about ${(need / 2 ** 30).toFixed(1)} GiB, ${(os.freemem() / 2 ** 30).toFixed(1)} GiB free` });
        log(`skipped 2^${logn}: not enough free memory`);
        continue;
      }
      const active = [...backends.entries()].filter(([name]) => !software(name) || logn <= o.softwareMaxLog);
      for (const [name] of backends) if (!active.some(([a]) => a === name)) skipped.push({ what: `${name} kernels at 2^${logn}`, why: `software adapter, sizes above 2^${o.softwareMaxLog} skipped` });
      const row = async (key: KernelKey, contenders: Record<string, () => Promise<Uint8Array>>, check: (name: string, out: Uint8Array) => Promise<void> | void) => {
        const runs = await interleaved(o.runs, contenders, check);
        const base = summarize(runs[KERNEL_BASELINE]).median;
        for (const [b, times] of Object.entries(runs)) {
          const ms = summarize(times);
          kernels.push({ kernel: KERNELS[key], logSize: logn, backend: b, ms, ratio: ms.median / base });
        }
        log(`${KERNELS[key]} 2^${logn}: ${Object.entries(runs).map(([b, t]) => `${b} ${summarize(t).median.toFixed(1)} ms`).join(", ")}`);
      };

      for (const g of ["G1", "G2"] as Group[]) {
        const keys = (g === "G1" ? (["g1", "g1mix"] as const) : (["g2"] as const)).filter((k) => o.kernels.includes(k));
        if (!keys.length) continue;
        const G = g === "G1" ? curve.G1 : curve.G2;
        const size = g === "G1" ? G1_BYTES : G2_BYTES;
        const bases = await randomBases(curve, g, n, next);
        const handles: [string, ProverBackend, BasesHandle][] = [];
        for (const [name, b] of active) handles.push([name, b, await b.loadBases(g, bases)]);
        try {
          for (const key of keys) {
            const sc = randomScalars(n, key === "g1mix", next);
            let ref = "";
            const contenders: Record<string, () => Promise<Uint8Array>> = {
              [KERNEL_BASELINE]: async () => {
                const p = G.toAffine(await G.multiExpAffine(bases, sc));
                const out = new Uint8Array(size);
                if (!G.isZero(p)) G.toRprLEM(out, 0, p);
                return out;
              },
            };
            for (const [name, b, h] of handles) contenders[name] = () => b.msm(h, sc);
            await row(key, contenders, (name, out) => {
              if (name === KERNEL_BASELINE) ref = hex(out);
              else if (hex(out) !== ref) throw new Error(`bench: ${KERNELS[key]} 2^${logn}: ${name} disagrees with ${KERNEL_BASELINE}`);
            });
          }
        } finally {
          for (const [, , h] of handles) await h.release();
        }
      }

      const Fr = curve.Fr;
      const fromMont = async (m: Uint8Array) => hex(new Uint8Array(await Fr.batchFromMontgomery(m)));
      if (o.kernels.includes("ntt")) {
        const v = randomScalars(n, false, next);
        const vm = await Fr.batchToMontgomery(v);
        let ref = "";
        // ffjavascript keeps values in Montgomery form, as snarkjs does: its timed run is Fr.fft alone.
        const contenders: Record<string, () => Promise<Uint8Array>> = { [KERNEL_BASELINE]: () => Fr.fft(vm) };
        for (const [name, b] of active) contenders[name] = () => b.ntt(v);
        await row("ntt", contenders, async (name, out) => {
          if (name === KERNEL_BASELINE) ref = await fromMont(out);
          else if (hex(out) !== ref) throw new Error(`bench: NTT 2^${logn}: ${name} disagrees with ${KERNEL_BASELINE}`);
        });
      }
      if (o.kernels.includes("prover-ntt")) {
        // The prover's step: for A, B, C at once, inverse NTT then a forward NTT on the coset ω_2n·⟨ω_n⟩.
        const shift = frRootOfUnity(logn + 1);
        const vs = [0, 1, 2].map(() => randomScalars(n, false, next));
        const vms: Uint8Array[] = await Promise.all(vs.map((v) => Fr.batchToMontgomery(v)));
        const inc = Fr.e(shift);
        let ref = "";
        const first = (outs: Uint8Array[]) => outs[0];
        const contenders: Record<string, () => Promise<Uint8Array>> = {
          [KERNEL_BASELINE]: async () => first(await Promise.all(vms.map(async (vm) => new Uint8Array(await Fr.fft(await Fr.batchApplyKey(await Fr.ifft(vm), Fr.e(1), inc)))))),
        };
        for (const [name, b] of active) contenders[name] = async () => first(await Promise.all(vs.map(async (v) => b.ntt(await b.ntt(v, { inverse: true }), { coset: shift }))));
        await row("prover-ntt", contenders, async (name, out) => {
          if (name === KERNEL_BASELINE) ref = await fromMont(out);
          else if (hex(out) !== ref) throw new Error(`bench: prover NTT 2^${logn}: ${name} disagrees with ${KERNEL_BASELINE}`);
        });
      }
    }
  } finally {
    await curve.terminate();
  }
  return kernels;
}
