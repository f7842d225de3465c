/**
 * The whole-process comparison (`zkr bench cli`): the one-shot `zkr prove --zkey Z --wtns W`, as a
 * user runs it (a child process: Node's start, the CLI, reading the key, the workers, the proof,
 * writing it), against `snarkjs groth16 prove Z W` and rapidsnark when it is on PATH, on the same
 * key and witness, per circuit:
 *
 * 1. circuits zkr has never seen, of about 2^14, 2^16, 2^18 constraints (bench/fixtures/cli-circuit.ts,
 *    cached under build/bench-cli/), and rollup configurations (dev keys, a batch of transfers);
 * 2. each prover once untimed (`--warmup`, the page cache), its proof verified with snarkjs;
 * 3. `runs` rounds, one run of each prover per round, the order reversed every other round, so a
 *    shared machine's changing load and any order effect fall on all of them alike.
 *
 * Each child's wall time is measured from spawn to exit. Its peak memory is the kernel's: with
 * GNU time (`/usr/bin/time`, when present) wrapped around it, its `%M` (the largest ru_maxrss of
 * the process tree, exact) and meanwhile, every 20 ms, the sum of the tree's VmHWM (each process's
 * own peak, from /proc: zkr's CLI is a supervisor and a child, whose sum is what the machine must
 * hold at most); the larger of the two is recorded. Never smaller than the truth for a single
 * process, at worst a little larger for a tree whose peaks did not coincide.
 */
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { circuitName, type CircuitConfig } from "../circuits/build.js";
import { devKeys } from "../circuits/devkeys.js";
import { releaseSnarkjs } from "../circuits/witness.js";
import { ROOT } from "../core/paths.js";
import { cliCircuit, type CliCircuit } from "./fixtures/cli-circuit.js";
import { transferBatch } from "./fixtures/transfer-batch.js";
import { RESULTS_DIR, fmt, loadavg, machine, markdownTable, resultStamp, summarize, versions, writeJson, type Machine, type Stats } from "./lib.js";
import { findRapidsnark } from "./rapidsnark.js";

export const CLI_SCHEMA = "zkr-bench-cli/1";
export const CLI_PROVERS = ["zkr", "snarkjs", "rapidsnark"] as const;
export type CliProver = (typeof CLI_PROVERS)[number];

/** What `zkr bench cli` is asked to do. */
export interface CliBenchOptions {
  /** log2 sizes of the chain circuits (bench/fixtures/cli-circuit.ts). */
  sizes: number[];
  /** Rollup configurations (dev keys, a full batch of transfers). */
  configs: CircuitConfig[];
  /** Timed rounds (each prover once per round). */
  runs: number;
  /** Untimed rounds first (default 1); the proofs verified are the first ones either way. */
  warmup?: number;
  /** zkr's `--backend`; default none given (the CLI's own default, as a user runs it). */
  backend?: string;
  /** Leave rapidsnark out even when it is on PATH. */
  noRapidsnark?: boolean;
  log?: (line: string) => void;
}

/** One prover on one circuit. */
export interface CliRow {
  circuit: string;
  power: number;
  constraints: number;
  prover: CliProver;
  /** Whole-process wall time, milliseconds. */
  ms: Stats;
  /** Peak resident memory, MiB (see the file's header). */
  peakMiB: Stats;
  /** Median wall time ÷ snarkjs's, and ÷ rapidsnark's (null when it did not run). */
  vsSnarkjs: number;
  vsRapidsnark: number | null;
  /** Median peak memory ÷ rapidsnark's (null when it did not run). */
  memVsRapidsnark: number | null;
  verified: boolean;
  /** zkr only: its stderr lines of the last run (what each phase took). */
  log?: string[];
}

export interface CliRun {
  schema: typeof CLI_SCHEMA;
  date: string;
  wallSeconds: number;
  machine: Machine;
  loadavg: { start: number[]; end: number[] };
  versions: Record<string, string | null>;
  /** How wall time and peak memory were measured. */
  method: { wall: string; memory: string };
  options: { sizes: number[]; configs: string[]; runs: number; warmup: number; backend: string | null };
  commands: Record<string, string>;
  rows: CliRow[];
  skipped: { what: string; why: string }[];
  notes: string[];
}

/** What one child took: wall milliseconds, peak MiB, and its output. */
export interface ChildMeasure {
  ms: number;
  peakMiB: number;
  stdout: string;
  stderr: string;
}

