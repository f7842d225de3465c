/**
 * `zkr ceremony`: a multi-party trusted setup kept in one folder (see circuits/ceremony.ts).
 *
 *   phase1 new | import | contribute | beacon | prepare
 *   phase2 new | contribute | beacon
 *   verify       the whole transcript, naming a bad contribution
 *   export       verification key and Solidity verifier
 */
import type { Command } from "commander";
import { descriptionOf } from "./index.js";
import path from "node:path";
import { circuitName } from "../../circuits/config.js";
import type { CeremonyLog } from "../../circuits/ceremony.js";
import { int } from "./options.js";

const DEFAULT_DIR = "ceremony";

/**
 * Runs a step with its snarkjs lines printed and its sections drawn as progress bars (on a
 * terminal), the bars gone before the step's result is printed.
 */
async function withLog<T>(step: (log: Required<CeremonyLog>) => Promise<T>): Promise<T> {
  const { progressBars } = await import("./progress.js");
  const bars = progressBars();
  try {
    return await step({ info: bars.log, progress: bars.progress });
  } finally {
    bars.stop();
  }
}

/** The ceremony's code, loaded by the subcommand that runs (`--help` loads none of it). */
const lib = async () => ({ ...(await import("../../circuits/ceremony.js")), buildCircuit: (await import("../../circuits/build.js")).buildCircuit });


function printHash(what: string, hash: string): void {
  console.log(`${what} hash:`);
  for (let i = 0; i < hash.length; i += 32) console.log(`  ${hash.slice(i, i + 32).replace(/(.{8})/g, "$1 ").trim()}`);
}

