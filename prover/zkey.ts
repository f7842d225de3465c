/**
 * Reads a snarkjs Groth16 `.zkey` into memory in its own layout, in Node or in a browser: the point sections stay flat
 * byte arrays (LEM affine, see prover/backend.ts) that go to the backend as they are; the header
 * points and the R1CS coefficients (the QAP's A and B matrices) are decoded.
 *
 * Sections: 1 protocol, 2 Groth16 header, 3 IC, 4 coefficients, 5 A, 6 B1, 7 B2, 8 C, 9 H,
 * 10 contributions (not read).
 *
 * No I/O here: {@link parseZkey} takes the sections' bytes, {@link readZkeyStream} reads a
 * stream in one pass (a browser's download, parsed as it arrives, or a file input's Blob), and
 * prover/zkey-file.ts reads files in Node.
 */
import { FileFormatError, HEADER, SECTION_HEADER, addSection, checkEnd, checkHead, readSectionTable, requireSection, sectionAt, type Section } from "../core/container.js";
import { R, fromMontR } from "../core/bn254.js";
import { leToBigint } from "../core/bytes.js";
import { checkPointSection, parseZkeyHeader, readZkeyCounts } from "../core/zkey-header.js";
import type { QapMatrices } from "./backend.js";

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
  coefs: QapMatrices;
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
  const valueIndex = new Uint32Array(count);
  const values: bigint[] = [];
  // snarkjs stores coefficients as v·R² (so that one Montgomery product with a standard-form
  // witness value lands in Montgomery form): v = stored·R⁻². Circuits repeat a few values
  // (1, −1, powers of two) most of the time, so conversions are memoised, keyed by a number made
  // of the value's low 53 bits (a Map of numbers is far faster than one of bigints, and no bigint
  // is made for a value seen before); a hit is confirmed on all 32 bytes.
  const seen = new Map<number, { at: number; k: number }[]>();
  const sameValue = (a: number, b: number) => {
    for (let k = 8; k < 32; k += 4) if (cv.getUint32(a + k, true) !== cv.getUint32(b + k, true)) return false;
    return true;
  };
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
    const at = off + 12;
    const key = cv.getUint32(at, true) + (cv.getUint32(at + 4, true) & 0x1fffff) * 2 ** 32;
    const bucket = seen.get(key);
    let hit = bucket?.find((e) => sameValue(e.at, at));
    if (!hit) {
      const stored = leToBigint(c, at);
      if (stored >= R) throw new FileFormatError(file, `coefficient ${i}: not a field element`);
      hit = { at, k: values.push((stored * R_INV2) % R) - 1 };
      if (bucket) bucket.push(hit);
      else seen.set(key, [hit]);
    }
    valueIndex[i] = hit.k;
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
    coefs: { rows: info.domainSize, wires: info.nVars, count, matrix, constraint, signal, valueIndex, values },
  };
}

/** What {@link readZkeyStream} reports while it reads: bytes read so far, of `total` (0: unknown). */
export type ReadProgress = (done: number, total: number) => void;

/** The bytes of a stream in order: exactly as many as asked, fewer only where the stream ends. */
class StreamBytes {
  private chunk: Uint8Array = new Uint8Array(0);
  private at = 0;
  /** Bytes taken or skipped so far. */
  offset = 0;

  constructor(private readonly reader: ReadableStreamDefaultReader<Uint8Array>) {}

  /** The next chunk with bytes left in it, or false at the end of the stream. */
  private async more(): Promise<boolean> {
    while (this.at === this.chunk.length) {
      const { value, done } = await this.reader.read();
      if (done) return false;
      this.chunk = value;
      this.at = 0;
    }
    return true;
  }

  /**
   * The next `n` bytes, in one new array; fewer when the stream ends first. The array is made
   * once the bytes have arrived, so a file that only claims a huge section costs nothing.
   */
  async take(n: number): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    let filled = 0;
    while (filled < n && (await this.more())) {
      const k = Math.min(n - filled, this.chunk.length - this.at);
      parts.push(this.chunk.subarray(this.at, this.at + k));
      this.at += k;
      filled += k;
    }
    this.offset += filled;
    if (parts.length === 1) return parts[0].slice();
    const out = new Uint8Array(filled);
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }

  /** Passes over `n` bytes; returns how many there were. */
  async skip(n: number): Promise<number> {
    let left = n;
    while (left > 0 && (await this.more())) {
      const k = Math.min(left, this.chunk.length - this.at);
      this.at += k;
      left -= k;
    }
    this.offset += n - left;
    return n - left;
  }

  async atEnd(): Promise<boolean> {
    return !(await this.more());
  }
}