const GNU_TIME = "/usr/bin/time";
const POLL_MS = 20;

/** Kernel-tracked peak (VmHWM, KiB) of a process, or 0 once it is gone. */
function hwmKiB(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** The process's descendants (through /proc/<pid>/task/<tid>/children). */
function descendants(pid: number, out: number[] = []): number[] {
  let tasks: string[];
  try {
    tasks = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const t of tasks) {
    let kids: string;
    try {
      kids = fs.readFileSync(`/proc/${pid}/task/${t}/children`, "utf8");
    } catch {
      continue;
    }
    for (const k of kids.split(" ").filter(Boolean).map(Number)) {
      out.push(k);
      descendants(k, out);
    }
  }
  return out;
}

/**
 * Runs `cmd args` to its end and measures it (see the file's header); a non-zero exit is an error
 * with its output.
 */
export async function measureChild(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<ChildMeasure> {
  const useTime = fs.existsSync(GNU_TIME);
  const timeFile = useTime ? path.join(fs.mkdtempSync(path.join(os.tmpdir(), "zkr-bench-time-")), "rusage") : "";
  const [file, argv] = useTime ? [GNU_TIME, ["-f", "%M", "-o", timeFile, cmd, ...args]] : [cmd, args];
  const t0 = performance.now();
  const child = spawn(file, argv, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on("data", (d: Buffer) => out.push(d));
  child.stderr.on("data", (d: Buffer) => err.push(d));
  // Each process's own peak, last seen; the wrapper (GNU time) itself is not counted.
  const peaks = new Map<number, number>();
  const sample = () => {
    if (child.pid === undefined) return;
    const pids = descendants(child.pid);
    if (!useTime) pids.push(child.pid);
    for (const p of pids) peaks.set(p, Math.max(peaks.get(p) ?? 0, hwmKiB(p)));
  };
  const timer = setInterval(sample, POLL_MS);
  sample();
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (c) => resolve(c));
  }).finally(() => clearInterval(timer));
  const ms = performance.now() - t0;
  const stdout = Buffer.concat(out).toString();
  const stderr = Buffer.concat(err).toString();
  if (code !== 0) throw new Error(`bench cli: ${path.basename(cmd)} ${args.join(" ")} exited with ${code}:\n${stderr.slice(-2000)}`);
  let kib = [...peaks.values()].reduce((a, b) => a + b, 0);
  if (useTime) {
    const m = /^(\d+)\s*$/m.exec(fs.readFileSync(timeFile, "utf8"));
    fs.rmSync(path.dirname(timeFile), { recursive: true, force: true });
    if (m) kib = Math.max(kib, Number(m[1]));
  }
  return { ms, peakMiB: kib / 1024, stdout, stderr };
}

/** A circuit to prove: its key, witness and verification key (the rollup's too). */
type Target = CliCircuit;

async function targets(o: CliBenchOptions, log: (l: string) => void): Promise<Target[]> {
  const out: Target[] = [];
  for (const p of o.sizes) {
    const c: CliCircuit = await cliCircuit(p, log);
    out.push(c);
  }
  for (const config of o.configs) {
    const keys = await devKeys(config, { log });
    const batch = await transferBatch(keys, config);
    out.push({ name: circuitName(config), power: keys.power, constraints: keys.circuit.manifest.constraints, zkey: keys.zkey, wtns: batch.wtns, vkey: keys.vkey });
  }
  return out;
}

