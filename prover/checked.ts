/**
 * The backend interface's checks, written once and wrapped around every backend
 * (`checkedBackend`): what createCpuBackend, createWebGpuBackend, createFfjsBackend and
 * createBackend (prover/index.ts) return. A backend behind the wrapper sees only valid input:
 *
 * - loadBases: group G1 or G2; whole points (a multiple of 64 or 128 bytes). loadBasesFrom (where
 *   the backend has it): group G1 or G2, a non-negative integer count.
 * - msm: bases loaded by this backend (this wrapper) and not released; whole scalars (a multiple
 *   of 32 bytes), no more than the bases, each below r. No scalars: the point at infinity (all-zero
 *   bytes), answered here, so a backend never sees an empty MSM.
 * - ntt: whole scalars, each below r, a power-of-two count ≤ 2^28; a coset shift in [1, r)
 *   (0 and values ≥ r are refused, never reduced).
 * - fr (where the backend has it): loadQap's matrices consistent (every entry's matrix 0 or 1, row,
 *   signal and value index in range, values below r); quotient on a key of this backend, not
 *   released, with a power-of-two number of rows, exactly `wires` scalars below r and a coset
 *   shift in [1, r).
 * - every method of a closed backend.
 *
 * Every refusal is a BackendError (not retryable) prefixed with the backend's name. What is a
 * backend's own (adapter limits, window sizes, thread counts, a lost device) it checks itself.
 */
import {
  BackendError,
  FR_BYTES,
  FR_MODULUS,
  G1_BYTES,
  G2_BYTES,
  readScalar,
  type BasesHandle,
  type FrKernels,
  type Group,
  type QapHandle,
  type QapMatrices,
  type NttOptions,
  type ProverBackend,
} from "./backend.js";
import { FR_TWO_ADICITY } from "../core/bn254.js";

/** Checks an array of scalars against a count and the field; returns the count. */
export function checkScalars(backend: string, scalars: Uint8Array, maxCount: number, what = "scalars"): number {
  if (!(scalars instanceof Uint8Array)) throw new BackendError(backend, `${what}: a Uint8Array expected`);
  if (scalars.length % FR_BYTES !== 0) {
    throw new BackendError(backend, `${what}: a multiple of ${FR_BYTES} bytes expected, got ${scalars.length}`);
  }
  const n = scalars.length / FR_BYTES;
  if (n > maxCount) throw new BackendError(backend, `${what}: at most ${maxCount} expected, got ${n}`);
  // The top limb bounds the value: anything ≥ 2^254 is certainly ≥ r; the exact check below
  // runs only on the rare values whose top byte is at r's.
  for (let i = 0; i < n; i++) {
    const top = scalars[i * FR_BYTES + 31];
    if (top > 0x30 || (top === 0x30 && readScalar(scalars, i) >= FR_MODULUS)) {
      throw new BackendError(backend, `${what}[${i}]: a value below r expected, got ${readScalar(scalars, i)}`);
    }
  }
  return n;
}

/** Checks a group name. */
export function checkGroup(backend: string, group: unknown): asserts group is Group {
  if (group !== "G1" && group !== "G2") throw new BackendError(backend, `group: G1 or G2 expected, got ${String(group)}`);
}

/** Checks that a point array has whole points of the group; returns the count. */
export function checkPoints(backend: string, group: Group, points: Uint8Array): number {
  const size = group === "G1" ? G1_BYTES : G2_BYTES;
  if (!(points instanceof Uint8Array)) throw new BackendError(backend, `${group} points: a Uint8Array expected`);
  if (points.length % size !== 0) {
    throw new BackendError(backend, `${group} points: a multiple of ${size} bytes expected, got ${points.length}`);
  }
  return points.length / size;
}

/** Largest NTT: the 2-adicity of r − 1. */
export const MAX_NTT_LOG = FR_TWO_ADICITY;

/** Checks an NTT input: a power-of-two count (≤ 2^28) of scalars below r; returns the count. */
export function checkNttInput(backend: string, values: Uint8Array): number {
  const n = checkScalars(backend, values, 2 ** MAX_NTT_LOG, "ntt values");
  if (n === 0 || (n & (n - 1)) !== 0) throw new BackendError(backend, `ntt: a power-of-two length expected, got ${n}`);
  return n;
}

/** Checks an NTT coset shift: absent, or a bigint in [1, r). */
export function checkCoset(backend: string, shift: unknown): void {
  if (shift !== undefined && (typeof shift !== "bigint" || shift <= 0n || shift >= FR_MODULUS)) {
    throw new BackendError(backend, `ntt coset: a scalar in [1, r) expected, got ${String(shift)}`);
  }
}

/** A backend behind the interface's checks. */
export interface CheckedBackend<B extends ProverBackend = ProverBackend> extends ProverBackend {
  /** The backend behind the checks (debug hooks, adapter facts). Calling it directly skips them. */
  readonly inner: B;
}

/** A handle of the checked backend: the backend's own handle, its owner and whether it was released. */
class CheckedBases implements BasesHandle {
  released = false;
  constructor(
    readonly owner: Checked<ProverBackend>,
    /** The backend's own handle. */
    readonly inner: BasesHandle,
    readonly group: Group,
    readonly length: number,
  ) {}

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.inner.release();
  }
}

