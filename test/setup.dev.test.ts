/**
 * The insecure single-party dev setup (circuits/devsetup.ts): snarkjs must accept its files as
 * if they came out of its own ceremony commands, and proofs made with them must verify.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import * as snarkjs from "snarkjs";
import { devSetup, MAX_POWER, SetupError, windowBits } from "../circuits/devsetup.js";
import { circuitPower } from "../circuits/files.js";
import { compileCircomFile as compileCircom } from "../circuits/build.js";
import { buildBn128 } from "ffjavascript";
import { zkrWasmPlugin } from "../circuits/setup/wasm-plugin.js";
import { tableBytes } from "../circuits/setup/engine.js";
import engineTask, { init as initEngineTask } from "../circuits/setup/engine-task.js";

const R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
const quiet = { info() {}, warn() {}, error() {}, debug() {} };
/** A logger that keeps snarkjs's errors, to show why a verification failed. */
function recorder() {
  const errors: string[] = [];
  return { errors, logger: { ...quiet, error: (m: string) => errors.push(m) } };
}

let dir: string;
let r1cs: string;
let wasm: string;
/** Default power (the circuit's own: H comes from snarkjs's truncated top level). */
let ptau: string;
let zkey: string;
/** Two powers above the circuit's, made with small jobs. */
let ptau7: string;
let zkey7: string;

/** Sections of an iden3 binary file: id -> bytes (first occurrence). */
function sections(file: string): Map<number, Buffer> {
  const buf = fs.readFileSync(file);
  const out = new Map<number, Buffer>();
  let off = 12;
  for (let i = 0; i < buf.readUInt32LE(8); i++) {
    const id = buf.readUInt32LE(off);
    const size = Number(buf.readBigUInt64LE(off + 4));
    if (!out.has(id)) out.set(id, buf.subarray(off + 12, off + 12 + size));
    off += 12 + size;
  }
  return out;
}

/** File offset of a section's data. */
function sectionOffset(file: string, id: number): number {
  const buf = fs.readFileSync(file);
  let off = 12;
  for (let i = 0; i < buf.readUInt32LE(8); i++) {
    const sid = buf.readUInt32LE(off);
    const size = Number(buf.readBigUInt64LE(off + 4));
    if (sid === id) return off + 12;
    off += 12 + size;
  }
  throw new Error(`${file}: no section ${id}`);
}

function copyWith(file: string, name: string, edit: (b: Buffer) => void): string {
  const b = Buffer.from(fs.readFileSync(file));
  edit(b);
  const out = path.join(dir, name);
  fs.writeFileSync(out, b);
  return out;
}

const sha = (f: string) => createHash("sha256").update(fs.readFileSync(f)).digest("hex");

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "zkr-devsetup-"));
  ({ r1cs, wasm } = await compileCircom(path.resolve("test/circuits/devsetup_toy.circom"), dir));
  ptau = path.join(dir, "dev.ptau");
  zkey = path.join(dir, "dev.zkey");
  ptau7 = path.join(dir, "dev7.ptau");
  zkey7 = path.join(dir, "dev7.zkey");
  const a = await devSetup({ r1csFile: r1cs, ptauOut: ptau, zkeyOut: zkey, seed: "test" });
  expect(a.power).toBe(5);
  // Small jobs, so every section and level is split over several jobs, and worker memory
  // filled with garbage on every allocation, so nothing may rely on memory it did not write.
  process.env.ZKR_SETUP_POISON = "1";
  try {
    const b = await devSetup({ r1csFile: r1cs, ptauOut: ptau7, zkeyOut: zkey7, power: 7, seed: "test-7", chunkPoints: 12 });
    expect(b.power).toBe(7);
  } finally {
    delete process.env.ZKR_SETUP_POISON;
  }
});

