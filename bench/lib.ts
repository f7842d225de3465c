/**
 * What the benchmarks share: seeded inputs (scalars, group elements), statistics of timed runs,
 * the machine and package versions for the result files, and small Markdown helpers. The
 * harness (bench/harness.ts, `zkr bench`) and the single-purpose scripts beside it build on this.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { FR_MODULUS, G1_BYTES, G2_BYTES, writeScalar, type Group } from "../prover/backend.js";
import { expandBases } from "../prover/cpu/points.js";

 
type Curve = any;

export { ROOT } from "../core/paths.js";
import { ROOT } from "../core/paths.js";
/** Where result files go by default. */
export { RESULTS_DIR } from "./options.js";

/**
 * `n` scalars in the backends' layout (32 bytes little-endian each): uniform in Fr, or with `mix`
 * the circom-like distribution of a witness (44% 0, 31% 1, 25% uniform).
 */
export function randomScalars(n: number, mix: boolean, next: () => bigint): Uint8Array {
  const out = new Uint8Array(n * 32);
  for (let i = 0; i < n; i++) {
    const k = Number(next() % 100n);
    const v = mix && k < 44 ? 0n : mix && k < 75 ? 1n : ((next() << 192n) | (next() << 128n) | (next() << 64n) | next()) % FR_MODULUS;
    writeScalar(out, i, v);
  }
  return out;
}

/** `n` affine points of G1 or G2 in the zkey's LEM layout, expanded from 64 random multiples of the generator. */
export async function randomBases(curve: Curve, g: Group, n: number, next: () => bigint): Promise<Uint8Array> {
  const G = g === "G1" ? curve.G1 : curve.G2;
  const size = g === "G1" ? G1_BYTES : G2_BYTES;
  const k = 64;
  const seeds = new Uint8Array(k * size);
  for (let i = 0; i < k; i++) G.toRprLEM(seeds, i * size, G.toAffine(G.timesScalar(G.g, next() % FR_MODULUS)));
  return expandBases(g, seeds, n);
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Median and spread of timed runs (same unit as the runs). */
export interface Stats {
  median: number;
  min: number;
  max: number;
  /** First and third quartiles (linear interpolation); with fewer than 4 runs, read min/max instead. */
  q1: number;
  q3: number;
  runs: number[];
}

/** Quantile q ∈ [0, 1] of sorted values, linearly interpolated. */
function quantile(sorted: number[], q: number): number {
  const i = (sorted.length - 1) * q;
  const lo = Math.floor(i);
  const hi = Math.ceil(i);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (i - lo);
}

/** Summarises runs; throws on an empty list. */
export function summarize(runs: number[]): Stats {
  if (runs.length === 0) throw new Error("summarize: at least one run expected, got none");
  const s = [...runs].sort((a, b) => a - b);
  return { median: median(s), min: s[0], max: s[s.length - 1], q1: quantile(s, 0.25), q3: quantile(s, 0.75), runs: [...runs] };
}

/** Milliseconds one call of `fn` takes. */
export async function timeMs(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

/**
 * Runs each contender once untimed (the warm-up; `check` sees its result) unless it is in `warm`
 * already, then `runs` rounds in which every contender runs once in turn: interleaving spreads a
 * machine's changing load over all of them instead of charging it to whichever ran last.
 * Returns milliseconds per contender.
 */
export async function interleaved<T>(
  runs: number,
  contenders: Record<string, () => Promise<T>>,
  check: (name: string, result: T) => void | Promise<void> = () => {},
  warm: ReadonlySet<string> = new Set(),
): Promise<Record<string, number[]>> {
  const names = Object.keys(contenders);
  for (const n of names) if (!warm.has(n)) await check(n, await contenders[n]());
  const out: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < runs; r++) for (const n of names) out[n].push(await timeMs(contenders[n]));
  return out;
}

/** The machine a result came from. */
export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  freeMemoryGiB: number;
  node: string;
  os: string;
}

export function machine(): Machine {
  return {
    cpu: os.cpus()[0]?.model.trim() ?? "unknown",
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    freeMemoryGiB: Math.round(os.freemem() / 2 ** 30),
    node: process.version,
    os: `${os.platform()} ${os.release()}`,
  };
}

/** 1, 5 and 15 minute load averages, two decimals. */
export const loadavg = (): number[] => os.loadavg().map((x) => Math.round(x * 100) / 100);

/** Installed versions of the packages whose code is measured (null when not installed). */
export function versions(names = ["snarkjs", "ffjavascript", "webgpu"]): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const n of names) {
    try {
      out[n] = (JSON.parse(fs.readFileSync(path.join(ROOT, "node_modules", n, "package.json"), "utf8")) as { version: string }).version;
    } catch {
      out[n] = null;
    }
  }
  return out;
}

/** A Markdown table; `align` per column, `r` for numbers. */
export function markdownTable(header: string[], rows: string[][], align: ("l" | "r")[] = []): string {
  const sep = header.map((_, i) => (align[i] === "r" ? "---:" : "---"));
  return [header, sep, ...rows].map((r) => `| ${r.join(" | ")} |`).join("\n");
}

/** A number with `digits` significant digits at most, grouped thousands, no exponent. */
export function fmt(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return "—";
  const a = Math.abs(x);
  const decimals = a === 0 ? 0 : Math.max(0, digits - 1 - Math.floor(Math.log10(a)));
  return x.toLocaleString("en-US", { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

/** The time part of a result file's name: an ISO date to the second, without colons (2026-12-03T101752). */
export function resultStamp(isoDate: string): string {
  return isoDate.slice(0, 19).replace(/:/g, "");
}

/** Writes `data` as indented JSON, creating the folder. */
export function writeJson(file: string, data: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(data, null, 2) + "\n");
}
