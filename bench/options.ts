/**
 * What a benchmark run is asked to do (`zkr bench` and the scripts beside this file): the kernels
 * by name, the options of bench/harness.ts's runBench, and the parsers of their command-line lists.
 */
import path from "node:path";
import type { CircuitConfig } from "../circuits/build.js";
import { ROOT } from "../core/paths.js";

/** Where every benchmark writes its results by default. */
export const RESULTS_DIR = path.join(ROOT, "bench", "results");

/** Kernels by option name, with the label the tables and the plot use. */
export const KERNELS = {
  g1: "G1 MSM",
  g1mix: "G1 MSM, circom mix",
  g2: "G2 MSM",
  ntt: "NTT",
  "prover-ntt": "NTT ×3 (iNTT + coset)",
} as const;
export type KernelKey = keyof typeof KERNELS;

export interface BenchOptions {
  quick: boolean;
  /** log2 sizes of the kernels. */
  sizes: number[];
  kernels: KernelKey[];
  /** zkr backends to measure (webgpu, cpu, ffjs); the baselines always run. */
  backends: string[];
  configs: CircuitConfig[];
  /** Timed runs per kernel row, after one warm-up. */
  runs: number;
  /** Timed runs per prover and configuration, after one warm-up. */
  proofRuns: number;
  /** On a software adapter (llvmpipe), webgpu runs kernels up to 2^this only, and no full proofs. */
  softwareMaxLog: number;
  /** Skip a kernel size when this many bytes per element do not fit in free memory. */
  bytesPerElement?: number;
  /** Where results/gas-*.json are looked up. */
  resultsDir?: string;
  log?: (line: string) => void;
}

/** Parses "12,14,16" (or none) into log2 sizes in [1, 26]. */
export function parseSizes(list: string): number[] {
  if (list === "none") return [];
  return list.split(",").map((s) => {
    const n = Number(s.trim());
    if (!Number.isInteger(n) || n < 1 || n > 26) throw new Error(`--sizes: log2 sizes in [1, 26] expected, got ${s}`);
    return n;
  });
}

/** Parses "g1,g2,ntt" (or none) into kernel keys. */
export function parseKernels(list: string): KernelKey[] {
  if (list === "none") return [];
  return list.split(",").map((k) => {
    if (!(k in KERNELS)) throw new Error(`--kernels: some of ${Object.keys(KERNELS).join(", ")} expected, got ${k}`);
    return k as KernelKey;
  });
}

/** Parses "webgpu,cpu" into zkr backend names (webgpu, cpu, ffjs). */
export function parseBackends(list: string): string[] {
  return list.split(",").filter(Boolean).map((b) => {
    if (!["webgpu", "cpu", "ffjs"].includes(b)) throw new Error(`--backends: some of webgpu, cpu, ffjs expected, got ${b}`);
    return b;
  });
}
