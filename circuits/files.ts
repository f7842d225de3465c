/**
 * Reading and checking the headers of snarkjs's binary files (`.ptau`, `.zkey`, `.r1cs`) before
 * handing them to snarkjs, so that a corrupt, truncated or mismatched file is reported with its
 * name and what is wrong instead of failing deep inside a long computation.
 */
import fs from "node:fs";

/** BN254's moduli, from the one curve definition (prover/curve.ts). */
export { P as BN254_Q, R as BN254_R } from "../core/bn254.js";
import { P as BN254_Q, R as BN254_R } from "../core/bn254.js";
import { leToBigint } from "../core/bytes.js";
import { ZkrError } from "../core/errors.js";

/** A file that is not what it should be. */
export class FileFormatError extends ZkrError {
  override name = "FileFormatError";
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
  }
}

interface Section {
  type: number;
  offset: number;
  size: number;
}

/** Reads the section table of a snarkjs binary file and checks that every section is complete. */
export function readSections(file: string, magic: string): { version: number; sections: Map<number, Section[]>; fd: number } {
  if (!fs.existsSync(file)) throw new FileFormatError(file, "no such file");
  const fd = fs.openSync(file, "r");
  const size = fs.fstatSync(fd).size;
  const head = Buffer.alloc(12);
  if (fs.readSync(fd, head, 0, 12, 0) < 12) {
    fs.closeSync(fd);
    throw new FileFormatError(file, `truncated: ${size} bytes is shorter than a ${magic} header`);
  }
  const got = head.toString("latin1", 0, 4);
  if (got !== magic) {
    fs.closeSync(fd);
    throw new FileFormatError(file, `a ${magic} file expected, got one starting with ${JSON.stringify(got)}`);
  }
  const version = head.readUInt32LE(4);
  const n = head.readUInt32LE(8);
  const sections = new Map<number, Section[]>();
  let off = 12;
  const sh = Buffer.alloc(12);
  for (let i = 0; i < n; i++) {
    if (fs.readSync(fd, sh, 0, 12, off) < 12) {
      fs.closeSync(fd);
      throw new FileFormatError(file, `truncated: section ${i + 1} of ${n} is missing (file has ${size} bytes)`);
    }
    const type = sh.readUInt32LE(0);
    const len = Number(sh.readBigUInt64LE(4));
    off += 12;
    if (off + len > size) {
      fs.closeSync(fd);
      throw new FileFormatError(file, `truncated: section ${type} needs ${len} bytes at offset ${off}, the file ends at ${size}`);
    }
    const list = sections.get(type) ?? [];
    list.push({ type, offset: off, size: len });
    sections.set(type, list);
    off += len;
  }
  if (off !== size) {
    fs.closeSync(fd);
    throw new FileFormatError(file, `${size - off} trailing bytes after the last section`);
  }
  return { version, sections, fd };
}

const readBigLE = (buf: Uint8Array): bigint => leToBigint(buf, 0, buf.length);

function section(file: string, sections: Map<number, Section[]>, type: number, what: string): Section {
  const s = sections.get(type)?.[0];
  if (!s) throw new FileFormatError(file, `no ${what} section (${type})`);
  return s;
}

/** Header of a powers-of-tau file. */
export interface PtauInfo {
  power: number;
  ceremonyPower: number;
  contributions: number;
  /** Phase-1 preparation done (Lagrange sections present). */
  prepared: boolean;
}

/** Reads and checks a `.ptau` file's header: BN254, complete sections, sizes consistent with its power. */
export function inspectPtau(file: string): PtauInfo {
  const { sections, fd } = readSections(file, "ptau");
  try {
    const h = section(file, sections, 1, "header");
    const buf = Buffer.alloc(h.size);
    fs.readSync(fd, buf, 0, h.size, h.offset);
    const n8 = buf.readUInt32LE(0);
    const q = readBigLE(buf.subarray(4, 4 + n8));
    if (q !== BN254_Q) throw new FileFormatError(file, "a BN254 (bn128) powers of tau expected, got another curve");
    const power = buf.readUInt32LE(4 + n8);
    const ceremonyPower = buf.readUInt32LE(8 + n8);
    const g1 = 2 * n8;
    const g2 = 4 * n8;
    const expect = (type: number, what: string, bytes: number) => {
      const s = section(file, sections, type, what);
      if (s.size !== bytes) throw new FileFormatError(file, `${what} section: ${bytes} bytes expected for power ${power}, got ${s.size}`);
    };
    const n = 2 ** power;
    expect(2, "tauG1", (2 * n - 1) * g1);
    expect(3, "tauG2", n * g2);
    expect(4, "alphaTauG1", n * g1);
    expect(5, "betaTauG1", n * g1);
    expect(6, "betaG2", g2);
    const prepared = sections.has(12);
    if (prepared) {
      // Lagrange bases of every domain 2^0 … 2^power, and for tauG1 also of 2^(power+1) (the
      // Groth16 H points live on the doubled domain).
      expect(12, "lagrange tauG1", (4 * n - 1) * g1);
      expect(13, "lagrange tauG2", (2 * n - 1) * g2);
      expect(14, "lagrange alphaTauG1", (2 * n - 1) * g1);
      expect(15, "lagrange betaTauG1", (2 * n - 1) * g1);
    }
    const c = section(file, sections, 7, "contributions");
    const cb = Buffer.alloc(4);
    fs.readSync(fd, cb, 0, 4, c.offset);
    return { power, ceremonyPower, contributions: cb.readUInt32LE(0), prepared };
  } finally {
    fs.closeSync(fd);
  }
}

