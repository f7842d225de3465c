/**
 * The prover's steps 2 and 3 (`FrKernels`, prover/backend.ts) for a backend without kernels of
 * its own (webgpu, ffjavascript): A·w and B·w at the constraint rows and C = A∘B in bigint, the
 * backend's NTTs, and a∘b − c in bigint. The cpu backend's kernels (prover/cpu/qap.ts) are
 * tested against these.
 */
import { FR_BYTES, type FrKernels, type ProverBackend, type QapHandle, type QapMatrices } from "./backend.js";
import { R } from "../core/bn254.js";

function u64s(bytes: Uint8Array): BigUint64Array {
  return new BigUint64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8);
}

/** Scalar i of a 32-byte LE array as bigint (four 64-bit words). */
export function scalarAt(words: BigUint64Array, i: number): bigint {
  const o = i * 4;
  return words[o] | (words[o + 1] << 64n) | (words[o + 2] << 128n) | (words[o + 3] << 192n);
}

const MASK64 = (1n << 64n) - 1n;

export function setScalar(words: BigUint64Array, i: number, v: bigint): void {
  const o = i * 4;
  words[o] = v & MASK64;
  words[o + 1] = (v >> 64n) & MASK64;
  words[o + 2] = (v >> 128n) & MASK64;
  words[o + 3] = v >> 192n;
}

class BigintQap implements QapHandle {
  constructor(readonly m: QapMatrices) {}
  get rows(): number {
    return this.m.rows;
  }
  get wires(): number {
    return this.m.wires;
  }
  async release(): Promise<void> {}
}

/** A·w and B·w at the rows, and C = (A·w)∘(B·w), in bigint. */
export function evalQapBigint(m: QapMatrices, witness: Uint8Array): { a: Uint8Array; b: Uint8Array; c: Uint8Array } {
  const { rows: n, count, matrix, constraint, signal, valueIndex, values } = m;
  const w = u64s(witness);
  // Circom witnesses are mostly 0 and 1: skip or add.
  const rowsA = new Array<bigint>(n).fill(0n);
  const rowsB = new Array<bigint>(n).fill(0n);
  const wCache = new Map<number, bigint>();
  for (let i = 0; i < count; i++) {
    const sig = signal[i];
    let x = wCache.get(sig);
    if (x === undefined) {
      x = scalarAt(w, sig);
      wCache.set(sig, x);
    }
    if (x === 0n) continue;
    const rows = matrix[i] === 0 ? rowsA : rowsB;
    const row = constraint[i];
    const v = values[valueIndex[i]];
    rows[row] = (rows[row] + (x === 1n ? v : (v * x) % R)) % R;
  }
  const a = new Uint8Array(n * FR_BYTES);
  const b = new Uint8Array(n * FR_BYTES);
  const c = new Uint8Array(n * FR_BYTES);
  const [wa, wb, wc] = [u64s(a), u64s(b), u64s(c)];
  for (let i = 0; i < n; i++) {
    const x = rowsA[i];
    const y = rowsB[i];
    if (x !== 0n) setScalar(wa, i, x);
    if (y !== 0n) setScalar(wb, i, y);
    if (x !== 0n && y !== 0n) setScalar(wc, i, (x * y) % R);
  }
  return { a, b, c };
}

/** a∘b − c in bigint; a new array. */
export function mulSubBigint(a: Uint8Array, b: Uint8Array, c: Uint8Array): Uint8Array {
  const n = a.length / FR_BYTES;
  const out = new Uint8Array(a.length);
  const [xa, xb, xc, xo] = [u64s(a), u64s(b), u64s(c), u64s(out)];
  for (let i = 0; i < n; i++) {
    setScalar(xo, i, (((scalarAt(xa, i) * scalarAt(xb, i)) % R) - scalarAt(xc, i) + R) % R);
  }
  return out;
}

/** Steps 2 and 3 in bigint around `backend`'s NTTs. */
export function bigintFrKernels(backend: Pick<ProverBackend, "ntt">): FrKernels {
  return {
    async loadQap(m) {
      return new BigintQap(m);
    },
    async quotient(handle, witness, shift, step) {
      const { a, b, c } = evalQapBigint((handle as BigintQap).m, witness);
      step?.();
      const toCoset = async (ev: Uint8Array) => {
        const out = await backend.ntt(await backend.ntt(ev, { inverse: true }), { coset: shift });
        step?.();
        return out;
      };
      const [cA, cB, cC] = await Promise.all([toCoset(a), toCoset(b), toCoset(c)]);
      return mulSubBigint(cA, cB, cC);
    },
  };
}
