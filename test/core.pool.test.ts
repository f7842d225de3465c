/**
 * core/pool.ts, the one way zkr runs work on worker threads: a TypeScript task module runs in the
 * worker (tsx registered there by core/worker-entry.mjs) and in-process alike; init data arrives;
 * buffers travel by transfer; a thrown error, a worker that exits mid-task and a worker that cannot
 * start are each a WorkerTaskError naming the pool and the task, never a hang.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startPool, TaskPool, WorkerTaskError } from "../core/pool.js";
import { isRetryable } from "../core/errors.js";
import task, { init, type PoolTestTask } from "./helpers/pool-task.js";

const MODULE = new URL("./helpers/pool-task.ts", import.meta.url);

describe("a pool of two workers", () => {
  let pool: TaskPool<PoolTestTask, unknown>;
  beforeAll(async () => {
    pool = await startPool<PoolTestTask, unknown>({ name: "pool test", module: MODULE, threads: 2, workerData: { tag: "hello" } });
  });
  afterAll(async () => {
    await pool?.destroy();
  });

  test("runs TypeScript tasks with their init data, on two threads", async () => {
    expect(pool.size).toBe(2);
    expect(await pool.run({ kind: "tag" })).toBe("hello");
    expect(await pool.run({ kind: "echo", value: { a: [1, 2n] } })).toEqual({ a: [1, 2n] });
    expect(await pool.run({ kind: "sum", bytes: new Uint8Array([1, 2]) })).toBe("513");
    const ids = new Set(await Promise.all(Array.from({ length: 8 }, () => pool.run({ kind: "thread" }))));
    expect([...ids].every((id) => typeof id === "number" && id > 0)).toBe(true);
  });

  test("result buffers are transferred, input buffers when asked", async () => {
    const r = (await pool.run({ kind: "bytes", n: 1000 })) as { bytes: Uint8Array; n: number };
    expect(r.n).toBe(1000);
    expect(r.bytes).toEqual(new Uint8Array(1000).fill(7));
    const input = new Uint8Array([5, 0, 0]);
    expect(await pool.run({ kind: "sum", bytes: input }, { transferList: [input.buffer] })).toBe("5");
    expect(input.byteLength).toBe(0); // detached: moved, not copied
  });

  test("a task that throws is a WorkerTaskError naming the pool and the task, with the worker's error as cause", async () => {
    const err = await pool.run({ kind: "throw", message: "no such thing" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkerTaskError);
    expect((err as Error).message).toMatch(/^pool test: task throw \(helpers\/pool-task\.ts\) failed: no such thing$/);
    expect(((err as WorkerTaskError).cause as Error).message).toBe("no such thing");
    expect(isRetryable(err)).toBe(true);
  });

  test("a worker that exits mid-task fails that task; the pool replaces it and goes on", async () => {
    await expect(pool.run({ kind: "exit", code: 3 })).rejects.toThrow(/pool test: task exit .* failed: worker exited with code: 3/);
    expect(await pool.run({ kind: "tag" })).toBe("hello");
    expect(await Promise.all([pool.run({ kind: "echo", value: 1 }), pool.run({ kind: "echo", value: 2 })])).toEqual([1, 2]);
  });
});

test("a worker whose init fails makes startPool reject, not hang", async () => {
  const err = await startPool({ name: "pool test", module: MODULE, threads: 2, workerData: { tag: "x", failInit: true } }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(WorkerTaskError);
  expect((err as Error).message).toMatch(/pool test: a worker of helpers\/pool-task\.ts could not start: init refused \(x\)/);
});

test("a task module that does not exist makes startPool reject", async () => {
  await expect(startPool({ name: "pool test", module: new URL("./helpers/no-such-task.ts", import.meta.url) })).rejects.toThrow(WorkerTaskError);
});

test("workers see the environment of the code that made the pool (a jest test file's own copy included)", async () => {
  process.env.ZKR_POOL_TEST_VAR = "seen";
  try {
    const pool = await startPool<PoolTestTask, unknown>({ name: "pool test", module: MODULE, workerData: { tag: "env" } });
    expect(await pool.run({ kind: "env", name: "ZKR_POOL_TEST_VAR" })).toBe("seen");
    await pool.destroy();
  } finally {
    delete process.env.ZKR_POOL_TEST_VAR;
  }
});

test("bad thread counts are refused", () => {
  expect(() => new TaskPool({ name: "pool test", module: MODULE, threads: 0 })).toThrow(/pool test: threads: a positive integer expected, got 0/);
});

test("in-process: the task module is a plain function", async () => {
  await init({ tag: "here" });
  expect(await task({ kind: "tag" })).toBe("here");
  expect(await task({ kind: "sum", bytes: new Uint8Array([0, 1]) })).toBe("256");
  await expect(task({ kind: "throw", message: "x" })).rejects.toThrow(RangeError);
});

/** The JavaScript worker files core/pool.ts's rule allows: its entry, and the CPU backend's task module. */
const JS_WORKER_FILES = [
  path.join("core", "worker-entry.mjs"),
  path.join("prover", "cpu", "worker.mjs"),
  // Not a worker: the build step that compiles the TypeScript, so it cannot be TypeScript itself.
  path.join("scripts", "build-js.mjs"),
];

/**
 * Files besides core/pool.ts that may start workers, each with its reason. core/pool.ts is Node's
 * (piscina on node:worker_threads), which a browser has neither of.
 */
const WORKER_STARTERS: Record<string, string> = {
  [path.join("prover", "cpu", "web-pool.ts")]:
    "the browser's only worker starter: the cpu backend's Web Workers, when it is the WebGPU prover's fallback in a page (one task module, worker.mjs, for both hosts)",
};

test("the rule holds everywhere: no worker is started but through core/pool.ts (or, in a browser, prover/cpu/web-pool.ts); the only .mjs files are the allowed ones", () => {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
  const bad: string[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (e.name.startsWith(".") || ["node_modules", "build", "test", "types-generated"].includes(e.name)) continue;
      const p = path.join(dir, e.name);
      const rel = path.relative(root, p);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|mts|cts|js|mjs|cjs)$/.test(e.name) && rel !== path.join("core", "pool.ts") && !(rel in WORKER_STARTERS)) {
        const src = fs.readFileSync(p, "utf8");
        if (/\bnew\s+(Worker|Piscina)\s*\(/.test(src)) bad.push(`${rel} starts workers itself`);
        if (/\.mjs$/.test(e.name) && !JS_WORKER_FILES.includes(rel)) bad.push(`${rel} is a .mjs file`);
      }
    }
  };
  walk(root);
  // an allowed starter that no longer starts workers is an exception to drop
  for (const rel of Object.keys(WORKER_STARTERS)) {
    if (!/\bnew\s+Worker\s*\(/.test(fs.readFileSync(path.join(root, rel), "utf8"))) bad.push(`${rel} is allowed to start workers but does not`);
  }
  expect(bad).toEqual([]);
});
