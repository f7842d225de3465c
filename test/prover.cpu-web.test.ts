/**
 * The cpu backend's browser host (prover/cpu/web-pool.ts, web-worker.ts), without a browser:
 *
 * - esbuild bundles the backend and the web pool (the page's side) and the Web Worker entry (the
 *   worker's side) for `platform: "browser"`, and the bundles hold no Node module and no piscina;
 * - those very bundles then run here: createCpuBackend and webWorkerPool from the page's bundle,
 *   the worker bundle's serveCpuWorker on real worker threads (Node's, standing in for Web Workers
 *   through a small adapter: Node 20 has no global Worker), so the shared memory, the protocol,
 *   the thread ids, transfers, a dying worker and workers that cannot start are all real;
 * - the worker entry's message handler, called in-process.
 *
 * Not covered here (a browser's own part): `new Worker(url, { type: "module" })`, a browser's
 * error events, and the COOP/COEP headers that make a page cross-origin isolated (only the
 * refusal when it is not).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { build, type OutputFile } from "esbuild";
import { buildBn128 } from "ffjavascript";
import { BackendError } from "../prover/backend.js";
import { createCpuBackend } from "../prover/cpu/index.js";
import type { CpuWorkerPool } from "../prover/cpu/runner.js";
import type { WebWorkerLike, WebWorkerPoolOptions } from "../prover/cpu/web-pool.js";
import { ownedBuffers, serveCpuWorker, type FromCpuWorker, type ToCpuWorker } from "../prover/cpu/web-worker.js";
import { MAX_PAGES, cpuWasm } from "../prover/cpu/wasm/module.js";
import { PAIR_BYTES } from "../prover/cpu/wasm/curve.js";
import { FIELD_BYTES } from "../core/wasm/field.js";
import { rng } from "../bench/fixtures/rng.js";
import { bases, ffjsMsm, hex, msm, scalars } from "./helpers/msm.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** What the page's bundle exports (prover/cpu/index.ts and web-pool.ts). */
interface PageBundle {
  createCpuBackend: typeof createCpuBackend;
  webWorkerPool: (url: URL | string, options?: WebWorkerPoolOptions) => CpuWorkerPool;
}

let dir: string;
let page: { file: string; text: string };
let worker: { file: string; text: string };
let web: PageBundle;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "zkr-cpu-web-"));
  const common = { bundle: true, platform: "browser", format: "esm", target: "es2022", write: false, logLevel: "silent" } as const;
  const [p, w] = await Promise.all([
    build({
      ...common,
      stdin: { contents: 'export * from "./prover/cpu/index.ts";\nexport * from "./prover/cpu/web-pool.ts";\n', resolveDir: ROOT, loader: "ts", sourcefile: "page.ts" },
      outfile: path.join(dir, "page.js"),
    }),
    build({ ...common, entryPoints: [path.join(ROOT, "prover", "cpu", "web-worker.ts")], outfile: path.join(dir, "cpu-worker.js") }),
  ]);
  const save = (f: OutputFile): { file: string; text: string } => {
    fs.writeFileSync(f.path, f.contents);
    return { file: f.path, text: f.text };
  };
  page = save(p.outputFiles[0]);
  worker = save(w.outputFiles[0]);
  web = (await import(pathToFileURL(page.file).href)) as PageBundle;
});

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe("the browser bundles", () => {
  test.each(["page", "worker"] as const)("the %s bundle imports no Node module and holds no piscina", (which) => {
    const { text } = which === "page" ? page : worker;
    expect(text.length).toBeGreaterThan(10_000);
    expect(text).not.toMatch(/\bfrom\s*["']node:|\bimport\s*\(\s*["']node:|\brequire\s*\(|\bimport\s*["']node:/);
    expect(text).not.toMatch(/piscina/i);
    // Node's pool is reached only through a specifier the bundler does not follow
    if (which === "page") expect(text).toContain('"./node-pool.js"');
  });
});

/**
 * A Web Worker stand-in: a Node worker thread that runs the worker bundle's serveCpuWorker on its
 * parent port. Its `exit` (worker.mjs's crash task exits a Node thread) and `error` events are the
 * pool's `error` event, as an uncaught error is in a browser.
 */
class ThreadWorker implements WebWorkerLike {
  private readonly thread: Worker;
  private stopped = false;
  private readonly onError: ((event: { message?: string; error?: unknown }) => void)[] = [];

