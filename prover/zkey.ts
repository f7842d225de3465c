/**
 * Reads a snarkjs Groth16 `.zkey` into memory in its own layout, in Node or in a browser: the point sections stay flat
 * byte arrays (LEM affine, see prover/backend.ts) that go to the backend as they are; the header
 * points and the R1CS coefficients (the QAP's A and B matrices) are decoded.
 *
 * Sections: 1 protocol, 2 Groth16 header, 3 IC, 4 coefficients, 5 A, 6 B1, 7 B2, 8 C, 9 H,
 * 10 contributions (not read).
 *
 * No I/O here: {@link parseZkey} takes the sections' bytes, {@link readZkeyBlob} reads a Blob (a
 * browser's download or file input: only the section table and the sections used are read, one
 * slice each), and prover/zkey-file.ts reads files in Node.
 */
import { FileFormatError, readSectionTable, requireSection } from "../core/container.js";
import { R, fromMontR } from "../core/bn254.js";
import { leToBigint } from "../core/bytes.js";
import { parseZkeyHeader } from "../core/zkey-header.js";

/** 2^-512 mod r: undoes snarkjs's R² scaling of coefficients. */
const R_INV2 = fromMontR(fromMontR(1n));

/** A Groth16 proving key. */
export interface ProvingKey {
  file: string;
  nVars: number;
  nPublic: number;
  domainSize: number;
  power: number;
  /** Header points, LEM affine bytes. */
  alpha1: Uint8Array;
  beta1: Uint8Array;
  beta2: Uint8Array;
  gamma2: Uint8Array;
  delta1: Uint8Array;
  delta2: Uint8Array;
  ic: Uint8Array;
  /** Point sections, LEM affine. */
  A: Uint8Array;
  B1: Uint8Array;
  B2: Uint8Array;
  C: Uint8Array;
  H: Uint8Array;
  /** The A and B matrices in coordinate form, values in standard form. */
  coefs: {
    count: number;
    matrix: Uint8Array;
    constraint: Uint32Array;
    signal: Uint32Array;
    value: bigint[];
  };
}

/** The sections a proving key is made of, by id. */
export const ZKEY_SECTIONS = { 1: "header", 2: "Groth16 header", 3: "IC", 4: "coefficients", 5: "A", 6: "B1", 7: "B2", 8: "C", 9: "H" } as const;
export type ZkeySectionId = keyof typeof ZKEY_SECTIONS;

/**
 * A proving key from its sections' bytes (`section(id)`: all of section `id`; `size(id)`: its size,
 * throwing when the file has none), checked: Groth16, BN254, sections of the declared sizes, every
 * coefficient in range. Point sections are kept as they are (no copy).
 */
export function parseZkey(file: string, section: (id: ZkeySectionId) => Uint8Array, size: (id: ZkeySectionId) => number): ProvingKey {
  const h = section(2);
  const info = parseZkeyHeader(file, section(1), h, (type) => size(type as ZkeySectionId));
  let o = info.pointsAt;
  const take = (n: number) => {
    const b = h.slice(o, o + n);
    o += n;
    return b;
  };
  const alpha1 = take(64);
  const beta1 = take(64);
  const beta2 = take(128);
  const gamma2 = take(128);
  const delta1 = take(64);
  const delta2 = take(128);

  const c = section(4);
  const cv = new DataView(c.buffer, c.byteOffset, c.byteLength);
  const count = cv.getUint32(0, true);
  const record = 12 + 32;
  if (c.length !== 4 + count * record) throw new FileFormatError(file, `coefficients section: ${4 + count * record} bytes expected, got ${c.length}`);
  const matrix = new Uint8Array(count);
  const constraint = new Uint32Array(count);
  const signal = new Uint32Array(count);
  const value = new Array<bigint>(count);
  const seen = new Map<bigint, bigint>();
  for (let i = 0; i < count; i++) {
    const off = 4 + i * record;
    const m = cv.getUint32(off, true);
    const row = cv.getUint32(off + 4, true);
    const sig = cv.getUint32(off + 8, true);
    if (m > 1 || row >= info.domainSize || sig >= info.nVars) {
      throw new FileFormatError(file, `coefficient ${i}: matrix ${m}, row ${row}, signal ${sig} out of range`);
    }
    matrix[i] = m;
    constraint[i] = row;
    signal[i] = sig;
    // snarkjs stores coefficients as v·R² (so that one Montgomery product with a standard-form
    // witness value lands in Montgomery form): v = stored·R⁻². Circuits repeat a few values
    // (1, −1, powers of two) most of the time, so conversions are memoised.
    const stored = leToBigint(c, off + 12);
    let v = seen.get(stored);
    if (v === undefined) {
      if (stored >= R) throw new FileFormatError(file, `coefficient ${i}: not a field element`);
      v = (stored * R_INV2) % R;
      seen.set(stored, v);
    }
    value[i] = v;
  }
  return {
    file,
    nVars: info.nVars,
    nPublic: info.nPublic,
    domainSize: info.domainSize,
    power: info.power,
    alpha1,
    beta1,
    beta2,
    gamma2,
    delta1,
    delta2,
    ic: section(3),
    A: section(5),
    B1: section(6),
    B2: section(7),
    C: section(8),
    H: section(9),
    coefs: { count, matrix, constraint, signal, value },
  };
}

