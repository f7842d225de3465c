/**
 * The record of one `zkr bench` run and its three renderings: the JSON file (the record itself,
 * checked by {@link checkRun}), a Markdown table ({@link renderMarkdown}) and a log-log plot of
 * kernel time against size ({@link renderPlot}). Pure functions apart from {@link writeRun}, so
 * that the tests can render synthetic runs.
 */
import fs from "node:fs";
import path from "node:path";
import { fmt, markdownTable, resultStamp, writeJson, type Machine, type Stats } from "./lib.js";
import { logLogSvg, type Panel, type Series } from "./plot.js";

/** Version of the JSON layout below; bump it when a field changes meaning. */
export const SCHEMA = "zkr-bench/1";

/** The baseline of kernel rows: snarkjs's engine, called as snarkjs calls it. */
export const KERNEL_BASELINE = "ffjavascript";
/** The baseline of proof rows. */
export const PROOF_BASELINE = "snarkjs";

/** One kernel at one size on one backend; times in milliseconds. */
export interface KernelRow {
  kernel: string;
  logSize: number;
  backend: string;
  ms: Stats;
  /** Median ÷ the baseline's median at the same kernel and size (1 for the baseline; null without one). */
  ratio: number | null;
}

/** Full proofs of one configuration by one prover; times in milliseconds. */
export interface ProofRow {
  config: string;
  prover: string;
  /** `warm`: bases loaded, as the prover service runs; `cold`: read zkey + load + prove, once. */
  mode: "warm" | "cold";
  ms: Stats;
  /** Median ÷ snarkjs's median for the same configuration. */
  ratio: number | null;
  /** zkr's own phase split of the last warm run, seconds. */
  phases?: Record<string, number>;
}

/** The circuit side of one configuration, per transaction (slot). */
export interface CircuitRow {
  config: string;
  txs: number;
  depth: number;
  constraints: number;
  power: number;
  constraintsPerTx: number;
  /** Warm median proof time ÷ txs, per prover, milliseconds. */
  proofMsPerTx: Record<string, number>;
  /** Bytes of `txData` a batch posts per transfer (measured on the benchmark's batch). */
  calldataBytesPerTx: number;
  /** The whole submitBatch calldata (ABI head and proof included) per slot, when a gas result has it. */
  calldataBytesPerSlotOnChain: number | null;
  /** submitBatch gas ÷ slots for a full batch of transfers. */
  gasPerTx: number | null;
  /** Where gasPerTx came from (a result file of bench/gas.ts), or why it is missing. */
  gasSource: string;
}

/** The adapter the webgpu backend ran on. */
export interface AdapterInfo {
  name: string;
  backend: string;
  software: boolean;
  /** Time to compile every kernel (first use), milliseconds. */
  compileMs?: number;
}

/** One run of the harness: what bench/results/bench-*.json holds. */
export interface BenchRun {
  schema: typeof SCHEMA;
  date: string;
  quick: boolean;
  wallSeconds: number;
  machine: Machine;
  /** os.loadavg() when the run started and ended: a loaded machine shows here. */
  loadavg: { start: number[]; end: number[] };
  versions: Record<string, string | null>;
  adapter: AdapterInfo | null;
  options: { sizes: number[]; kernels: string[]; backends: string[]; configs: string[]; runs: number; proofRuns: number };
  kernels: KernelRow[];
  proofs: ProofRow[];
  circuit: CircuitRow[];
  /** What was not measured, and why. */
  skipped: { what: string; why: string }[];
  notes: string[];
}

