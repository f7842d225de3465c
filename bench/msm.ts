/**
 * The CPU backend's kernels against ffjavascript (snarkjs's engine) on the same inputs, in the
 * same run: G1 MSM with random scalars and with a circom-like mix (44% 0, 31% 1, 25% random),
 * G2 MSM, a forward NTT, and the prover's NTT step (inverse then coset NTT for A, B, C at once).
 * Each row is the median of `--runs` timed runs after one warm-up, cpu and ffjavascript
 * alternating; every cpu result is checked against ffjavascript's once.
 *
 *   npx tsx bench/msm.ts --sizes 12,14,16,18 [--runs 3] [--threads N] [--only g1,g1mix,g2,ntt,prover-ntt]
 *
 * Prints a Markdown table and writes bench/results/msm-cpu-<date>.json (with the machine).
 *
 *   npx tsx bench/msm.ts --sizes 16,18 --windows 11,12,13,14,15,16
 *
 * instead times the cpu backend's G1 MSM (random scalars and the circom mix) at each forced
 * window and with the cost model's choice (prover/cpu/msm.ts), to check the model; no file.
 *
 *   npx tsx bench/msm.ts --kernels
 *
 * times single kernels on one thread (field multiplication, batch-affine vs XYZZ additions).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { buildBn128 } from "ffjavascript";
import { FR_MODULUS, G1_BYTES, G2_BYTES, writeScalar, type Group, type ProverBackend } from "../prover/backend.js";
import { frRootOfUnity } from "../prover/curve.js";
import { createCpuBackend } from "../prover/cpu/index.js";
import { chooseWindow } from "../prover/cpu/msm.js";
import { expandBases } from "../prover/cpu/points.js";
import { FIELD_BYTES, limbBytes } from "../prover/cpu/wasm/field.js";
import { MAX_PAGES, cpuWasm } from "../prover/cpu/wasm/module.js";

/* eslint-disable @typescript-eslint/no-explicit-any */
type Curve = any;

interface Row {
  kernel: string;
  size: number;
  cpuMs: number;
  ffjsMs: number;
  ratio: number;
  cpuRuns: number[];
  ffjsRuns: number[];
}

function args(): { sizes: number[]; runs: number; threads?: number; only: Set<string>; windows?: number[] } {
  const a = process.argv.slice(2);
  const get = (k: string): string | undefined => {
    const i = a.indexOf(k);
    return i >= 0 ? a[i + 1] : undefined;
  };
  const sizes = (get("--sizes") ?? "12,14,16,18").split(",").map(Number);
  if (sizes.some((s) => !Number.isInteger(s) || s < 1 || s > 22)) throw new Error(`--sizes: log2 sizes in [1, 22] expected, got ${get("--sizes")}`);
  const runs = Number(get("--runs") ?? 3);
  const threads = get("--threads") === undefined ? undefined : Number(get("--threads"));
  const only = new Set((get("--only") ?? "g1,g1mix,g2,ntt,prover-ntt").split(","));
  const windows = get("--windows")?.split(",").map(Number);
  return { sizes, runs, threads, only, windows };
}

/** SplitMix64, as test/helpers/rng.ts. */
function rng(seed: bigint): () => bigint {
  let s = seed;
  const M = (1n << 64n) - 1n;
  return () => {
    s = (s + 0x9e3779b97f4a7c15n) & M;
    let z = s;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M;
    return z ^ (z >> 31n);
  };
}

function randomScalars(n: number, mix: boolean, next: () => bigint): Uint8Array {
  const out = new Uint8Array(n * 32);
  for (let i = 0; i < n; i++) {
    const k = Number(next() % 100n);
    const v = mix && k < 44 ? 0n : mix && k < 75 ? 1n : ((next() << 192n) | (next() << 128n) | (next() << 64n) | next()) % FR_MODULUS;
    writeScalar(out, i, v);
  }
  return out;
}

