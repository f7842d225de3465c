/**
 * `zkr bench cli` at its smallest: the chain circuit at 2^14 (bench/fixtures/cli-circuit.ts, cached
 * under build/bench-cli), one timed run of each prover and no warm-up. Checks the record's shape,
 * that every proof verified, and the Markdown; the times themselves are the benchmark's business.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { CLI_SCHEMA, renderCliMarkdown, runCliBench, writeCliRun, type CliRun } from "../bench/cli.js";

let run: CliRun;

beforeAll(async () => {
  run = await runCliBench({ sizes: [14], configs: [], runs: 1, warmup: 0, backend: "cpu" });
});

test("one row per prover, measured, each proof verified; rapidsnark run or its skip recorded", () => {
  expect(run.schema).toBe(CLI_SCHEMA);
  expect(run.options).toMatchObject({ sizes: [14], runs: 1, warmup: 0, backend: "cpu" });
  const provers = run.rows.map((r) => r.prover);
  expect(provers.slice(0, 2)).toEqual(["zkr", "snarkjs"]);
  if (provers.includes("rapidsnark")) expect(run.skipped.map((s) => s.what)).not.toContain("rapidsnark");
  else expect(run.skipped.map((s) => s.what)).toContain("rapidsnark");
  for (const r of run.rows) {
    expect(r).toMatchObject({ circuit: "chain_14", power: 14, verified: true });
    expect(r.constraints).toBeGreaterThan(2 ** 13);
    expect(r.ms.runs).toHaveLength(1);
    expect(r.ms.median).toBeGreaterThan(0);
    // Any Node process holds tens of MiB; a proof at 2^14 well under a few GiB.
    expect(r.peakMiB.median).toBeGreaterThan(20);
    expect(r.peakMiB.median).toBeLessThan(4096);
  }
  const snark = run.rows.find((r) => r.prover === "snarkjs")!;
  expect(snark.vsSnarkjs).toBe(1);
  const zkr = run.rows.find((r) => r.prover === "zkr")!;
  expect(zkr.vsSnarkjs).toBeCloseTo(zkr.ms.median / snark.ms.median, 10);
  // zkr's own lines say where its time went.
  expect(zkr.log!.join("\n")).toMatch(/^prove {2}msm: /m);
  expect(run.machine.cores).toBeGreaterThan(0);
  expect(run.loadavg.start).toHaveLength(3);
});

test("the files: JSON as returned, Markdown with a line per prover", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zkr-bench-cli-test-"));
  try {
    const files = writeCliRun(run, dir);
    expect(path.basename(files.json)).toMatch(/^cli-\d{4}-\d\d-\d\dT\d{6}\.json$/);
    expect(JSON.parse(fs.readFileSync(files.json, "utf8"))).toEqual(JSON.parse(JSON.stringify(run)));
    const md = fs.readFileSync(files.md, "utf8");
    expect(md).toBe(renderCliMarkdown(run));
    expect(md.split("\n").filter((l) => l.startsWith("| chain_14 (2^14) |"))).toHaveLength(run.rows.length);
    expect(md).toMatch(/load average/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
