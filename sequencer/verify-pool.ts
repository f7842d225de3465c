// Signature verification on worker threads, so the API's main thread (HTTP, checks, SQLite) and
// the EdDSA verification (about half of an admission's CPU time) run on different cores.
// Each worker runs the mempool's `verifyGroup` (sequencer/model/eddsa.ts underneath); groups go
// to the worker with the fewest groups in hand. Bigints cross the thread boundary by structured
// clone.

import { Worker } from "node:worker_threads";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import path from "node:path";
import type { SignatureItem } from "./signatures.js";

interface Slot { worker: Worker; ids: Set<number>; ready: Promise<void> }

export class VerifyPool {
  private readonly slots: Slot[] = [];
  private readonly pending = new Map<number, { resolve: (ok: boolean[]) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private closed = false;
  private readonly boot: string;

  private constructor(threads: number) {
    // A worker thread needs its own TypeScript loader when the sequencer runs from source: the ESM
    // build of tsx's API (require.resolve would give the CommonJS one, which cannot register hooks).
    const tsxDir = path.dirname(createRequire(import.meta.url).resolve("tsx/package.json"));
    const tsx = pathToFileURL(path.join(tsxDir, "dist", "esm", "api", "index.mjs")).href;
    const self = new URL("./verify-worker.ts", import.meta.url).href;
    this.boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(self)}); })`;
    for (let i = 0; i < threads; i++) this.slots.push(this.spawn());
  }

  /** A worker; one that fails or exits fails its groups and is replaced (the API answers 500 for them). */
  private spawn(): Slot {
    const worker = new Worker(this.boot, { eval: true });
    const ready = new Promise<void>((resolve, reject) => {
      const onReady = (m: { ready?: boolean }) => {
        if (!m.ready) return;
        worker.off("message", onReady);
        resolve();
      };
      worker.on("message", onReady);
      worker.once("error", reject);
    });
    ready.catch(() => {}); // a failure before ready is reported through `ready` to start(), or fails groups later
    const slot: Slot = { worker, ids: new Set(), ready };
    slot.worker.on("message", (m: { id?: number; ok?: boolean[]; error?: string; ready?: boolean }) => {
      if (m.id === undefined) return;
      slot.ids.delete(m.id);
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (!p) return;
      if (m.ok) p.resolve(m.ok);
      else p.reject(new Error(`signature worker: ${m.error}`));
    });
    const fail = (e: Error) => {
      for (const id of slot.ids) {
        this.pending.get(id)?.reject(e);
        this.pending.delete(id);
      }
      slot.ids.clear();
      if (this.closed) return;
      const i = this.slots.indexOf(slot);
      if (i >= 0) this.slots[i] = this.spawn();
    };
    slot.worker.once("error", fail);
    slot.worker.once("exit", (code) => fail(new Error(`signature worker exited (${code})`)));
    // Until it is ready the worker keeps the process alive (start() awaits it); after, it does not.
    void ready.then(() => worker.unref(), () => {});
    return slot;
  }

  /** Starts `threads` workers (at least 1) and resolves once each has its verifier ready. */
  static async start(threads: number): Promise<VerifyPool> {
    const pool = new VerifyPool(Math.max(1, threads));
    try {
      await Promise.all(pool.slots.map((s) => s.ready));
    } catch (e) {
      await pool.close();
      throw e;
    }
    return pool;
  }

  /** Verifies a group on the least busy worker. */
  verify(items: readonly SignatureItem[]): Promise<boolean[]> {
    const slot = this.slots.reduce((a, b) => (b.ids.size < a.ids.size ? b : a));
    const id = this.nextId++;
    slot.ids.add(id);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      slot.worker.postMessage({ id, items });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    for (const p of this.pending.values()) p.reject(new Error("signature workers closed"));
    this.pending.clear();
  }
}