/** Problems with a run record (empty when it is well-formed): what the JSON files promise readers. */
export function checkRun(x: unknown): string[] {
  const errs: string[] = [];
  const r = x as Partial<BenchRun> | null;
  if (!r || typeof r !== "object") return ["run: an object expected, got " + typeof x];
  if (r.schema !== SCHEMA) errs.push(`schema: ${SCHEMA} expected, got ${String(r.schema)}`);
  if (typeof r.date !== "string" || Number.isNaN(Date.parse(r.date))) errs.push(`date: an ISO date expected, got ${String(r.date)}`);
  const m = r.machine as Partial<Machine> | undefined;
  if (!m) errs.push("machine: missing");
  else {
    for (const k of ["cpu", "node", "os"] as const) if (typeof m[k] !== "string" || !m[k]) errs.push(`machine.${k}: a string expected, got ${String(m[k])}`);
    for (const k of ["cores", "memoryGiB"] as const) if (typeof m[k] !== "number" || !(m[k]! > 0)) errs.push(`machine.${k}: a positive number expected, got ${String(m[k])}`);
  }
  for (const k of ["start", "end"] as const) {
    const l = r.loadavg?.[k];
    if (!Array.isArray(l) || l.length !== 3 || l.some((v) => typeof v !== "number")) errs.push(`loadavg.${k}: three numbers expected, got ${JSON.stringify(l)}`);
  }
  if (!r.versions || typeof r.versions !== "object") errs.push("versions: missing");
  else for (const k of ["snarkjs", "ffjavascript"]) if (typeof r.versions[k] !== "string") errs.push(`versions.${k}: a version string expected, got ${String(r.versions[k])}`);
  if (r.adapter !== null && (typeof r.adapter !== "object" || typeof r.adapter.name !== "string" || typeof r.adapter.software !== "boolean")) errs.push(`adapter: null or { name, backend, software } expected, got ${JSON.stringify(r.adapter)}`);
  const stats = (where: string, s: Stats | undefined) => {
    if (!s || !Array.isArray(s.runs) || s.runs.length === 0) return errs.push(`${where}.ms: runs expected`);
    if (!(s.min <= s.median && s.median <= s.max)) errs.push(`${where}.ms: min ≤ median ≤ max expected, got ${s.min}, ${s.median}, ${s.max}`);
  };
  if (!Array.isArray(r.kernels)) errs.push("kernels: an array expected");
  else r.kernels.forEach((k, i) => stats(`kernels[${i}] (${k.kernel} 2^${k.logSize} ${k.backend})`, k.ms));
  if (!Array.isArray(r.proofs)) errs.push("proofs: an array expected");
  else r.proofs.forEach((p, i) => stats(`proofs[${i}] (${p.config} ${p.prover})`, p.ms));
  if (!Array.isArray(r.circuit)) errs.push("circuit: an array expected");
  if (!Array.isArray(r.skipped)) errs.push("skipped: an array expected");
  return errs;
}

