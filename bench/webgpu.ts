/**
 * The WebGPU backend's kernels against the cpu backend and ffjavascript (snarkjs's engine) on the
 * same inputs in the same run: `zkr bench` without full proofs, webgpu required. Every result is
 * checked against ffjavascript's in the warm-up (which also compiles the kernels).
 *
 *   npx tsx bench/webgpu.ts --sizes 12,14,16,18,20 [--runs 3] [--only g1,g1mix,g2,ntt,prover-ntt] [--backends webgpu,cpu]
 *
 * Full proofs per backend (webgpu included): `npm run bench -- --backends webgpu,cpu --sizes none`.
 * Writes bench/results/bench-<time>.{json,md,svg} with the machine and the adapter. On a software
 * adapter (llvmpipe) the sizes given are run as asked: only small ones finish in reasonable time.
 */
import { parseArgs } from "node:util";
import { runAndReport } from "./harness.js";
import { KERNELS, parseBackends, parseKernels, parseSizes } from "./options.js";

const { values: a } = parseArgs({
  options: {
    sizes: { type: "string", default: "12,14,16" },
    runs: { type: "string", default: "3" },
    only: { type: "string", default: Object.keys(KERNELS).join(",") },
    backends: { type: "string", default: "webgpu,cpu" },
  },
});
const { run } = await runAndReport({
  quick: false,
  sizes: parseSizes(a.sizes!),
  kernels: parseKernels(a.only!),
  backends: parseBackends(a.backends!),
  configs: [],
  runs: Number(a.runs),
  proofRuns: 0,
  softwareMaxLog: 26,
  log: (l) => console.error(l),
});
const skipped = run.skipped.find((s) => s.what === "backend webgpu");
if (skipped) {
  console.error(`bench/webgpu.ts: the webgpu backend did not start: ${skipped.why}`);
  process.exitCode = 1;
}
