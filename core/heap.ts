// The one allocator of zkr's WebAssembly memories: regions are plain byte addresses, 64-byte
// aligned; the memory grows (never shrinks) when no region fits.
//
// Two ways to allocate, on the same heap:
// - blocks that live until released one by one (`alloc` / `release`): first fit over a sorted
//   free list with coalescing, the top of the heap bumped when nothing fits;
// - scratch in nested scopes (`mark` / `scratch` / `releaseScope`): bumped above the top and all
//   freed at once when the scope closes, so hot loops pay no bookkeeping. A permanent block
//   inside an open scope would be handed out again when it closes: `alloc` refuses it.
//
// Users: the prover's CPU backend (blocks in its shared memory, prover/heap.ts), the Baby
// Jubjub engine (tables as blocks, per-call scratch, sequencer/model/babyjub-engine.ts), the dev
// setup's worker engine (window tables as blocks, per-job scratch, circuits/setup/engine.ts: its
// wasm reads the top at address 0, hence `onTop` and `headroom`).

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

const ALIGN = 64;
const PAGE = 65536;
/** wasm32's limit: 65536 pages. */
const WASM32_BYTES = 65536 * PAGE;

/** `n` rounded up to the alignment. */
function align(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}

/** The one allocator of zkr's WebAssembly memories: permanent blocks and scoped scratch. */
export class WasmHeap {
  /** Free blocks [start, end), sorted by start, never adjacent. */
  #free: { start: number; end: number }[] = [];
  /** Size of each live block, by address. */
  #sizes = new Map<number, number>();
  /** Top of the heap at each open scope's mark. */
  #scopes: number[] = [];
  #top: number;
  #maxBytes: number;
  #headroom: number;
  #name: string;
  #outOfMemory: (message: string) => Error;
  #onGrow: (() => void) | undefined;
  #onTop: ((top: number) => void) | undefined;
  #poison: number | undefined;

  constructor(
    readonly memory: WebAssembly.Memory,
    start: number,
    options: WasmHeapOptions = {},
  ) {
    this.#top = align(start);
    this.#maxBytes = options.maxBytes ?? WASM32_BYTES;
    this.#headroom = options.headroom ?? 0;
    this.#name = options.name ?? "WasmHeap";
    this.#outOfMemory = options.outOfMemory ?? ((message) => new RangeError(`${this.#name}: ${message}`));
    this.#onGrow = options.onGrow;
    this.#onTop = options.onTop;
    this.#poison = options.poison;
  }

  /** Bytes in live blocks (scratch not counted). */
  get used(): number {
    let n = 0;
    for (const s of this.#sizes.values()) n += s;
    return n;
  }

  /** First byte above everything allocated. */
  get top(): number {
    return this.#top;
  }

  /** Number of open scratch scopes. */
  get depth(): number {
    return this.#scopes.length;
  }

  /** A block of `bytes` (rounded up to 64) that lives until {@link release}. Not inside a scope. */
  alloc(bytes: number): number {
    if (this.#scopes.length > 0) throw new Error(`${this.#name}.alloc: permanent allocation inside a scratch scope`);
    const size = align(Math.max(bytes, 1));
    for (let i = 0; i < this.#free.length; i++) {
      const b = this.#free[i];
      if (b.end - b.start >= size) {
        const p = b.start;
        b.start += size;
        if (b.start === b.end) this.#free.splice(i, 1);
        this.#sizes.set(p, size);
        this.#fill(p, size);
        return p;
      }
    }
    const p = this.#bump(size);
    this.#sizes.set(p, size);
    return p;
  }

  /** Frees a block from {@link alloc}; freeing twice is a bug and throws. */
  release(p: number): void {
    const size = this.#sizes.get(p);
    if (size === undefined) throw new Error(`${this.#name}.release: ${p} is not an allocated block`);
    this.#sizes.delete(p);
    let start = p;
    let end = p + size;
    // insert, coalescing with neighbours
    let i = 0;
    while (i < this.#free.length && this.#free[i].end < start) i++;
    if (i < this.#free.length && this.#free[i].end === start) {
      start = this.#free[i].start;
      this.#free.splice(i, 1);
    }
    if (i < this.#free.length && this.#free[i].start === end) {
      end = this.#free[i].end;
      this.#free.splice(i, 1);
    }
    // The top comes down only with no scope open: a scope's mark must stay above every block.
    if (end === this.#top && this.#scopes.length === 0) this.#setTop(start);
    else this.#free.splice(i, 0, { start, end });
  }

  /** Opens a scratch scope; returns its token for {@link releaseScope}. */
  mark(): number {
    this.#scopes.push(this.#top);
    return this.#scopes.length;
  }

  /** Scratch of `bytes` (rounded up to 64), valid until the enclosing scope closes. */
  scratch(bytes: number): number {
    if (this.#scopes.length === 0) throw new Error(`${this.#name}.scratch: no scratch scope (call mark() first)`);
    return this.#bump(align(Math.max(bytes, 1)));
  }

  /**
   * Closes the scope `token`, and any scope opened inside it that an exception left open,
   * freeing their scratch.
   */
  releaseScope(token: number): void {
    if (!Number.isInteger(token) || token < 1 || token > this.#scopes.length) {
      throw new Error(`${this.#name}.release: open scope expected, got ${token} (${this.#scopes.length} open)`);
    }
    const top = this.#scopes[token - 1];
    this.#scopes.length = token - 1;
    this.#setTop(top);
  }

  #bump(size: number): number {
    const p = this.#top;
    const end = p + size;
    if (end > this.#maxBytes) {
      throw this.#outOfMemory(`out of memory: ${size} bytes requested with ${this.used} in use (the memory is capped at ${this.#maxBytes} bytes)`);
    }
    const want = Math.min(end + this.#headroom, this.#maxBytes);
    const have = this.memory.buffer.byteLength;
    if (want > have) {
      this.memory.grow(Math.ceil((want - have) / PAGE));
      this.#onGrow?.();
    }
    this.#setTop(end);
    this.#fill(p, size);
    return p;
  }

  #setTop(top: number): void {
    this.#top = top;
    this.#onTop?.(top);
  }

  #fill(p: number, size: number): void {
    if (this.#poison !== undefined) new Uint8Array(this.memory.buffer, p, size).fill(this.#poison);
  }
}