/** Section 2 is some 700 bytes; a header section larger than this is not a zkey's. */
const MAX_HEADER_SECTION = 1 << 16;

/**
 * Reads a proving key as its bytes arrive (a download's body: parsed while it downloads; a File's
 * or a Blob's stream), in one pass and in file order, each section copied once into its own array.
 * `size` is the file's size when known (a Content-Length, a Blob's size). The header sections
 * must come first, as snarkjs writes them: each point section's size is then checked against the
 * header's counts, and a section's array is made only once its bytes have arrived, so a small
 * hostile file cannot make the page reserve gigabytes (a large one costs what it sends). Sections
 * the prover does not use (10, contributions) are passed over.
 */
export async function readZkeyStream(stream: ReadableStream<Uint8Array>, name: string, o: { size?: number; progress?: ReadProgress } = {}): Promise<ProvingKey> {
  const reader = stream.getReader();
  const src = new StreamBytes(reader);
  try {
    const head = await src.take(HEADER);
    const { count } = checkHead(name, "zkey", head, o.size ?? src.offset);
    const sections = new Map<number, Section[]>();
    const bytes = new Map<number, Uint8Array>();
    let info: ReturnType<typeof readZkeyCounts> | undefined;
    for (let i = 0; i < count; i++) {
      const at = src.offset;
      const sh = await src.take(SECTION_HEADER);
      const s = sectionAt(name, sh, at, o.size ?? (sh.length < SECTION_HEADER ? src.offset : Number.MAX_SAFE_INTEGER), i, count);
      const used = s.type in ZKEY_SECTIONS && !sections.has(s.type);
      addSection(sections, s);
      const truncated = () => new FileFormatError(name, `truncated: section ${s.type} needs ${s.size} bytes at offset ${s.offset}, the stream ended at ${src.offset}`);
      if (!used) {
        if ((await src.skip(s.size)) < s.size) throw truncated();
        continue;
      }
      if (s.type <= 2) {
        if (s.size > MAX_HEADER_SECTION) throw new FileFormatError(name, `${ZKEY_SECTIONS[s.type as ZkeySectionId]} section: ${s.size} bytes, far more than a header`);
      } else if (s.type === 4) {
        if (s.size < 4 || (s.size - 4) % 44 !== 0) throw new FileFormatError(name, `coefficients section: 4 + 44·k bytes expected, got ${s.size}`);
      } else if (!info) {
        throw new FileFormatError(name, `section ${s.type} (${ZKEY_SECTIONS[s.type as ZkeySectionId]}) comes before the header sections; a zkey read as a stream needs them first, as snarkjs writes them`);
      } else {
        checkPointSection(name, info, s.type, s.size);
      }
      const data = await src.take(s.size);
      if (data.length < s.size) throw truncated();
      bytes.set(s.type, data);
      if (!info && bytes.has(1) && bytes.has(2)) info = readZkeyCounts(name, bytes.get(1)!, bytes.get(2)!);
      o.progress?.(src.offset, o.size ?? 0);
    }
    if (o.size !== undefined) checkEnd(name, src.offset, o.size);
    if (!(await src.atEnd())) throw new FileFormatError(name, "trailing bytes after the last section");
    const section = (id: ZkeySectionId) => requireSection(name, sections, id, ZKEY_SECTIONS[id]);
    return parseZkey(name, (id) => (section(id), bytes.get(id)!), (id) => section(id).size);
  } finally {
    await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

/** Reads a proving key from a Blob (a File from an input), as a stream: {@link readZkeyStream}. */
export function readZkeyBlob(blob: Blob, name: string, progress?: ReadProgress): Promise<ProvingKey> {
  return readZkeyStream(blob.stream() as ReadableStream<Uint8Array>, name, { size: blob.size, progress });
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