afterAll(async () => {
  await (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128?.terminate();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe("snarkjs verifies the dev files", () => {
  test.each([
    ["power 5 (the circuit's)", () => [ptau, zkey]],
    ["power 7", () => [ptau7, zkey7]],
  ])("%s: powersoftau verify and zkey verify pass", async (_name, files) => {
    const [p, z] = files();
    const { errors, logger } = recorder();
    expect(await snarkjs.powersOfTau.verify(p, logger)).toBe(true);
    expect(await snarkjs.zKey.verifyFromR1cs(r1cs, p, z, logger)).toBe(true);
    expect(errors).toEqual([]);
  });

  test("the contributions are named as insecure", () => {
    const s7 = sections(ptau).get(7) as Buffer;
    expect(s7.toString("latin1")).toContain("INSECURE");
    const s10 = sections(zkey).get(10) as Buffer;
    expect(s10.toString("latin1")).toContain("INSECURE");
  });
});

describe("a domain above 2^14", () => {
  // zkey new hashes the H points in chunks of 2^14 and, above that size, one point too many
  // (read past the tauG1 section); the circuit hash must follow it.
  test("power 15: zkey verify passes", async () => {
    const big = await compileCircom(path.resolve("test/circuits/devsetup_big.circom"), dir);
    const p = path.join(dir, "big.ptau");
    const z = path.join(dir, "big.zkey");
    expect((await devSetup({ r1csFile: big.r1cs, ptauOut: p, zkeyOut: z, seed: "big" })).power).toBe(15);
    const { errors, logger } = recorder();
    expect(await snarkjs.zKey.verifyFromR1cs(big.r1cs, p, z, logger)).toBe(true);
    expect(errors).toEqual([]);
  });
});

describe("proofs", () => {
  test.each([
    ["power 5", () => zkey],
    ["power 7", () => zkey7],
  ])("%s: a proof verifies, and not with a changed public signal", async (_name, z) => {
    const input = { a: 3, b: 5, pub1: 7, pub2: 11 };
    const { proof, publicSignals } = await snarkjs.groth16.fullProve(input, wasm, z(), quiet);
    const vkey = await snarkjs.zKey.exportVerificationKey(z(), quiet);
    expect(vkey.nPublic).toBe(3);
    expect(await snarkjs.groth16.verify(vkey, publicSignals, proof, quiet)).toBe(true);
    for (let i = 0; i < publicSignals.length; i++) {
      const shifted = [...publicSignals];
      shifted[i] = (BigInt(publicSignals[i]) + R).toString();
      expect(await snarkjs.groth16.verify(vkey, shifted, proof, quiet)).toBe(false);
      const bumped = [...publicSignals];
      bumped[i] = ((BigInt(publicSignals[i]) + 1n) % R).toString();
      expect(await snarkjs.groth16.verify(vkey, bumped, proof, quiet)).toBe(false);
    }
  });
});

describe("layout is snarkjs's", () => {
  test.each([
    ["power 5", () => [ptau, zkey]],
    ["power 7", () => [ptau7, zkey7]],
  ])("%s: zkey new on the dev ptau gives the same IC, coefficients, A, B1, B2, header and circuit hash", async (_name, files) => {
    const [p, z] = files();
    const fresh = path.join(dir, `fresh-${path.basename(z)}`);
    await snarkjs.zKey.newZKey(r1cs, p, fresh, quiet);
    const mine = sections(z);
    const theirs = sections(fresh);
    for (const id of [1, 3, 4, 5, 6, 7]) {
      expect({ id, equal: (mine.get(id) as Buffer).equals(theirs.get(id) as Buffer) }).toEqual({ id, equal: true });
    }
    // Header: everything up to and including gamma2 (delta is the contribution's).
    const h = 84 + 64 + 64 + 128 + 128;
    expect((mine.get(2) as Buffer).subarray(0, h).equals((theirs.get(2) as Buffer).subarray(0, h))).toBe(true);
    // Circuit hash (first 64 bytes of section 10), computed by zkey new over the δ = 1 points.
    expect((mine.get(10) as Buffer).subarray(0, 64).equals((theirs.get(10) as Buffer).subarray(0, 64))).toBe(true);
    // Sections 8 and 9 have the same sizes (contents are divided by delta).
    expect(mine.get(8)?.length).toBe(theirs.get(8)?.length);
    expect(mine.get(9)?.length).toBe(theirs.get(9)?.length);
  });

  test("preparephase2 on the dev ptau recomputes the same Lagrange sections", async () => {
    const again = path.join(dir, "again.ptau");
    await snarkjs.powersOfTau.preparePhase2(ptau, again, quiet);
    const mine = sections(ptau);
    const theirs = sections(again);
    expect([...mine.keys()].sort((x, y) => x - y)).toEqual([...theirs.keys()].sort((x, y) => x - y));
    for (const id of mine.keys()) {
      expect({ id, equal: (mine.get(id) as Buffer).equals(theirs.get(id) as Buffer) }).toEqual({ id, equal: true });
    }
    // The whole file, section order included.
    expect(sha(ptau)).toBe(sha(again));
  });

  test("a seed makes the files reproducible; no seed makes new secrets", async () => {
    const p2 = path.join(dir, "repro.ptau");
    const z2 = path.join(dir, "repro.zkey");
    await devSetup({ r1csFile: r1cs, ptauOut: p2, zkeyOut: z2, seed: "test" });
    expect(sha(p2)).toBe(sha(ptau));
    expect(sha(z2)).toBe(sha(zkey));
    await devSetup({ r1csFile: r1cs, ptauOut: p2, zkeyOut: z2 });
    expect(sha(p2)).not.toBe(sha(ptau));
    // Only the two outputs are left behind (no temporaries).
    expect(fs.readdirSync(dir).filter((f) => f.includes(".tmp"))).toEqual([]);
  });
});

describe("tampering is caught by snarkjs", () => {
  const G1 = 64;
  /** Replaces point i of a section with point j (a valid curve point in the wrong place). */
  const swap = (file: string, id: number, i: number, j: number, size = G1) => (b: Buffer) => {
    const off = sectionOffset(file, id);
    b.copy(b, off + i * size, off + j * size, off + (j + 1) * size);
  };
  const flip = (file: string, id: number, byte: number) => (b: Buffer) => {
    b[sectionOffset(file, id) + byte] ^= 0x01;
  };

  test.each([
    ["tauG1 point flipped", 2, (f: string) => flip(f, 2, 5 * G1 + 3)],
    ["tauG2 point swapped", 3, (f: string) => swap(f, 3, 4, 5, 128)],
    ["alphaTauG1 point swapped", 4, (f: string) => swap(f, 4, 7, 8)],
    ["betaG2 flipped", 6, (f: string) => flip(f, 6, 10)],
    ["Lagrange G1 point swapped", 12, (f: string) => swap(f, 12, 40, 41)],
    ["Lagrange G1 point flipped", 12, (f: string) => flip(f, 12, 20 * G1 + 1)],
    ["Lagrange G2 point swapped", 13, (f: string) => swap(f, 13, 20, 21, 128)],
    ["Lagrange beta G1 point swapped", 15, (f: string) => swap(f, 15, 9, 10)],
    ["contribution proof flipped", 7, (f: string) => flip(f, 7, 4 + 448 + 70)],
  ])("ptau: %s", async (name, _id, edit) => {
    const bad = copyWith(ptau, `bad-${name.replace(/\W+/g, "_")}.ptau`, edit(ptau));
    expect(await snarkjs.powersOfTau.verify(bad, quiet)).toBe(false);
  });

  test.each([
    ["IC point flipped", (f: string) => flip(f, 3, 2 * G1 + 7)],
    ["A point swapped", (f: string) => swap(f, 5, 5, 6)],
    ["B2 point flipped", (f: string) => flip(f, 7, 3 * 128 + 9)],
    ["C point swapped", (f: string) => swap(f, 8, 2, 3)],
    ["C point flipped", (f: string) => flip(f, 8, 4 * G1 + 2)],
    ["H point swapped", (f: string) => swap(f, 9, 1, 2)],
    ["delta2 flipped", (f: string) => flip(f, 2, 84 + 64 + 64 + 128 + 128 + 64 + 5)],
    ["circuit hash flipped", (f: string) => flip(f, 10, 0)],
  ])("zkey: %s", async (name, edit) => {
    const bad = copyWith(zkey, `bad-${name.replace(/\W+/g, "_")}.zkey`, edit(zkey));
    // zkey verify prints some of its findings with console.log.
    const log = console.log;
    console.log = () => {};
    try {
      expect(await snarkjs.zKey.verifyFromR1cs(r1cs, ptau, bad, quiet)).toBe(false);
    } finally {
      console.log = log;
    }
  });
});

describe("errors", () => {
  test("the power rule is snarkjs's", () => {
    // zkey_new.js: log2(nConstraints + nPublic) + 1, log2 rounding down.
    expect(circuitPower(1, 0)).toBe(1);
    expect(circuitPower(3, 0)).toBe(2);
    expect(circuitPower(4, 0)).toBe(3);
    expect(circuitPower(22, 3)).toBe(5);
    expect(circuitPower(170000, 1)).toBe(18);
    expect(windowBits(100)).toBeGreaterThanOrEqual(4);
    expect(windowBits(1e7)).toBeLessThanOrEqual(16);
  });

  test("an r1cs over another field is refused", async () => {
    const bad = copyWith(r1cs, "bls.r1cs", (b) => {
      // The header section: n8, then the prime.
      b[sectionOffset(r1cs, 1) + 4] ^= 0xff;
    });
    await expect(devSetup({ r1csFile: bad, ptauOut: path.join(dir, "x.ptau"), zkeyOut: path.join(dir, "x.zkey") })).rejects.toThrow(SetupError);
    await expect(devSetup({ r1csFile: bad, ptauOut: path.join(dir, "x.ptau"), zkeyOut: path.join(dir, "x.zkey") })).rejects.toThrow(/bls\.r1cs: .*not BN254/);
  });

  test("a circuit too big for 2^24 is refused before any work", async () => {
    const big = copyWith(r1cs, "big.r1cs", (b) => {
      // nConstraints sits 24 bytes after the prime in the header.
      b.writeUInt32LE(1 << MAX_POWER, sectionOffset(r1cs, 1) + 4 + 32 + 24);
    });
    await expect(devSetup({ r1csFile: big, ptauOut: path.join(dir, "x.ptau"), zkeyOut: path.join(dir, "x.zkey") })).rejects.toThrow(
      /big\.r1cs: circuit too big: 16777216 constraints .* 2\^25 > 2\^24/,
    );
  });

  test("a malformed constraints section is refused before any work", async () => {
    const bad = copyWith(r1cs, "badsig.r1cs", (b) => {
      // Constraint 0: nA, then the first A term's signal id.
      b.writeUInt32LE(0xffffff, sectionOffset(r1cs, 2) + 4);
    });
    await expect(devSetup({ r1csFile: bad, ptauOut: path.join(dir, "x.ptau"), zkeyOut: path.join(dir, "x.zkey") })).rejects.toThrow(
      /badsig\.r1cs: constraint 0 uses signal 16777215, but the circuit has \d+ wires/,
    );
    const short = copyWith(r1cs, "short.r1cs", (b) => {
      b.writeBigUInt64LE(BigInt(sections(r1cs).get(2)!.length - 8), sectionOffset(r1cs, 2) - 8);
    });
    await expect(devSetup({ r1csFile: short, ptauOut: path.join(dir, "x.ptau"), zkeyOut: path.join(dir, "x.zkey") })).rejects.toThrow(SetupError);
  });

  test("a power below the circuit's or above 24 is refused", async () => {
    const base = { r1csFile: r1cs, ptauOut: path.join(dir, "x.ptau"), zkeyOut: path.join(dir, "x.zkey") };
    await expect(devSetup({ ...base, power: 4 })).rejects.toThrow(/power 4 not usable: .* needs 5\.\.24/);
    await expect(devSetup({ ...base, power: 25 })).rejects.toThrow(SetupError);
    await expect(devSetup({ ...base, r1csFile: path.join(dir, "missing.r1cs") })).rejects.toThrow(/missing\.r1cs: cannot read r1cs/);
    await expect(devSetup({ ...base, r1csFile: wasm })).rejects.toThrow(/not an r1cs file/);
    expect(fs.existsSync(base.ptauOut)).toBe(false);
    expect(fs.existsSync(base.zkeyOut)).toBe(false);
  });
});

describe("the engine's task, in-process", () => {
  test("fixed-base multiples equal ffjavascript's, with the table built here or copied from a shared one", async () => {
     
    const curve: any = await buildBn128(true, zkrWasmPlugin);
    try {
      const data = { code: curve.tm.code as Uint8Array, consts: { pG1gen: curve.tm.pG1gen, pG2gen: curve.tm.pG2gen } };
      const scalars = [1n, 2n, 12345678901234567890n, R - 1n, 0n];
      const mont = new Uint8Array(32 * scalars.length);
      scalars.forEach((s, i) => mont.set(curve.Fr.e(s), 32 * i));
      for (const [group, G, w] of [[1, curve.G1, 5], [2, curve.G2, 4]] as const) {
        const want = scalars.map((s) => {
          const b = new Uint8Array(G.F.n8 * 2);
          G.toRprLEM(b, 0, G.toAffine(G.timesScalar(G.g, s)));
          return Buffer.from(b).toString("hex");
        });
        const got = (r: Record<string, Uint8Array>) => Array.from({ length: scalars.length }, (_, i) => Buffer.from(r.lem.subarray(i * G.F.n8 * 2, (i + 1) * G.F.n8 * 2)).toString("hex"));
        const spec = { kind: "mont", count: scalars.length, data: mont };
        // one engine builds its own table; it also writes its rows into a shared table, in two jobs
        await initEngineTask(data);
        expect(got(engineTask({ type: "mul", group, w, spec, forms: ["lem"] }))).toEqual(want);
        const shared = new SharedArrayBuffer(tableBytes(group, w));
        const nWin = Math.ceil(254 / w);
        engineTask({ type: "tableRows", group, w, from: 0, to: 20, shared });
        engineTask({ type: "tableRows", group, w, from: 20, to: nWin, shared });
        // a fresh engine copies the shared table in
        await initEngineTask(data);
        expect(got(engineTask({ type: "mul", group, w, table: shared, spec, forms: ["lem"] }))).toEqual(want);
      }
      expect(() => engineTask({ type: "nope" })).toThrow(/unknown job nope/);
    } finally {
      await curve.terminate();
    }
  });
});
