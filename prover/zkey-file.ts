/**
 * The prover's files in Node: a `.zkey` and a `.wtns` read from disk through core/binfile.ts, each
 * section into memory once, then parsed by prover/zkey.ts (the same code a browser runs on a Blob).
 */
import fs from "node:fs";
import { readSection, readSections, requireSection } from "../core/binfile.js";
import { readZkeyCounts, type ZkeyInfo } from "../core/zkey-header.js";
import { ZKEY_SECTIONS, parseWtns, parseZkey, type ProvingKey, type ZkeySectionId } from "./zkey.js";

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
    const bytes = new Map<ZkeySectionId, Uint8Array>();
    for (const id of Object.keys(ZKEY_SECTIONS).map(Number) as ZkeySectionId[]) {
      const s = requireSection(file, sections, id, ZKEY_SECTIONS[id]);
      const b = new Uint8Array(s.size);
      for (let done = 0; done < s.size; ) {
        const { bytesRead } = await fh.read(b, done, s.size - done, s.offset + done);
        if (bytesRead === 0) throw new Error(`readZkeyAsync: ${file} ended inside section ${id}`);
        done += bytesRead;
      }
      bytes.set(id, b);
    }
    return parseZkey(file, (id) => bytes.get(id)!, (id) => requireSection(file, sections, id, ZKEY_SECTIONS[id]).size);
  } finally {
    await fh.close();
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
