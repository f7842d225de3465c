// The prover service on its SQLite queue: the queue's guarantees (a rolled-back batch leaves no
// job, enqueue is idempotent, leases run out and are taken over, an overtaken worker's result is
// refused, attempts are bounded), then real proofs of model batches on the 4x8 dev keys: proven,
// verified by snarkjs, stored; a bad input fails for good; a failing or lying GPU backend falls
// back to the CPU.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { devKeys } from "../circuits/devkeys.js";
import { releaseSnarkjs } from "../circuits/witness.js";
import { BackendError, DeviceLostError, type ProverBackend } from "../prover/backend.js";
import { createBackend } from "../prover/index.js";
import { ProofEngine, type JobProver } from "../prover/service/engine.js";
import { LeaseLostError } from "../prover/service/errors.js";
import { ProofJobConflictError, ProofJobSpecError } from "../core/jobs/errors.js";
import { startProverService } from "../prover/service/service.js";
import { claimProofJob, completeProofJob, failProofJob, releaseProofJob, renewProofJobLease } from "../prover/service/sqlite-queue.js";
import { enqueueProofJob, getProofJob, getProofJobSpec, openProofJobDb, proofJobCounts, provenJobs, retryProofJob } from "../core/jobs/table.js";
import { proofJobSpec, type ProofJobResult, type ProofJobSpec } from "../core/jobs/types.js";
import { SqliteProverWorker } from "../prover/service/worker.js";
import witnessTask from "../prover/service/witness-task.js";
import { WitnessThread } from "../prover/service/witness-thread.js";
import { WitnessError } from "../circuits/witness.js";
import { applyBatch } from "../sequencer/model/batch.js";
import { rng } from "../bench/fixtures/rng.js";
import { Scenario, user } from "../bench/fixtures/scenario.js";

const R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
const CONFIG = { txs: 4, depth: 8 };

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "zkr-prover-service-"));
});
afterAll(async () => {
  fs.rmSync(tmp, { recursive: true, force: true });
  await releaseSnarkjs();
});

let dbCount = 0;
function freshDb() {
  return openProofJobDb(path.join(tmp, `jobs-${++dbCount}.sqlite`));
}

function fakeSpec(n: number, publicInput = String(1000 + n)): ProofJobSpec {
  return { batchNumber: n, circuit: CONFIG, input: { x: [String(n)] }, publicInput };
}

function fakeResult(spec: ProofJobSpec, worker: string): ProofJobResult {
  return {
    batchNumber: spec.batchNumber,
    proof: { pi_a: ["1", "2", "1"], pi_b: [["1", "2"], ["3", "4"], ["1", "0"]], pi_c: ["1", "2", "1"], protocol: "groth16", curve: "bn128" },
    publicSignals: [spec.publicInput],
    backend: "cpu",
    worker,
    provingMs: 5,
  };
}

