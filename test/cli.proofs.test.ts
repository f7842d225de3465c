/**
 * `zkr proofs`: an operator lists the proof jobs of a sequencer's database and retries the one that
 * failed for good, which is what unblocks every later batch. Run as the real command on a real
 * database file.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { claimProofJob, completeProofJob, failProofJob } from "../prover/service/sqlite-queue.js";
import { enqueueProofJob, getProofJob, openProofJobDb } from "../core/jobs/table.js";
import type { ProofJobSpec } from "../core/jobs/types.js";

const ROOT = path.resolve(import.meta.dirname, "..");
let dir: string;
let dbFile: string;

function zkr(...args: string[]) {
  const r = spawnSync("node", [path.join(ROOT, "bin/zkr.js"), "proofs", ...args], { encoding: "utf8" });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const spec = (n: number): ProofJobSpec => ({ batchNumber: n, circuit: { txs: 4, depth: 8 }, input: { x: [String(n)] }, publicInput: String(1000 + n) });

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "zkr-proofs-"));
  dbFile = path.join(dir, "sequencer.db");
  const db = openProofJobDb(dbFile);
  for (const n of [1, 2, 3]) enqueueProofJob(db, spec(n));
  const l1 = claimProofJob(db, { worker: "gpu-1" })!;
  completeProofJob(db, l1, {
    batchNumber: 1, publicSignals: ["1001"], backend: "webgpu", worker: "gpu-1", provingMs: 1234,
    proof: { pi_a: ["1", "2", "1"], pi_b: [["1", "2"], ["3", "4"], ["1", "0"]], pi_c: ["1", "2", "1"], protocol: "groth16", curve: "bn128" },
  });
  const l2 = claimProofJob(db, { worker: "gpu-1" })!;
  failProofJob(db, l2, "witness: assertion failed at line 42", { permanent: true });
  db.close();
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test("lists every job with its status, and says which failed for good and how to retry it", () => {
  const r = zkr("--db", dbFile);
  expect(r.code).toBe(0);
  const lines = r.out.split("\n");
  expect(lines.find((l) => l.includes("batch     1"))).toMatch(/proven .*attempts 1\/\d+ by gpu-1 proving 1\.23 s on webgpu/);
  expect(lines.find((l) => l.includes("batch     2"))).toMatch(/failed .*attempts 1\/\d+/);
  expect(r.out).toMatch(/last error: witness: assertion failed at line 42/);
  expect(lines.find((l) => l.includes("batch     3"))).toMatch(/queued .*attempts 0\//);
  expect(r.out).toMatch(/1 failed for good \(batches 2\).*zkr proofs retry 2/);
  const failed = zkr("list", "--db", dbFile, "--status", "failed");
  expect(failed.out.match(/^batch /gm)).toHaveLength(1);
  expect(zkr("list", "--db", dbFile, "--status", "lost").err).toMatch(/--status: one of queued, proving, proven, failed expected/);
});

test("retry puts a failed job back with fresh attempts, and refuses the others without touching them", () => {
  const before = (() => { const db = openProofJobDb(dbFile); try { return [1, 3].map((n) => getProofJob(db, n)); } finally { db.close(); } })();
  const r = zkr("retry", "2", "1", "3", "9", "--db", dbFile);
  expect(r.code).toBe(1);
  expect(r.out).toMatch(/batch 2: queued again with fresh attempts/);
  expect(r.err).toMatch(/batch 1: not failed \(it is proven\)/);
  expect(r.err).toMatch(/batch 3: not failed \(it is queued\)/);
  expect(r.err).toMatch(/batch 9: no proof job/);
  const db = openProofJobDb(dbFile);
  try {
    expect(getProofJob(db, 2)).toMatchObject({ status: "queued", attempts: 0, worker: null });
    expect([1, 3].map((n) => getProofJob(db, n))).toEqual(before);
  } finally {
    db.close();
  }
  expect(zkr("retry", "two", "--db", dbFile).err).toMatch(/a batch number expected, got "two"/);
});

test("a database that does not exist is an error, not a new empty file", () => {
  const missing = path.join(dir, "nope.db");
  const r = zkr("--db", missing);
  expect(r.code).not.toBe(0);
  expect(r.err).toMatch(/nope\.db: no such database/);
  expect(fs.existsSync(missing)).toBe(false);
});
