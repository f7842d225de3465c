/**
 * What a snarkjs Groth16 `.zkey` declares in its headers, and the checks that it is one zkr can
 * prove with: Groth16, BN254, every point section of the size the header implies. Without I/O:
 * Node's file inspection (circuits/files.ts) and the prover's readers (prover/zkey.ts, a file or
 * a browser's Blob) hand it the bytes.
 */
import { FileFormatError } from "./container.js";
import { P as BN254_Q, R as BN254_R } from "./bn254.js";
import { leToBigint } from "./bytes.js";

/** BN254's scalar field has 2^28-th roots of unity: no larger domain exists. */
const MAX_POWER = 28;
/** Bytes of the header's points: α₁, β₁, δ₁ (64 each) and β₂, γ₂, δ₂ (128 each). */
const HEADER_POINTS = 3 * 64 + 3 * 128;

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
 * Reads a zkey's header counts and checks them: `protocol` is section 1's first 4 bytes, `groth16`
 * all of section 2. Returns the counts and the offset in section 2 where the header points start.
 * The point sections' sizes are {@link parseZkeyHeader}'s check (or, for a zkey read as a stream,
 * each section's as its header arrives).
 */
export function readZkeyCounts(file: string, protocol: Uint8Array, groth16: Uint8Array): ZkeyInfo & { pointsAt: number } {
  const u32 = (b: Uint8Array, o: number) => {
    if (o + 4 > b.length) throw new FileFormatError(file, `truncated header section: ${b.length} bytes`);
    return new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(o, true);
  };
  const p = u32(protocol, 0);
  if (p !== 1) {
    const names: Record<number, string> = { 2: "PLONK", 10: "FFLONK" };
    throw new FileFormatError(file, `a Groth16 zkey expected, got protocol ${names[p] ?? p}`);
  }
  const n8q = u32(groth16, 0);
  if (n8q !== 32) throw new FileFormatError(file, "a BN254 (bn128) zkey expected, got another curve");
  const q = leToBigint(groth16, 4, n8q);
  const n8r = u32(groth16, 4 + n8q);
  if (n8r !== 32 || 8 + n8q + n8r + 12 > groth16.length) throw new FileFormatError(file, "a BN254 (bn128) zkey expected, got another curve");
  const r = leToBigint(groth16, 8 + n8q, n8r);
  if (q !== BN254_Q || r !== BN254_R) throw new FileFormatError(file, "a BN254 (bn128) zkey expected, got another curve");
  const o = 8 + n8q + n8r;
  const info = { nVars: u32(groth16, o), nPublic: u32(groth16, o + 4), domainSize: u32(groth16, o + 8), power: 0 };
  info.power = Math.log2(info.domainSize);
  if (!Number.isInteger(info.power) || info.power > MAX_POWER) throw new FileFormatError(file, `domain size ${info.domainSize}: a power of two up to 2^${MAX_POWER} expected`);
  if (info.nPublic + 1 > info.nVars) throw new FileFormatError(file, `${info.nPublic} public signals for ${info.nVars} wires`);
  // α₁, β₁, β₂, γ₂, δ₁, δ₂ follow the counts
  if (groth16.length < o + 12 + HEADER_POINTS) throw new FileFormatError(file, `Groth16 header section: ${o + 12 + HEADER_POINTS} bytes expected, got ${groth16.length}`);
  return { ...info, pointsAt: o + 12 };
}

/** Checks a point section's size against the header's counts. */
export function checkPointSection(file: string, info: ZkeyInfo, type: number, size: number): void {
  const s = zkeyPointSections(info).find(([t]) => t === type);
  if (s && s[2] !== size) throw new FileFormatError(file, `${s[1]} section: ${s[2]} bytes expected, got ${size}`);
}

/**
 * Reads and checks a zkey's headers ({@link readZkeyCounts}) and that every point section has the
 * size they imply: `sizeOf(type, what)` gives a section's size (and throws when it is missing).
 */
export function parseZkeyHeader(file: string, protocol: Uint8Array, groth16: Uint8Array, sizeOf: (type: number, what: string) => number): ZkeyInfo & { pointsAt: number } {
  const info = readZkeyCounts(file, protocol, groth16);
  for (const [type, what] of zkeyPointSections(info)) checkPointSection(file, info, type, sizeOf(type, what));
  return info;
}