  constructor(script: string, readonly mangleInit?: (m: ToCpuWorker) => ToCpuWorker) {
    this.thread = new Worker(
      `const { parentPort, workerData } = require("node:worker_threads");
       import(workerData.script).then(({ serveCpuWorker }) => serveCpuWorker({
         postMessage: (m, transfer) => parentPort.postMessage(m, transfer),
         addEventListener: (type, listener) => parentPort.on(type, (data) => listener({ data })),
       }));`,
      { eval: true, workerData: { script } },
    );
    this.thread.on("error", (error) => this.onError.forEach((l) => l({ message: error.message, error })));
    this.thread.on("exit", (code) => {
      if (!this.stopped) this.onError.forEach((l) => l({ message: `the thread exited with code ${code}` }));
    });
  }

  postMessage(message: ToCpuWorker): void {
    this.thread.postMessage(this.mangleInit && "init" in message ? this.mangleInit(message) : message);
  }

  addEventListener(type: "message" | "error" | "messageerror", listener: (event: any) => void): void {
    if (type === "message") this.thread.on("message", (data: FromCpuWorker) => listener({ data }));
    else if (type === "error") this.onError.push(listener);
  }

  terminate(): void {
    this.stopped = true;
    void this.thread.terminate();
  }
}

const threadWorkers = (script = pathToFileURL(worker.file).href, mangleInit?: (m: ToCpuWorker) => ToCpuWorker): WebWorkerPoolOptions => ({
  createWorker: () => new ThreadWorker(script, mangleInit),
});

describe("the bundled backend on the bundled Web Worker entry (worker threads standing in)", () => {
  let curve: any;
  let cpu: Awaited<ReturnType<typeof createCpuBackend>>;
  beforeAll(async () => {
    curve = await buildBn128();
    cpu = await web.createCpuBackend({ threads: 2, pool: web.webWorkerPool(pathToFileURL(worker.file), threadWorkers()) });
  });
  afterAll(async () => {
    await cpu?.close();
    await curve?.terminate();
  });

  test("MSMs over several worker ranges equal ffjavascript's; NTTs equal the Node-hosted backend's and spread over the workers", async () => {
    const r = rng(91);
    for (const [g, n] of [["G1", 3001], ["G2", 401]] as const) {
      const b = await bases(curve, g, n, r);
      const sc = scalars(n, "mix", r);
      expect(hex(await msm(cpu, g, b, sc))).toBe(hex(await ffjsMsm(curve, g, b, sc)));
    }
    const node = await createCpuBackend({ threads: 1 });
    try {
      const vs = [0, 1].map(() => scalars(2 ** 10, "full", r));
      const before = cpu.inner.nttThreads.length;
      const outs = await Promise.all(vs.map((v) => cpu.ntt(v, { inverse: true, coset: 7n })));
      expect(new Set(cpu.inner.nttThreads.slice(before))).toEqual(new Set([1, 2])); // the pool's worker ids
      for (let i = 0; i < 2; i++) expect(hex(outs[i])).toBe(hex(await node.ntt(vs[i], { inverse: true, coset: 7n })));
    } finally {
      await node.close();
    }
  });

  test("a worker that dies mid-task fails that task with a BackendError naming it; the pool replaces the worker and goes on", async () => {
    const err = await cpu.inner.debugCrashWorker().catch((e: unknown) => e);
    expect((err as Error).name).toBe("BackendError"); // the bundle's own class
    expect((err as Error).message).toMatch(/^cpu: worker task crash failed: cpu: task crash \(cpu-worker\.js\) failed: the worker died: the thread exited with code 70/);
    const r = rng(92);
    const b = await bases(curve, "G1", 600, r);
    const sc = scalars(600, "full", r);
    expect(hex(await msm(cpu, "G1", b, sc))).toBe(hex(await ffjsMsm(curve, "G1", b, sc)));
    // the replacement, worker 3, takes tasks once it has started (NTTs answer their worker's id)
    const seen = new Set<number>();
    for (const deadline = Date.now() + 20_000; !seen.has(3) && Date.now() < deadline; ) {
      await Promise.all([0, 1].map(() => cpu.ntt(scalars(64, "full", r))));
      cpu.inner.nttThreads.slice(-2).forEach((t) => seen.add(t));
    }
    expect(seen.has(3)).toBe(true);
    expect([...seen].every((t) => t === 2 || t === 3 || t === 1)).toBe(true);
  });
});

