/**
 * A small worker_threads pool running circuits/setup/fixedbase-engine.mjs: each worker holds its
 * own instance of the bn128 wasm module (with the dev-setup plugin) and its own window tables,
 * and takes jobs (fixed-base multiplications, scalar generation, the r1cs wire sums) one at a
 * time. Jobs go to the least-loaded worker; results come back as transferred buffers.
 */
import os from "node:os";
import { Worker } from "node:worker_threads";

/** A job as the engine understands it (see fixedbase-engine.mjs). */
export type EngineJob = Record<string, unknown> & { type: string };
/** Engine results: named byte buffers. */
export type EngineResult = Record<string, Uint8Array>;

interface Pending {
  resolve: (r: EngineResult) => void;
  reject: (e: Error) => void;
  worker: number;
}

export class EnginePool {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly load: number[];
  private failure: Error | null = null;

  private constructor(private readonly workers: Worker[]) {
    this.load = workers.map(() => 0);
    workers.forEach((w, i) => {
      w.on("message", (msg: { id: number; ok: boolean; res?: EngineResult; error?: string }) => {
        const p = this.pending.get(msg.id);
        if (!p) return;
        this.pending.delete(msg.id);
        this.load[i]--;
        if (msg.ok) p.resolve(msg.res as EngineResult);
        else p.reject(new Error(`setup worker: ${msg.error}`));
      });
      w.on("error", (err) => this.fail(err instanceof Error ? err : new Error(String(err))));
      w.on("exit", (code) => {
        if (code !== 0) this.fail(new Error(`setup worker exited with code ${code}`));
      });
    });
  }

  /** Starts `size` workers (default: one per CPU core) with the given wasm module. */
  static async create(code: Uint8Array, consts: { pG1gen: number; pG2gen: number }, size?: number): Promise<EnginePool> {
    const n = Math.max(1, size ?? os.cpus().length);
    const url = new URL("./fixedbase-engine.mjs", import.meta.url);
    const workers: Worker[] = [];
    const ready: Promise<void>[] = [];
    for (let i = 0; i < n; i++) {
      const w = new Worker(url, { workerData: { zkrFixedBase: true, code, consts } });
      workers.push(w);
      ready.push(
        new Promise((resolve, reject) => {
          const onMsg = (m: { ready?: boolean }) => {
            if (m && m.ready) {
              w.off("message", onMsg);
              resolve();
            }
          };
          w.on("message", onMsg);
          w.once("error", reject);
        }),
      );
    }
    try {
      await Promise.all(ready);
    } catch (err) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw err;
    }
    return new EnginePool(workers);
  }

  get size(): number {
    return this.workers.length;
  }

  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.reject(err);
    }
  }

  /** Runs one job on the least-loaded worker (or on `worker` when given). */
  run(job: EngineJob, worker?: number): Promise<EngineResult> {
    if (this.failure) return Promise.reject(this.failure);
    let i = worker ?? 0;
    if (worker === undefined) {
      for (let k = 1; k < this.workers.length; k++) if (this.load[k] < this.load[i]) i = k;
    }
    const id = this.nextId++;
    this.load[i]++;
    return new Promise<EngineResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, worker: i });
      const transfer: ArrayBuffer[] = [];
      this.workers[i].postMessage({ ...job, id }, transfer);
    });
  }

  /** Runs a job on every worker (e.g. building the window tables). */
  runAll(job: EngineJob): Promise<EngineResult[]> {
    return Promise.all(this.workers.map((_, i) => this.run(job, i)));
  }

  /** Stops the workers. */
  async terminate(): Promise<void> {
    this.fail(new Error("setup pool terminated"));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/**
 * Runs `count` jobs made by `make(i)` with at most `inFlight` at a time, handing each result to
 * `onResult` (awaited, in completion order). Keeps memory bounded for large sections.
 */
export async function runBounded(
  pool: EnginePool,
  count: number,
  make: (i: number) => EngineJob | Promise<EngineJob>,
  onResult: (i: number, res: EngineResult) => void | Promise<void>,
  inFlight = pool.size * 2,
): Promise<void> {
  let next = 0;
  let error: unknown = null;
  const lane = async (): Promise<void> => {
    while (next < count && !error) {
      const i = next++;
      try {
        const res = await pool.run(await make(i));
        await onResult(i, res);
      } catch (err) {
        error ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, lane));
  if (error) throw error;
}

/** Feeds items to `consume` in sequence order, buffering the ones that arrive early. */
export class OrderedSink<T> {
  private next = 0;
  private readonly early = new Map<number, T>();
  constructor(private readonly consume: (item: T, seq: number) => void) {}
  push(seq: number, item: T): void {
    this.early.set(seq, item);
    while (this.early.has(this.next)) {
      const it = this.early.get(this.next) as T;
      this.early.delete(this.next);
      this.consume(it, this.next);
      this.next++;
    }
  }
  get consumed(): number {
    return this.next;
  }
}