/** Backends in a stable order: the baseline first, then zkr's, then the rest. */
function order(names: string[], baseline: string): string[] {
  const rank = (n: string) => [baseline, "cpu", "webgpu", "ffjs", "rapidsnark"].indexOf(n) + 1 || 99;
  return [...new Set(names)].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

const spread = (s: Stats, scale = 1, digits = 3) => `${fmt(s.median / scale, digits)} [${fmt(s.min / scale, 2)}–${fmt(s.max / scale, 2)}]`;
const ratio = (x: number | null) => (x === null ? "—" : fmt(x, 2));
const load = (l: number[]) => l.map((v) => v.toFixed(2)).join(" / ");

/** The run as Markdown: header with machine and load, kernels, proofs, circuit side, skips. */
export function renderMarkdown(run: BenchRun): string {
  const m = run.machine;
  const out: string[] = [];
  out.push(`# zkr bench${run.quick ? " --quick" : ""}, ${run.date.slice(0, 19).replace("T", " ")} UTC`);
  out.push("");
  out.push(`- machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}`);
  out.push(`- load average (1/5/15 min): ${load(run.loadavg.start)} at start, ${load(run.loadavg.end)} at end (${m.cores} cores)`);
  out.push(`- versions: ${Object.entries(run.versions).map(([k, v]) => `${k} ${v ?? "not installed"}`).join(", ")}`);
  out.push(`- webgpu adapter: ${run.adapter ? `${run.adapter.name} (Dawn ${run.adapter.backend}${run.adapter.software ? ", software" : ""})` : "none"}`);
  out.push(`- wall time: ${fmt(run.wallSeconds, 3)} s`);

  if (run.kernels.length) {
    const backends = order(run.kernels.map((k) => k.backend), KERNEL_BASELINE);
    const keys = [...new Set(run.kernels.map((k) => `${k.kernel}\u0000${k.logSize}`))];
    const rows = keys.map((key) => {
      const [kernel, logSize] = key.split("\u0000");
      const cells = backends.flatMap((b) => {
        const k = run.kernels.find((r) => r.kernel === kernel && String(r.logSize) === logSize && r.backend === b);
        if (b === KERNEL_BASELINE) return [k ? spread(k.ms) : "—"];
        return [k ? spread(k.ms) : "—", k ? ratio(k.ratio) : "—"];
      });
      return [kernel, `2^${logSize}`, ...cells];
    });
    const header = ["kernel", "size", ...backends.flatMap((b) => (b === KERNEL_BASELINE ? [`${b} ms`] : [`${b} ms`, "×"]))];
    out.push("", `## Kernels: milliseconds, median [min–max] of ${run.options.runs}; × = time ÷ ${KERNEL_BASELINE}'s (lower is better)`, "");
    out.push(markdownTable(header, rows, header.map((_, i) => (i < 2 ? "l" : "r"))));
  }

  if (run.proofs.length) {
    const configs = [...new Set(run.proofs.map((p) => p.config))];
    const rows = configs.flatMap((c) => {
      const ps = run.proofs.filter((p) => p.config === c);
      return order(ps.map((p) => p.prover), PROOF_BASELINE).flatMap((name) =>
        ps.filter((p) => p.prover === name).sort((a, b) => (a.mode === b.mode ? 0 : a.mode === "warm" ? -1 : 1)).map((p) => [c, p.prover, p.mode, spread(p.ms, 1000), String(p.ms.runs.length), ratio(p.ratio)]),
      );
    });
    out.push("", `## Full proofs: seconds, median [min–max]; × = time ÷ ${PROOF_BASELINE}.groth16.prove's (lower is better)`, "");
    out.push(markdownTable(["configuration", "prover", "mode", "seconds", "runs", "×"], rows, ["l", "l", "l", "r", "r", "r"]));
  }

  if (run.circuit.length) {
    const provers = order(run.circuit.flatMap((c) => Object.keys(c.proofMsPerTx)), PROOF_BASELINE);
    const rows = run.circuit.map((c) => [
      c.config,
      fmt(c.constraints, 6),
      `2^${c.power}`,
      fmt(c.constraintsPerTx, 5),
      ...provers.map((p) => (c.proofMsPerTx[p] === undefined ? "—" : fmt(c.proofMsPerTx[p], 3))),
      String(c.calldataBytesPerTx),
      c.calldataBytesPerSlotOnChain === null ? "—" : fmt(c.calldataBytesPerSlotOnChain, 3),
      c.gasPerTx === null ? "—" : fmt(c.gasPerTx, 5),
    ]);
    out.push("", "## Per transaction", "");
    out.push(markdownTable(
      ["configuration", "constraints", "domain", "constraints / tx", ...provers.map((p) => `${p} ms / tx`), "tx data bytes / tx", "calldata bytes / slot (whole call)", "gas / tx"],
      rows,
      ["l", "r", "r", "r", ...provers.map(() => "r" as const), "r", "r", "r"],
    ));
    out.push("");
    for (const c of run.circuit) out.push(`- ${c.config} gas: ${c.gasSource}`);
  }

  if (run.skipped.length || run.notes.length) {
    out.push("", "## Notes", "");
    for (const s of run.skipped) out.push(`- skipped ${s.what}: ${s.why}`);
    for (const n of run.notes) out.push(`- ${n}`);
  }
  return out.join("\n") + "\n";
}

/** Colour per backend; unknown backends cycle through the rest. */
const COLORS: Record<string, string> = { ffjavascript: "#555555", cpu: "#1f77b4", webgpu: "#d62728", ffjs: "#9467bd", rapidsnark: "#2ca02c" };
const SPARE = ["#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#bcbd22"];

/** Log-log plots of kernel time against size: a panel per kernel, a line per backend (the baseline dashed). */
export function renderPlot(run: BenchRun): string {
  const backends = order(run.kernels.map((k) => k.backend), KERNEL_BASELINE);
  const kernels = [...new Set(run.kernels.map((k) => k.kernel))];
  let spare = 0;
  const colors = Object.fromEntries(backends.map((b) => [b, COLORS[b] ?? SPARE[spare++ % SPARE.length]]));
  const panels: Panel[] = kernels.map((k) => ({
    title: k,
    series: backends.flatMap((b): Series[] => {
      const points = run.kernels.filter((r) => r.backend === b && r.kernel === k).map((r) => ({ x: 2 ** r.logSize, y: r.ms.median }));
      const label = b === "webgpu" && run.adapter?.software ? "webgpu (software adapter)" : b;
      return points.length ? [{ label, color: colors[b], dash: b === KERNEL_BASELINE ? "6 3" : undefined, points, attrs: { backend: b, kernel: k } }] : [];
    }),
  }));
  const m = run.machine;
  const a = run.adapter;
  return logLogSvg({
    title: `zkr bench${run.quick ? " --quick" : ""}: kernel time against size, median of ${run.options.runs}`,
    subtitle: `${m.cpu}, ${m.cores} cores, Node ${m.node}, load ${run.loadavg.start[0]}→${run.loadavg.end[0]}${a ? `; webgpu on ${a.name.slice(0, 50)}${a.software ? " (software)" : ""}` : ""}; ${run.date.slice(0, 10)}`,
    xLabel: "size (points or field elements)",
    yLabel: "time",
    xTick: (x) => `2^${Math.round(Math.log2(x))}`,
    yTick: (y) => (y >= 1000 ? `${y / 1000} s` : y >= 1 ? `${y} ms` : `${Math.round(y * 1000)} µs`),
    panels,
  });
}

/** File stem of a run: bench-<date>T<time>[-quick]. */
export function runStem(run: BenchRun): string {
  return `bench-${resultStamp(run.date)}${run.quick ? "-quick" : ""}`;
}

/** Writes the run's JSON, Markdown and SVG side by side; returns their paths. */
export function writeRun(run: BenchRun, dir: string): { json: string; md: string; svg: string } {
  const problems = checkRun(run);
  if (problems.length) throw new Error(`writeRun: the run record is malformed: ${problems.join("; ")}`);
  const stem = path.join(dir, runStem(run));
  const files = { json: `${stem}.json`, md: `${stem}.md`, svg: `${stem}.svg` };
  writeJson(files.json, run);
  fs.writeFileSync(files.md, renderMarkdown(run));
  fs.writeFileSync(files.svg, renderPlot(run));
  return files;
}