describe("web pool failures", () => {
  test("a worker script that cannot load makes createCpuBackend reject, not hang", async () => {
    const missing = pathToFileURL(path.join(dir, "no-such-worker.js")).href;
    const err = await web.createCpuBackend({ threads: 2, pool: web.webWorkerPool(missing, threadWorkers(missing)) }).catch((e: unknown) => e);
    expect((err as Error).name).toBe("BackendError");
    expect((err as Error).message).toMatch(/^cpu: the worker pool \(Web Workers\) did not start: cpu: a worker of no-such-worker\.js could not start: /);
  });

  test("a host without Web Workers (Node has no global Worker) is a BackendError, not a thrown WorkerTaskError", async () => {
    const err = await web.createCpuBackend({ threads: 1, pool: web.webWorkerPool(pathToFileURL(worker.file)) }).catch((e: unknown) => e);
    expect((err as Error).name).toBe("BackendError");
    expect((err as Error).message).toMatch(/did not start: cpu worker 1: this host has no Web Workers \(no global Worker\)/);
  });

  test("a worker whose init fails makes createCpuBackend reject with the worker's error", async () => {
    const bad = (m: ToCpuWorker): ToCpuWorker => ("init" in m ? { init: { ...m.init, module: 42 as unknown as WebAssembly.Module } } : m);
    const err = await web.createCpuBackend({ threads: 2, pool: web.webWorkerPool(pathToFileURL(worker.file), threadWorkers(undefined, bad)) }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/did not start: cpu: a worker of cpu-worker\.js could not start: .*WebAssembly/);
  });

  test("a task that throws rejects with the worker's message; destroy rejects what is in hand and what comes", async () => {
    const wasm = await cpuWasm();
    const memory = new WebAssembly.Memory({ initial: Math.ceil(wasm.staticEnd / 65536) + 1, maximum: MAX_PAGES, shared: true });
    const pool = web
      .webWorkerPool(pathToFileURL(worker.file), threadWorkers())
      .start({ name: "cpu", workerData: { memory, module: wasm.module, fieldBytes: FIELD_BYTES, pairBytes: PAIR_BYTES }, threads: 1 });
    expect(await pool.run({ kind: "ping" })).toBe(1);
    await expect(pool.run({ kind: "nope" } as never)).rejects.toThrow(/^cpu: task nope \(cpu-worker\.js\) failed: cpu worker: unknown task nope$/);
    const pending = [pool.run({ kind: "ping" }), pool.run({ kind: "ping" })];
    await pool.destroy();
    for (const p of pending) await expect(p).rejects.toThrow(/cpu: the pool was destroyed/);
    await expect(pool.run({ kind: "ping" })).rejects.toThrow(/destroyed/);
  });

  test("a page that is not cross-origin isolated is refused, saying which headers it needs", async () => {
    const g = globalThis as { crossOriginIsolated?: boolean };
    g.crossOriginIsolated = false;
    try {
      const err = await createCpuBackend({ threads: 1 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BackendError);
      expect((err as Error).message).toMatch(/not cross-origin isolated.*Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp/);
    } finally {
      delete g.crossOriginIsolated;
    }
  });
});

describe("the worker entry's handler, in-process", () => {
  test("init, then tasks: a task before init fails, results come with their id, errors as { name, message, stack }", async () => {
    const posted: { message: FromCpuWorker; transfer?: ArrayBuffer[] }[] = [];
    const handle = serveCpuWorker({ postMessage: (message, transfer) => posted.push({ message, transfer }), addEventListener: () => {} });
    await handle({ id: 1, task: { kind: "ping" } });
    expect(posted.shift()).toEqual({ message: { id: 1, error: expect.objectContaining({ name: "Error", message: "cpu worker: a task came before the init message" }) }, transfer: undefined });
    const wasm = await cpuWasm();
    const memory = new WebAssembly.Memory({ initial: Math.ceil(wasm.staticEnd / 65536) + 1, maximum: MAX_PAGES, shared: true });
    await handle({ init: { memory, module: wasm.module, fieldBytes: FIELD_BYTES, pairBytes: PAIR_BYTES, threadId: 5 } });
    expect(posted.shift()).toEqual({ message: { ready: true }, transfer: undefined });
    await handle({ id: 2, task: { kind: "ping" } });
    expect(posted.shift()).toEqual({ message: { id: 2, result: 5 }, transfer: [] });
    await handle({ id: 3, task: { kind: "nope" } as never });
    const e = posted.shift()!.message as { id: number; error: { name: string; message: string; stack?: string } };
    expect([e.id, e.error.name, e.error.message, typeof e.error.stack]).toEqual([3, "Error", "cpu worker: unknown task nope", "string"]);
  });

  test("what a result transfers: a typed array's own buffer, or those of a plain object's values; never a view into a larger or shared buffer", () => {
    const own = new Uint8Array(64);
    expect(ownedBuffers(own)).toEqual([own.buffer]);
    expect(ownedBuffers(own.subarray(0, 32))).toEqual([]);
    expect(ownedBuffers(new Uint8Array(new SharedArrayBuffer(8)))).toEqual([]);
    const a = new Uint32Array(2);
    expect(ownedBuffers({ a, b: a, n: 1 })).toEqual([a.buffer]);
    expect(ownedBuffers(7)).toEqual([]);
    expect(ownedBuffers(true)).toEqual([]);
  });
});