export function registerCeremony(program: Command): void {
  const ceremony = program
    .command("ceremony")
    .description(descriptionOf("ceremony"))
    .option("--dir <dir>", "ceremony folder", DEFAULT_DIR);
  const dirOf = (cmd: Command): string => (cmd.optsWithGlobals() as { dir: string }).dir;

  const p1 = ceremony.command("phase1").description("phase 1: the universal powers of tau");
  p1.command("new")
    .description("start a new powers-of-tau accumulator of 2^power")
    .requiredOption("--power <p>", "log2 of the largest circuit's domain (constraints + public < 2^power)", int("power"))
    .action(async (o: { power: number }, cmd: Command) => {
      const { Ceremony } = await lib();
      const c = await withLog((log) => Ceremony.newPhase1(dirOf(cmd), o.power, log));
      console.log(`phase 1 started in ${c.dir} (2^${o.power}); next: zkr ceremony phase1 contribute --name <you>`);
    });
  p1.command("import")
    .description("start from an existing powers-of-tau file (e.g. the Perpetual Powers of Tau), after verifying it")
    .argument("<ptau>", "the .ptau file")
    .action(async (ptau: string, _o: unknown, cmd: Command) => {
      const { Ceremony } = await lib();
      const c = await withLog((log) => Ceremony.importPhase1(dirOf(cmd), ptau, log));
      console.log(`imported ${ptau}: 2^${c.transcript.power}, verified${c.transcript.prepared ? ", already prepared for phase 2" : ""}`);
    });
  p1.command("contribute")
    .description("add your contribution (entropy: your text mixed with the OS's randomness)")
    .requiredOption("--name <name>", "who contributes")
    .option("--entropy <text>", "extra entropy of your own")
    .action(async (o: { name: string; entropy?: string }, cmd: Command) => {
      const { Ceremony, contributionEntropy } = await lib();
      const hash = await withLog((log) => Ceremony.open(dirOf(cmd)).contributePhase1(o.name, contributionEntropy(o.entropy), log));
      printHash(`phase 1 contribution by ${o.name}`, hash);
    });
  p1.command("beacon")
    .description("close phase 1 with a public random beacon (e.g. a future block hash)")
    .requiredOption("--beacon <hex>", "beacon value in hex")
    .option("--iterations <exp>", "hash the beacon 2^exp times", int("iterations"), 10)
    .action(async (o: { beacon: string; iterations: number }, cmd: Command) => {
      const { Ceremony } = await lib();
      const hash = await withLog((log) => Ceremony.open(dirOf(cmd)).beaconPhase1(o.beacon, o.iterations, log));
      printHash("phase 1 beacon", hash);
    });
  p1.command("prepare")
    .description("compute the Lagrange bases for phase 2 (snarkjs's slow step)")
    .action(async (_o: unknown, cmd: Command) => {
      const { Ceremony } = await lib();
      await withLog((log) => Ceremony.open(dirOf(cmd)).preparePhase1(log));
      console.log("phase 1 prepared; next: zkr ceremony phase2 new --txs N --depth D");
    });
  p1.command("verify")
    .description("verify the phase-1 files with snarkjs")
    .action(async (_o: unknown, cmd: Command) => {
      const { Ceremony } = await lib();
      const problems = (await withLog((log) => Ceremony.open(dirOf(cmd)).verify(log))).filter((p) => p.startsWith("phase 1") || p.includes("phase1/"));
      report(problems);
    });

  const p2 = ceremony.command("phase2").description("phase 2: per circuit (δ)");
  circuitOpts(p2.command("new").description("start phase 2 for a rollup configuration (compiles it if needed), or for any circuit with --r1cs"))
    .option("--r1cs <file>", "another circuit's .r1cs (with --circuit)")
    .action(async (o: CircuitOptions & { r1cs?: string }, cmd: Command) => {
      const { Ceremony, buildCircuit } = await lib();
      const name = circuitOf(o);
      const r1cs = o.r1cs ?? (await withLog((log) => buildCircuit({ txs: o.txs!, depth: o.depth! }, { log: log.info, progress: log.progress }))).r1cs;
      await withLog((log) => Ceremony.open(dirOf(cmd)).newPhase2(name, r1cs, log));
      console.log(`phase 2 for ${name} started; next: zkr ceremony phase2 contribute ${o.circuit ? `--circuit ${name}` : `--txs ${o.txs} --depth ${o.depth}`} --name <you>`);
    });
  circuitOpts(p2.command("contribute").description("add your phase-2 contribution"))
    .requiredOption("--name <name>", "who contributes")
    .option("--entropy <text>", "extra entropy of your own")
    .action(async (o: CircuitOptions & { name: string; entropy?: string }, cmd: Command) => {
      const { Ceremony, contributionEntropy } = await lib();
      const hash = await withLog((log) => Ceremony.open(dirOf(cmd)).contributePhase2(circuitOf(o), o.name, contributionEntropy(o.entropy), log));
      printHash(`phase 2 contribution by ${o.name}`, hash);
    });
  circuitOpts(p2.command("beacon").description("close phase 2 with a public random beacon"))
    .requiredOption("--beacon <hex>", "beacon value in hex")
    .option("--iterations <exp>", "hash the beacon 2^exp times", int("iterations"), 10)
    .action(async (o: CircuitOptions & { beacon: string; iterations: number }, cmd: Command) => {
      const { Ceremony } = await lib();
      const hash = await withLog((log) => Ceremony.open(dirOf(cmd)).beaconPhase2(circuitOf(o), o.beacon, o.iterations, log));
      printHash("phase 2 beacon", hash);
    });

  ceremony
    .command("verify")
    .description("verify the whole transcript, from the first file to the final zkeys; names a bad contribution")
    .action(async (_o: unknown, cmd: Command) => {
      const { Ceremony } = await lib();
      const problems = await withLog((log) => Ceremony.open(dirOf(cmd)).verify(log));
      report(problems);
    });

  circuitOpts(ceremony.command("export").description("write the verification key and the Solidity verifier of a circuit"))
    .option("--out <dir>", "output folder", path.join("build", "keys"))
    .action(async (o: CircuitOptions & { out: string }, cmd: Command) => {
      const { Ceremony } = await lib();
      const { vkey, verifier } = await Ceremony.open(dirOf(cmd)).export(circuitOf(o), o.out);
      console.log(`verification key: ${vkey}\nSolidity verifier: ${verifier}`);
    });
}

interface CircuitOptions {
  txs?: number;
  depth?: number;
  circuit?: string;
}

/** A rollup configuration (--txs, --depth) or another circuit by name (--circuit). */
function circuitOpts(c: Command): Command {
  return c
    .option("--txs <n>", "rollup circuit: transactions per batch", int("txs"))
    .option("--depth <d>", "rollup circuit: tree depth", int("depth"))
    .option("--circuit <name>", "another circuit, by the name given at 'phase2 new'");
}

function circuitOf(o: CircuitOptions): string {
  if (o.circuit) {
    if (!/^[A-Za-z0-9_.-]+$/.test(o.circuit)) throw new Error(`--circuit: letters, digits, '.', '_' or '-' expected, got ${o.circuit}`);
    return o.circuit;
  }
  if (o.txs === undefined || o.depth === undefined) throw new Error("either --txs and --depth (the rollup circuit) or --circuit <name> is needed");
  return circuitName({ txs: o.txs, depth: o.depth });
}

function report(problems: string[]): void {
  if (problems.length === 0) {
    console.log("ceremony verified: every file matches the transcript and every contribution follows from the last");
    return;
  }
  for (const p of problems) console.error(`✗ ${p}`);
  process.exitCode = 1;
}
