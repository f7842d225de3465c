// Types of core/heap.mjs (see there).

/** Options of {@link WasmHeap}. */
export interface WasmHeapOptions {
  /** The heap never reaches past this many bytes (default 4 GiB, wasm32's limit). */
  maxBytes?: number;
  /** Bytes kept free above the top when growing (for code that allocates above it on its own). */
  headroom?: number;
  /** Prefix of its own error messages (default "WasmHeap"). */
  name?: string;
  /** The error to throw when `maxBytes` would be passed (default a RangeError). */
  outOfMemory?: (message: string) => Error;
  /** Called after the memory grew: views of the old buffer are stale. */
  onGrow?: () => void;
  /** Called whenever the top moves, with the new top. */
  onTop?: (top: number) => void;
  /** Fill every new region with this byte (tests: reads of memory nobody wrote show up). */
  poison?: number;
}

/** The one allocator of zkr's WebAssembly memories: permanent blocks and scoped scratch. */
export declare class WasmHeap {
  readonly memory: WebAssembly.Memory;
  constructor(memory: WebAssembly.Memory, start: number, options?: WasmHeapOptions);
  /** Bytes in live blocks (scratch not counted). */
  get used(): number;
  /** First byte above everything allocated. */
  get top(): number;
  /** Number of open scratch scopes. */
  get depth(): number;
  /** A block of `bytes` (rounded up to 64) that lives until {@link release}. Not inside a scope. */
  alloc(bytes: number): number;
  /** Frees a block from {@link alloc}; freeing twice is a bug and throws. */
  release(p: number): void;
  /** Opens a scratch scope; returns its token for {@link releaseScope}. */
  mark(): number;
  /** Scratch of `bytes` (rounded up to 64), valid until the enclosing scope closes. */
  scratch(bytes: number): number;
  /** Closes the scope `token` and any scope opened inside it, freeing their scratch. */
  releaseScope(token: number): void;
}
