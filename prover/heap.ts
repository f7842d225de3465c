/**
 * The CPU backend's allocator over its shared WebAssembly memory: core's heap (core/heap.ts),
 * running out of memory as a BackendError. Only the main thread allocates: it gives each worker
 * task the regions it needs (bases, scalars, scratch) as plain addresses, and frees them when the
 * task settles.
 */
import { WasmHeap } from "../core/heap.js";
import { BackendError } from "./backend.js";

export class SharedHeap extends WasmHeap {
  constructor(memory: WebAssembly.Memory, start: number, maxBytes: number, backend = "cpu") {
    super(memory, start, { maxBytes, name: `${backend} heap`, outOfMemory: (message) => new BackendError(backend, message) });
  }
}