/** What {@link readZkeyBlob} reports while it reads: bytes of the sections read so far. */
export type ReadProgress = (done: number, total: number) => void;

/**
 * Reads a proving key from a Blob (a File from an input, or a downloaded Response's blob, which a
 * browser may keep on disk): the section table first (12 bytes per section), then each section
 * used, as its own slice, checked before the large point sections are read.
 */
export async function readZkeyBlob(blob: Blob, name: string, progress?: ReadProgress): Promise<ProvingKey> {
  const readAt = async (offset: number, length: number) => new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer());
  const { sections } = await readSectionTable(name, "zkey", blob.size, readAt);
  const ids = Object.keys(ZKEY_SECTIONS).map(Number) as ZkeySectionId[];
  const size = (id: ZkeySectionId) => requireSection(name, sections, id, ZKEY_SECTIONS[id]).size;
  // Check the headers before reading hundreds of megabytes of points.
  const bytes = new Map<ZkeySectionId, Uint8Array>();
  for (const id of [1, 2] as const) {
    const s = requireSection(name, sections, id, ZKEY_SECTIONS[id]);
    bytes.set(id, await readAt(s.offset, s.size));
  }
  parseZkeyHeader(name, bytes.get(1)!, bytes.get(2)!, (type) => size(type as ZkeySectionId));
  const total = ids.reduce((t, id) => t + size(id), 0);
  let done = size(1) + size(2);
  for (const id of ids) {
    if (bytes.has(id)) continue;
    const s = requireSection(name, sections, id, ZKEY_SECTIONS[id]);
    bytes.set(id, await readAt(s.offset, s.size));
    done += s.size;
    progress?.(done, total);
  }
  return parseZkey(name, (id) => bytes.get(id)!, size);
}

/** The values of a snarkjs `.wtns` file's sections: n scalars, 32 bytes LE each. */
export function parseWtns(file: string, header: Uint8Array, values: Uint8Array): Uint8Array {
  const v = new DataView(header.buffer, header.byteOffset, header.byteLength);
  const n8 = v.getUint32(0, true);
  if (n8 !== 32 || leToBigint(header, 4, 32) !== R) throw new FileFormatError(file, "a witness over BN254's scalar field expected");
  const n = v.getUint32(4 + n8, true);
  if (values.length !== n * 32) throw new FileFormatError(file, `values section: ${n * 32} bytes expected, got ${values.length}`);
  return values;
}

/** The witness of a `.wtns` file held in memory (snarkjs's `wtns.calculate` to a memory file, in a browser). */
export async function readWtnsBytes(bytes: Uint8Array, name: string): Promise<Uint8Array> {
  const readAt = async (offset: number, length: number) => bytes.subarray(offset, offset + length);
  const { sections } = await readSectionTable(name, "wtns", bytes.length, readAt);
  const h = requireSection(name, sections, 1, "header");
  const w = requireSection(name, sections, 2, "values");
  return parseWtns(name, bytes.subarray(h.offset, h.offset + h.size), bytes.slice(w.offset, w.offset + w.size));
}
