// The prover service on BullMQ against a real redis-server (started here on loopback): the bridge
// forwards SQLite jobs once however often it runs, writes results and failures back, and forwards
// again what Redis lost; a worker shutting down gives its job back; then two real provers (one in
// this process, one a `zkr prover` child process) share the queue, each batch is proven exactly
// once, and a batch whose prover is killed mid-proof is finished by the other.

import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { ROOT } from "../circuits/build.js";
import { devKeys } from "../circuits/devkeys.js";
import { releaseSnarkjs } from "../circuits/witness.js";
import { ProofEngine, type JobProver } from "../prover/service/engine.js";
import { JobInputError } from "../prover/service/errors.js";
import { ProofJobBridge, RedisProverWorker, proofJobId } from "../prover/service/redis-queue.js";
import { enqueueProofJob, getProofJob, openProofJobDb, retryProofJob } from "../core/jobs/table.js";
import { proofJobSpec, type ProofJobSpec } from "../core/jobs/types.js";
import { applyBatch } from "../sequencer/model/batch.js";
import { startRedis, type RedisServer } from "./helpers/redis.js";
import { rng } from "../bench/fixtures/rng.js";
import { Scenario, user } from "../bench/fixtures/scenario.js";
import { until as untilThen } from "./helpers/wait.js";

const CONFIG = { txs: 4, depth: 8 };

let redis: RedisServer;
let tmp: string;
const lines: string[] = [];
const log = (l: string) => {
  lines.push(l);
  if (process.env.ZKR_TEST_LOG) process.stderr.write(`  ${l}\n`);
};

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "zkr-prover-redis-"));
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
  await releaseSnarkjs();
});

const until = (what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 60_000) => untilThen(what, cond, timeoutMs, () => lines.slice(-30).join("\n"));

function fakeSpec(n: number): ProofJobSpec {
  return { batchNumber: n, circuit: CONFIG, input: { x: [String(n)] }, publicInput: String(1000 + n) };
}

/** A prover that answers from a table: a result, an error, or never. */
function fakeProver(answer: (spec: ProofJobSpec) => "never" | Error | undefined): JobProver & { calls: number[] } {
  const calls: number[] = [];
  return {
    calls,
    circuits: undefined,
    prove: async (spec) => {
      calls.push(spec.batchNumber);
      const a = answer(spec);
      if (a === "never") return new Promise(() => {});
      if (a instanceof Error) throw a;
      return {
        batchNumber: spec.batchNumber,
        proof: { pi_a: ["1", "2", "1"], pi_b: [["1", "2"], ["3", "4"], ["1", "0"]], pi_c: ["1", "2", "1"], protocol: "groth16", curve: "bn128" },
        publicSignals: [spec.publicInput],
        backend: "fake",
        provingMs: 1,
      };
    },
    close: async () => {},
  };
}

