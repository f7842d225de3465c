/**
 * A backend on ffjavascript, snarkjs's own engine (wasmcurves, its thread pool). It is the outside
 * reference the other backends are tested and benchmarked against, not a production backend:
 * `--backend` offers `cpu` and `webgpu`.
 */
import {
  BackendError,
  FR_BYTES,
  G1_BYTES,
  G2_BYTES,
  checkNttInput,
  checkPoints,
  checkScalars,
  type BasesHandle,
  type Group,
  type NttOptions,
  type ProverBackend,
} from "./backend.js";
import { R, invMod } from "../core/bn254.js";

/* eslint-disable @typescript-eslint/no-explicit-any */
type Curve = any;

interface FfjsBases extends BasesHandle {
  bytes: Uint8Array;
}

/** Creates the ffjavascript reference backend (its own worker pool; `close()` stops it). */
export async function createFfjsBackend(): Promise<ProverBackend> {
  const { buildBn128 } = (await import("ffjavascript")) as { buildBn128(singleThread?: boolean): Promise<Curve> };
  const curve: Curve = await buildBn128();
  const name = "ffjavascript";
  const toLem = (group: Group, p: unknown): Uint8Array => {
    const G = group === "G1" ? curve.G1 : curve.G2;
    const out = new Uint8Array(group === "G1" ? G1_BYTES : G2_BYTES);
    const a = G.toAffine(p);
    if (G.isZero(a)) return out;
    G.toRprLEM(out, 0, a);
    return out;
  };
  return {
    name,
    async loadBases(group, bases) {
      const length = checkPoints(name, group, bases);
      const handle: FfjsBases = { group, length, bytes: bases.slice(), release: async () => {} };
      return handle;
    },
    async msm(handle, scalars) {
      const b = handle as FfjsBases;
      const n = checkScalars(name, scalars, b.length);
      const size = b.group === "G1" ? G1_BYTES : G2_BYTES;
      const G = b.group === "G1" ? curve.G1 : curve.G2;
      if (n === 0) return new Uint8Array(size);
      const p = await G.multiExpAffine(b.bytes.subarray(0, n * size), scalars.subarray(0, n * FR_BYTES));
      return toLem(b.group, p);
    },
    async ntt(values, options: NttOptions = {}) {
      checkNttInput(name, values);
      const Fr = curve.Fr;
      const shift = options.coset;
      if (shift !== undefined && (shift <= 0n || shift >= R)) throw new BackendError(name, `ntt coset: a nonzero scalar expected, got ${shift}`);
      if (!options.inverse) {
        const input = shift === undefined ? values : await Fr.batchApplyKey(values, Fr.e(1), Fr.e(shift));
        return new Uint8Array(await Fr.fft(input));
      }
      const coeffs = await Fr.ifft(values);
      return new Uint8Array(shift === undefined ? coeffs : await Fr.batchApplyKey(coeffs, Fr.e(1), Fr.e(invMod(shift, R))));
    },
    async close() {
      await curve.terminate();
    },
  };
}