async function randomBases(curve: Curve, g: Group, n: number, next: () => bigint): Promise<Uint8Array> {
  const G = g === "G1" ? curve.G1 : curve.G2;
  const size = g === "G1" ? G1_BYTES : G2_BYTES;
  const k = 64;
  const seeds = new Uint8Array(k * size);
  for (let i = 0; i < k; i++) G.toRprLEM(seeds, i * size, G.toAffine(G.timesScalar(G.g, next() % FR_MODULUS)));
  return expandBases(g, seeds, n);
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Warm-up, then `runs` alternating timed runs; checks the results agree once. */
async function measure<T>(runs: number, cpu: () => Promise<T>, ffjs: () => Promise<T>, same: (a: T, b: T) => boolean, label: string) {
  const a = await cpu();
  const b = await ffjs();
  if (!same(a, b)) throw new Error(`${label}: cpu and ffjavascript disagree`);
  const cpuRuns: number[] = [];
  const ffjsRuns: number[] = [];
  for (let r = 0; r < runs; r++) {
    let t = performance.now();
    await cpu();
    cpuRuns.push(performance.now() - t);
    t = performance.now();
    await ffjs();
    ffjsRuns.push(performance.now() - t);
  }
  return { cpuRuns, ffjsRuns };
}

const eqBytes = (a: Uint8Array, b: Uint8Array): boolean => Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;

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
  const next = rng(20240602n);
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
  const curve: Curve = await buildBn128();
  const cpu: ProverBackend = await createCpuBackend({ threads });
  const rows: Row[] = [];
  const next = rng(20240601n);
  const report = (kernel: string, size: number, m: { cpuRuns: number[]; ffjsRuns: number[] }) => {
    const row = { kernel, size, cpuMs: median(m.cpuRuns), ffjsMs: median(m.ffjsRuns), ratio: 0, ...m };
    row.ratio = row.cpuMs / row.ffjsMs;
    rows.push(row);
    console.error(`${kernel} 2^${size}: cpu ${row.cpuMs.toFixed(1)} ms, ffjavascript ${row.ffjsMs.toFixed(1)} ms, ratio ${row.ratio.toFixed(2)}`);
  };
  try {
    for (const logn of sizes) {
      const n = 2 ** logn;
      for (const g of ["G1", "G2"] as const) {
        const kinds = g === "G1" ? (["g1", "g1mix"] as const).filter((k) => only.has(k)) : only.has("g2") ? (["g2"] as const) : [];
        if (kinds.length === 0) continue;
        const G = g === "G1" ? curve.G1 : curve.G2;
        const size = g === "G1" ? G1_BYTES : G2_BYTES;
        const bases = await randomBases(curve, g, n, next);
        const h = await cpu.loadBases(g, bases);
        for (const kind of kinds) {
          const sc = randomScalars(n, kind === "g1mix", next);
          const m = await measure(
            runs,
            () => cpu.msm(h, sc),
            async () => {
              const p = G.toAffine(await G.multiExpAffine(bases, sc));
              const out = new Uint8Array(size);
              if (!G.isZero(p)) G.toRprLEM(out, 0, p);
              return out;
            },
            eqBytes,
            `${kind} 2^${logn}`,
          );
          report(kind === "g1" ? "G1 MSM, random scalars" : kind === "g1mix" ? "G1 MSM, circom mix" : "G2 MSM, random scalars", logn, m);
        }
        await h.release();
      }
      const Fr = curve.Fr;
      if (only.has("ntt")) {
        const v = randomScalars(n, false, next);
        const vm = await Fr.batchToMontgomery(v);
        const m = await measure(
          runs,
          () => cpu.ntt(v),
          async () => new Uint8Array(await Fr.batchFromMontgomery(await Fr.fft(vm))),
          eqBytes,
          `ntt 2^${logn}`,
        );
        // the timed ffjavascript run includes one conversion back; time Fr.fft alone too
        const alone: number[] = [];
        for (let r = 0; r < runs; r++) {
          const t = performance.now();
          await Fr.fft(vm);
          alone.push(performance.now() - t);
        }
        report("NTT forward", logn, { cpuRuns: m.cpuRuns, ffjsRuns: alone });
      }
      if (only.has("prover-ntt")) {
        // the prover's step: for A, B, C at once, inverse NTT then forward NTT on the coset ω_2n·⟨ω_n⟩
        const shift = frRootOfUnity(logn + 1);
        const vs = [0, 1, 2].map(() => randomScalars(n, false, next));
        const vms = await Promise.all(vs.map((v) => Fr.batchToMontgomery(v)));
        const inc = Fr.e(shift);
        const m = await measure(
          runs,
          () => Promise.all(vs.map(async (v) => cpu.ntt(await cpu.ntt(v, { inverse: true }), { coset: shift }))),
          () =>
            Promise.all(
              vms.map(async (vm: Uint8Array) => {
                const coeffs = await Fr.ifft(vm);
                return new Uint8Array(await Fr.fft(await Fr.batchApplyKey(coeffs, Fr.e(1), inc)));
              }),
            ),
          () => true,
          `prover ntt 2^${logn}`,
        );
        // correctness once, outside the timing (ffjavascript's output is Montgomery)
        const ours = await cpu.ntt(await cpu.ntt(vs[0], { inverse: true }), { coset: shift });
        const theirs = new Uint8Array(await Fr.batchFromMontgomery(await Fr.fft(await Fr.batchApplyKey(await Fr.ifft(vms[0]), Fr.e(1), inc))));
        if (!eqBytes(ours, theirs)) throw new Error(`prover ntt 2^${logn}: cpu and ffjavascript disagree`);
        report("NTT ×3 (iNTT + coset NTT, concurrent)", logn, m);
      }
    }
  } finally {
    await cpu.close();
    await curve.terminate();
  }

  const machine = { cpu: os.cpus()[0]?.model ?? "unknown", cores: os.cpus().length, node: process.version, os: `${os.platform()} ${os.release()}`, memoryGiB: Math.round(os.totalmem() / 2 ** 30) };
  const lines = [
    `CPU backend vs ffjavascript — ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}; median of ${runs} runs after a warm-up`,
    "",
    "| kernel | size | cpu (ms) | ffjavascript (ms) | cpu / ffjavascript |",
    "|---|---:|---:|---:|---:|",
    ...rows.map((r) => `| ${r.kernel} | 2^${r.size} | ${r.cpuMs.toFixed(1)} | ${r.ffjsMs.toFixed(1)} | ${r.ratio.toFixed(2)} |`),
  ];
  console.log(lines.join("\n"));
  const date = new Date().toISOString().slice(0, 10);
  const dir = path.join(path.dirname(new URL(import.meta.url).pathname), "results");
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `msm-cpu-${date}.json`);
  fs.writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), machine, runs, threads: threads ?? machine.cores, rows }, null, 2) + "\n");
  console.error(`wrote ${path.relative(process.cwd(), file)}`);
}

await main();