describe("the bridge and the workers (fake provers)", () => {
  test("forwarding twice makes one BullMQ job; results and permanent failures are written back; what Redis lost is forwarded again", async () => {
    const db = openProofJobDb(path.join(tmp, "bridge.sqlite"));
    const queueName = "bridge-test";
    for (const n of [1, 2]) enqueueProofJob(db, fakeSpec(n));
    const bridge = new ProofJobBridge({ db, redis: redis.url, queueName, log });
    const other = new ProofJobBridge({ db, redis: redis.url, queueName, log }); // as if the sequencer restarted meanwhile
    try {
      expect((await bridge.sync()).forwarded).toEqual([1, 2]);
      db.prepare("UPDATE proof_jobs SET forwarded_at = NULL").run(); // the outbox marks are lost: forward again
      expect((await other.sync()).forwarded).toEqual([1, 2]);
      expect(await bridge.queue.getJobCounts("waiting")).toEqual({ waiting: 2 });
      expect((await bridge.queue.getJob(proofJobId(fakeSpec(1))))!.data).toEqual(fakeSpec(1));
      expect(getProofJob(db, 1)).toMatchObject({ status: "queued", forwardedAt: expect.any(Number) });

      const prover = fakeProver((s) => (s.batchNumber === 2 ? new JobInputError(2, "Assert Failed") : undefined));
      const w = new RedisProverWorker({ redis: redis.url, prover, workerId: "fake", queueName, lockMs: 2000, log });
      await until("both jobs to end", () => w.stats.proven.length + w.stats.failed.length === 2);
      await w.stop();
      const report = await bridge.sync();
      expect(report).toMatchObject({ proven: [1], failed: [2] });
      expect(getProofJob(db, 1)).toMatchObject({ status: "proven", worker: "fake", attempts: 1, result: { backend: "fake", worker: "fake", publicSignals: ["1001"] } });
      expect(getProofJob(db, 2)).toMatchObject({ status: "failed", attempts: 1, lastError: "batch 2: the circuit rejects the job's input: Assert Failed" });
      expect(prover.calls).toEqual([1, 2]); // the permanent failure was not retried
      expect(await bridge.queue.getJob(proofJobId(fakeSpec(1)))).toBeUndefined(); // written back, then removed from Redis
      expect(await other.sync()).toEqual({ forwarded: [], proven: [], failed: [], reforwarded: [] }); // nothing twice

      // Redis loses everything (a restart without persistence): the row is the source of truth.
      enqueueProofJob(db, fakeSpec(3));
      expect((await bridge.sync()).forwarded).toEqual([3]);
      const admin = new Redis(redis.url);
      await admin.flushall();
      admin.disconnect();
      expect((await bridge.sync()).reforwarded).toEqual([3]);
      expect((await bridge.sync()).forwarded).toEqual([3]);
      expect(await bridge.queue.getJob(proofJobId(fakeSpec(3)))).toBeDefined();

      // An operator retries the failed job: the old failed BullMQ job is replaced.
      expect(retryProofJob(db, 2)).toBe(true);
      expect((await bridge.sync()).forwarded).toEqual([2]);
      expect(await (await bridge.queue.getJob(proofJobId(fakeSpec(2))))!.getState()).toBe("waiting");
    } finally {
      await bridge.stop();
      await other.stop();
      db.close();
    }
  });

  test("a worker shutting down gives its job back at once; another worker finishes it; a transient failure is retried", async () => {
    const db = openProofJobDb(path.join(tmp, "release.sqlite"));
    const queueName = "release-test";
    enqueueProofJob(db, fakeSpec(4));
    const bridge = new ProofJobBridge({ db, redis: redis.url, queueName, pollMs: 50, log }).start();
    try {
      const stuck = fakeProver(() => "never");
      const a = new RedisProverWorker({ redis: redis.url, prover: stuck, workerId: "A", queueName, lockMs: 2000, log });
      await until("A to take batch 4", () => stuck.calls.length === 1);
      await until("the row to say A is proving", () => getProofJob(db, 4)?.status === "proving" && getProofJob(db, 4)?.worker === "A");
      await a.stop({ release: true });
      expect(a.stats.released).toEqual([4]);
      expect(await (await bridge.queue.getJob(proofJobId(fakeSpec(4))))!.getState()).toBe("waiting");

      let first = true;
      const flaky = fakeProver(() => (first ? ((first = false), new Error("device lost")) : undefined));
      const b = new RedisProverWorker({ redis: redis.url, prover: flaky, workerId: "B", queueName, lockMs: 2000, log });
      await until("batch 4 to be proven", () => getProofJob(db, 4)?.status === "proven", 20_000);
      await b.stop();
      expect(flaky.calls).toEqual([4, 4]);
      expect(b.stats).toMatchObject({ proven: [4], requeued: [4] });
      expect(getProofJob(db, 4)).toMatchObject({ status: "proven", worker: "B", result: { worker: "B" } });
    } finally {
      await bridge.stop();
      db.close();
    }
  });
});

