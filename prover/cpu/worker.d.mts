/** Types of the CPU backend's task module, worker.mjs (JavaScript: see its header). */
import type { MsmLayout } from "./msm.js";

/** What the backend hands every worker (the pool's workerData, its `init` argument). */
export interface CpuWorkerData {
  memory: WebAssembly.Memory;
  module: WebAssembly.Module;
  /** Bytes of a field element in the kernels' layout, and of a batch-add list entry (main thread's constants). */
  fieldBytes: number;
  pairBytes: number;
  /**
   * The worker's id, answered by `ping` and `ntt`: set by pools that number their workers
   * (prover/cpu/web-pool.ts); absent, a Node worker thread answers its own threadId.
   */
  threadId?: number;
}

/** A task of kind `msm`: one range (see the backend's `msm`). */
export interface MsmTask {
  kind: "msm";
  g: "g1" | "g2";
  bases: number;
  scalars: number;
  start: number;
  count: number;
  full: number;
  ones: number;
  window: number;
  nWin: number;
  layout: MsmLayout;
}

/** A task of kind `ntt` (see prover/cpu/ntt.ts). */
export interface NttTask {
  kind: "ntt";
  io: number;
  work: number;
  n: number;
  logn: number;
  tw: number;
  inverse: boolean;
  shift: number;
  scale: number;
  ratio: number;
  scratch: number;
  blockLog: number;
}

/** Every task the backend sends. */
export type CpuTask =
  | MsmTask
  | NttTask
  | { kind: "qapAccum"; recs: number; count: number; values: number; witness: number; rows: number; scratch: number }
  | { kind: "qapStore"; rowsA: number; rowsB: number; n: number; outA: number; outB: number; outC: number; scratch: number }
  | { kind: "mulSub"; a: number; b: number; c: number; n: number; out: number; scratch: number }
  | { kind: "geom"; first: number; ratio: number; n: number; out: number }
  | { kind: "bases"; g: "g1" | "g2"; lem: number; n: number; out: number }
  | { kind: "ping" }
  | { kind: "crash" };

/** Maps the backend's shared memory: instantiates the module on it. */
export function init(data: CpuWorkerData): Promise<void>;

/**
 * Runs one task: an MSM range's LEM result, an NTT's thread id, true, or a thread id (ping);
 * `crash` never settles (its worker dies).
 */
export default function run(t: CpuTask): Uint8Array | number | boolean | Promise<never>;