/** A QAP handle of the checked backend (as {@link CheckedBases}). */
class CheckedQap implements QapHandle {
  released = false;
  constructor(
    readonly owner: Checked<ProverBackend>,
    readonly inner: QapHandle,
  ) {}
  get rows(): number {
    return this.inner.rows;
  }
  get wires(): number {
    return this.inner.wires;
  }
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.inner.release();
  }
}

/** Checks a key's matrices (see {@link QapMatrices}). */
export function checkQapMatrices(backend: string, m: QapMatrices): void {
  const bad = (what: string) => new BackendError(backend, `qap: ${what}`);
  if (!Number.isInteger(m.rows) || m.rows < 1 || m.rows > 2 ** MAX_NTT_LOG) throw bad(`rows: an integer in [1, 2^${MAX_NTT_LOG}] expected, got ${m.rows}`);
  if (!Number.isInteger(m.wires) || m.wires < 1) throw bad(`wires: a positive integer expected, got ${m.wires}`);
  const { count } = m;
  if (!Number.isInteger(count) || count < 0 || [m.matrix, m.constraint, m.signal, m.valueIndex].some((a) => a.length < count)) {
    throw bad(`count ${count}: more entries than the arrays hold`);
  }
  m.values.forEach((v, k) => {
    if (typeof v !== "bigint" || v < 0n || v >= FR_MODULUS) throw bad(`values[${k}]: a scalar in [0, r) expected, got ${String(v)}`);
  });
  for (let i = 0; i < count; i++) {
    if (m.matrix[i] > 1 || m.constraint[i] >= m.rows || m.signal[i] >= m.wires || m.valueIndex[i] >= m.values.length) {
      throw bad(`entry ${i}: matrix ${m.matrix[i]}, row ${m.constraint[i]}, signal ${m.signal[i]}, value ${m.valueIndex[i]} out of range`);
    }
  }
}

class Checked<B extends ProverBackend> implements CheckedBackend<B> {
  private closed = false;
  readonly fr?: FrKernels;
  readonly loadBasesFrom?: ProverBackend["loadBasesFrom"];

  constructor(readonly inner: B) {
    const fr = inner.fr;
    if (fr) this.fr = this.checkedFr(fr);
    const from = inner.loadBasesFrom?.bind(inner);
    if (from) {
      this.loadBasesFrom = async (group, count, fill) => {
        this.checkOpen();
        checkGroup(this.name, group);
        if (!Number.isSafeInteger(count) || count < 0) throw new BackendError(this.name, `${group} points: a count expected, got ${count}`);
        return new CheckedBases(this, await from(group, count, fill), group, count);
      };
    }
  }

  private checkedFr(fr: FrKernels): FrKernels {
    const name = this.name;
    return {
      loadQap: async (m) => {
        this.checkOpen();
        checkQapMatrices(name, m);
        return new CheckedQap(this, await fr.loadQap(m));
      },
      quotient: async (handle, witness, shift, step) => {
        this.checkOpen();
        if (!(handle instanceof CheckedQap) || handle.owner !== this) throw new BackendError(name, "quotient: this key was not loaded by this backend");
        if (handle.released) throw new BackendError(name, "quotient: this key was released");
        if (handle.rows < 2 || (handle.rows & (handle.rows - 1)) !== 0) throw new BackendError(name, `quotient: a power-of-two number of rows expected, got ${handle.rows}`);
        if (checkScalars(name, witness, handle.wires, "witness") !== handle.wires) {
          throw new BackendError(name, `witness: ${handle.wires} values expected, got ${witness.length / FR_BYTES}`);
        }
        checkCoset(name, shift ?? 0n);
        return fr.quotient(handle.inner, witness, shift, step);
      },
    };
  }

  get name(): string {
    return this.inner.name;
  }

  private checkOpen(): void {
    if (this.closed) throw new BackendError(this.name, "the backend is closed");
  }

  async loadBases(group: Group, bases: Uint8Array): Promise<BasesHandle> {
    this.checkOpen();
    checkGroup(this.name, group);
    const length = checkPoints(this.name, group, bases);
    return new CheckedBases(this, await this.inner.loadBases(group, bases), group, length);
  }

  async msm(handle: BasesHandle, scalars: Uint8Array): Promise<Uint8Array> {
    this.checkOpen();
    if (!(handle instanceof CheckedBases) || handle.owner !== this) throw new BackendError(this.name, "msm: these bases were not loaded by this backend");
    if (handle.released) throw new BackendError(this.name, "msm: these bases were released");
    const n = checkScalars(this.name, scalars, handle.length);
    if (n === 0) return new Uint8Array(handle.group === "G1" ? G1_BYTES : G2_BYTES);
    return this.inner.msm(handle.inner, scalars);
  }

  async ntt(values: Uint8Array, options: NttOptions = {}): Promise<Uint8Array> {
    this.checkOpen();
    checkNttInput(this.name, values);
    checkCoset(this.name, options.coset);
    return this.inner.ntt(values, { inverse: options.inverse === true, coset: options.coset });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.inner.close();
  }
}

/** `backend` behind the interface's checks (a backend already behind them is returned as it is). */
export function checkedBackend<B extends ProverBackend>(backend: CheckedBackend<B>): CheckedBackend<B>;
export function checkedBackend<B extends ProverBackend>(backend: B): CheckedBackend<B>;
export function checkedBackend(backend: ProverBackend): CheckedBackend {
  return backend instanceof Checked ? backend : new Checked(backend);
}
