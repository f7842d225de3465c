/**
 * The prover's backend interface: the heavy kernels of Groth16 (multi-scalar multiplication over
 * G1 and G2, NTTs over the BN254 scalar field) behind one narrow API on flat byte arrays. The
 * prover (prover/groth16.ts) does not know whether a worker pool or a GPU is behind it.
 *
 * Byte layout (the zkey's and the .wtns's own, so nothing is converted on the way in):
 *
 * - Scalar (Fr): 32 bytes, little-endian, standard form (not Montgomery), value < r.
 *   An array of n scalars is n * 32 bytes.
 * - G1 affine point: x ‖ y, each 32 bytes little-endian in Montgomery form (snarkjs's "LEM");
 *   the point at infinity is 64 zero bytes. An array of n points is n * 64 bytes.
 * - G2 affine point: x.c0 ‖ x.c1 ‖ y.c0 ‖ y.c1, each 32 bytes LEM; infinity is 128 zero bytes.
 * - MSM results use the same affine layout (64 or 128 bytes).
 * - NTT values: n scalars in the scalar layout above, n a power of two ≤ 2^28.
 */

/** BN254 scalar field modulus r. */
export { R as FR_MODULUS } from "../core/bn254.js";
import { bigintToLe, leToBigint } from "../core/bytes.js";
import { ZkrError } from "../core/errors.js";
/** Bytes of a scalar. */
export const FR_BYTES = 32;
/** Bytes of an affine G1 point. */
export const G1_BYTES = 64;
/** Bytes of an affine G2 point. */
export const G2_BYTES = 128;

/** Which group an MSM runs in. */
export type Group = "G1" | "G2";

/** Bases loaded into a backend once (e.g. per zkey section) and reused by every proof. */
export interface BasesHandle {
  readonly group: Group;
  /** Number of points. */
  readonly length: number;
  /** Frees the backend's copy. */
  release(): Promise<void>;
}

/** Options of {@link ProverBackend.ntt}. */
export interface NttOptions {
  /** Inverse transform (includes the 1/n factor). */
  inverse?: boolean;
  /**
   * Evaluate on the coset `shift·⟨ω⟩` (forward: multiply coefficient i by shift^i first;
   * inverse: divide output i by shift^i after). The Groth16 prover uses the generator of the
   * doubled domain, ω_{2n}, which puts the points on the odd positions of the 2n domain.
   */
  coset?: bigint;
}

/**
 * The A and B matrices of a key's QAP in coordinate form (a snarkjs zkey's coefficients section):
 * entry i adds values[valueIndex[i]] · w[signal[i]] to row constraint[i] of matrix[i] (0 A, 1 B).
 * Values are in standard form, below r; circuits repeat a few (1, −1, powers of two), so each
 * distinct value is held once.
 */
export interface QapMatrices {
  /** Rows: the key's domain size n. */
  rows: number;
  /** Wires: the witness's length. */
  wires: number;
  count: number;
  matrix: Uint8Array;
  constraint: Uint32Array;
  signal: Uint32Array;
  valueIndex: Uint32Array;
  values: bigint[];
}

/** A key's matrices loaded into a backend once ({@link FrKernels.loadQap}) and used by every proof. */
export interface QapHandle {
  readonly rows: number;
  readonly wires: number;
  /** Frees the backend's copy. */
  release(): Promise<void>;
}

/**
 * Steps 2 and 3 of a Groth16 proof whole, for a backend that has kernels for them (the cpu
 * backend: its vectors never leave its memory between the steps); prover/qap.ts composes them
 * from bigints and the backend's `ntt` otherwise. Scalars as in the layout above.
 */
export interface FrKernels {
  /** Loads a key's matrices. */
  loadQap(m: QapMatrices): Promise<QapHandle>;
  /**
   * h = A·B − C on the coset shift·⟨ω_n⟩ for a witness of `wires` scalars: A = A·w, B = B·w and
   * C = A∘B at the n rows, each taken to coefficients (inverse NTT) and onto the coset (forward
   * NTT), then multiplied out point by point. `step` is called once A, B, C are evaluated, then
   * once as each of the three reaches the coset.
   */
  quotient(h: QapHandle, witness: Uint8Array, shift: bigint, step?: () => void): Promise<Uint8Array>;
}

/**
 * A backend of the prover. Every method checks its inputs and throws a {@link BackendError}: the
 * interface's checks are written once, in prover/checked.ts, and wrapped around every backend
 * (`checkedBackend`); a backend itself checks only what is its own (adapter limits, options).
 */
export interface ProverBackend {
  /** `cpu`, `webgpu` or `ffjavascript`. */
  readonly name: string;
  /** Copies fixed bases (affine, layout above) into the backend for repeated MSMs. */
  loadBases(group: Group, bases: Uint8Array): Promise<BasesHandle>;
  /**
   * Optional: loadBases for `count` bases that `fill` writes straight into the backend's own
   * staging memory (`dst`: count points, layout above), so that a caller reading them from a file
   * holds no copy of its own (prover/zkey-file.ts's point sections: the cpu backend).
   */
  loadBasesFrom?(group: Group, count: number, fill: (dst: Uint8Array) => Promise<void>): Promise<BasesHandle>;
  /**
   * Σ scalars[i] · bases[i]; `scalars.length / 32` may be less than the number of bases (a prefix).
   * No scalars (an empty array) give the point at infinity.
   */
  msm(bases: BasesHandle, scalars: Uint8Array): Promise<Uint8Array>;
  /** Forward or inverse NTT over Fr, optionally on a coset (a shift in [1, r)); returns a new array. */
  ntt(values: Uint8Array, options?: NttOptions): Promise<Uint8Array>;
  /** Stops workers / releases devices. */
  close(): Promise<void>;
  /** Optional kernels of the prover's Fr vector steps. */
  readonly fr?: FrKernels;
}

/**
 * Base of the errors a backend throws on bad input or failure. Bad input is not retryable; a
 * subclass for a failure another attempt may survive (DeviceLostError) says so.
 */
export class BackendError extends ZkrError {
  override name = "BackendError";
  constructor(
    readonly backend: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${backend}: ${message}`, options);
  }
}

/** The device went away mid-work (a GPU reset, a driver crash): another backend may do the same work. */
export class DeviceLostError extends BackendError {
  override name = "DeviceLostError";
  override readonly retryable = true;
  constructor(backend: string, reason: string) {
    super(backend, `the device was lost (${reason}); the work can be done again on another backend`);
  }
}

/** Reads scalar i (little-endian) as a bigint. */
export function readScalar(bytes: Uint8Array, i: number): bigint {
  return leToBigint(bytes, i * FR_BYTES, FR_BYTES);
}

/** Writes scalar i (little-endian). */
export function writeScalar(bytes: Uint8Array, i: number, value: bigint): void {
  bigintToLe(value, bytes, i * FR_BYTES, FR_BYTES);
}
