/**
 * The `cpu` backend: the prover's MSM and NTT kernels in WebAssembly on a pool of workers (one per
 * core by default): Node's worker threads on piscina (prover/cpu/node-pool.ts, the default) or a
 * browser's Web Workers (prover/cpu/web-pool.ts, passed as the `pool` option). One source for both
 * hosts: this file and everything it imports statically use no Node module, so a browser bundle of
 * it holds no Node code; Node's pool is imported on demand.
 *
 * Memory: one shared WebAssembly memory holds everything the kernels touch. `loadBases` converts
 * the zkey's LEM points once into it (the kernels' 29-bit-limb layout, core/wasm/field.ts);
 * every worker has the same memory mapped, so an MSM task carries only addresses and counts.
 * Only the main thread allocates in it (prover/heap.ts, on core/heap.ts): each task gets its own regions,
 * freed when the task settles.
 *
 * MSM: prover/cpu/msm.ts (plan, cost model) and worker.mjs (per range). NTT: prover/cpu/ntt.ts.
 * The interface's checks are prover/checked.ts's, wrapped around the backend by createCpuBackend;
 * this file checks only its options. Every failure is a BackendError, a worker crash included.
 */
import { BackendError, FR_BYTES, G1_BYTES, G2_BYTES } from "../backend.js";
import type { BasesHandle, FrKernels, Group, NttOptions, ProverBackend } from "../backend.js";
import { checkedBackend, type CheckedBackend } from "../checked.js";
import { SharedHeap } from "../heap.js";
import { checkWindowBits, internalAffineBytes, msmLayout, msmScratchBytes, planMsm, scalarRegionBytes } from "./msm.js";
import { windowCount } from "../reference.js";
import { nttInPlace, nttTask, twiddleConstants, type NttConstants } from "./ntt.js";
import { cpuFrKernels } from "./qap.js";
import { CURVE_SCRATCH, COMPOSITE_SCRATCH, PAIR_BYTES } from "./wasm/curve.js";
import { FIELD_BYTES } from "../../core/wasm/field.js";
import { MAX_PAGES, cpuWasm } from "./wasm/module.js";
import type { CpuTaskRunner, CpuWorkerPool } from "./runner.js";
import type { CpuTask } from "./worker.mjs";

export type { CpuTaskRunner, CpuWorkerPool, CpuPoolStartOptions } from "./runner.js";

/** Options of {@link createCpuBackend}. */
export interface CpuBackendOptions {
  /** Workers (default: one per core, as the pool counts them). */
  threads?: number;
  /** Forces the Pippenger window (bits) of every MSM instead of the cost model's choice; for tests. */
  windowBits?: number;
  /**
   * Where the workers run. Default: Node's worker threads (prover/cpu/node-pool.ts); in a browser,
   * `webWorkerPool(url)` (prover/cpu/web-pool.ts), which needs a cross-origin-isolated page.
   */
  pool?: CpuWorkerPool;
}

const NAME = "cpu";

/**
 * Node's pool, imported on demand. The specifier is a variable so that a bundler does not follow
 * it: a browser bundle of this file must not hold node-pool.ts's Node modules and piscina.
 */
const NODE_POOL = "./node-pool.js";

async function nodeWorkerPool(): Promise<CpuWorkerPool> {
  const proc = (globalThis as { process?: { versions?: { node?: string } } }).process;
  if (!proc?.versions?.node) {
    throw new BackendError(NAME, "no worker pool given, and Node's worker threads are not here: in a browser, pass `pool: webWorkerPool(url)` (prover/cpu/web-pool.ts)");
  }
  const mod = (await import(NODE_POOL)) as typeof import("./node-pool.js");
  return mod.nodeWorkerPool;
}

/**
 * The backend's workers share one WebAssembly.Memory (a SharedArrayBuffer), which a browser
 * grants only to a cross-origin-isolated page; without it `new WebAssembly.Memory({ shared })`
 * fails with a message that does not say why. Node has no such flag (undefined): nothing to check.
 */
