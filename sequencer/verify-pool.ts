// Signature verification on worker threads, so the API's main thread (HTTP, checks, SQLite) and
// the EdDSA verification (about half of an admission's CPU time) run on different cores.
// Each worker runs the mempool's `verifyGroup` (verify-task.ts; sequencer/model/eddsa.ts
// underneath) on core/pool.ts; a group goes to a free worker. Bigints cross the thread boundary
// by structured clone. A worker that fails or exits fails its groups (the API answers 500 for
// them) and is replaced. Idle workers do not keep the process alive.

import { startPool, type TaskPool } from "../core/pool.js";
import type { SignatureItem } from "./signatures.js";

export class VerifyPool {
  private closed = false;

  private constructor(private readonly pool: TaskPool<readonly SignatureItem[], boolean[]>) {}

  /** Starts `threads` workers (at least 1) and resolves once each has its verifier ready. */
  static async start(threads: number): Promise<VerifyPool> {
    const pool = await startPool<readonly SignatureItem[], boolean[]>({
      name: "signature verification",
      module: new URL("./verify-task.ts", import.meta.url),
      threads: Math.max(1, threads),
      describe: (items) => `of ${(items as readonly SignatureItem[]).length} signatures`,
    });
    return new VerifyPool(pool);
  }

  /** Verifies a group on a free worker. */
  verify(items: readonly SignatureItem[]): Promise<boolean[]> {
    if (this.closed) return Promise.reject(new Error("signature workers closed"));
    return this.pool.run(items);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.pool.destroy();
  }
}
