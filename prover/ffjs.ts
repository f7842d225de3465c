/**
 * A backend on ffjavascript, snarkjs's own engine (wasmcurves, its thread pool). It is the outside
 * reference the other backends are tested and benchmarked against, not a production backend:
 * `--backend` offers `cpu` and `webgpu`.
 */
import { FR_BYTES, G1_BYTES, G2_BYTES, type BasesHandle, type Group, type NttOptions, type ProverBackend } from "./backend.js";
import { checkedBackend, type CheckedBackend } from "./checked.js";
import { R, invMod } from "../core/bn254.js";

 
type Curve = any;

interface FfjsBases extends BasesHandle {
  bytes: Uint8Array;
}

/**
 * ffjavascript gives every caller in a process one multi-threaded curve (globalThis.curve_bn128):
 * open backends count their uses of it, and the last one to close terminates it, so closing one
 * backend does not stop another's workers.
 */
const users = new Map<Curve, number>();

/**
 * Creates the ffjavascript reference backend (its own worker pool; `close()` stops it), behind the
 * interface's checks (prover/checked.ts). `curve` builds ffjavascript's bn128 (default: the npm
 * package's `buildBn128`).
 */
export async function createFfjsBackend(options: { curve?: () => Promise<Curve> } = {}): Promise<CheckedBackend> {
  // In a browser, the page hands in the curve of snarkjs's browser build (the same ffjavascript).
  const build = options.curve ?? (async () => ((await import("ffjavascript")) as { buildBn128(singleThread?: boolean): Promise<Curve> }).buildBn128());
  const curve: Curve = await build();
  users.set(curve, (users.get(curve) ?? 0) + 1);
  let closed = false;
  const name = "ffjavascript";
  const toLem = (group: Group, p: unknown): Uint8Array => {
    const G = group === "G1" ? curve.G1 : curve.G2;
    const out = new Uint8Array(group === "G1" ? G1_BYTES : G2_BYTES);
    const a = G.toAffine(p);
    if (G.isZero(a)) return out;
    G.toRprLEM(out, 0, a);
    return out;
  };
  const backend: ProverBackend = {
    name,
    async loadBases(group, bases) {
      const handle: FfjsBases = { group, length: bases.length / (group === "G1" ? G1_BYTES : G2_BYTES), bytes: bases.slice(), release: async () => {} };
      return handle;
    },
    async msm(handle, scalars) {
      const b = handle as FfjsBases;
      const n = scalars.length / FR_BYTES;
      const size = b.group === "G1" ? G1_BYTES : G2_BYTES;
      const G = b.group === "G1" ? curve.G1 : curve.G2;
      const p = await G.multiExpAffine(b.bytes.subarray(0, n * size), scalars.subarray(0, n * FR_BYTES));
      return toLem(b.group, p);
    },
    async ntt(values, options: NttOptions = {}) {
      const Fr = curve.Fr;
      const shift = options.coset;
      if (!options.inverse) {
        const input = shift === undefined ? values : await Fr.batchApplyKey(values, Fr.e(1), Fr.e(shift));
        return new Uint8Array(await Fr.fft(input));
      }
      const coeffs = await Fr.ifft(values);
      return new Uint8Array(shift === undefined ? coeffs : await Fr.batchApplyKey(coeffs, Fr.e(1), Fr.e(invMod(shift, R))));
    },
    async close() {
      if (closed) return;
      closed = true;
      const left = (users.get(curve) ?? 1) - 1;
      if (left > 0) users.set(curve, left);
      else {
        users.delete(curve);
        await curve.terminate();
      }
    },
  };
  return checkedBackend(backend);
}
