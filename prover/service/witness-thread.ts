/**
 * Witness generation off the main thread (witness-worker.mjs): a circuit's witness generator runs
 * for seconds on a large circuit, and the service's thread must keep renewing its job's lease (or
 * BullMQ lock) meanwhile. One thread, generators compiled once per circuit and kept.
 */
import { Worker } from "node:worker_threads";
import { WitnessError } from "../../circuits/witness.js";

/** A computed witness in the prover's byte layout. */
export interface ThreadWitness {
  bytes: Uint8Array;
  nWires: number;
  /** Wire 1, the circuit's first public signal, in decimal. */
  publicSignal: string | null;
}

interface Reply {
  id: number;
  bytes?: Uint8Array;
  nWires?: number;
  publicSignal?: string | null;
  error?: string;
  stage?: "load" | "calculate";
}

/** A worker thread running witness generators; see the file's header. */
export class WitnessThread {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  private next = 0;

  private ensure(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(new URL("./witness-worker.mjs", import.meta.url));
    w.on("message", (r: Reply) => {
      const p = this.pending.get(r.id);
      this.pending.delete(r.id);
      if (this.pending.size === 0) w.unref();
      p?.resolve(r);
    });
    const fail = (err: Error) => {
      if (this.worker === w) this.worker = undefined;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    w.on("error", (err) => fail(err));
    w.on("exit", (code) => fail(new Error(`witness thread exited with code ${code}`)));
    w.unref();
    this.worker = w;
    return w;
  }

  private call(wasm: string, input?: Record<string, unknown>): Promise<Reply> {
    const w = this.ensure();
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      w.ref();
      w.postMessage({ id, wasm, input });
    });
  }

  /** Loads and compiles a circuit's witness generator ahead of its first witness. */
  async load(wasm: string): Promise<void> {
    const r = await this.call(wasm);
    if (r.error) throw new Error(`witness generator ${wasm}: ${r.error}`);
  }

  /**
   * Computes a witness.
   * @throws WitnessError when the generator rejects the input (a failed assertion, a missing or
   * extra signal); a plain Error when the generator cannot be loaded or the thread died.
   */
  async compute(wasm: string, input: Record<string, unknown>): Promise<ThreadWitness> {
    const r = await this.call(wasm, input);
    if (r.error !== undefined) {
      if (r.stage === "calculate") throw new WitnessError(`witness generation failed: ${r.error.replace(/^Error: /, "").trim()}`);
      throw new Error(`witness generator ${wasm}: ${r.error}`);
    }
    return { bytes: r.bytes!, nWires: r.nWires!, publicSignal: r.publicSignal ?? null };
  }

  /** Stops the thread (a later call starts a new one). */
  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    await w?.terminate();
  }
}
