/**
 * The iden3 binary container of circom's and snarkjs's files (`.r1cs`, `.ptau`, `.zkey`, `.wtns`):
 * a 4-byte magic, a u32 version, a u32 section count, then sections of (u32 id, u64 size, data),
 * all little-endian. Node's reader of files, which checks the magic, the version when asked, that
 * every section is complete and that nothing trails the last one (the checks are core/container.ts's,
 * shared with the browser's reader); one writer; one error, {@link FileFormatError}, naming the
 * file and what is wrong. What the sections hold is the
 * business of each format's code (circuits/files.ts, prover/zkey.ts, circuits/setup/).
 */
import fs from "node:fs";
import { FileFormatError, HEADER, SECTION_HEADER, addSection, checkEnd, checkHead, sectionAt, type Section } from "./container.js";

export { FileFormatError, requireSection, type Section } from "./container.js";

/** A checked container, open: the caller closes `fd`. */
export interface BinFile {
  version: number;
  /** Sections by id, in file order (an id may repeat). */
  sections: Map<number, Section[]>;
  fd: number;
}

/**
 * Opens `file` and checks its container: the magic, the version (when `versions` is given), that
 * every section is complete and that nothing trails the last one. Reads the section table only.
 * @throws FileFormatError
 */
export function readSections(file: string, magic: string, versions?: readonly number[]): BinFile {
  let fd: number;
  try {
    fd = fs.openSync(file, "r");
  } catch (err) {
    throw new FileFormatError(file, `cannot read ${magic}: ${(err as Error).message}`, { cause: err });
  }
  try {
    const size = fs.fstatSync(fd).size;
    const head = Buffer.alloc(HEADER);
    const got = fs.readSync(fd, head, 0, HEADER, 0);
    const { version, count } = checkHead(file, magic, head.subarray(0, got), size, versions);
    const sections = new Map<number, Section[]>();
    let off = HEADER;
    const sh = Buffer.alloc(SECTION_HEADER);
    for (let i = 0; i < count; i++) {
      const s = sectionAt(file, sh.subarray(0, fs.readSync(fd, sh, 0, SECTION_HEADER, off)), off, size, i, count);
      addSection(sections, s);
      off = s.offset + s.size;
    }
    checkEnd(file, off, size);
    return { version, sections, fd };
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
}

/** `length` bytes of a section's data from `pos` (default: all of it), into a new Buffer. */
export function readSection(fd: number, s: Section, pos = 0, length = s.size - pos): Buffer {
  const buf = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, buf, done, length - done, s.offset + pos + done);
    if (n === 0) throw new Error(`readSection: the file ended inside section ${s.type}`);
    done += n;
  }
  return buf;
}

/** The 12 bytes that open a container. */
export function containerHeader(magic: string, version: number, sections: number): Buffer {
  if (Buffer.byteLength(magic, "latin1") !== 4) throw new RangeError(`magic: 4 bytes expected, got ${JSON.stringify(magic)}`);
  const head = Buffer.alloc(HEADER);
  head.write(magic, 0, "latin1");
  head.writeUInt32LE(version, 4);
  head.writeUInt32LE(sections, 8);
  return head;
}

/** The 12 bytes before a section's data. */
export function sectionHeader(id: number, size: number): Buffer {
  const sh = Buffer.alloc(12);
  sh.writeUInt32LE(id, 0);
  sh.writeBigUInt64LE(BigInt(size), 4);
  return sh;
}

/** A whole small container in memory (a `.wtns`): the header, then each section in order. */
export function encodeContainer(magic: string, version: number, sections: readonly { id: number; data: Uint8Array }[]): Buffer {
  return Buffer.concat([containerHeader(magic, version, sections.length), ...sections.flatMap((s) => [sectionHeader(s.id, s.data.byteLength), s.data])]);
}

/** A section of a file being written: its id, data size and (after layout) data offset. */
export interface SectionSlot {
  id: number;
  size: number;
  offset: number;
}

/**
 * A container written at known offsets, for files too big to hold in memory. `create` writes the
 * file header and every section header and sizes the file; `write(id, pos, bytes)` fills section
 * data at a position within it, in any order.
 */
export class BinFileWriter {
  private readonly slots = new Map<number, SectionSlot>();
  private constructor(
    readonly path: string,
    private readonly fh: fs.promises.FileHandle,
    layout: SectionSlot[],
  ) {
    for (const s of layout) this.slots.set(s.id, s);
  }

  static async create(path: string, magic: string, version: number, sections: { id: number; size: number }[]): Promise<BinFileWriter> {
    const fh = await fs.promises.open(path, "w+");
    await fh.write(containerHeader(magic, version, sections.length), 0, HEADER, 0);
    let off = HEADER;
    const layout: SectionSlot[] = [];
    for (const s of sections) {
      await fh.write(sectionHeader(s.id, s.size), 0, 12, off);
      off += 12;
      layout.push({ id: s.id, size: s.size, offset: off });
      off += s.size;
    }
    // Size the file now: sections are filled out of order.
    await fh.truncate(off);
    return new BinFileWriter(path, fh, layout);
  }

  slot(id: number): SectionSlot {
    const s = this.slots.get(id);
    if (!s) throw new Error(`${this.path}: no section ${id}`);
    return s;
  }

  async write(id: number, pos: number, bytes: Uint8Array): Promise<void> {
    const s = this.slot(id);
    if (pos + bytes.byteLength > s.size) throw new Error(`${this.path}: write past the end of section ${id}`);
    let done = 0;
    while (done < bytes.byteLength) {
      const { bytesWritten } = await this.fh.write(bytes, done, bytes.byteLength - done, s.offset + pos + done);
      done += bytesWritten;
    }
  }

  async read(id: number, pos: number, len: number): Promise<Uint8Array> {
    const s = this.slot(id);
    const out = new Uint8Array(len);
    let done = 0;
    while (done < len) {
      const { bytesRead } = await this.fh.read(out, done, len - done, s.offset + pos + done);
      if (bytesRead === 0) throw new Error(`${this.path}: short read`);
      done += bytesRead;
    }
    return out;
  }

  async close(): Promise<void> {
    await this.fh.sync();
    await this.fh.close();
  }

  async abort(): Promise<void> {
    await this.fh.close().catch(() => {});
  }
}
