/**
 * The CPU backend's kernels in detail. Three modes:
 *
 *   npx tsx bench/msm.ts --sizes 12,14,16,18 [--runs 3] [--only g1,g1mix,g2,ntt,prover-ntt]
 *
 * cpu backend against ffjavascript (snarkjs's engine) on the same inputs in the same run: `zkr
 * bench --backends cpu --configs none` (bench/harness.ts); writes bench/results/bench-<time>.{json,md,svg}.
 *
 *   npx tsx bench/msm.ts --sizes 16,18 --windows 11,12,13,14,15,16 [--threads N]
 *
 * instead times the cpu backend's G1 MSM (random scalars and the circom mix) at each forced
 * window and with the cost model's choice (prover/cpu/msm.ts), to check the model; no file.
 *
 *   npx tsx bench/msm.ts --kernels
 *
 * times single kernels on one thread (field multiplication, batch-affine vs XYZZ additions).
 */
import os from "node:os";
import { buildBn128 } from "ffjavascript";
import { createCpuBackend } from "../prover/cpu/index.js";
import { chooseWindow } from "../prover/cpu/msm.js";
import { expandBases } from "../prover/cpu/points.js";
import { FIELD_BYTES, limbBytes } from "../core/wasm/field.js";
import { MAX_PAGES, cpuWasm } from "../prover/cpu/wasm/module.js";
import { runAndReport } from "./harness.js";
import { KERNELS, parseKernels, parseSizes } from "./options.js";
import { median, randomBases, randomScalars } from "./lib.js";
import { rng } from "./fixtures/rng.js";

 
type Curve = any;

function args(): { sizes: number[]; runs: number; threads?: number; only: string; windows?: number[] } {
  const a = process.argv.slice(2);
  const get = (k: string): string | undefined => {
    const i = a.indexOf(k);
    return i >= 0 ? a[i + 1] : undefined;
  };
  const sizes = parseSizes(get("--sizes") ?? "12,14,16,18");
  const runs = Number(get("--runs") ?? 3);
  const threads = get("--threads") === undefined ? undefined : Number(get("--threads"));
  const only = get("--only") ?? Object.keys(KERNELS).join(",");
  const windows = get("--windows")?.split(",").map(Number);
  return { sizes, runs, threads, only, windows };
}

/**
 * Micro-benchmarks of the wasm kernels on one thread (the numbers behind the design choices in
 * prover/cpu/msm.ts and prover/cpu/wasm/field.ts): one Fq multiplication, ours vs wasmcurves'
 * f1m_mul; one batch-affine G1 addition with the points in order, scattered (the tree's first
 * pass), and streamed into buckets as the MSM does; one XYZZ mixed addition into a bucket.
 * Best of several runs; calls from JavaScript include the call (a few ns).
 */
