/**
 * The iden3 binary container used by .r1cs, .ptau and .zkey files: a 4-byte magic, a u32
 * version, a u32 section count, then sections of (u32 id, u64 size, data). Here: an .r1cs
 * reader (header and raw constraints) and a writer that lays all sections out up front and
 * fills them at known offsets, so results can land in any order.
 */
import fs from "node:fs";

/** BN254's moduli, from the one curve definition (prover/curve.ts). */
export { BN254_Q, BN254_R } from "../files.js";
import { BN254_Q, BN254_R } from "../files.js";
import { leToBigint } from "../../core/bytes.js";
import { ZkrError } from "../../core/errors.js";

/** Raised for any input or parameter the dev setup cannot use. */
export class SetupError extends ZkrError {
  override name = "SetupError";
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
  }
}


/** What the setup needs from an .r1cs file. */
export interface R1cs {
  file: string;
  prime: bigint;
  nVars: number;
  nOutputs: number;
  nPubInputs: number;
  nPrvInputs: number;
  nConstraints: number;
  /** Raw constraints section (section 2). */
  constraints: Uint8Array;
}

/** Reads an .r1cs file, checking the container and the header. */
export function readR1cs(file: string): R1cs {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (err) {
    throw new SetupError(file, `cannot read r1cs: ${(err as Error).message}`);
  }
  if (buf.length < 12 || buf.toString("ascii", 0, 4) !== "r1cs") throw new SetupError(file, "not an r1cs file");
  const version = buf.readUInt32LE(4);
  if (version !== 1) throw new SetupError(file, `unsupported r1cs version ${version}`);
  const nSections = buf.readUInt32LE(8);
  let off = 12;
  const sections = new Map<number, { p: number; size: number }>();
  for (let s = 0; s < nSections; s++) {
    if (off + 12 > buf.length) throw new SetupError(file, "truncated r1cs (section table)");
    const type = buf.readUInt32LE(off);
    const size = Number(buf.readBigUInt64LE(off + 4));
    off += 12;
    if (off + size > buf.length) throw new SetupError(file, `truncated r1cs (section ${type})`);
    if (!sections.has(type)) sections.set(type, { p: off, size });
    off += size;
  }
  const h = sections.get(1);
  const c = sections.get(2);
  if (!h) throw new SetupError(file, "r1cs has no header section");
  if (!c) throw new SetupError(file, "r1cs has no constraints section");
  let p = h.p;
  const n8 = buf.readUInt32LE(p);
  p += 4;
  const prime = leToBigint(buf, p, n8);
  p += n8;
  if (n8 !== 32 || prime !== BN254_R) {
    throw new SetupError(file, `r1cs is over the field ${prime} (${n8} bytes), not BN254's scalar field; compile with circom's default curve (bn128)`);
  }
  const nVars = buf.readUInt32LE(p);
  const nOutputs = buf.readUInt32LE(p + 4);
  const nPubInputs = buf.readUInt32LE(p + 8);
  const nPrvInputs = buf.readUInt32LE(p + 12);
  const nConstraints = buf.readUInt32LE(p + 24);
  return {
    file,
    prime,
    nVars,
    nOutputs,
    nPubInputs,
    nPrvInputs,
    nConstraints,
    constraints: new Uint8Array(buf.buffer, buf.byteOffset + c.p, c.size),
  };
}

/** A section of a file being written: its id, data size and (after layout) data offset. */
export interface SectionSlot {
  id: number;
  size: number;
  offset: number;
}

/**
 * A binary container written at known offsets. `create` writes the file header and every
 * section header; `write(id, pos, bytes)` fills section data at a position within it.
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
    const head = Buffer.alloc(12);
    head.write(magic, 0, "ascii");
    head.writeUInt32LE(version, 4);
    head.writeUInt32LE(sections.length, 8);
    await fh.write(head, 0, 12, 0);
    let off = 12;
    const layout: SectionSlot[] = [];
    for (const s of sections) {
      const sh = Buffer.alloc(12);
      sh.writeUInt32LE(s.id, 0);
      sh.writeBigUInt64LE(BigInt(s.size), 4);
      await fh.write(sh, 0, 12, off);
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
