/**
 * Reading and checking the headers of snarkjs's binary files (`.ptau`, `.zkey`, `.r1cs`) before
 * handing them to snarkjs, so that a corrupt, truncated or mismatched file is reported with its
 * name and what is wrong instead of failing deep inside a long computation. The container (magic,
 * version, sections) is core/binfile.ts's; what the headers hold is read here.
 */
import fs from "node:fs";

/** BN254's moduli, from the one curve definition (core/bn254.ts). */
export { P as BN254_Q, R as BN254_R } from "../core/bn254.js";
import { P as BN254_Q, R as BN254_R } from "../core/bn254.js";
import { leToBigint } from "../core/bytes.js";
import { FileFormatError, readSection, readSections, requireSection } from "../core/binfile.js";
import { parseZkeyHeader, type ZkeyInfo } from "../core/zkey-header.js";

export { FileFormatError, readSections, type Section } from "../core/binfile.js";

const readBigLE = (buf: Uint8Array): bigint => leToBigint(buf, 0, buf.length);

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
    const h = requireSection(file, sections, 1, "header");
    const buf = readSection(fd, h);
    const n8 = buf.readUInt32LE(0);
    const q = readBigLE(buf.subarray(4, 4 + n8));
    if (q !== BN254_Q) throw new FileFormatError(file, "a BN254 (bn128) powers of tau expected, got another curve");
    const power = buf.readUInt32LE(4 + n8);
    const ceremonyPower = buf.readUInt32LE(8 + n8);
    const g1 = 2 * n8;
    const g2 = 4 * n8;
    const expect = (type: number, what: string, bytes: number) => {
      const s = requireSection(file, sections, type, what);
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
    const c = requireSection(file, sections, 7, "contributions");
    return { power, ceremonyPower, contributions: readSection(fd, c, 0, 4).readUInt32LE(0), prepared };
  } finally {
    fs.closeSync(fd);
  }
}

export type { ZkeyInfo } from "../core/zkey-header.js";

/** Reads and checks a `.zkey` file's header: Groth16, BN254, complete sections (core/zkey-header.ts). */
export function inspectZkey(file: string): ZkeyInfo {
  const { sections, fd } = readSections(file, "zkey");
  try {
    const protocol = readSection(fd, requireSection(file, sections, 1, "header"), 0, 4);
    const groth16 = readSection(fd, requireSection(file, sections, 2, "Groth16 header"));
    const { pointsAt: _, ...info } = parseZkeyHeader(file, protocol, groth16, (type, what) => requireSection(file, sections, type, what).size);
    return info;
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

/** An `.r1cs` file's header and its raw constraints section (section 2). */
export interface R1csFile extends R1csInfo {
  constraints: Uint8Array;
}

/** Reads and checks an `.r1cs` file's header: version 1, BN254's scalar field. */
export function inspectR1cs(file: string): R1csInfo {
  return readR1cs(file, false);
}

/** Reads and checks an `.r1cs` file's header, and reads its constraints section. */
export function readR1csFile(file: string): R1csFile {
  return readR1cs(file, true) as R1csFile;
}

function readR1cs(file: string, withConstraints: boolean): R1csInfo | R1csFile {
  const { sections, fd } = readSections(file, "r1cs", [1]);
  try {
    const buf = readSection(fd, requireSection(file, sections, 1, "header"));
    const n8 = buf.readUInt32LE(0);
    const prime = readBigLE(buf.subarray(4, 4 + n8));
    if (n8 !== 32 || prime !== BN254_R) {
      throw new FileFormatError(file, `the circuit is over the field ${prime} (${n8}-byte elements), not BN254's scalar field: compile it with circom's default curve (bn128)`);
    }
    const o = 4 + n8;
    const info: R1csInfo = {
      nWires: buf.readUInt32LE(o),
      nOutputs: buf.readUInt32LE(o + 4),
      nPubInputs: buf.readUInt32LE(o + 8),
      nPrvInputs: buf.readUInt32LE(o + 12),
      nConstraints: buf.readUInt32LE(o + 24),
    };
    if (!withConstraints) return info;
    return { ...info, constraints: new Uint8Array(readSection(fd, requireSection(file, sections, 2, "constraints"))) };
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The Groth16 domain snarkjs's `zkey new` uses for a circuit, 2^power: the smallest p with
 * nConstraints + nPublic < 2^p (snarkjs: log2(nConstraints + nPublic) + 1, log2 rounding down), as
 * the public inputs get one extra constraint each, plus one for the constant wire.
 */
export function circuitPower(nConstraints: number, nPublic: number): number {
  const m = nConstraints + nPublic;
  // floor(log2(m)) + 1 is m's bit length (snarkjs's log2(0) is 0).
  return m <= 0 ? 1 : m >= 2 ** 32 ? 33 : 32 - Math.clz32(m);
}

/** Checks that a zkey was made for this circuit (wires, public signals, domain). */
export function checkZkeyMatchesR1cs(zkeyFile: string, zkey: ZkeyInfo, r1csFile: string, r1cs: R1csInfo): void {
  const nPublic = r1cs.nOutputs + r1cs.nPubInputs;
  const power = circuitPower(r1cs.nConstraints, nPublic);
  if (zkey.nVars !== r1cs.nWires || zkey.nPublic !== nPublic || zkey.power !== power) {
    throw new FileFormatError(
      zkeyFile,
      `made for another circuit: ${zkey.nVars} wires, ${zkey.nPublic} public, domain 2^${zkey.power}; ` +
        `${r1csFile} has ${r1cs.nWires} wires, ${nPublic} public, needs 2^${power}`,
    );
  }
}
