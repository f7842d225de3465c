/**
 * How the dev setup's work becomes engine jobs on the worker pool: the pool itself (core/pool.ts
 * running circuits/setup/engine-task.ts, one worker per core by default), the window tables built
 * once and shared, fixed-base multiplication items whose outputs go to a file section and/or an
 * ordered hash stream, and bounded scheduling (a few jobs in flight per worker, so memory stays
 * bounded for large sections).
 */
import { startPool, type TaskPool } from "../../core/pool.js";
import type { BinFileWriter } from "./binfile.js";
import { tableBytes, type EngineJob, type EngineResult, type ScalarSpec } from "./engine.js";
import type { EngineWorkerData } from "./engine-task.js";
import type { OnProgress } from "../../core/progress.js";

export type { EngineJob, EngineResult };

/** The dev setup's worker pool. */
export type EnginePool = TaskPool<EngineJob, EngineResult>;

/** Starts `workers` engines (default: one per core) on the bn128 module `code`. */
export function startEnginePool(workerData: EngineWorkerData, workers?: number): Promise<EnginePool> {
  return startPool<EngineJob, EngineResult>({
    name: "dev setup",
    module: new URL("./engine-task.ts", import.meta.url),
    threads: workers === undefined ? "cores" : Math.max(1, workers),
    // runBounded keeps two jobs per worker in flight: the second waits in the worker, not here,
    // so the worker goes on while the main thread hashes and writes the first one's result.
    tasksPerWorker: 2,
    workerData,
  });
}

export const G1 = 1;
export const G2 = 2;
/** Affine point bytes per group. */
export const SA = { [G1]: 64, [G2]: 128 } as const;
/** Points per job: big enough to amortise messages, small enough to balance two workers. */
export const CHUNK_G1 = 1 << 15;
/** Points per job in each group. */
export type Chunks = Record<number, number>;
export function chunks(g1: number): Chunks {
  return { [G1]: g1, [G2]: Math.max(1, g1 >> 2) };
}

/**
 * Window width for `points` fixed-base multiplications in one group: minimises
 * windows * (table entries + points), both costing about one batched affine addition per
 * window (the workers share both the table rows and the points). At most 16 bits, so a G2
 * table stays at 128 MiB per worker.
 */
export function windowBits(points: number): number {
  let best = 4;
  let bestCost = Infinity;
  for (let w = 4; w <= 16; w++) {
    const cost = Math.ceil(254 / w) * (2 ** w + points);
    if (cost < bestCost) {
      bestCost = cost;
      best = w;
    }
  }
  return best;
}

/** Window bits per group, and the shared window tables (see circuits/setup/engine.ts). */
export interface Tables {
  w: Record<number, number>;
  shared: Record<number, SharedArrayBuffer>;
}

/**
 * Builds the window tables of both groups once: each worker computes a share of the rows into
 * one shared buffer per group, which every later multiplication job carries (an engine copies it
 * in at first use).
 */
export async function buildTables(pool: EnginePool, w: Record<number, number>): Promise<Tables> {
  const shared: Record<number, SharedArrayBuffer> = {};
  const jobs: EngineJob[] = [];
  for (const group of [G1, G2]) {
    shared[group] = new SharedArrayBuffer(tableBytes(group, w[group]));
    const nWin = Math.ceil(254 / w[group]);
    for (let i = 0; i < pool.size; i++) {
      const from = Math.floor((i * nWin) / pool.size);
      const to = Math.floor(((i + 1) * nWin) / pool.size);
      if (to > from) jobs.push({ type: "tableRows", group, w: w[group], from, to, shared: shared[group] });
    }
  }
  await Promise.all(jobs.map((j) => pool.run(j)));
  return { w, shared };
}

/** An engine job and where its output goes. */
export interface Item {
  /** Makes the job when it is dispatched (so large inputs are copied out only then). */
  job: () => EngineJob | Promise<EngineJob>;
  /** Section and byte position of the job's `lem` output. */
  section?: number;
  pos?: number;
  /** Sequence number in an ordered hash stream, for jobs whose hash form is needed. */
  seq?: number;
}

/** A fixed-base multiplication item: the generator of `group` times each scalar of `spec`. */
export function mul(
  tables: Tables,
  group: 1 | 2,
  spec: ScalarSpec | (() => ScalarSpec),
  forms: ("lem" | "u" | "c")[],
  where: { section?: number; pos?: number; seq?: number } = {},
): Item {
  return {
    ...where,
    job: () => ({ type: "mul", group, w: tables.w[group], table: tables.shared[group], spec: typeof spec === "function" ? spec() : spec, forms }),
  };
}

/** Runs items on the pool: `lem` outputs to the file, hash forms to the ordered sink. */
export function runItems(pool: EnginePool, items: Item[], writer: BinFileWriter, sink?: OrderedSink<Uint8Array>, hashForm: "u" | "c" = "u", onDone?: () => void): Promise<void> {
  return runBounded(
    pool,
    items.length,
    (i) => items[i].job(),
    async (i, res) => {
      const it = items[i];
      if (it.seq !== undefined && sink) sink.push(it.seq, res[hashForm]);
      if (it.section !== undefined) await writer.write(it.section, it.pos ?? 0, res.lem);
      onDone?.();
    },
  );
}

/** A counter that reports `step`'s progress over `total` jobs through `progress` (if any). */
export function jobCounter(step: string, total: number, progress?: OnProgress): () => void {
  let done = 0;
  progress?.({ step, done, total, unit: "jobs" });
  return () => progress?.({ step, done: ++done, total, unit: "jobs" });
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