describe("the SQLite proof-job queue", () => {
  test("a job enqueued in a transaction that rolls back does not exist; one that commits does", () => {
    const db = freshDb();
    db.exec("CREATE TABLE batches (n INTEGER PRIMARY KEY)");
    const createBatch = db.transaction((n: number, fail: boolean) => {
      db.prepare("INSERT INTO batches (n) VALUES (?)").run(n);
      enqueueProofJob(db, fakeSpec(n));
      if (fail) throw new Error("the batch could not be stored");
    });
    expect(() => createBatch(1, true)).toThrow("the batch could not be stored");
    expect(getProofJob(db, 1)).toBeUndefined();
    expect(db.prepare("SELECT COUNT(*) AS c FROM batches").get()).toEqual({ c: 0 });
    createBatch(1, false);
    expect(getProofJob(db, 1)).toMatchObject({ batchNumber: 1, status: "queued", attempts: 0, publicInput: "1001", circuit: CONFIG, result: null });
    expect(getProofJobSpec(db, 1)).toEqual(fakeSpec(1));
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    db.close();
  });

  test("enqueueing a batch twice makes one job; another public input under the same number is refused", () => {
    const db = freshDb();
    expect(enqueueProofJob(db, fakeSpec(7))).toBe(true);
    expect(enqueueProofJob(db, fakeSpec(7))).toBe(false);
    expect(db.prepare("SELECT COUNT(*) AS c FROM proof_jobs").get()).toEqual({ c: 1 });
    expect(() => enqueueProofJob(db, fakeSpec(7, "5"))).toThrow(ProofJobConflictError);
    expect(() => enqueueProofJob(db, fakeSpec(8, R.toString()))).toThrow(/publicInput: a decimal string below the field modulus/);
    expect(() => enqueueProofJob(db, { ...fakeSpec(9), batchNumber: -1 })).toThrow(ProofJobSpecError);
    db.close();
  });

  test("a lease holds a job; once it runs out another worker takes the job and the first one's result is refused", () => {
    const file = path.join(tmp, "lease.sqlite");
    const a = openProofJobDb(file);
    const b = openProofJobDb(file); // a second connection, as another process would have
    enqueueProofJob(a, fakeSpec(1));
    enqueueProofJob(a, fakeSpec(2));

    const la = claimProofJob(a, { worker: "A", leaseMs: 100, now: 1000 })!;
    expect(la).toMatchObject({ worker: "A", attempt: 1, spec: fakeSpec(1) });
    expect(claimProofJob(b, { worker: "B", leaseMs: 100, now: 1050 })!.spec.batchNumber).toBe(2); // 1 is held
    expect(claimProofJob(b, { worker: "B", leaseMs: 100, now: 1060 })).toBeUndefined();
    expect(getProofJob(b, 1)).toMatchObject({ status: "proving", worker: "A", attempts: 1, leaseExpiresAt: 1100 });

    // A stalls past its lease; B takes the job over.
    const lb = claimProofJob(b, { worker: "B", leaseMs: 100, now: 1101 })!;
    expect(lb).toMatchObject({ worker: "B", attempt: 2, spec: { batchNumber: 1 } });
    expect(getProofJob(a, 1)!.lastError).toMatch(/lease of worker A ran out during attempt 1/);
    expect(renewProofJobLease(a, la, { now: 1102 })).toBe(false);
    expect(() => completeProofJob(a, la, fakeResult(la.spec, "A"))).toThrow(LeaseLostError);
    expect(() => completeProofJob(a, la, fakeResult(la.spec, "A"))).toThrow(/worker A no longer holds the job's lease \(now proving, held by B\)/);
    expect(() => failProofJob(a, la, "late failure")).toThrow(LeaseLostError);
    expect(releaseProofJob(a, la)).toBe(false);
    expect(getProofJob(a, 1)).toMatchObject({ status: "proving", worker: "B" });

    // B's result must be this job's.
    expect(() => completeProofJob(b, lb, { ...fakeResult(lb.spec, "B"), publicSignals: ["1"] })).toThrow(/public signals \[1001\] expected, got \[1\]/);
    expect(renewProofJobLease(b, lb, { leaseMs: 100, now: 1150 })).toBe(true);
    completeProofJob(b, lb, fakeResult(lb.spec, "B"));
    expect(getProofJob(a, 1)).toMatchObject({ status: "proven", worker: "B", attempts: 2, lastError: null, result: fakeResult(lb.spec, "B") });
    expect(() => completeProofJob(b, lb, fakeResult(lb.spec, "B"))).toThrow(LeaseLostError); // no second completion
    a.close();
    b.close();
  });

  test("a result that comes after the lease ran out, before anyone else claimed the job, is accepted", () => {
    const db = freshDb();
    enqueueProofJob(db, fakeSpec(3));
    const l = claimProofJob(db, { worker: "A", leaseMs: 100, now: 1000 })!;
    completeProofJob(db, l, fakeResult(l.spec, "A"), { now: 5000 });
    expect(getProofJob(db, 3)).toMatchObject({ status: "proven", provenAt: 5000 });
    db.close();
  });

  test("failed attempts are retried up to max attempts; a permanent failure ends the job at once; a release does not count", () => {
    const db = freshDb();
    enqueueProofJob(db, fakeSpec(1), { maxAttempts: 2 });
    enqueueProofJob(db, fakeSpec(2));
    enqueueProofJob(db, fakeSpec(3));

    let l = claimProofJob(db, { worker: "A" })!;
    expect(releaseProofJob(db, l)).toBe(true);
    expect(getProofJob(db, 1)).toMatchObject({ status: "queued", attempts: 0, worker: null });
    l = claimProofJob(db, { worker: "A" })!;
    expect(failProofJob(db, l, "device lost")).toBe("queued");
    expect(getProofJob(db, 1)).toMatchObject({ status: "queued", attempts: 1, lastError: "attempt 1 of 2: device lost" });
    l = claimProofJob(db, { worker: "A" })!;
    expect(l.attempt).toBe(2);
    expect(failProofJob(db, l, "device lost again")).toBe("failed");
    expect(getProofJob(db, 1)).toMatchObject({ status: "failed", attempts: 2, lastError: "attempt 2 of 2: device lost again" });

    l = claimProofJob(db, { worker: "A" })!;
    expect(l.spec.batchNumber).toBe(2); // failed jobs are not claimed again
    expect(failProofJob(db, l, "the circuit rejects the input", { permanent: true })).toBe("failed");
    expect(getProofJob(db, 2)).toMatchObject({ status: "failed", attempts: 1, lastError: "the circuit rejects the input" });

    expect(claimProofJob(db, { worker: "A", circuits: [{ txs: 16, depth: 8 }] })).toBeUndefined(); // not this prover's circuit
    expect(proofJobCounts(db)).toEqual({ queued: 1, proving: 0, proven: 0, failed: 2 });
    expect(retryProofJob(db, 1)).toBe(true);
    expect(retryProofJob(db, 3)).toBe(false);
    expect(getProofJob(db, 1)).toMatchObject({ status: "queued", attempts: 0 });
    db.close();
  });

  test("a job whose workers keep dying ends failed when its last lease runs out", () => {
    const db = freshDb();
    enqueueProofJob(db, fakeSpec(1), { maxAttempts: 2 });
    expect(claimProofJob(db, { worker: "A", leaseMs: 10, now: 0 })!.attempt).toBe(1);
    expect(claimProofJob(db, { worker: "B", leaseMs: 10, now: 20 })!.attempt).toBe(2);
    expect(claimProofJob(db, { worker: "C", leaseMs: 10, now: 40 })).toBeUndefined();
    expect(getProofJob(db, 1)).toMatchObject({ status: "failed", attempts: 2 });
    expect(getProofJob(db, 1)!.lastError).toMatch(/lease of worker B ran out during attempt 2.*no attempts left \(2 of 2\)/);
    db.close();
  });

  test("the submitter reads proven results in batch order", () => {
    const db = freshDb();
    for (const n of [3, 1, 2, 4]) enqueueProofJob(db, fakeSpec(n));
    const claimed = [claimProofJob(db, { worker: "A" })!, claimProofJob(db, { worker: "B" })!, claimProofJob(db, { worker: "C" })!];
    expect(claimed.map((l) => l.spec.batchNumber)).toEqual([1, 2, 3]); // lowest first
    for (const l of [claimed[2], claimed[0], claimed[1]]) completeProofJob(db, l, fakeResult(l.spec, l.worker));
    expect(provenJobs(db).map((r) => r.batchNumber)).toEqual([1, 2, 3]);
    expect(provenJobs(db, { after: 1, limit: 1 }).map((r) => r.batchNumber)).toEqual([2]);
    db.close();
  });

  test("a worker that is stopped finishes its job; one stopped with release gives it back uncounted", async () => {
    const db = freshDb();
    enqueueProofJob(db, fakeSpec(1));
    enqueueProofJob(db, fakeSpec(2));
    let finish!: () => void;
    let started!: () => void;
    const isStarted = new Promise<void>((r) => (started = r));
    const prover: JobProver = {
      circuits: undefined,
      prove: (spec) =>
        new Promise((resolve) => {
          started();
          finish = () => resolve({ ...fakeResult(spec, ""), worker: undefined } as unknown as ProofJobResult);
        }),
      close: async () => {},
    };
    const w1 = new SqliteProverWorker({ db, prover, workerId: "w1", pollMs: 10 });
    const run1 = w1.run();
    await isStarted;
    const stopping = w1.stop();
    expect(getProofJob(db, 1)!.status).toBe("proving");
    finish();
    await stopping;
    await run1;
    expect(getProofJob(db, 1)).toMatchObject({ status: "proven", worker: "w1" });
    expect(getProofJob(db, 2)!.status).toBe("queued"); // no new job after stop

    const w2 = new SqliteProverWorker({ db, prover, workerId: "w2", pollMs: 10 });
    let started2!: () => void;
    const isStarted2 = new Promise<void>((r) => (started2 = r));
    prover.prove = () => (started2(), new Promise(() => {})); // never finishes
    const run2 = w2.run();
    await isStarted2;
    await w2.stop({ release: true });
    await run2;
    expect(w2.stats.released).toEqual([2]);
    expect(getProofJob(db, 2)).toMatchObject({ status: "queued", attempts: 0, worker: null });
    db.close();
  });
});

describe("the prover service on the 4x8 circuit", () => {
  let keys: Awaited<ReturnType<typeof devKeys>>;
  let vkey: object;
  let specs: ProofJobSpec[];
  let snarkjs: typeof import("snarkjs");
  const lines: string[] = [];
  const log = (l: string) => {
    lines.push(l);
    if (process.env.ZKR_TEST_LOG) process.stderr.write(`  ${l}\n`);
  };

  beforeAll(async () => {
    keys = await devKeys(CONFIG, { log: (l) => process.stderr.write(`  ${l}\n`) });
    vkey = JSON.parse(fs.readFileSync(keys.vkey, "utf8"));
    snarkjs = await import("snarkjs");
    const s = new Scenario(CONFIG.depth);
    const b1 = applyBatch(s.state, [s.create(user("op"), 0n, 0n), s.create(user("alice"), 0n, 10n ** 18n), s.create(user("bob"), 0n, 10n ** 17n)], s.queue, { slots: CONFIG.txs });
    const b2 = applyBatch(s.state, s.randomTxs(rng(5), CONFIG.txs, 0n), s.queue, { slots: CONFIG.txs, feeAccount: 0n });
    specs = [proofJobSpec(b1, CONFIG), proofJobSpec(b2, CONFIG)];
  });

  async function expectValid(r: ProofJobResult, spec: ProofJobSpec) {
    expect(r.publicSignals).toEqual([spec.publicInput]);
    expect(await snarkjs.groth16.verify(vkey, r.publicSignals, r.proof)).toBe(true);
    expect(await snarkjs.groth16.verify(vkey, [((BigInt(spec.publicInput) + 1n) % R).toString()], r.proof)).toBe(false);
  }

  test("a queued batch is proven by the service, verified by snarkjs, and stored in its row", async () => {
    const file = path.join(tmp, "service.sqlite");
    const db = openProofJobDb(file);
    db.transaction(() => enqueueProofJob(db, specs[1]))();
    const service = await startProverService({ db: file, backend: "cpu", workerId: "svc", once: true, log });
    await service.done;
    const job = getProofJob(db, specs[1].batchNumber)!;
    expect(job).toMatchObject({ status: "proven", attempts: 1, worker: "svc", lastError: null });
    expect(job.result).toMatchObject({ batchNumber: specs[1].batchNumber, backend: "cpu", worker: "svc" });
    expect(job.result!.fallbackFrom).toBeUndefined();
    await expectValid(job.result!, specs[1]);
    expect(provenJobs(db)).toEqual([job.result]);
    const n = specs[1].batchNumber;
    for (const stage of ["witness", "proving", "verify"]) expect(lines.some((l) => l.includes(`batch ${n} ${stage}: `))).toBe(true);
    // Each duration measured once and named: the proving step's is the stored provingMs, in the
    // engine's line and in the worker's summary alike; the job's (claim to verified proof) is longer.
    const proving = (job.result!.provingMs / 1000).toFixed(2);
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`(?:^|\\] )batch ${n} proving: ${proving} s on cpu \\(abc `)));
    const summary = lines.find((l) => l.includes(`batch ${n} proven on cpu: `))!;
    const m = new RegExp(`(?:^|\\] )batch ${n} proven on cpu: job (\\d+\\.\\d\\d) s from claim to verified proof, of which proving ${proving} s$`).exec(summary);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThanOrEqual(Number(proving));
    db.close();
  });

  test("the witness task, in-process and on its thread: the same witness; a rejected input is a WitnessError", async () => {
    const here = await witnessTask({ wasm: keys.circuit.wasm, input: specs[1].input });
    if (!("bytes" in here)) throw new Error(`no witness: ${JSON.stringify(here)}`);
    expect(here.publicSignal).toBe(specs[1].publicInput);
    expect(here.bytes.byteLength).toBe(here.nWires * 32);
    expect(await witnessTask({ wasm: keys.circuit.wasm })).toEqual({ loaded: true });
    const bad = structuredClone(specs[0].input);
    bad.oldRoot = (BigInt(bad.oldRoot as string) + 1n).toString();
    const refused = await witnessTask({ wasm: keys.circuit.wasm, input: bad });
    expect("rejected" in refused && refused.rejected).toMatch(/Assert Failed/);
    const thread = new WitnessThread();
    try {
      const there = await thread.compute(keys.circuit.wasm, specs[1].input);
      expect(there).toEqual(here);
      await expect(thread.compute(keys.circuit.wasm, bad)).rejects.toThrow(WitnessError);
      await expect(thread.load(path.join(tmp, "missing", "x.wasm"))).rejects.toThrow(/^witness generator .*x\.wasm: /);
    } finally {
      await thread.close();
    }
  });

  describe("with a warm CPU engine", () => {
    let engine: ProofEngine;
    beforeAll(async () => {
      engine = await ProofEngine.start({ backend: "cpu", log });
    });
    afterAll(async () => {
      await engine.close();
    });

    test("an input the circuit rejects ends failed at once with the circuit's reason; a wrong public input too", async () => {
      const db = freshDb();
      const bad = structuredClone(specs[0]);
      bad.input.oldRoot = (BigInt(bad.input.oldRoot as string) + 1n).toString();
      enqueueProofJob(db, bad);
      enqueueProofJob(db, { ...specs[1], publicInput: ((BigInt(specs[1].publicInput) + 1n) % R).toString() });
      const w = new SqliteProverWorker({ db, prover: engine, workerId: "w", pollMs: 10 });
      const run = w.run();
      while (w.stats.failed.length < 2) await new Promise((r) => setTimeout(r, 20));
      await w.stop();
      await run;
      expect(w.stats).toMatchObject({ proven: [], failed: [bad.batchNumber, specs[1].batchNumber], requeued: [] });
      const j1 = getProofJob(db, bad.batchNumber)!;
      expect(j1).toMatchObject({ status: "failed", attempts: 1 });
      expect(j1.lastError).toMatch(new RegExp(`^batch ${bad.batchNumber}: the circuit rejects the job's input: witness generation failed: .*Assert Failed`, "s"));
      const j2 = getProofJob(db, specs[1].batchNumber)!;
      expect(j2).toMatchObject({ status: "failed", attempts: 1 });
      expect(j2.lastError).toBe(`batch ${specs[1].batchNumber}: public input ${(BigInt(specs[1].publicInput) + 1n) % R} expected (the job's), the circuit computes ${specs[1].publicInput}`);
      expect(claimProofJob(db, { worker: "again" })).toBeUndefined();
      db.close();
    });
  });

  /** A backend factory whose non-CPU backend is `fake`; the CPU one is real. */
  const withFake = (fake: () => Promise<ProverBackend>) => (name: string) => (name === "cpu" ? createBackend("cpu") : fake());

  test("a GPU backend that fails falls back to the CPU: proven there, verified, and marked", async () => {
    const db = freshDb();
    enqueueProofJob(db, specs[0]);
    const failing = async (): Promise<ProverBackend> => ({
      name: "fakegpu",
      loadBases: async (group, bases) => ({ group, length: bases.length / (group === "G1" ? 64 : 128), release: async () => {} }),
      msm: async () => {
        throw new DeviceLostError("fakegpu", "lost in a test");
      },
      ntt: async (v) => v.slice(),
      close: async () => {},
    });
    const service = await startProverService({ db, backend: "fakegpu", createBackend: withFake(failing), workerId: "fb", once: true, log });
    await service.done;
    const job = getProofJob(db, specs[0].batchNumber)!;
    expect(job).toMatchObject({ status: "proven", attempts: 1 });
    expect(job.result).toMatchObject({ backend: "cpu", fallbackFrom: "fakegpu", worker: "fb" });
    await expectValid(job.result!, specs[0]);
    expect(lines).toContainEqual(expect.stringMatching(/batch \d+ fallback: the fakegpu backend failed \(fakegpu: the device was lost \(lost in a test\); the work can be done again on another backend\); proving again on the cpu backend/));
    db.close();
  });

  test("a failure no backend can escape (the backend refuses its input) fails the job at once: no cpu fallback, no second attempt", async () => {
    const db = freshDb();
    enqueueProofJob(db, specs[0]);
    const refusing = async (): Promise<ProverBackend> => ({
      name: "fakegpu",
      loadBases: async (group, bases) => ({ group, length: bases.length / (group === "G1" ? 64 : 128), release: async () => {} }),
      msm: async () => {
        throw new BackendError("fakegpu", "msm: scalar 3 is not below r");
      },
      ntt: async (v) => v.slice(),
      close: async () => {},
    });
    const before = lines.length;
    const service = await startProverService({ db, backend: "fakegpu", createBackend: withFake(refusing), workerId: "perm", once: true, log });
    await service.done;
    const job = getProofJob(db, specs[0].batchNumber)!;
    expect(job).toMatchObject({ status: "failed", attempts: 1, result: null });
    expect(job.lastError).toMatch(/fakegpu: msm: scalar 3 is not below r/);
    expect(lines.slice(before).filter((l) => /fallback/.test(l))).toEqual([]);
    db.close();
  });

  test("a GPU backend that returns a wrong result is caught by verification and the job is proven again on the CPU", async () => {
    const db = freshDb();
    enqueueProofJob(db, specs[1]);
    const lying = async (): Promise<ProverBackend> => {
      const cpu = await createBackend("cpu");
      return {
        name: "lyinggpu",
        loadBases: (g, b) => cpu.loadBases(g, b),
        msm: (h, s) => cpu.msm(h, s),
        ntt: async (v, o) => {
          const out = await cpu.ntt(v, o);
          out[0] ^= 1; // one flipped bit: h(x) is wrong, so is πC
          return out;
        },
        close: () => cpu.close(),
      };
    };
    const service = await startProverService({ db, backend: "lyinggpu", createBackend: withFake(lying), workerId: "lg", once: true, log });
    await service.done;
    const job = getProofJob(db, specs[1].batchNumber)!;
    expect(job.result).toMatchObject({ backend: "cpu", fallbackFrom: "lyinggpu" });
    await expectValid(job.result!, specs[1]);
    expect(lines).toContainEqual(expect.stringMatching(/verify: .* INVALID/));
    expect(lines).toContainEqual(expect.stringMatching(/the lyinggpu backend failed \(batch \d+: the proof made on the lyinggpu backend does not verify against the verification key\)/));
    db.close();
  });

  test("a requested backend that cannot start is an error, not a silent fallback", async () => {
    await expect(
      startProverService({
        db: freshDb(),
        backend: "nogpu",
        createBackend: withFake(async () => {
          throw new BackendError("nogpu", "no adapter");
        }),
      }),
    ).rejects.toThrow("nogpu: no adapter");
  });
});
