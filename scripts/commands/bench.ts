/**
 * `zkr bench`: MSM, NTT and full proofs on zkr's backends against snarkjs (and rapidsnark when it
 * is on PATH), same inputs, same run. Writes bench/results/bench-<time>.{json,md,svg} and prints
 * the table. The measuring is bench/harness.ts's; the rendering bench/report.ts's.
 */
import type { Command } from "commander";
import { descriptionOf } from "./index.js";
import { KERNELS, RESULTS_DIR, parseBackends, parseKernels, parseSizes } from "../../bench/options.js";
import { parseConfigs } from "./circuits.js";
import { int } from "./options.js";

/** Defaults of a full and of a quick run (`--quick` must finish in minutes on 2 cores). */
const DEFAULTS = {
  full: { sizes: "12,14,16,18,20,22", configs: "4x8,16x8", runs: 5, proofRuns: 3, softwareMaxLog: 14 },
  // quick leaves a software adapter out: its first run compiles the kernels for minutes
  quick: { sizes: "12,14", configs: "4x8", runs: 3, proofRuns: 2, softwareMaxLog: 0 },
};

interface BenchCliOptions {
  quick?: boolean;
  sizes?: string;
  kernels: string;
  backends: string;
  configs?: string;
  runs?: number;
  proofRuns?: number;
  softwareMaxLog?: number;
  out: string;
}

export function registerBench(program: Command): void {
  // Positional options: in `zkr bench cli --runs 3` (or `throughput --out d`) the option is the
  // subcommand's, not bench's own of the same name, which commander would otherwise take. It needs
  // the program's setting too; only the command that runs is registered, so it applies to bench alone.
  program.enablePositionalOptions();
  const bench = program.command("bench").enablePositionalOptions();
  bench
    .command("throughput")
    .description("the whole rollup end to end: signed transfers through the API of a zkr up --provers K until L1 verifies them; tx/s, latency per stage, gas per tx (bench/throughput.ts)")
    .option("--txs <n>", "slots per batch", "4")
    .option("--depth <n>", "tree depth", "8")
    .option("--provers <list>", "prover processes, one run each", "1,2")
    .option("--accounts <n>", "L2 accounts sending transfers (deposits from anvil's accounts 1–9)", "8")
    .option("--transfers <n>", "transfers in all, shared out between the accounts", "64")
    .option("--out <dir>", "folder of the result files", RESULTS_DIR)
    .action(async (o: { txs: string; depth: string; provers: string; accounts: string; transfers: string; out: string }) => {
      const { runThroughput, throughputOptions } = await import("../../bench/throughput.js");
      await runThroughput(throughputOptions(o));
    });
  bench
    .command("cli")
    .description("whole-process proofs: `zkr prove --zkey --wtns` as a child process against `snarkjs groth16 prove` and rapidsnark (when on PATH), same key and witness, paired runs; wall time and peak memory (bench/cli.ts)")
    .option("--sizes <list>", "log2 sizes of the chain circuits (bench/fixtures/cli-circuit.ts), or none", "14,16,18")
    .option("--configs <list>", "rollup configurations TXSxDEPTH too, or none", "none")
    .option("--runs <n>", "timed runs of each prover, paired", int("runs"), 5)
    .option("--warmup <n>", "untimed runs first", int("warmup"), 1)
    .option("--backend <name>", "zkr's --backend (default: none given, the CLI's default)")
    .option("--no-rapidsnark", "leave rapidsnark out even when it is on PATH")
    .option("--out <dir>", "folder of the result files", RESULTS_DIR)
    .action(async (o: { sizes: string; configs: string; runs: number; warmup: number; backend?: string; rapidsnark: boolean; out: string }) => {
      const { runCliAndReport } = await import("../../bench/cli.js");
      await runCliAndReport({
        sizes: parseSizes(o.sizes),
        configs: o.configs === "none" ? [] : parseConfigs(o.configs),
        runs: o.runs,
        warmup: o.warmup,
        backend: o.backend,
        noRapidsnark: !o.rapidsnark,
        log: (l: string) => console.error(`bench  ${l}`),
      }, o.out);
    });
  bench
    .description(descriptionOf("bench"))
    .option("--quick", `small sizes (${DEFAULTS.quick.sizes}), one configuration (${DEFAULTS.quick.configs}), fewer runs: minutes on 2 cores`)
    .option("--sizes <list>", `log2 kernel sizes, or none (default ${DEFAULTS.full.sizes}, as memory allows)`)
    .option("--kernels <list>", `kernels, or none: ${Object.keys(KERNELS).join(",")}`, Object.keys(KERNELS).join(","))
    .option("--backends <list>", "zkr backends besides the snarkjs baseline (webgpu only when an adapter exists)", "webgpu,cpu")
    .option("--configs <list>", `circuit configurations TXSxDEPTH for full proofs, or none (default ${DEFAULTS.full.configs})`)
    .option("--runs <n>", "timed kernel runs after a warm-up", int("runs"))
    .option("--proof-runs <n>", "timed proofs per prover after a warm-up", int("proof-runs"))
    .option("--software-max-log <n>", "largest log2 size for webgpu on a software adapter (llvmpipe); 0 leaves it out", int("software-max-log"))
    .option("--out <dir>", "folder of the result files", RESULTS_DIR)
    .action(async (o: BenchCliOptions) => {
      const { runAndReport } = await import("../../bench/harness.js");
      const d = o.quick ? DEFAULTS.quick : DEFAULTS.full;
      const configs = o.configs ?? d.configs;
      await runAndReport({
        quick: !!o.quick,
        sizes: parseSizes(o.sizes ?? d.sizes),
        kernels: parseKernels(o.kernels),
        backends: parseBackends(o.backends),
        configs: configs === "none" ? [] : parseConfigs(configs),
        runs: o.runs ?? d.runs,
        proofRuns: o.proofRuns ?? o.runs ?? d.proofRuns,
        softwareMaxLog: o.softwareMaxLog ?? d.softwareMaxLog,
        log: (l: string) => console.error(`bench  ${l}`),
      }, o.out);
    });
}