/** Header of a Groth16 `.zkey`. */
export interface ZkeyInfo {
  nVars: number;
  nPublic: number;
  domainSize: number;
  power: number;
}

/** Reads and checks a `.zkey` file's header: Groth16, BN254, complete sections. */
export function inspectZkey(file: string): ZkeyInfo {
  const { sections, fd } = readSections(file, "zkey");
  try {
    const h1 = section(file, sections, 1, "header");
    const b1 = Buffer.alloc(4);
    fs.readSync(fd, b1, 0, 4, h1.offset);
    const protocol = b1.readUInt32LE(0);
    if (protocol !== 1) {
      const names: Record<number, string> = { 2: "PLONK", 10: "FFLONK" };
      throw new FileFormatError(file, `a Groth16 zkey expected, got protocol ${names[protocol] ?? protocol}`);
    }
    const h2 = section(file, sections, 2, "Groth16 header");
    const buf = Buffer.alloc(h2.size);
    fs.readSync(fd, buf, 0, h2.size, h2.offset);
    const n8q = buf.readUInt32LE(0);
    const q = readBigLE(buf.subarray(4, 4 + n8q));
    const n8r = buf.readUInt32LE(4 + n8q);
    const r = readBigLE(buf.subarray(8 + n8q, 8 + n8q + n8r));
    if (q !== BN254_Q || r !== BN254_R) throw new FileFormatError(file, "a BN254 (bn128) zkey expected, got another curve");
    let o = 8 + n8q + n8r;
    const nVars = buf.readUInt32LE(o);
    const nPublic = buf.readUInt32LE(o + 4);
    const domainSize = buf.readUInt32LE(o + 8);
    o += 12;
    for (const [type, what, bytes] of [
      [3, "IC", (nPublic + 1) * 2 * n8q],
      [5, "A", nVars * 2 * n8q],
      [6, "B1", nVars * 2 * n8q],
      [7, "B2", nVars * 4 * n8q],
      [8, "C", (nVars - nPublic - 1) * 2 * n8q],
      [9, "H", domainSize * 2 * n8q],
    ] as const) {
      const s = section(file, sections, type, what);
      if (s.size !== bytes) throw new FileFormatError(file, `${what} section: ${bytes} bytes expected, got ${s.size}`);
    }
    return { nVars, nPublic, domainSize, power: Math.log2(domainSize) };
  } finally {
    fs.closeSync(fd);
  }
}

/** Header of an `.r1cs` file. */
export interface R1csInfo {
  nWires: number;
  nOutputs: number;
  nPubInputs: number;
  nPrvInputs: number;
  nConstraints: number;
}

/** Reads and checks an `.r1cs` file's header. */
export function inspectR1cs(file: string): R1csInfo {
  const { sections, fd } = readSections(file, "r1cs");
  try {
    const h = section(file, sections, 1, "header");
    const buf = Buffer.alloc(h.size);
    fs.readSync(fd, buf, 0, h.size, h.offset);
    const n8 = buf.readUInt32LE(0);
    const prime = readBigLE(buf.subarray(4, 4 + n8));
    if (prime !== BN254_R) throw new FileFormatError(file, "a circuit over BN254's scalar field expected, got another prime");
    const o = 4 + n8;
    return {
      nWires: buf.readUInt32LE(o),
      nOutputs: buf.readUInt32LE(o + 4),
      nPubInputs: buf.readUInt32LE(o + 8),
      nPrvInputs: buf.readUInt32LE(o + 12),
      nConstraints: buf.readUInt32LE(o + 24),
    };
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The Groth16 domain snarkjs uses for a circuit, 2^power: the smallest power with
 * constraints + public signals < 2^power (snarkjs appends one constraint per public signal and
 * one for the constant wire).
 */
export function requiredPower(r1cs: R1csInfo): number {
  const n = r1cs.nConstraints + r1cs.nOutputs + r1cs.nPubInputs;
  let p = 1;
  while (2 ** p <= n) p++;
  return p;
}

/** Checks that a zkey was made for this circuit (wires, public signals, domain). */
export function checkZkeyMatchesR1cs(zkeyFile: string, zkey: ZkeyInfo, r1csFile: string, r1cs: R1csInfo): void {
  const nPublic = r1cs.nOutputs + r1cs.nPubInputs;
  if (zkey.nVars !== r1cs.nWires || zkey.nPublic !== nPublic || zkey.power !== requiredPower(r1cs)) {
    throw new FileFormatError(
      zkeyFile,
      `made for another circuit: ${zkey.nVars} wires, ${zkey.nPublic} public, domain 2^${zkey.power}; ` +
        `${r1csFile} has ${r1cs.nWires} wires, ${nPublic} public, needs 2^${requiredPower(r1cs)}`,
    );
  }
}