function checkCrossOriginIsolated(): void {
  if ((globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === false) {
    throw new BackendError(
      NAME,
      "this page is not cross-origin isolated (crossOriginIsolated is false): the cpu backend shares one WebAssembly.Memory with its Web Workers, " +
        "which a browser allows only on a page served with the headers Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp",
    );
  }
}

/**
 * Starts the CPU backend: builds the wasm module, the shared memory and the worker pool. The
 * backend comes behind the interface's checks; `inner` is the {@link CpuBackend} (debug hooks).
 */
export async function createCpuBackend(options: CpuBackendOptions = {}): Promise<CheckedBackend<CpuBackend>> {
  return checkedBackend(await CpuBackend.create(options));
}

interface Exports {
  [name: string]: (...args: number[]) => number;
}

class CpuBases implements BasesHandle {
  constructor(
    readonly owner: CpuBackend,
    readonly group: Group,
    readonly length: number,
    readonly ptr: number,
  ) {}
  async release(): Promise<void> {
    this.owner.freeBases(this);
  }
}

/** The backend object, unchecked (createCpuBackend wraps it); exported for tests that reach its debug hooks. */
export class CpuBackend implements ProverBackend {
  readonly name = NAME;
  private closed = false;
  private readonly twiddles = new Map<number, Promise<number>>();
  private readonly liveBases = new Set<CpuBases>();
  /** MSMs started and not settled: the ranges a new one is cut into (see `msm`). */
  private msmsInFlight = 0;
  /** Worker thread ids of the last NTTs (tests check that concurrent ones spread). */
  readonly nttThreads: number[] = [];
  /** The prover's Fr vector steps on the workers (prover/cpu/qap.ts). */
  readonly fr: FrKernels;

  private constructor(
    private readonly pool: CpuTaskRunner,
    private readonly heap: SharedHeap,
    private readonly ex: Exports,
    private readonly mainScratch: number,
    private readonly frOne: number,
    readonly threads: number,
    private readonly windowBits: number | undefined,
  ) {
    this.fr = cpuFrKernels({
      alloc: (bytes) => this.heap.alloc(bytes),
      release: (p) => this.heap.release(p),
      bytes: () => this.bytes(),
      threads,
      runAll: (tasks) => this.runAll(tasks),
      ntt: (io, n, options) => nttInPlace(n, io, options, this.nttConstants(), (task) => this.run(task), (t) => this.noteNttThread(t)),
    });
  }

  static async create(options: CpuBackendOptions): Promise<CpuBackend> {
    checkCrossOriginIsolated();
    const host = options.pool ?? (await nodeWorkerPool());
    const threads = options.threads ?? host.defaultThreads();
    if (!Number.isInteger(threads) || threads < 1 || threads > 256) {
      throw new BackendError(NAME, `threads: an integer in [1, 256] expected, got ${threads}`);
    }
    checkWindowBits(NAME, options.windowBits);
    const wasm = await cpuWasm();
    const memory = new WebAssembly.Memory({ initial: Math.ceil((wasm.staticEnd + (1 << 20)) / 65536), maximum: MAX_PAGES, shared: true });
    const instance = await WebAssembly.instantiate(wasm.module, { env: { memory } });
    const heap = new SharedHeap(memory, wasm.staticEnd, MAX_PAGES * 65536, NAME);
    const mainScratch = heap.alloc(CURVE_SCRATCH + COMPOSITE_SCRATCH + 1024);
    // Start the workers now: a backend that cannot run its worker is an error here, not at the first MSM
    // (a host with no workers at all included: start throws).
    let pool: CpuTaskRunner | undefined;
    try {
      pool = host.start({ name: NAME, workerData: { memory, module: wasm.module, fieldBytes: FIELD_BYTES, pairBytes: PAIR_BYTES }, threads });
      const started = pool;
      await Promise.all(Array.from({ length: threads }, () => started.run({ kind: "ping" })));
    } catch (err) {
      await pool?.destroy();
      throw new BackendError(NAME, `the worker pool (${host.host}) did not start: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    return new CpuBackend(pool, heap, instance.exports as unknown as Exports, mainScratch, wasm.frOne, threads, options.windowBits);
  }

  private checkOpen(): void {
    if (this.closed) throw new BackendError(NAME, "the backend is closed");
  }

  /** Runs a task on the pool; any failure (a thrown error, a crashed worker) is a BackendError. */
  private async run<T>(task: Record<string, unknown>): Promise<T> {
    try {
      // The tasks are built as plain records here and in ntt.ts; worker.d.mts's CpuTask names their fields.
      return (await this.pool.run(task as unknown as CpuTask)) as T;
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      throw new BackendError(NAME, `worker task ${String(task.kind)} failed: ${msg}`, { cause: err });
    }
  }

  /** Runs tasks, waits for all of them to settle (they use memory the caller frees), then throws the first failure. */
  private async runAll<T>(tasks: Record<string, unknown>[]): Promise<T[]> {
    const settled = await Promise.allSettled(tasks.map((t) => this.run<T>(t)));
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
    if (failed) throw failed.reason;
    return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
  }

  private bytes(): Uint8Array {
    return new Uint8Array(this.heap.memory.buffer);
  }

  async loadBases(group: Group, bases: Uint8Array): Promise<BasesHandle> {
    return this.loadBasesFrom(group, bases.length / (group === "G1" ? G1_BYTES : G2_BYTES), async (dst) => dst.set(bases));
  }

  async loadBasesFrom(group: Group, n: number, fill: (dst: Uint8Array) => Promise<void>): Promise<BasesHandle> {
    const lemSize = group === "G1" ? G1_BYTES : G2_BYTES;
    const A = internalAffineBytes(group);
    const ptr = this.heap.alloc(Math.max(n * A, 1));
    let lem = 0;
    try {
      lem = this.heap.alloc(Math.max(n * lemSize, 1));
      // the staging region: the caller's bytes land here (read from a file: no copy of its own)
      await fill(new Uint8Array(this.heap.memory.buffer, lem, n * lemSize));
      const parts = Math.max(1, Math.min(this.threads, Math.floor(n / 4096)));
      const tasks: Record<string, unknown>[] = [];
      for (let k = 0; k < parts; k++) {
        const a = Math.floor((n * k) / parts);
        const b = Math.floor((n * (k + 1)) / parts);
        if (b > a) tasks.push({ kind: "bases", g: gName(group), lem: lem + a * lemSize, n: b - a, out: ptr + a * A });
      }
      await this.runAll(tasks);
    } catch (err) {
      this.heap.release(ptr);
      throw err;
    } finally {
      if (lem) this.heap.release(lem);
    }
    const handle = new CpuBases(this, group, n, ptr);
    this.liveBases.add(handle);
    return handle;
  }

  /** @internal */
  freeBases(h: CpuBases): void {
    if (this.liveBases.delete(h)) this.heap.release(h.ptr);
  }

  async msm(handle: BasesHandle, scalars: Uint8Array): Promise<Uint8Array> {
    // One range per worker when this MSM is alone. MSMs started together (the prover's five at
    // small sizes) are cut into fewer, down to one each: every range pays a whole bucket
    // reduction per window, and the other MSMs keep the workers busy meanwhile.
    const parts = Math.max(1, this.threads - this.msmsInFlight);
    this.msmsInFlight++;
    try {
      return await this.msmRanges(handle, scalars, parts);
    } finally {
      this.msmsInFlight--;
    }
  }

  private async msmRanges(handle: BasesHandle, scalars: Uint8Array, parts: number): Promise<Uint8Array> {
    const h = handle as CpuBases;
    const n = scalars.length / FR_BYTES;
    const lemSize = h.group === "G1" ? G1_BYTES : G2_BYTES;
    const blocks: number[] = [];
    try {
      const sp = this.heap.alloc(scalarRegionBytes(n));
      blocks.push(sp);
      const mem = this.bytes();
      mem.set(scalars.subarray(0, n * FR_BYTES), sp);
      mem.fill(0, sp + n * FR_BYTES, sp + scalarRegionBytes(n));
      const words = new Uint32Array(this.heap.memory.buffer, sp, n * 8);
      const ranges = planMsm(words, n, parts, this.windowBits);
      const tasks = ranges.map((r) => {
        const base = this.heap.alloc(msmScratchBytes(h.group, r));
        blocks.push(base);
        return {
          kind: "msm",
          g: gName(h.group),
          bases: h.ptr,
          scalars: sp,
          start: r.start,
          count: r.count,
          full: r.full,
          ones: r.ones,
          window: r.window,
          nWin: windowCount(r.window),
          layout: msmLayout(h.group, r, base),
        };
      });
      const partials = await this.runAll<Uint8Array>(tasks);
      if (partials.length === 1) return partials[0];
      const inp = this.heap.alloc(partials.length * lemSize + lemSize);
      blocks.push(inp);
      const m = this.bytes();
      partials.forEach((p, i) => m.set(p, inp + i * lemSize));
      const out = inp + partials.length * lemSize;
      this.ex[`${gName(h.group)}_sumLem`](inp, partials.length, out, this.mainScratch);
      return this.bytes().slice(out, out + lemSize);
    } finally {
      for (const b of blocks) this.heap.release(b);
    }
  }

  async ntt(values: Uint8Array, options: NttOptions = {}): Promise<Uint8Array> {
    const n = values.length / FR_BYTES;
    return nttTask(n, values, options, this.nttConstants(), (task) => this.run(task), (t) => this.noteNttThread(t));
  }

  private nttConstants(): NttConstants {
    return {
      alloc: (bytes) => this.heap.alloc(bytes),
      release: (p) => this.heap.release(p),
      bytes: () => this.bytes(),
      twiddles: (logn) => this.twiddleTable(logn),
    };
  }

  private noteNttThread(t: number): void {
    this.nttThreads.push(t);
    if (this.nttThreads.length > 64) this.nttThreads.shift();
  }

  /** ω_n^j for j < n/2 (Montgomery), built once per size by a worker. */
  private twiddleTable(logn: number): Promise<number> {
    let t = this.twiddles.get(logn);
    if (!t) {
      t = this.buildTwiddles(logn);
      this.twiddles.set(logn, t);
      t.catch(() => this.twiddles.delete(logn));
    }
    return t;
  }

  private async buildTwiddles(logn: number): Promise<number> {
    const half = 2 ** (logn - 1);
    const table = this.heap.alloc(half * FIELD_BYTES);
    const c = this.heap.alloc(2 * FIELD_BYTES);
    try {
      const { ratio } = twiddleConstants(logn);
      const m = this.bytes();
      m.set(m.subarray(this.frOne, this.frOne + FIELD_BYTES), c);
      m.set(ratio, c + FIELD_BYTES);
      await this.run({ kind: "geom", first: c, ratio: c + FIELD_BYTES, n: half, out: table });
      return table;
    } catch (err) {
      this.heap.release(table);
      throw err;
    } finally {
      this.heap.release(c);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.destroy();
  }

  /** Test hook: makes one worker exit mid-task (the pool replaces it). */
  async debugCrashWorker(): Promise<void> {
    this.checkOpen();
    await this.run({ kind: "crash" });
  }

  /** Test hook: bytes in use in the shared memory (leak checks). */
  debugHeapUsed(): number {
    return this.heap.used;
  }
}

function gName(group: Group): "g1" | "g2" {
  return group === "G1" ? "g1" : "g2";
}
