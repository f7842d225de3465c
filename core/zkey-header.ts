/**
 * What a snarkjs Groth16 `.zkey` declares in its headers, and the checks that it is one zkr can
 * prove with: Groth16, BN254, every point section of the size the header implies. Without I/O:
 * Node's file inspection (circuits/files.ts) and the prover's readers (prover/zkey.ts, a file or
 * a browser's Blob) hand it the bytes.
 */
import { FileFormatError } from "./container.js";
import { P as BN254_Q, R as BN254_R } from "./bn254.js";
import { leToBigint } from "./bytes.js";

/** Header of a Groth16 `.zkey`. */
export interface ZkeyInfo {
  nVars: number;
  nPublic: number;
  domainSize: number;
  power: number;
}

/** The point sections and their sizes in bytes, from the header's counts. */
export function zkeyPointSections(info: ZkeyInfo): readonly (readonly [type: number, what: string, bytes: number])[] {
  const { nVars, nPublic, domainSize } = info;
  return [
    [3, "IC", (nPublic + 1) * 64],
    [5, "A", nVars * 64],
    [6, "B1", nVars * 64],
    [7, "B2", nVars * 128],
    [8, "C", (nVars - nPublic - 1) * 64],
    [9, "H", domainSize * 64],
  ];
}

/**
 * Reads and checks a zkey's headers: `protocol` is section 1's first 4 bytes, `groth16` all of
 * section 2; `sizeOf(type, what)` gives a section's size (and throws when it is missing). Returns
 * the header's counts and the offset in section 2 where the header points start.
 */
export function parseZkeyHeader(file: string, protocol: Uint8Array, groth16: Uint8Array, sizeOf: (type: number, what: string) => number): ZkeyInfo & { pointsAt: number } {
  const u32 = (b: Uint8Array, o: number) => new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(o, true);
  const p = u32(protocol, 0);
  if (p !== 1) {
    const names: Record<number, string> = { 2: "PLONK", 10: "FFLONK" };
    throw new FileFormatError(file, `a Groth16 zkey expected, got protocol ${names[p] ?? p}`);
  }
  const n8q = u32(groth16, 0);
  const q = leToBigint(groth16, 4, n8q);
  const n8r = u32(groth16, 4 + n8q);
  const r = leToBigint(groth16, 8 + n8q, n8r);
  if (n8q !== 32 || n8r !== 32 || q !== BN254_Q || r !== BN254_R) throw new FileFormatError(file, "a BN254 (bn128) zkey expected, got another curve");
  const o = 8 + n8q + n8r;
  const info = { nVars: u32(groth16, o), nPublic: u32(groth16, o + 4), domainSize: u32(groth16, o + 8), power: 0 };
  info.power = Math.log2(info.domainSize);
  if (!Number.isInteger(info.power)) throw new FileFormatError(file, `domain size ${info.domainSize}: a power of two expected`);
  for (const [type, what, bytes] of zkeyPointSections(info)) {
    const size = sizeOf(type, what);
    if (size !== bytes) throw new FileFormatError(file, `${what} section: ${bytes} bytes expected, got ${size}`);
  }
  return { ...info, pointsAt: o + 12 };
}
