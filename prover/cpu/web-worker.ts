/**
 * The cpu backend's Web Worker entry: bundle this file as the module worker that
 * prover/cpu/web-pool.ts starts (a worker of `type: "module"`). It runs the same task
 * module as Node's worker threads, worker.mjs, and speaks the web pool's protocol:
 *
 *   page → worker   { init: CpuWorkerData }   once, first: worker.mjs's `init` (maps the shared memory)
 *                   { id, task: CpuTask }     then one message per task
 *   worker → page   { ready: true }           init done
 *                   { initError: {...} }      init failed (the pool fails, as core/pool.ts's does)
 *                   { id, result }            the task's result; its typed arrays that own a
 *                                             non-shared buffer are transferred, not copied
 *                   { id, error: {...} }      the task threw: { name, message, stack }
 *
 * A worker that dies (an uncaught error, as worker.mjs's `crash` task raises here) is the pool's
 * `error` event. In a Web Worker the file serves its own messages; imported elsewhere (a test) it
 * does nothing until {@link serveCpuWorker} is called with a scope.
 */
import run, { init } from "./worker.mjs";
import type { CpuTask, CpuWorkerData } from "./worker.mjs";

/** An error as it crosses to the page (Error objects do not keep their class across postMessage). */
export interface WorkerErrorData {
  name: string;
  message: string;
  stack?: string;
}

/** What the pool posts to a worker. */
export type ToCpuWorker = { init: CpuWorkerData } | { id: number; task: CpuTask };

/** What a worker posts to the pool. */
export type FromCpuWorker = { ready: true } | { initError: WorkerErrorData } | { id: number; result: unknown } | { id: number; error: WorkerErrorData };

/** What the entry needs of its global scope (a DedicatedWorkerGlobalScope, or a test's stand-in). */
export interface CpuWorkerScope {
  postMessage(message: FromCpuWorker, transfer?: ArrayBuffer[]): void;
  addEventListener(type: "message", listener: (event: { data: ToCpuWorker }) => void): void;
}

/** Serves the pool's messages on `scope` (see the file's header); returns the message handler (tests call it). */
export function serveCpuWorker(scope: CpuWorkerScope): (message: ToCpuWorker) => Promise<void> {
  let started: Promise<void> | null = null;
  const handle = async (message: ToCpuWorker): Promise<void> => {
    if ("init" in message) {
      started = init(message.init);
      try {
        await started;
        scope.postMessage({ ready: true });
      } catch (err) {
        scope.postMessage({ initError: errorData(err) });
      }
      return;
    }
    const { id, task } = message;
    try {
      if (!started) throw new Error("cpu worker: a task came before the init message");
      await started;
      const result: unknown = await run(task);
      scope.postMessage({ id, result }, ownedBuffers(result));
    } catch (err) {
      scope.postMessage({ id, error: errorData(err) });
    }
  };
  scope.addEventListener("message", (event) => void handle(event.data));
  return handle;
}

/** An error's fields that survive postMessage. */
export function errorData(err: unknown): WorkerErrorData {
  if (err instanceof Error) return { name: err.name, message: err.message, stack: err.stack };
  return { name: "Error", message: String(err) };
}

/**
 * A typed array that owns its whole buffer, and that buffer is not shared: it can be transferred.
 * Tested by tag, not instanceof: true for arrays from any realm (a test's come from jest's vm context).
 */
function ownsBuffer(v: unknown): v is ArrayBufferView & { buffer: ArrayBuffer } {
  return (
    ArrayBuffer.isView(v) && Object.prototype.toString.call(v.buffer) === "[object ArrayBuffer]" && v.byteOffset === 0 && v.byteLength === v.buffer.byteLength
  );
}

/** The buffers to transfer with a result (as core/worker-entry.mjs does): the result's, or those of a plain object's values. */
export function ownedBuffers(result: unknown): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  if (ownsBuffer(result)) buffers.add(result.buffer);
  else if (result && typeof result === "object" && isPlainObject(result)) {
    for (const v of Object.values(result)) if (ownsBuffer(v)) buffers.add(v.buffer);
  }
  return [...buffers];
}

/** An object literal's kind, from any realm (a test's objects come from jest's vm context). */
function isPlainObject(v: object): boolean {
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === null || Object.getPrototypeOf(proto) === null;
}

// In a Web Worker, serve its messages. WorkerGlobalScope exists only in workers (not on a page,
// not in Node), so importing this file anywhere else starts nothing.
const WorkerScopeClass = (globalThis as { WorkerGlobalScope?: abstract new () => unknown }).WorkerGlobalScope;
if (typeof WorkerScopeClass === "function" && globalThis instanceof WorkerScopeClass) {
  serveCpuWorker(globalThis as unknown as CpuWorkerScope);
}
