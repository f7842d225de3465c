/**
 * Full-proof benchmark: the same zkey and witness proven by zkr (each backend given) and by
 * snarkjs (groth16.prove, its wasm engine on all cores) in one run. Median of `--runs` after a
 * warm-up; zkr's prover keeps its bases loaded between runs, as the prover service does.
 *
 *   npx tsx bench/prove.ts --txs 4 --depth 8 --runs 3 --backends cpu
 *
 * Writes bench/results/prove-<circuit>-<date>.json with the machine.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { ROOT } from "../circuits/build.js";
import { devKeys } from "../circuits/devkeys.js";
import { computeWitness, releaseSnarkjs, writeWtns } from "../circuits/witness.js";
import { applyBatch } from "../sequencer/model/batch.js";
import { Groth16Prover, createBackend, readZkey, witnessToBytes } from "../prover/index.js";
import { rng } from "../test/helpers/rng.js";
import { Scenario, user } from "../test/helpers/scenario.js";

const { values: args } = parseArgs({
  options: {
    txs: { type: "string", default: "4" },
    depth: { type: "string", default: "8" },
    runs: { type: "string", default: "3" },
    backends: { type: "string", default: "cpu" },
  },
});
const txs = Number(args.txs);
const depth = Number(args.depth);
const runs = Number(args.runs);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const keys = await devKeys({ txs, depth }, { log: (l) => console.error(l) });
// A realistic witness: a batch of transfers, a withdrawal and deposits from the model.
const s = new Scenario(depth);
const names = ["operator", "alice", "bob", "carol", "dave", "erin"];
const first = names.slice(0, Math.min(names.length, txs)).map((n, i) => s.create(user(n), 0n, 10n ** 18n * BigInt(i)));
applyBatch(s.state, first, s.queue, { slots: txs });
const batch = applyBatch(s.state, s.randomTxs(rng(7), txs, 0n), s.queue, { slots: txs, feeAccount: 0n });
const witness = await computeWitness(keys.circuit.wasm, batch.witnessInputs as unknown as Record<string, unknown>);
const wtns = path.join(keys.dir, "bench.wtns");
writeWtns(wtns, witness);
const wBytes = witnessToBytes(witness);
const snarkjs = await import("snarkjs");
const vk = JSON.parse(fs.readFileSync(keys.vkey, "utf8"));

const rows: Array<{ prover: string; medianSeconds: number; runs: number[]; phases?: Record<string, number> }> = [];
const time = async (fn: () => Promise<void>) => {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
};

// snarkjs
{
  // snarkjs reads the zkey on every call.
  const one = async () => {
    const { proof, publicSignals } = await snarkjs.groth16.prove(keys.zkey, wtns);
    if (!(await snarkjs.groth16.verify(vk, publicSignals, proof))) throw new Error("snarkjs proof does not verify");
  };
  await one();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await time(async () => void (await snarkjs.groth16.prove(keys.zkey, wtns))));
  rows.push({ prover: "snarkjs", medianSeconds: median(times), runs: times });
  console.error(`snarkjs: ${median(times).toFixed(2)} s`);
  await releaseSnarkjs();
}

for (const name of String(args.backends).split(",")) {
  const backend = await createBackend(name);
  // Cold: read the zkey, load the bases into the backend, prove — what snarkjs does per call.
  const tCold = performance.now();
  const prover = await Groth16Prover.create(readZkey(keys.zkey), backend);
  const warm = await prover.prove(wBytes);
  const cold = (performance.now() - tCold) / 1000;
  rows.push({ prover: `zkr ${name}, cold (read zkey + load bases + prove)`, medianSeconds: cold, runs: [cold] });
  console.error(`zkr ${name} cold: ${cold.toFixed(2)} s`);
  if (!(await snarkjs.groth16.verify(vk, warm.publicSignals, warm.proof))) throw new Error(`zkr ${name} proof does not verify`);
  const times: number[] = [];
  let phases: Record<string, number> = {};
  for (let i = 0; i < runs; i++) {
    const r = await prover.prove(wBytes);
    times.push(r.timings.total);
    phases = r.timings;
  }
  rows.push({ prover: `zkr ${name}, warm (bases loaded, as the prover service runs)`, medianSeconds: median(times), runs: times, phases });
  console.error(`zkr ${name}: ${median(times).toFixed(2)} s`);
  await prover.release();
  await backend.close();
}
await releaseSnarkjs();

const base = rows[0].medianSeconds;
const header = { circuit: path.basename(keys.dir), constraints: keys.circuit.manifest.constraints, power: keys.power };
console.log(`\nfull proof, ${header.circuit} (${header.constraints} constraints, 2^${header.power}), median of ${runs}\n`);
console.log("| prover | seconds | × snarkjs |\n|---|---:|---:|");
for (const r of rows) console.log(`| ${r.prover} | ${r.medianSeconds.toFixed(2)} | ${(r.medianSeconds / base).toFixed(2)} |`);
const machine = { cpu: os.cpus()[0]?.model, cores: os.cpus().length, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, platform: `${os.platform()} ${os.release()}` };
const out = path.join(ROOT, "bench", "results", `prove-${header.circuit}-${new Date().toISOString().slice(0, 10)}.json`);
fs.writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), machine, ...header, rows }, null, 2) + "\n");
console.log(`\nwritten to ${path.relative(process.cwd(), out)}`);