test("two provers share the queue: each batch proven exactly once; a batch whose prover is killed mid-proof is finished by the other", async () => {
  const keys = await devKeys(CONFIG, { log: (l) => process.stderr.write(`  ${l}\n`) });
  const vkey = JSON.parse(fs.readFileSync(keys.vkey, "utf8"));
  const snarkjs = await import("snarkjs");
  const s = new Scenario(CONFIG.depth);
  const specs = [applyBatch(s.state, [s.create(user("op"), 0n, 0n), s.create(user("alice"), 0n, 10n ** 18n), s.create(user("bob"), 0n, 10n ** 17n)], s.queue, { slots: CONFIG.txs })];
  for (const seed of [7, 8, 9]) specs.push(applyBatch(s.state, s.randomTxs(rng(seed), CONFIG.txs, 0n), s.queue, { slots: CONFIG.txs, feeAccount: 0n }));
  const jobs = specs.map((b) => proofJobSpec(b, CONFIG));

  const queueName = "real-test";
  const db = openProofJobDb(path.join(tmp, "real.sqlite"));
  const bridge = new ProofJobBridge({ db, redis: redis.url, queueName, pollMs: 100, log }).start();
  const childLines: string[] = [];
  let child: ChildProcess | undefined;
  let engine: ProofEngine | undefined;
  let a: RedisProverWorker | undefined;
  try {
    // Prover B: `zkr prover` in its own process.
    child = spawn(
      "node",
      [path.join(ROOT, "bin/zkr.js"), "prover", "--redis", redis.url, "--queue", queueName, "--backend", "cpu", "--worker-id", "B", "--lease", "10", "--warm", "4x8"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let buf = "";
    child.stderr!.on("data", (d) => {
      buf += d;
      const parts = buf.split("\n");
      buf = parts.pop()!;
      for (const l of parts) {
        log(`(child) ${l}`);
        childLines.push(l);
      }
    });
    const exited = new Promise<NodeJS.Signals | number | null>((r) => child!.once("exit", (code, sig) => r(sig ?? code)));
    await until("prover B to be ready", () => childLines.some((l) => l.includes("[B] waiting for jobs")), 120_000);

    // Prover A: in this process.
    engine = await ProofEngine.start({ backend: "cpu", log });
    await engine.warm(CONFIG);
    a = new RedisProverWorker({ redis: redis.url, prover: engine, workerId: "A", queueName, lockMs: 10_000, stalledCheckMs: 1000, log });

    db.transaction(() => {
      for (const j of jobs.slice(0, 3)) enqueueProofJob(db, j);
    })();
    await until("batches 1–3 to be proven", () => jobs.slice(0, 3).every((j) => getProofJob(db, j.batchNumber)?.status === "proven"), 180_000);

    const acceptedBy = (n: number) => [
      ...a!.stats.proven.filter((m) => m === n).map(() => "A"),
      ...childLines.filter((l) => l.includes(`[B] batch ${n}: result accepted by the queue`)).map(() => "B"),
    ];
    for (const j of jobs.slice(0, 3)) {
      const row = getProofJob(db, j.batchNumber)!;
      expect(acceptedBy(j.batchNumber)).toEqual([row.worker]);
      expect(row.result!.publicSignals).toEqual([j.publicInput]);
      expect(await snarkjs.groth16.verify(vkey, row.result!.publicSignals, row.result!.proof)).toBe(true);
    }

    // Batch 4 goes to B (A is stopped: a paused BullMQ worker may still hold a fetch in flight and
    // take the job); B is killed while proving it; a new A finishes it.
    await a.stop();
    enqueueProofJob(db, jobs[3]);
    const n4 = jobs[3].batchNumber;
    await until("B to prove batch 4", () => getProofJob(db, n4)?.status === "proving" && childLines.some((l) => l.includes(`[B] batch ${n4} witness:`)), 60_000);
    child.kill("SIGKILL");
    expect(await exited).toBe("SIGKILL");
    a = new RedisProverWorker({ redis: redis.url, prover: engine, workerId: "A", queueName, lockMs: 10_000, stalledCheckMs: 1000, log });
    await until("A to finish batch 4", () => getProofJob(db, n4)?.status === "proven", 120_000);
    const row4 = getProofJob(db, n4)!;
    expect(row4).toMatchObject({ status: "proven", worker: "A", attempts: 2 });
    expect(acceptedBy(n4)).toEqual(["A"]);
    expect(await snarkjs.groth16.verify(vkey, row4.result!.publicSignals, row4.result!.proof)).toBe(true);
    expect(a.stats.proven.sort()).toEqual([...new Set(a.stats.proven)].sort()); // nothing twice
  } finally {
    if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await a?.stop();
    await engine?.close();
    await bridge.stop();
    db.close();
  }
});
