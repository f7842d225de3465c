/**
 * The benchmark harness behind `zkr bench`: zkr's backends against snarkjs on the same inputs in
 * the same run. One run, in order:
 *
 * 1. Backends (bench/backends.ts): each requested one started, or skipped with its reason.
 * 2. Kernels (bench/kernels.ts): MSMs and NTTs at each size against ffjavascript.
 * 3. Full proofs and the circuit side (bench/proofs.ts): per configuration, snarkjs against zkr's
 *    prover per backend and rapidsnark; constraints, proof time, tx-data bytes and gas per tx.
 *
 * Contenders run interleaved (each once per round) so that a shared machine's changing load falls
 * on all of them; medians with min/max and quartiles go into the record (bench/report.ts). What a
 * run is asked to do: bench/options.ts.
 */
import path from "node:path";
import { circuitName } from "../circuits/build.js";
import { RESULTS_DIR, loadavg, machine, versions } from "./lib.js";
import { SCHEMA, renderMarkdown, writeRun, type BenchRun, type CircuitRow, type KernelRow, type ProofRow } from "./report.js";
import { startBackends, type BenchRecord } from "./backends.js";
import { runKernels } from "./kernels.js";
import { runProofs } from "./proofs.js";
import type { BenchOptions } from "./options.js";

/** Runs the benchmark and returns its record (nothing written). */
export async function runBench(o: BenchOptions): Promise<BenchRun> {
  const t0 = performance.now();
  const date = new Date().toISOString();
  const start = loadavg();
  const rec: BenchRecord = { skipped: [], notes: [], log: o.log ?? (() => {}) };
  let kernels: KernelRow[];
  let proofs: ProofRow[];
  let circuit: CircuitRow[];

  const started = await startBackends(o, rec);
  try {
    kernels = await runKernels(o, started, rec);
    ({ proofs, circuit } = await runProofs(o, started, rec));
  } finally {
    await started.close();
  }

  const end = loadavg();
  const m = machine();
  if (Math.max(start[0], end[0]) > m.cores * 0.75) {
    rec.notes.push(`the machine was shared: load average ${start[0]} at start and ${end[0]} at end on ${m.cores} cores; absolute times carry that load, ratios within the run less so`);
  }
  return {
    schema: SCHEMA,
    date,
    quick: o.quick,
    wallSeconds: Math.round((performance.now() - t0) / 100) / 10,
    machine: m,
    loadavg: { start, end },
    versions: versions(),
    adapter: started.adapter,
    options: { sizes: o.sizes, kernels: o.kernels, backends: o.backends, configs: o.configs.map(circuitName), runs: o.runs, proofRuns: o.proofRuns },
    kernels,
    proofs,
    circuit,
    skipped: rec.skipped,
    notes: rec.notes,
  };
}

/**
 * Runs the benchmark, writes its JSON, Markdown and SVG into `outDir` (default bench/results) and
 * prints the Markdown and the files: what `zkr bench` and the scripts beside this file do.
 */
export async function runAndReport(o: BenchOptions, outDir = RESULTS_DIR): Promise<{ run: BenchRun; files: { json: string; md: string; svg: string } }> {
  const run = await runBench(o);
  const files = writeRun(run, outDir);
  console.log("\n" + renderMarkdown(run));
  const rel = (f: string) => path.relative(process.cwd(), f);
  console.log(`written: ${rel(files.json)}, ${rel(files.md)}, ${rel(files.svg)} (${run.wallSeconds} s)`);
  return { run, files };
}
