/**
 * The main thread's allocator over the backend's shared WebAssembly memory. Only the main thread
 * allocates: it gives each worker task the regions it needs (bases, scalars, scratch) as plain
 * addresses, and frees them when the task settles. First fit over a sorted free list with
 * coalescing; blocks are 64-byte aligned; the memory grows (never shrinks) when no block fits.
 */
import { BackendError } from "../backend.js";

const ALIGN = 64;
const PAGE = 65536;

export class SharedHeap {
  /** Free blocks [start, end), sorted by start, never adjacent. */
  private free: { start: number; end: number }[] = [];
  private readonly sizes = new Map<number, number>();
  private top: number;

  constructor(
    readonly memory: WebAssembly.Memory,
    start: number,
    private readonly maxBytes: number,
    private readonly backend = "cpu",
  ) {
    this.top = align(start);
  }

  /** Bytes in use. */
  get used(): number {
    let n = 0;
    for (const s of this.sizes.values()) n += s;
    return n;
  }

  /** Allocates `bytes` (rounded up to 64); throws BackendError when 4 GiB would not suffice. */
  alloc(bytes: number): number {
    const size = align(Math.max(bytes, 1));
    for (let i = 0; i < this.free.length; i++) {
      const b = this.free[i];
      if (b.end - b.start >= size) {
        const p = b.start;
        b.start += size;
        if (b.start === b.end) this.free.splice(i, 1);
        this.sizes.set(p, size);
        return p;
      }
    }
    const p = this.top;
    const end = p + size;
    if (end > this.maxBytes) {
      throw new BackendError(this.backend, `out of memory: ${size} bytes requested with ${this.used} in use (wasm32 caps the shared memory at ${this.maxBytes} bytes)`);
    }
    const have = this.memory.buffer.byteLength;
    if (end > have) this.memory.grow(Math.ceil((end - have) / PAGE));
    this.top = end;
    this.sizes.set(p, size);
    return p;
  }

  /** Frees a block from {@link alloc}; freeing twice is a bug and throws. */
  release(p: number): void {
    const size = this.sizes.get(p);
    if (size === undefined) throw new Error(`SharedHeap.release: ${p} is not an allocated block`);
    this.sizes.delete(p);
    let start = p;
    let end = p + size;
    // insert, coalescing with neighbours
    let i = 0;
    while (i < this.free.length && this.free[i].end < start) i++;
    if (i < this.free.length && this.free[i].end === start) {
      start = this.free[i].start;
      this.free.splice(i, 1);
    }
    if (i < this.free.length && this.free[i].start === end) {
      end = this.free[i].end;
      this.free.splice(i, 1);
    }
    if (end === this.top) {
      this.top = start;
    } else {
      this.free.splice(i, 0, { start, end });
    }
  }
}

function align(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}
