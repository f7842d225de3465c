/**
 * Full-proof benchmark: the same zkey and witness (a batch of signed transfers) proven by zkr on
 * each backend given and by snarkjs (groth16.prove, its wasm engine on all cores) in one run, and
 * by rapidsnark when it is on PATH: `zkr bench` without kernels, for one configuration. Warm-up,
 * then `--runs` interleaved runs; zkr's prover keeps its bases loaded between runs, as the prover
 * service does (a cold row times read zkey + load bases + prove once).
 *
 *   npx tsx bench/prove.ts --txs 4 --depth 8 --runs 3 --backends cpu
 *
 * Writes bench/results/bench-<time>.{json,md,svg} with the machine.
 */
import { parseArgs } from "node:util";
import { runAndReport } from "./harness.js";
import { parseBackends } from "./options.js";

const { values: a } = parseArgs({
  options: {
    txs: { type: "string", default: "4" },
    depth: { type: "string", default: "8" },
    runs: { type: "string", default: "3" },
    backends: { type: "string", default: "cpu" },
  },
});
await runAndReport({
  quick: false,
  sizes: [],
  kernels: [],
  backends: parseBackends(a.backends!),
  configs: [{ txs: Number(a.txs), depth: Number(a.depth) }],
  runs: Number(a.runs),
  proofRuns: Number(a.runs),
  softwareMaxLog: 12,
  log: (l) => console.error(l),
});
