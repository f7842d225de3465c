/**
 * Witness generation off the main thread (witness-task.ts on core/pool.ts): a circuit's witness
 * generator runs for seconds on a large circuit, and the service's thread must keep renewing its
 * job's lease (or BullMQ lock) meanwhile. One thread, started at the first call, generators
 * compiled once per circuit and kept; an idle thread does not keep the process alive.
 */
import { TaskPool, WorkerTaskError } from "../../core/pool.js";
import { WitnessError } from "../../circuits/witness.js";
import type { WitnessTask, WitnessTaskResult } from "./witness-task.js";

/** A computed witness in the prover's byte layout. */
export interface ThreadWitness {
  bytes: Uint8Array;
  nWires: number;
  /** Wire 1, the circuit's first public signal, in decimal. */
  publicSignal: string | null;
}

/** A worker thread running witness generators; see the file's header. */
export class WitnessThread {
  private pool: TaskPool<WitnessTask, WitnessTaskResult> | undefined;

  private async call(task: WitnessTask): Promise<WitnessTaskResult> {
    this.pool ??= new TaskPool({ name: "witness generation", module: new URL("./witness-task.ts", import.meta.url), describe: () => task.input ? "witness" : "load" });
    try {
      return await this.pool.run(task);
    } catch (err) {
      const cause = err instanceof WorkerTaskError ? err.cause : err;
      const msg = cause && typeof cause === "object" && typeof (cause as Error).message === "string" ? (cause as Error).message : String(cause);
      throw new Error(`witness generator ${task.wasm}: ${msg}`, { cause: err });
    }
  }

  /** Loads and compiles a circuit's witness generator ahead of its first witness. */
  async load(wasm: string): Promise<void> {
    await this.call({ wasm });
  }

  /**
   * Computes a witness.
   * @throws WitnessError when the generator rejects the input (a failed assertion, a missing or
   * extra signal); a plain Error when the generator cannot be loaded or the thread died.
   */
  async compute(wasm: string, input: Record<string, unknown>): Promise<ThreadWitness> {
    const r = await this.call({ wasm, input });
    if ("rejected" in r) throw new WitnessError(`witness generation failed: ${r.rejected.replace(/^Error: /, "").trim()}`);
    if (!("bytes" in r)) throw new Error(`witness generator ${wasm}: no witness returned`);
    return r;
  }

  /** Stops the thread (a later call starts a new one). */
  async close(): Promise<void> {
    const p = this.pool;
    this.pool = undefined;
    await p?.destroy();
  }
}
