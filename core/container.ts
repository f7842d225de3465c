/**
 * The iden3 container of circom's and snarkjs's files (`.r1cs`, `.ptau`, `.zkey`, `.wtns`),
 * without I/O: a 4-byte magic, a u32 version, a u32 section count, then sections of (u32 id,
 * u64 size, data), all little-endian. The checks live here once, for every reader: Node's file
 * reader (core/binfile.ts) and the browser's, which reads a Blob or a fetched file
 * ({@link readSectionTable}). Each error is a {@link FileFormatError} naming the file.
 */
import { ZkrError, type ZkrErrorOptions } from "./errors.js";

/** A file that is not what it should be. */
export class FileFormatError extends ZkrError {
  override name = "FileFormatError";
  constructor(
    readonly file: string,
    readonly reason: string,
    options?: ZkrErrorOptions,
  ) {
    super(`${file}: ${reason}`, options);
  }
}

/** Where a section's data lies in its file. */
export interface Section {
  /** The section id. */
  type: number;
  /** Byte offset of its data. */
  offset: number;
  /** Bytes of data. */
  size: number;
}

/** Bytes of the container's header, and of each section's header. */
export const HEADER = 12;
export const SECTION_HEADER = 12;

/** "a" or "an" before a format's name, spelled letter by letter ("an r1cs", "a zkey"). */
function article(magic: string): string {
  return /^[aefhilmnorsx]/i.test(magic) ? "an" : "a";
}

const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);

/**
 * Checks the first bytes of a file of `size` bytes (`head`: up to {@link HEADER} of them) and
 * returns its version and section count.
 */
export function checkHead(file: string, magic: string, head: Uint8Array, size: number, versions?: readonly number[]): { version: number; count: number } {
  const first = head.subarray(0, Math.min(head.length, 4));
  const start = String.fromCharCode(...first);
  if (start !== magic) {
    const a = article(magic);
    const hex = Array.from(first, (b) => b.toString(16).padStart(2, "0")).join("");
    throw new FileFormatError(file, `${a} ${magic} file expected, got one starting with ${JSON.stringify(start)}`, {
      details: `not ${a} ${magic} file: its first bytes are ${hex || "missing (empty file)"}`,
    });
  }
  if (head.length < HEADER) throw new FileFormatError(file, `truncated: ${size} bytes is shorter than ${article(magic)} ${magic} header`);
  const v = view(head);
  const version = v.getUint32(4, true);
  if (versions && !versions.includes(version)) throw new FileFormatError(file, `${magic} version ${versions.join(" or ")} expected, got ${version}`);
  return { version, count: v.getUint32(8, true) };
}

/**
 * Section `i` of `count`, whose 12-byte header (`sh`, fewer bytes when the file ends) sits at
 * `off`; checks that its data fits in the file.
 */
export function sectionAt(file: string, sh: Uint8Array, off: number, size: number, i: number, count: number): Section {
  if (sh.length < SECTION_HEADER) throw new FileFormatError(file, `truncated: section ${i + 1} of ${count} is missing (file has ${size} bytes)`);
  const v = view(sh);
  const type = v.getUint32(0, true);
  const len = Number(v.getBigUint64(4, true));
  const data = off + SECTION_HEADER;
  if (data + len > size) throw new FileFormatError(file, `truncated: section ${type} needs ${len} bytes at offset ${data}, the file ends at ${size}`);
  return { type, offset: data, size: len };
}

/** Checks that the last section ends the file. */
export function checkEnd(file: string, end: number, size: number): void {
  if (end !== size) throw new FileFormatError(file, `${size - end} trailing bytes after the last section`);
}

/** Adds a section to the table (an id may repeat; file order is kept). */
export function addSection(sections: Map<number, Section[]>, s: Section): void {
  const list = sections.get(s.type) ?? [];
  list.push(s);
  sections.set(s.type, list);
}

/** The first section `type`. @throws FileFormatError naming it (`what`) when the file has none. */
export function requireSection(file: string, sections: Map<number, Section[]>, type: number, what: string): Section {
  const s = sections.get(type)?.[0];
  if (!s) throw new FileFormatError(file, `no ${what} section (${type})`);
  return s;
}

/**
 * Reads and checks the section table of a file of `size` bytes through `readAt` (a Blob's slices,
 * ranges of a download): the header and each section's 12 bytes, never the data.
 */
export async function readSectionTable(
  file: string,
  magic: string,
  size: number,
  readAt: (offset: number, length: number) => Promise<Uint8Array>,
  versions?: readonly number[],
): Promise<{ version: number; sections: Map<number, Section[]> }> {
  const { version, count } = checkHead(file, magic, await readAt(0, Math.min(HEADER, size)), size, versions);
  const sections = new Map<number, Section[]>();
  let off = HEADER;
  for (let i = 0; i < count; i++) {
    const s = sectionAt(file, await readAt(off, Math.max(0, Math.min(SECTION_HEADER, size - off))), off, size, i, count);
    addSection(sections, s);
    off = s.offset + s.size;
  }
  checkEnd(file, off, size);
  return { version, sections };
}