/** Runs the comparison and returns its record (nothing written). */
export async function runCliBench(o: CliBenchOptions): Promise<CliRun> {
  const t0 = performance.now();
  const date = new Date().toISOString();
  const log = o.log ?? (() => {});
  const start = loadavg();
  const warmup = o.warmup ?? 1;
  const skipped: CliRun["skipped"] = [];
  const notes: string[] = [];
  // The CLI as npm install leaves it: compiled (bin/zkr.js runs build/js only while it is newer than
  // every source; otherwise it goes through tsx, a slower start that is no user's).
  const built = spawnSync(process.execPath, [path.join(ROOT, "scripts", "build-js.mjs")], { encoding: "utf8" });
  if (built.status !== 0) throw new Error(`bench cli: scripts/build-js.mjs failed:\n${built.stderr}`);
  const rapid = o.noRapidsnark ? { why: "left out (--no-rapidsnark)" } : await findRapidsnark();
  if ("why" in rapid) {
    skipped.push({ what: "rapidsnark", why: rapid.why });
    log(`skipped rapidsnark: ${rapid.why}`);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zkr-bench-cli-"));
  const files = (who: string) => ({ proof: path.join(dir, `${who}-proof.json`), public: path.join(dir, `${who}-public.json`) });
  const snarkjsBin = path.join(ROOT, "node_modules", ".bin", "snarkjs");
  const zkrBin = path.join(ROOT, "bin", "zkr.js");
  const argv: Record<CliProver, ((t: Target) => [string, string[]]) | undefined> = {
    zkr: (t) => [process.execPath, [zkrBin, "prove", "--zkey", t.zkey, "--wtns", t.wtns, "--proof", files("zkr").proof, "--public", files("zkr").public, ...(o.backend ? ["--backend", o.backend] : [])]],
    snarkjs: (t) => [snarkjsBin, ["groth16", "prove", t.zkey, t.wtns, files("snarkjs").proof, files("snarkjs").public]],
    rapidsnark: "bin" in rapid ? (t) => [rapid.bin, [t.zkey, t.wtns, files("rapidsnark").proof, files("rapidsnark").public]] : undefined,
  };
  const provers = CLI_PROVERS.filter((p) => argv[p]);
  const rows: CliRow[] = [];
  const snarkjs = await import("snarkjs");
  try {
    for (const t of await targets(o, log)) {
      const vk = JSON.parse(fs.readFileSync(t.vkey, "utf8")) as unknown;
      const ms: Record<string, number[]> = Object.fromEntries(provers.map((p) => [p, []]));
      const mem: Record<string, number[]> = Object.fromEntries(provers.map((p) => [p, []]));
      const verified: Record<string, boolean> = {};
      let zkrLog: string[] = [];
      const total = warmup + o.runs;
      for (let r = 0; r < total; r++) {
        // Paired and alternating: every prover once per round, the order reversed every other round.
        const order = r % 2 ? [...provers].reverse() : provers;
        for (const p of order) {
          const [cmd, args] = argv[p]!(t);
          const m = await measureChild(cmd, args, { cwd: dir });
          if (p === "zkr") zkrLog = m.stderr.split("\n").filter(Boolean);
          if (!(p in verified)) {
            const f = files(p);
            verified[p] = await snarkjs.groth16.verify(vk, JSON.parse(fs.readFileSync(f.public, "utf8")), JSON.parse(fs.readFileSync(f.proof, "utf8")));
            await releaseSnarkjs();
            if (!verified[p]) throw new Error(`bench cli: ${p}'s proof of ${t.name} does not verify`);
          }
          for (const f of Object.values(files(p))) fs.rmSync(f, { force: true });
          if (r >= warmup) {
            ms[p].push(m.ms);
            mem[p].push(m.peakMiB);
          }
          log(`${t.name}: ${p} ${r < warmup ? "warm-up" : `run ${r - warmup + 1}/${o.runs}`} ${(m.ms / 1000).toFixed(2)} s, ${m.peakMiB.toFixed(0)} MiB`);
        }
      }
      const med = (p: string, x: Record<string, number[]>) => summarize(x[p]).median;
      for (const p of provers) {
        rows.push({
          circuit: t.name,
          power: t.power,
          constraints: t.constraints,
          prover: p,
          ms: summarize(ms[p]),
          peakMiB: summarize(mem[p]),
          vsSnarkjs: med(p, ms) / med("snarkjs", ms),
          vsRapidsnark: ms.rapidsnark ? med(p, ms) / med("rapidsnark", ms) : null,
          memVsRapidsnark: mem.rapidsnark ? med(p, mem) / med("rapidsnark", mem) : null,
          verified: verified[p],
          ...(p === "zkr" ? { log: zkrLog } : {}),
        });
      }
      const z = rows.find((x) => x.circuit === t.name && x.prover === "zkr")!;
      log(`${t.name}: zkr ${(z.ms.median / 1000).toFixed(2)} s = ${z.vsSnarkjs.toFixed(2)} × snarkjs${z.vsRapidsnark !== null ? `, ${z.vsRapidsnark.toFixed(2)} × rapidsnark` : ""}; peak ${z.peakMiB.median.toFixed(0)} MiB`);
    }
  } finally {
    await releaseSnarkjs();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const end = loadavg();
  const m = machine();
  if (Math.max(start[0], end[0]) > m.cores * 0.75) {
    notes.push(`the machine was shared: load average ${start[0]} at start and ${end[0]} at end on ${m.cores} cores; absolute times carry that load, the paired ratios less so`);
  }
  return {
    schema: CLI_SCHEMA,
    date,
    wallSeconds: Math.round((performance.now() - t0) / 100) / 10,
    machine: m,
    loadavg: { start, end },
    versions: versions(),
    method: {
      wall: "spawn to exit of the child, in the benchmark process (performance.now)",
      memory: fs.existsSync(GNU_TIME)
        ? `max of GNU time's %M (largest ru_maxrss in the child's tree) and the sum of the tree's VmHWM sampled every ${POLL_MS} ms`
        : `sum of the child tree's VmHWM sampled every ${POLL_MS} ms (no ${GNU_TIME})`,
    },
    options: { sizes: o.sizes, configs: o.configs.map(circuitName), runs: o.runs, warmup, backend: o.backend ?? null },
    commands: {
      zkr: `node bin/zkr.js prove --zkey Z --wtns W --proof P --public S${o.backend ? ` --backend ${o.backend}` : ""}`,
      snarkjs: "node_modules/.bin/snarkjs groth16 prove Z W P S",
      ...("bin" in rapid ? { rapidsnark: `${rapid.bin} Z W P S` } : {}),
    },
    rows,
    skipped,
    notes,
  };
}

/** The run as Markdown: one line per circuit and prover. */
export function renderCliMarkdown(run: CliRun): string {
  const lines: string[] = [];
  lines.push(`# zkr bench cli: whole-process proofs, ${run.date}`);
  lines.push("");
  lines.push(`${run.machine.cpu}, ${run.machine.cores} cores, ${run.machine.memoryGiB} GiB, Node ${run.machine.node}, ${run.machine.os}; load average ${run.loadavg.start.join(" / ")} at start, ${run.loadavg.end.join(" / ")} at end; snarkjs ${run.versions.snarkjs ?? "?"}.`);
  lines.push(`${run.options.runs} paired runs per prover after ${run.options.warmup} warm-up${run.options.warmup === 1 ? "" : "s"}, the order reversed every other round; wall: ${run.method.wall}; memory: ${run.method.memory}.`);
  lines.push("");
  const s = (x: number) => fmt(x / 1000);
  const r = (x: number | null) => (x === null ? "—" : fmt(x, 2));
  lines.push(
    markdownTable(
      ["circuit", "constraints", "prover", "wall s, median [min–max]", "× snarkjs", "× rapidsnark", "peak MiB, median", "mem × rapidsnark", "verified"],
      run.rows.map((x) => [
        `${x.circuit} (2^${x.power})`,
        x.constraints.toLocaleString("en-US"),
        x.prover,
        `${s(x.ms.median)} [${s(x.ms.min)}–${s(x.ms.max)}]`,
        x.prover === "snarkjs" ? "1" : `**${r(x.vsSnarkjs)}**`,
        r(x.vsRapidsnark),
        fmt(x.peakMiB.median),
        r(x.memVsRapidsnark),
        x.verified ? "yes" : "NO",
      ]),
      ["l", "r", "l", "r", "r", "r", "r", "r", "l"],
    ),
  );
  lines.push("");
  lines.push("Commands: " + Object.entries(run.commands).map(([k, v]) => `${k}: \`${v}\``).join("; ") + ".");
  for (const k of run.skipped) lines.push(`- skipped ${k.what}: ${k.why}`);
  for (const n of run.notes) lines.push(`- note: ${n}`);
  return lines.join("\n") + "\n";
}

/** Writes the run as `cli-<stamp>.{json,md}` into `outDir`. */
export function writeCliRun(run: CliRun, outDir = RESULTS_DIR): { json: string; md: string } {
  const stem = path.join(outDir, `cli-${resultStamp(run.date)}`);
  const files = { json: `${stem}.json`, md: `${stem}.md` };
  writeJson(files.json, run);
  fs.writeFileSync(files.md, renderCliMarkdown(run));
  return files;
}

/** Runs, writes and prints: what `zkr bench cli` does. */
export async function runCliAndReport(o: CliBenchOptions, outDir = RESULTS_DIR): Promise<{ run: CliRun; files: { json: string; md: string } }> {
  const run = await runCliBench(o);
  const files = writeCliRun(run, outDir);
  console.log("\n" + renderCliMarkdown(run));
  console.log(`written: ${path.relative(process.cwd(), files.json)}, ${path.relative(process.cwd(), files.md)} (${run.wallSeconds} s)`);
  return { run, files };
}
