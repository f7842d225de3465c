/**
 * NTT over Fr on the CPU backend: one transform is one worker task (prover/cpu/worker.mjs) on the
 * wasm kernels of prover/cpu/wasm/ntt.ts, so independent transforms submitted together (the
 * prover's A, B, C) run on different workers.
 *
 * Per transform: the input is copied into the shared memory; the worker (1) repacks it into the
 * 29-bit-limb layout in bit-reversed order, multiplying coefficient i by shift^i for a forward
 * coset transform, (2) runs the radix-2 DIT butterflies, the first `BLOCK_LOG` stages block by
 * block so that a block stays in the core's L2 cache, the rest over the whole array, and (3)
 * writes standard-form values back, reversing indices 1..n−1 for an inverse transform
 * (INTT(y)_k = NTT(y)_{−k}/n) and multiplying by 1/n and shift^−k as asked. The values are never
 * converted to Montgomery form: the transform is linear (see wasm/ntt.ts).
 *
 * Twiddles ω_n^j (j < n/2, ω_n = frRootOfUnity(log n), the same roots as ffjavascript's Fr.w)
 * are built once per size by a worker and shared by every transform.
 */
import { FR_BYTES, type NttOptions } from "../backend.js";
import { R, frRootOfUnity, invMod } from "../../core/bn254.js";
import { FIELD_BYTES, limbBytes, toMont } from "../../core/wasm/field.js";

/** Stages done block by block: 2^12 elements of 36 bytes (147 KiB) stay in L2. */
export const BLOCK_LOG = 12;

/** What nttTask needs from the backend. */
export interface NttConstants {
  alloc(bytes: number): number;
  release(p: number): void;
  bytes(): Uint8Array;
  /** Address of the twiddle table of size 2^logn (logn ≥ 1). */
  twiddles(logn: number): Promise<number>;
}

/** The constants of the twiddle table for 2^logn: ratio = Montgomery ω_n. */
export function twiddleConstants(logn: number): { ratio: Uint8Array } {
  return { ratio: limbBytes(toMont(frRootOfUnity(logn), R)) };
}

/** Runs one NTT of n values through `run` (the pool); returns a new array. */
export async function nttTask(
  n: number,
  values: Uint8Array,
  options: NttOptions,
  env: NttConstants,
  run: (task: Record<string, unknown>) => Promise<unknown>,
  onThread?: (threadId: number) => void,
): Promise<Uint8Array> {
  const io = env.alloc(n * FR_BYTES);
  try {
    env.bytes().set(values.subarray(0, n * FR_BYTES), io);
    await nttInPlace(n, io, options, env, run, onThread);
    return env.bytes().slice(io, io + n * FR_BYTES);
  } finally {
    env.release(io);
  }
}

/** Runs one NTT of the n scalars at `io` in the shared memory, in place. */
export async function nttInPlace(
  n: number,
  io: number,
  options: NttOptions,
  env: NttConstants,
  run: (task: Record<string, unknown>) => Promise<unknown>,
  onThread?: (threadId: number) => void,
): Promise<void> {
  const shift = options.coset; // in [1, r): checked by prover/checked.ts
  const inverse = options.inverse === true;
  const logn = Math.round(Math.log2(n));
  const tw = logn >= 1 ? await env.twiddles(logn) : 0;
  const blocks: number[] = [];
  const take = (bytes: number): number => {
    const p = env.alloc(bytes);
    blocks.push(p);
    return p;
  };
  try {
    const work = take(n * FIELD_BYTES);
    const k = take(4 * FIELD_BYTES); // [shift or scale, ratio, scratch ×2]
    const mem = env.bytes();
    let pShift = 0;
    let pScale = 0;
    let pRatio = 0;
    if (!inverse) {
      if (shift !== undefined && shift !== 1n) {
        mem.set(limbBytes(toMont(shift, R)), k);
        pShift = k;
      }
    } else {
      const nInv = invMod(BigInt(n), R);
      mem.set(limbBytes(toMont(nInv, R)), k);
      pScale = k;
      if (shift !== undefined && shift !== 1n) {
        mem.set(limbBytes(toMont(invMod(shift, R), R)), k + FIELD_BYTES);
        pRatio = k + FIELD_BYTES;
      }
    }
    const thread = await run({
      kind: "ntt",
      io,
      work,
      n,
      logn,
      tw,
      inverse,
      shift: pShift,
      scale: pScale,
      ratio: pRatio,
      scratch: k + 2 * FIELD_BYTES,
      blockLog: BLOCK_LOG,
    });
    onThread?.(thread as number);
  } finally {
    for (const b of blocks) env.release(b);
  }
}
