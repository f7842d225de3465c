/**
 * The prover's files in Node: a `.zkey` and a `.wtns` read from disk through core/binfile.ts, each
 * section into memory once, then parsed by prover/zkey.ts (the same code a browser runs on a Blob).
 */
import fs from "node:fs";
import { readSection, readSections, requireSection } from "../core/binfile.js";
import { readZkeyCounts, type ZkeyInfo } from "../core/zkey-header.js";
import type { Section } from "../core/container.js";
import { CoefficientReader, ZKEY_SECTIONS, parseWtns, parseZkey, type PointSectionId, type ProvingKey, type ZkeyPoints, type ZkeySectionId } from "./zkey.js";
import type { QapMatrices } from "./backend.js";

/** Bytes of the coefficients section read at a time (a record may straddle two pieces: the reader carries it). */
const COEF_PIECE = 4 << 20;

/** Loads and checks a zkey (Groth16, BN254, complete sections). */
export function readZkey(file: string): ProvingKey {
  const { sections, fd } = readSections(file, "zkey");
  try {
    const size = (id: ZkeySectionId) => requireSection(file, sections, id, ZKEY_SECTIONS[id]).size;
    // A view of the Buffer read, not a copy (`new Uint8Array(buffer)` copied every section once more:
    // the whole key twice in memory until a collection). A section this large has its own memory.
    const read = (id: ZkeySectionId) => {
      const b = readSection(fd, requireSection(file, sections, id, ZKEY_SECTIONS[id]));
      return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    };
    // The headers are checked (parseZkey's first step) before the point sections are read.
    return parseZkey(file, read, size);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * {@link readZkey}, its sections read with asynchronous I/O: what `zkr prove` does while its
 * backend starts, so that the backend's steps (imports, compiling, starting workers) run in the
 * reads' waits rather than after the whole key; the parse is the same.
 */
export async function readZkeyAsync(file: string): Promise<ProvingKey> {
  const { sections, fd } = readSections(file, "zkey");
  fs.closeSync(fd);
  const fh = await fs.promises.open(file, "r");
  try {
    return await readZkeyFrom(fh, file, sections, false);
  } finally {
    await fh.close();
  }
}

/** Reads `dst.length` bytes at `offset` of section `id`. */
async function readFully(fh: fs.promises.FileHandle, file: string, dst: Uint8Array, offset: number, id: number): Promise<void> {
  for (let done = 0; done < dst.length; ) {
    const { bytesRead } = await fh.read(dst, done, dst.length - done, offset + done);
    if (bytesRead === 0) throw new Error(`readZkeyAsync: ${file} ended inside section ${id}`);
    done += bytesRead;
  }
}

/** The sections of a zkey read from an open file, the point sections too unless `deferPoints`. */
async function readZkeyFrom(fh: fs.promises.FileHandle, file: string, sections: Map<number, Section[]>, deferPoints: boolean): Promise<ProvingKey> {
  const bytes = new Map<ZkeySectionId, Uint8Array>();
  let coefs: QapMatrices | undefined;
  for (const id of Object.keys(ZKEY_SECTIONS).map(Number) as ZkeySectionId[]) {
    const s = requireSection(file, sections, id, ZKEY_SECTIONS[id]);
    if (id === 4) {
      // In pieces into one reused buffer: the section is never whole in memory (see CoefficientReader).
      const info = readZkeyCounts(file, bytes.get(1)!, bytes.get(2)!);
      const reader = new CoefficientReader(file, info.domainSize, info.nVars, s.size);
      const piece = new Uint8Array(Math.min(s.size, COEF_PIECE));
      for (let at = 0; at < s.size; at += piece.length) {
        const b = piece.subarray(0, Math.min(piece.length, s.size - at));
        await readFully(fh, file, b, s.offset + at, id);
        reader.push(b);
      }
      coefs = reader.finish();
      continue;
    }
    if (deferPoints && id >= 5) continue;
    const b = new Uint8Array(s.size);
    await readFully(fh, file, b, s.offset, id);
    bytes.set(id, b);
  }
  const size = (id: ZkeySectionId) => requireSection(file, sections, id, ZKEY_SECTIONS[id]).size;
  return parseZkey(file, (id) => bytes.get(id)!, size, deferPoints ? { coefs: coefs!, pointsDeferred: true } : { coefs: coefs! });
}

/**
 * A zkey opened for one prover: everything but the point sections read and checked now (the
 * coefficients in pieces), the point sections left in the file for Groth16Prover.create to read
 * straight into a backend's memory (`loadBasesFrom`: no copy in JavaScript memory, none left to
 * collect while it proves). `close` when the prover is made.
 */
export async function openZkey(file: string): Promise<{ key: ProvingKey; points: ZkeyPoints; close(): Promise<void> }> {
  const { sections, fd } = readSections(file, "zkey");
  fs.closeSync(fd);
  const fh = await fs.promises.open(file, "r");
  try {
    const key = await readZkeyFrom(fh, file, sections, true);
    const section = (id: PointSectionId) => requireSection(file, sections, id, ZKEY_SECTIONS[id]);
    const points: ZkeyPoints = {
      size: (id) => section(id).size,
      read: async (id, dst) => {
        const s = section(id);
        if (dst.length !== s.size) throw new Error(`openZkey: section ${id} is ${s.size} bytes, ${dst.length} asked`);
        await readFully(fh, file, dst, s.offset, id);
      },
    };
    return { key, points, close: () => fh.close() };
  } catch (err) {
    await fh.close();
    throw err;
  }
}

/**
 * A zkey's counts (wires, public signals, domain) from its two header sections only: what a caller
 * needs to size the work before reading the key (`zkr prove` picks its backend by the domain).
 */
export function readZkeyInfo(file: string): ZkeyInfo {
  const { sections, fd } = readSections(file, "zkey");
  try {
    const read = (id: ZkeySectionId) => readSection(fd, requireSection(file, sections, id, ZKEY_SECTIONS[id]));
    const { nVars, nPublic, domainSize, power } = readZkeyCounts(file, read(1), read(2));
    return { nVars, nPublic, domainSize, power };
  } finally {
    fs.closeSync(fd);
  }
}

/** Reads the witness section of a snarkjs `.wtns` file: n scalars, 32 bytes LE each. */
export function readWtns(file: string): Uint8Array {
  const { sections, fd } = readSections(file, "wtns");
  try {
    const header = readSection(fd, requireSection(file, sections, 1, "header"));
    const values = readSection(fd, requireSection(file, sections, 2, "values"));
    return parseWtns(file, header, new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  } finally {
    fs.closeSync(fd);
  }
}
