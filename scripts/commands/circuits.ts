/**
 * `zkr circuits build` compiles the rollup circuit for one configuration; `zkr circuits count`
 * compiles several and reports constraints per batch and per transaction, writing the table to
 * `bench/results/constraints.json`.
 */
import type { Command } from "commander";
import { descriptionOf } from "./index.js";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ROOT } from "../../core/paths.js";
import type { CircuitConfig } from "../../circuits/build.js";
import { int } from "./options.js";

/** What a build needs, loaded by the action that builds (not by --help). */
const builder = async () => ({ ...(await import("../../circuits/build.js")), ...(await import("./progress.js")) });


/** Parses "4x8,16x20" into configurations. */
export function parseConfigs(list: string): CircuitConfig[] {
  return list.split(",").map((item) => {
    const m = /^(\d+)x(\d+)$/.exec(item.trim());
    if (!m) throw new Error(`--configs: entries like 4x20 (txs x depth) expected, got ${item}`);
    return { txs: Number(m[1]), depth: Number(m[2]) };
  });
}

export function registerCircuits(program: Command): void {
  const circuits = program.command("circuits").description(descriptionOf("circuits"));

  circuits
    .command("build")
    .description("compile the rollup circuit for a batch size and tree depth (cached by source hash)")
    .requiredOption("--txs <n>", "transactions per batch", int("txs"))
    .requiredOption("--depth <d>", "account-index bits of the state tree (even, 2..24)", int("depth"))
    .option("--force", "rebuild even when the artefacts are current")
    .option("--out <dir>", "artefact root", path.join(ROOT, "build", "circuits"))
    .action(async (o: { txs: number; depth: number; force?: boolean; out: string }) => {
      const { buildCircuit, progressBars } = await builder();
      const bars = progressBars();
      const art = await buildCircuit({ txs: o.txs, depth: o.depth }, { force: o.force, outRoot: o.out, log: bars.log, progress: bars.progress }).finally(() => bars.stop());
      console.log(`artefacts: ${path.relative(process.cwd(), art.dir) || "."}`);
      console.log(`  r1cs ${path.basename(art.r1cs)}, witness generator ${path.relative(art.dir, art.wasm)}, symbols ${path.basename(art.sym)}`);
      console.log(`  ${art.manifest.constraints} constraints, ${art.manifest.wires} wires, ${art.manifest.publicSignals} public signal`);
    });

  circuits
    .command("count")
    .description("compile several configurations and report constraints per batch and per transaction")
    .option("--configs <list>", "configurations as TXSxDEPTH, comma-separated", "4x8,4x20,20x20,4x24,20x24")
    .option("--out <file>", "where to write the table", path.join(ROOT, "bench", "results", "constraints.json"))
    .action(async (o: { configs: string; out: string }) => {
      const { buildCircuit, progressBars } = await builder();
      const rows: Array<CircuitConfig & { constraints: number; perTx: number; buildSeconds: number }> = [];
      for (const config of parseConfigs(o.configs)) {
        const bars = progressBars();
        const art = await buildCircuit(config, { log: bars.log, progress: bars.progress }).finally(() => bars.stop());
        rows.push({ ...config, constraints: art.manifest.constraints, perTx: Math.round(art.manifest.constraints / config.txs), buildSeconds: art.manifest.buildSeconds });
      }
      // Marginal cost of one slot at a depth: the difference between two batch sizes at that depth,
      // which includes the slot's share of SHA-256 and no fixed per-batch cost.
      const marginal: Record<string, number> = {};
      for (const depth of [...new Set(rows.map((r) => r.depth))]) {
        const at = rows.filter((r) => r.depth === depth).sort((a, b) => a.txs - b.txs);
        if (at.length >= 2) {
          const [lo, hi] = [at[0], at[at.length - 1]];
          marginal[`depth${depth}`] = Math.round((hi.constraints - lo.constraints) / (hi.txs - lo.txs));
        }
      }
      console.log("\n| txs | depth | constraints | per tx (batch / txs) |\n|---:|---:|---:|---:|");
      for (const r of rows) console.log(`| ${r.txs} | ${r.depth} | ${r.constraints} | ${r.perTx} |`);
      for (const [k, v] of Object.entries(marginal)) console.log(`marginal constraints per transaction at ${k}: ${v}`);
      const machine = { cpu: os.cpus()[0]?.model, cores: os.cpus().length, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version };
      fs.mkdirSync(path.dirname(o.out), { recursive: true });
      fs.writeFileSync(o.out, JSON.stringify({ date: new Date().toISOString(), machine, rows, marginalPerTx: marginal }, null, 2) + "\n");
      console.log(`written to ${path.relative(process.cwd(), o.out)}`);
    });
}
