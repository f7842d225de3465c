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

/** A key's point sections left in its file (prover/zkey-file.ts openZkey): read once, where asked. */
export interface ZkeyPoints {
  /** Bytes of point section `id` (5 A, 6 B1, 7 B2, 8 C, 9 H), checked against the header. */
  size(id: PointSectionId): number;
  /** Reads all of section `id` into `dst` (exactly its size). */
  read(id: PointSectionId, dst: Uint8Array): Promise<void>;
}
export type PointSectionId = 5 | 6 | 7 | 8 | 9;

/** The point sections of a key whose points were left in the file. */
const NO_POINTS = new Uint8Array(0);

/** The sections a proving key is made of, by id. */
export const ZKEY_SECTIONS = { 1: "header", 2: "Groth16 header", 3: "IC", 4: "coefficients", 5: "A", 6: "B1", 7: "B2", 8: "C", 9: "H" } as const;
export type ZkeySectionId = keyof typeof ZKEY_SECTIONS;

/**
 * A proving key from its sections' bytes (`section(id)`: all of section `id`; `size(id)`: its size,
 * throwing when the file has none), checked: Groth16, BN254, sections of the declared sizes, every
 * coefficient in range. Point sections are kept as they are (no copy). `parsed.coefs`: the
 * coefficients already read by a {@link CoefficientReader} (section 4 is then not asked for).
 */
export function parseZkey(
  file: string,
  section: (id: ZkeySectionId) => Uint8Array,
  size: (id: ZkeySectionId) => number,
  parsed?: { coefs: QapMatrices; pointsDeferred?: true },
): ProvingKey {
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

  let coefs = parsed?.coefs;
  if (!coefs) {
    const c = section(4);
    const reader = new CoefficientReader(file, info.domainSize, info.nVars, c.length);
    reader.push(c);
    coefs = reader.finish();
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
    ...(parsed?.pointsDeferred
      ? { A: NO_POINTS, B1: NO_POINTS, B2: NO_POINTS, C: NO_POINTS, H: NO_POINTS }
      : { A: section(5), B1: section(6), B2: section(7), C: section(8), H: section(9) }),
    coefs,
  };
}

/**
 * Reads the coefficients section (4) in pieces as they arrive, so that a reader never holds the
 * whole section (56 MiB at 2^18, hundreds at 2^20) beside what is parsed from it: a count, then
 * records of matrix, row, signal (u32 each) and a 32-byte value. Checked: every index in range,
 * every value below r, exactly `count` records.
 */
export class CoefficientReader {
  private count = -1;
  private i = 0;
  /** The bytes of an unfinished record (or count) carried from the previous piece. */
  private carry = new Uint8Array(COEF_RECORD);
  private carried = 0;
  private matrix = new Uint8Array(0);
  private constraint = new Uint32Array(0);
  private signal = new Uint32Array(0);
  private valueIndex = new Uint32Array(0);
  private readonly values: bigint[] = [];
  // snarkjs stores coefficients as v·R² (so that one Montgomery product with a standard-form
  // witness value lands in Montgomery form): v = stored·R⁻². Circuits repeat a few values
  // (1, −1, powers of two) most of the time, so conversions are memoised, keyed by a number made
  // of the value's low 53 bits (a Map of numbers is far faster than one of bigints, and no bigint
  // is made for a value seen before); a hit is confirmed on all 32 bytes.
  private readonly seen = new Map<number, { words: Uint32Array; k: number }[]>();

  /** `size`: the section's size, checked against its count as soon as the count is read. */
  constructor(
    private readonly file: string,
    private readonly rows: number,
    private readonly wires: number,
    private readonly size?: number,
  ) {}

  push(piece: Uint8Array): void {
    let at = 0;
    const need = () => (this.count < 0 ? 4 : COEF_RECORD);
    if (this.carried > 0) {
      const k = Math.min(need() - this.carried, piece.length);
      this.carry.set(piece.subarray(0, k), this.carried);
      this.carried += k;
      at = k;
      if (this.carried < need()) return;
      this.take(new DataView(this.carry.buffer), 0);
      this.carried = 0;
    }
    const v = new DataView(piece.buffer, piece.byteOffset, piece.byteLength);
    for (let step = need(); piece.length - at >= step; step = need()) {
      this.take(v, at);
      at += step;
    }
    if (at < piece.length) {
      this.carry.set(piece.subarray(at), 0);
      this.carried = piece.length - at;
    }
  }

  /** One count (the first 4 bytes) or one record at `off` of `v`. */
  private take(v: DataView, off: number): void {
    if (this.count < 0) {
      const count = v.getUint32(off, true);
      if (this.size !== undefined && this.size !== 4 + count * COEF_RECORD) {
        throw new FileFormatError(this.file, `coefficients section: ${4 + count * COEF_RECORD} bytes expected, got ${this.size}`);
      }
      this.count = count;
      this.matrix = new Uint8Array(count);
      this.constraint = new Uint32Array(count);
      this.signal = new Uint32Array(count);
      this.valueIndex = new Uint32Array(count);
      return;
    }
    const i = this.i;
    if (i >= this.count) throw new FileFormatError(this.file, `coefficients section: more than the ${this.count} records it declares`);
    const m = v.getUint32(off, true);
    const row = v.getUint32(off + 4, true);
    const sig = v.getUint32(off + 8, true);
    if (m > 1 || row >= this.rows || sig >= this.wires) {
      throw new FileFormatError(this.file, `coefficient ${i}: matrix ${m}, row ${row}, signal ${sig} out of range`);
    }
    this.matrix[i] = m;
    this.constraint[i] = row;
    this.signal[i] = sig;
    const at = off + 12;
    const key = v.getUint32(at, true) + (v.getUint32(at + 4, true) & 0x1fffff) * 2 ** 32;
    const bucket = this.seen.get(key);
    let hit = bucket?.find((e) => {
      for (let k = 2; k < 8; k++) if (e.words[k] !== v.getUint32(at + 4 * k, true)) return false;
      return true;
    });
    if (!hit) {
      const bytes = new Uint8Array(v.buffer, v.byteOffset + at, 32);
      const stored = leToBigint(bytes, 0);
      if (stored >= R) throw new FileFormatError(this.file, `coefficient ${i}: not a field element`);
      const words = new Uint32Array(8);
      for (let k = 0; k < 8; k++) words[k] = v.getUint32(at + 4 * k, true);
      hit = { words, k: this.values.push((stored * R_INV2) % R) - 1 };
      if (bucket) bucket.push(hit);
      else this.seen.set(key, [hit]);
    }
    this.valueIndex[i] = hit.k;
    this.i++;
  }

  /** The matrices, once every byte of the section was pushed. */
  finish(): QapMatrices {
    const expected = 4 + Math.max(this.count, 0) * COEF_RECORD;
    const got = this.count < 0 ? this.carried : 4 + this.i * COEF_RECORD + this.carried;
    if (this.count < 0 || this.i !== this.count || this.carried !== 0) {
      throw new FileFormatError(this.file, `coefficients section: ${this.count < 0 ? "at least 4" : expected} bytes expected, got ${got}`);
    }
    const { count, matrix, constraint, signal, valueIndex, values } = this;
    return { rows: this.rows, wires: this.wires, count, matrix, constraint, signal, valueIndex, values };
  }
}

/** Bytes of one coefficient record. */
const COEF_RECORD = 12 + 32;

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
