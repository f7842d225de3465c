/**
 * Assembles the CPU backend's WebAssembly module (prover/cpu/wasm/module.ts says what it holds and
 * why it shares one memory). Loaded only where no prebuilt module is found: by
 * scripts/build-js.mjs, which stores it, by the sources run through tsx, and in browsers.
 */
import { ModuleBuilder } from "wasmbuilder";
import { P, R } from "../../../core/bn254.js";
import { buildCurve } from "./curve.js";
import { FIELD_BYTES, buildPrimeField } from "../../../core/wasm/field.js";
import { buildQuadraticField, primeFieldOps, quadraticFieldOps } from "./field2.js";
import { buildMsmHelpers } from "./msm.js";
import { buildNtt } from "./ntt.js";
import { buildQap } from "./qap.js";
import { MAX_PAGES, type CpuWasmCode } from "./module.js";

/** A ModuleBuilder whose memory import is shared, with a maximum (required for shared memory). */
class SharedMemoryModuleBuilder extends ModuleBuilder {
  override _buildImport(): number[] {
    // ASCII names, byte by byte (no Buffer: this module is built in browsers too)
    const str = (s: string): number[] => [s.length, ...Array.from(s, (ch) => ch.charCodeAt(0))];
    const leb = (v: number): number[] => {
      const out: number[] = [];
      let x = v;
      do {
        let b = x & 0x7f;
        x = Math.floor(x / 128);
        if (x !== 0) b |= 0x80;
        out.push(b);
      } while (x !== 0);
      return out;
    };
    const entry = [...str("env"), ...str("memory"), 0x02, 0x03, ...leb(this.memory.pagesSize), ...leb(MAX_PAGES)];
    return this._buildSection(0x02, [1, ...entry]);
  }
}


/** Assembles the module (about 0.15 s of JavaScript on this machine's cores; deterministic). */
export function buildCpuWasmCode(): CpuWasmCode {
  const mb = new SharedMemoryModuleBuilder();
  mb.setMemory(1);
  buildPrimeField(mb, "fq", P);
  const fr = buildPrimeField(mb, "fr", R);
  buildQuadraticField(mb, "fq2", "fq");
  buildCurve(mb, "g1", (c, t) => primeFieldOps(c, "fq", t), FIELD_BYTES);
  buildCurve(mb, "g2", (c, t) => quadraticFieldOps(c, "fq2", t), 2 * FIELD_BYTES);
  buildNtt(mb);
  buildQap(mb);
  buildMsmHelpers(mb, [
    { g: "g1", affineBytes: 2 * FIELD_BYTES },
    { g: "g2", affineBytes: 4 * FIELD_BYTES },
  ]);
  const code = mb.build();
  return { code: Uint8Array.from(code), staticEnd: (mb.free + 63) & ~63, frOne: fr.pOne };
}
