// Poseidon of 5 field elements on the engine's WebAssembly kernel (built into the module by
// poseidon5-wasm.ts), for the EdDSA challenge of signature verification.

import { E, RAW_BYTES } from "./babyjub-wasm.js";
import type { BabyJubEngine } from "./babyjub-engine.js";

/**
 * Poseidon(in0..in4) of 5 field elements (in [0, r), unchecked) into the raw integer at `outRaw`.
 */
export function poseidon5(e: BabyJubEngine, inputs: readonly bigint[], outRaw: number): void {
  const k = e.k;
  for (let i = 0; i < 5; i++) {
    e.writeRaw(e.rawIn + i * RAW_BYTES, inputs[i]);
    k.fr_fromStd(e.rawIn + i * RAW_BYTES, e.el + i * E);
  }
  k.pos5_hash(e.el, e.el + 5 * E);
  k.fr_toStd(e.el + 5 * E, outRaw, e.el + 6 * E);
}
