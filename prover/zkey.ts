/**
 * Reads a snarkjs Groth16 `.zkey` into memory in its own layout: the point sections stay flat
 * byte arrays (LEM affine, see prover/backend.ts) that go to the backend as they are; the header
 * points and the R1CS coefficients (the QAP's A and B matrices) are decoded.
 *
 * Sections: 1 protocol, 2 Groth16 header, 3 IC, 4 coefficients, 5 A, 6 B1, 7 B2, 8 C, 9 H,
 * 10 contributions (not read).
 */
import fs from "node:fs";
import { inspectZkey } from "../circuits/files.js";
import { FileFormatError, readSection, readSections, requireSection } from "../core/binfile.js";
import { R, fromMontR } from "../core/bn254.js";
import { leToBigint } from "../core/bytes.js";

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

/** The sections readZkey reads, by id. */
const SECTIONS = { 2: "Groth16 header", 3: "IC", 4: "coefficients", 5: "A", 6: "B1", 7: "B2", 8: "C", 9: "H" } as const;

/** Loads and checks a zkey (Groth16, BN254, complete sections). */
export function readZkey(file: string): ProvingKey {
  const info = inspectZkey(file);
  const { sections, fd } = readSections(file, "zkey");
  const read = (type: keyof typeof SECTIONS): Buffer => readSection(fd, requireSection(file, sections, type, SECTIONS[type]));
  try {
    const h = read(2);
    // n8q, q, n8r, r, nVars, nPublic, domainSize, then the header points.
    let o = 4 + 32 + 4 + 32 + 12;
    const take = (n: number) => {
      const b = new Uint8Array(h.subarray(o, o + n));
      o += n;
      return b;
    };
    const alpha1 = take(64);
    const beta1 = take(64);
    const beta2 = take(128);
    const gamma2 = take(128);
    const delta1 = take(64);
    const delta2 = take(128);

    const c = read(4);
    const count = c.readUInt32LE(0);
    const record = 12 + 32;
    if (c.length !== 4 + count * record) throw new FileFormatError(file, `coefficients section: ${4 + count * record} bytes expected, got ${c.length}`);
    const matrix = new Uint8Array(count);
    const constraint = new Uint32Array(count);
    const signal = new Uint32Array(count);
    const value = new Array<bigint>(count);
    const seen = new Map<bigint, bigint>();
    for (let i = 0; i < count; i++) {
      const off = 4 + i * record;
      const m = c.readUInt32LE(off);
      const row = c.readUInt32LE(off + 4);
      const sig = c.readUInt32LE(off + 8);
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
      ...info,
      alpha1,
      beta1,
      beta2,
      gamma2,
      delta1,
      delta2,
      ic: new Uint8Array(read(3)),
      A: new Uint8Array(read(5)),
      B1: new Uint8Array(read(6)),
      B2: new Uint8Array(read(7)),
      C: new Uint8Array(read(8)),
      H: new Uint8Array(read(9)),
      coefs: { count, matrix, constraint, signal, value },
    };
  } finally {
    fs.closeSync(fd);
  }
}

/** Reads the witness section of a snarkjs `.wtns` file: n scalars, 32 bytes LE each. */
export function readWtns(file: string): Uint8Array {
  const { sections, fd } = readSections(file, "wtns");
  try {
    const head = readSection(fd, requireSection(file, sections, 1, "header"));
    const w = requireSection(file, sections, 2, "values");
    const n8 = head.readUInt32LE(0);
    if (n8 !== 32 || leToBigint(head, 4, 32) !== R) throw new FileFormatError(file, "a witness over BN254's scalar field expected");
    const n = head.readUInt32LE(4 + n8);
    if (w.size !== n * 32) throw new FileFormatError(file, `values section: ${n * 32} bytes expected, got ${w.size}`);
    return new Uint8Array(readSection(fd, w));
  } finally {
    fs.closeSync(fd);
  }
}
