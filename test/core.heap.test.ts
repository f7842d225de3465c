// core/heap.ts: the one allocator of the WebAssembly memories (prover/heap.ts's SharedHeap, the
// Baby Jubjub engine): blocks with a free list, scratch in scopes, growth and its limit.

import { WasmHeap } from "../core/heap.js";

const PAGE = 65536;

describe("WasmHeap", () => {
  test("blocks are 64-aligned, reused first fit, coalesced, and the top comes down when the last one goes", () => {
    const h = new WasmHeap(new WebAssembly.Memory({ initial: 1 }), 100);
    const a = h.alloc(10);
    const b = h.alloc(100);
    const c = h.alloc(64);
    expect([a, b, c]).toEqual([128, 192, 320]);
    expect(h.used).toBe(64 + 128 + 64);
    h.release(a);
    h.release(b);
    expect(h.alloc(150)).toBe(128); // a and b coalesced
    expect(() => h.release(b)).toThrow(/not an allocated block/);
    h.release(128);
    h.release(c);
    expect(h.top).toBe(128);
    expect(h.used).toBe(0);
  });

  test("scratch lives in scopes; closing an outer scope closes the inner ones; no permanent block inside a scope", () => {
    const h = new WasmHeap(new WebAssembly.Memory({ initial: 1 }), 0);
    const keep = h.alloc(64);
    const outer = h.mark();
    const s1 = h.scratch(64);
    h.mark();
    h.scratch(1000);
    expect(h.depth).toBe(2);
    expect(() => h.alloc(64)).toThrow(/permanent allocation inside a scratch scope/);
    h.releaseScope(outer);
    expect([h.depth, h.top]).toEqual([0, s1]);
    expect(keep).toBe(0);
    expect(() => h.scratch(64)).toThrow(/no scratch scope/);
    expect(() => h.releaseScope(1)).toThrow(/open scope expected/);
  });

  test("the memory grows by what is missing plus the headroom, up to the cap, then the caller's error", () => {
    const memory = new WebAssembly.Memory({ initial: 1 });
    let grew = 0;
    const tops: number[] = [];
    const h = new WasmHeap(memory, 0, { headroom: PAGE, maxBytes: 4 * PAGE, onGrow: () => grew++, onTop: (t) => tops.push(t), poison: 0xa5, outOfMemory: (m) => new TypeError(m) });
    const p = h.alloc(PAGE + 1);
    expect(memory.buffer.byteLength).toBe(3 * PAGE);
    expect(grew).toBe(1);
    expect(tops).toEqual([PAGE + 64]);
    expect(new Uint8Array(memory.buffer, p, PAGE + 1).every((x) => x === 0xa5)).toBe(true);
    expect(() => h.alloc(3 * PAGE)).toThrow(TypeError);
    expect(() => h.alloc(3 * PAGE)).toThrow(/out of memory: 196608 bytes requested with 65600 in use/);
  });
});