async function kernels(): Promise<void> {
  const best = (runs: number, f: () => void): number => {
    let b = Infinity;
    for (let r = 0; r < runs; r++) {
      const t = performance.now();
      f();
      b = Math.min(b, performance.now() - t);
    }
    return b;
  };
  const curve: any = await buildBn128(true);
  const G = curve.G1;
  const n = 1 << 17;
  const seeds = new Uint8Array(256 * 64);
  for (let i = 0; i < 256; i++) G.toRprLEM(seeds, i * 64, G.toAffine(G.timesScalar(G.g, BigInt(i * 7919 + 12345))));
  const lem = await expandBases("G1", seeds, n);

  const w = await cpuWasm();
  const memory = new WebAssembly.Memory({ initial: 4096, maximum: MAX_PAGES, shared: true });
  const ex = (await WebAssembly.instantiate(w.module, { env: { memory } })).exports as Record<string, (...a: number[]) => number>;
  const A = 2 * FIELD_BYTES;
  const s = w.staticEnd;
  const pts = s + 4096;
  const lemP = pts + n * A;
  const list = lemP + n * 64;
  const pre = list + n * 12;
  const flags = pre + (n + 1) * FIELD_BYTES;
  const out = flags + n * 4;
  new Uint8Array(memory.buffer).set(lem, lemP);
  ex.g1_affBatchFromLem(lemP, n, pts);
  const u32 = new Uint32Array(memory.buffer);
  const rows: [string, number][] = [];

  // field multiplication
  const a = out;
  new Uint8Array(memory.buffer).set(limbBytes(12345678901234567890123n), a);
  new Uint8Array(memory.buffer).set(limbBytes(98765432109876543210987n), a + 64);
  const N = 1_000_000;
  rows.push(["Fq mul, ours (9×29-bit, Karatsuba)", (best(5, () => { for (let i = 0; i < N; i++) ex.fq_mul(a, a + 64, a); }) / N) * 1e6]);
  const tm = curve.tm;
  const wc = tm.instance.exports;
  const pa = tm.alloc(32);
  const pb = tm.alloc(32);
  tm.setBuff(pa, G.F.e(123456789));
  tm.setBuff(pb, G.F.e(987654321));
  rows.push(["Fq mul, wasmcurves f1m_mul (8×32-bit)", (best(5, () => { for (let i = 0; i < N; i++) wc.f1m_mul(pa, pb, pa); }) / N) * 1e6]);

  // batch-affine additions
  const m = n / 2;
  const pairs = (perm: Uint32Array): number => {
    for (let j = 0; j < m; j++) {
      const e = (list >> 2) + 3 * j;
      u32[e] = pts + perm[2 * j] * A;
      u32[e + 1] = pts + perm[2 * j + 1] * A;
      u32[e + 2] = out + j * A;
    }
    return (best(5, () => ex.g1_batchAdd(list, m, pre, flags, s)) / m) * 1e6;
  };
  const seq = Uint32Array.from({ length: n }, (_, i) => i);
  rows.push(["G1 batch-affine addition, points in order", pairs(seq)]);
  const perm = seq.slice();
  let x = 12345;
  for (let i = n - 1; i > 0; i--) {
    x = (x * 1103515245 + 12345) >>> 0;
    const j = x % (i + 1);
    [perm[i], perm[j]] = [perm[j], perm[i]];
  }
  rows.push(["G1 batch-affine addition, points scattered (tree pass 1)", pairs(perm)]);
  const K = 4096;
  const B = 1024;
  new Uint8Array(memory.buffer).copyWithin(out, pts + 1000 * A, pts + (1000 + K) * A);
  const streamed = best(3, () => {
    for (let j0 = 0; j0 < n; j0 += B) {
      for (let j = 0; j < B; j++) {
        const b = (j * 4 + (j0 >> 10)) % K; // distinct buckets within a batch
        const e = (list >> 2) + 3 * j;
        u32[e] = out + b * A;
        u32[e + 1] = pts + (j0 + j) * A;
        u32[e + 2] = out + b * A;
      }
      ex.g1_batchAdd(list, B, pre, flags, s);
    }
  });
  rows.push(["G1 batch-affine addition, streamed into 4096 buckets", (streamed / n) * 1e6]);
  const X = 4 * FIELD_BYTES;
  const bk = out + K * A;
  for (let b = 0; b < K; b++) ex.g1_xyzzFromAff(pts + (1000 + b) * A, bk + b * X);
  const xyzz = best(3, () => {
    for (let j = 0; j < n; j++) ex.g1_xyzzAddAff(bk + ((j * 2654435761) % K) * X, pts + j * A, s);
  });
  rows.push(["G1 XYZZ mixed addition into 4096 buckets", (xyzz / n) * 1e6]);

  console.log("| kernel (one thread) | ns per operation |\n|---|---:|");
  for (const [k, v] of rows) console.log(`| ${k} | ${v.toFixed(0)} |`);
}

/** Forced windows against the cost model's choice (cpu only). */
async function windowSweep(sizes: number[], windows: number[], runs: number, threads?: number): Promise<void> {
  const curve: Curve = await buildBn128(true);
  const next = rng(20240602n).next64;
  const lines = ["| points | scalars | window | cpu (ms) |", "|---:|---|---:|---:|"];
  for (const logn of sizes) {
    const n = 2 ** logn;
    const bases = await randomBases(curve, "G1", n, next);
    for (const mix of [false, true]) {
      const sc = randomScalars(n, mix, next);
      for (const w of [undefined, ...windows]) {
        const be = await createCpuBackend({ threads, windowBits: w });
        const h = await be.loadBases("G1", bases);
        await be.msm(h, sc);
        const ts: number[] = [];
        for (let r = 0; r < runs; r++) {
          const t = performance.now();
          await be.msm(h, sc);
          ts.push(performance.now() - t);
        }
        await be.close();
        const line = `| 2^${logn} | ${mix ? "circom mix" : "random"} | ${w ?? "model: " + modelWindows(n, mix, threads ?? os.cpus().length)} | ${median(ts).toFixed(1)} |`;
        lines.push(line);
        console.error(line);
      }
    }
  }
  console.log(lines.join("\n"));
}

/** The windows the model picks for n points split over `threads` ranges. */
function modelWindows(n: number, mix: boolean, threads: number): number {
  return chooseWindow(Math.round((mix ? n / 4 : n) / threads));
}

async function main(): Promise<void> {
  if (process.argv.includes("--kernels")) return kernels();
  const { sizes, runs, threads, only, windows } = args();
  if (windows) return windowSweep(sizes, windows, runs, threads);
  if (threads !== undefined) throw new Error("--threads: only with --windows (the comparison runs the cpu backend as the prover does)");
  await runAndReport({ quick: false, sizes, kernels: parseKernels(only), backends: ["cpu"], configs: [], runs, proofRuns: 0, softwareMaxLog: 12, log: (l) => console.error(l) });
}

await main();
