// A multi-party ceremony at a small power on a toy circuit: two phase-1 contributions and a beacon,
// preparation, a phase-2 contribution and a beacon; the transcript verifies and its zkey proves.
// Then tampering (a changed file, a contribution that does not build on its predecessor) and bad
// input (truncated file, ptau too small, zkey of another circuit) are rejected with clear errors.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { CircuitBuildError, ROOT, compileCircomFile } from "../circuits/build.js";
import circomTask from "../circuits/circom-task.js";
import { Ceremony, CeremonyError, contributionEntropy } from "../circuits/ceremony.js";
import { FileFormatError, inspectPtau, inspectZkey } from "../circuits/files.js";
import { releaseSnarkjs } from "../circuits/witness.js";
import type { StepProgress } from "../core/progress.js";

const R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
const quiet = { info() {}, progress() {} };

let tmp: string;
let toy: { r1cs: string; wasm: string };
let bigToy: { r1cs: string };
let ceremonyDir: string;

function copyCeremony(): string {
  const dir = fs.mkdtempSync(path.join(tmp, "copy-"));
  fs.cpSync(ceremonyDir, dir, { recursive: true });
  return dir;
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "zkr-ceremony-"));
  toy = await compileCircomFile(path.join(ROOT, "test/circuits/ceremony_toy.circom"), path.join(tmp, "toy"));
  const big = path.join(tmp, "ceremony_big.circom");
  fs.writeFileSync(big, fs.readFileSync(path.join(ROOT, "test/circuits/ceremony_toy.circom"), "utf8").replace("CeremonyToy(40)", "CeremonyToy(300)"));
  bigToy = await compileCircomFile(big, path.join(tmp, "big"));

  ceremonyDir = path.join(tmp, "ceremony");
  const c = await Ceremony.newPhase1(ceremonyDir, 7, quiet);
  // snarkjs's counted lines reach the caller as progress ("<section>: i/n").
  const counted: StepProgress[] = [];
  const h1 = await c.contributePhase1("alice", contributionEntropy("alice's words"), { info() {}, progress: (p) => counted.push(p) });
  expect(counted.length).toBeGreaterThan(0);
  expect(counted.every((p) => p.step.length > 0 && p.done <= p.total && (p.total > 0 || p.done === 0))).toBe(true);
  expect(counted.some((p) => p.total > 0)).toBe(true);
  const h2 = await c.contributePhase1("bob", contributionEntropy(), quiet);
  expect(h1).toMatch(/^[0-9a-f]{128}$/);
  expect(h2).not.toBe(h1);
  await c.beaconPhase1("0102030405060708", 10, quiet);
  await c.preparePhase1(quiet);
  await c.newPhase2("toy", toy.r1cs, quiet);
  await c.contributePhase2("toy", "carol", contributionEntropy(), quiet);
  await c.beaconPhase2("toy", "aabbccdd", 10, quiet);
});

afterAll(async () => {
  await releaseSnarkjs();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe("ceremony", () => {
  test("two contributions and a beacon per phase verify, and the final zkey proves", async () => {
    const c = Ceremony.open(ceremonyDir);
    expect(c.transcript.phase1.map((s) => s.kind)).toEqual(["new", "contribute", "contribute", "beacon", "prepare"]);
    expect(c.transcript.phase2.toy.steps.map((s) => s.name ?? s.kind)).toEqual(["new", "carol", "beacon"]);
    expect(await c.verify()).toEqual([]);

    const { vkey, verifier } = await c.export("toy", path.join(tmp, "keys"));
    expect(fs.readFileSync(verifier, "utf8")).toMatch(/contract Groth16Verifier/);
    const snarkjs = await import("snarkjs");
    const vk = JSON.parse(fs.readFileSync(vkey, "utf8"));
    const { proof, publicSignals } = await snarkjs.groth16.fullProve({ a: 3, b: 5, pub: 7 }, toy.wasm, c.finalZkey("toy"));
    expect(await snarkjs.groth16.verify(vk, publicSignals, proof)).toBe(true);
    const shifted = [...publicSignals];
    shifted[0] = (BigInt(shifted[0]) + R).toString();
    expect(await snarkjs.groth16.verify(vk, shifted, proof)).toBe(false);
  });

  test("a file changed after it was recorded is named", async () => {
    const dir = copyCeremony();
    const file = path.join(dir, "phase1/0002_bob.ptau");
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 100] ^= 1;
    fs.writeFileSync(file, bytes);
    expect(await Ceremony.open(dir).verify()).toEqual(["phase1/0002_bob.ptau: changed since it was recorded (SHA-256 differs)"]);
  });

  test("a contribution that does not build on its predecessor is rejected by position and name", async () => {
    const dir = copyCeremony();
    // mallory publishes a file contributed on top of the fresh accumulator, skipping alice, and
    // records it in the transcript as bob's: valid on its own, but not a continuation.
    const snarkjs = await import("snarkjs");
    const forged = path.join(tmp, "forged.ptau");
    await snarkjs.powersOfTau.contribute(path.join(dir, "phase1/0000_new.ptau"), forged, "bob", "mallory", { info() {}, debug() {}, warn() {}, error() {} });
    fs.copyFileSync(forged, path.join(dir, "phase1/0002_bob.ptau"));
    const transcript = JSON.parse(fs.readFileSync(path.join(dir, "ceremony.json"), "utf8"));
    const { createHash } = await import("node:crypto");
    transcript.phase1[2].sha256 = createHash("sha256").update(fs.readFileSync(forged)).digest("hex");
    fs.writeFileSync(path.join(dir, "ceremony.json"), JSON.stringify(transcript));
    const problems = await Ceremony.open(dir).verify();
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^phase 1 contribution #2 \(bob, phase1\/0002_bob.ptau\) is bad: it does not build on phase1\/0001_alice.ptau/);
  });

  test("a contribution whose points are wrong fails snarkjs's check, named by position", async () => {
    const dir = copyCeremony();
    // carol's records are intact but one of her C points is not what her δ makes it.
    const file = path.join(dir, "phase2/toy/0001_carol.zkey");
    const { readSections } = await import("../circuits/files.js");
    const { sections, fd } = readSections(file, "zkey");
    fs.closeSync(fd);
    const c = sections.get(8)![0];
    const bytes = fs.readFileSync(file);
    bytes.copy(bytes, c.offset, c.offset + 64, c.offset + 128); // C[0] := C[1]
    fs.writeFileSync(file, bytes);
    const transcript = JSON.parse(fs.readFileSync(path.join(dir, "ceremony.json"), "utf8"));
    const { createHash } = await import("node:crypto");
    transcript.phase2.toy.steps[1].sha256 = createHash("sha256").update(bytes).digest("hex");
    fs.writeFileSync(path.join(dir, "ceremony.json"), JSON.stringify(transcript));
    const problems = await Ceremony.open(dir).verify();
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^toy phase 2 contribution #1 \(carol, phase2\/toy\/0001_carol.zkey\) is bad: .+/);
  });

  test("an existing powers of tau is imported after verification; a corrupt one is refused", async () => {
    const prepared = path.join(ceremonyDir, "phase1/prepared.ptau");
    const dir = path.join(tmp, "imported");
    const c = await Ceremony.importPhase1(dir, prepared);
    expect(c.transcript.power).toBe(7);
    expect(c.transcript.prepared?.file).toBe("phase1/prepared.ptau");
    await c.newPhase2("toy", toy.r1cs);
    await c.contributePhase2("toy", "dave", contributionEntropy());
    expect(await c.verify()).toEqual([]);

    const bad = path.join(tmp, "bad.ptau");
    const bytes = fs.readFileSync(path.join(ceremonyDir, "phase1/0002_bob.ptau"));
    const { readSections } = await import("../circuits/files.js");
    const { sections, fd } = readSections(path.join(ceremonyDir, "phase1/0002_bob.ptau"), "ptau");
    fs.closeSync(fd);
    const tau = sections.get(2)![0];
    bytes.copy(bytes, tau.offset + 64 * 5, tau.offset + 64 * 6, tau.offset + 64 * 7); // tau^5 := tau^6
    fs.writeFileSync(bad, bytes);
    await expect(Ceremony.importPhase1(path.join(tmp, "imported-bad"), bad)).rejects.toThrow(/bad.ptau: powers of tau do not verify/);
    expect(fs.existsSync(path.join(tmp, "imported-bad", "ceremony.json"))).toBe(false);
  });

  test("bad input: truncated files, a ptau too small, a zkey of another circuit", async () => {
    const c = Ceremony.open(ceremonyDir);
    const ptau = path.join(ceremonyDir, "phase1/prepared.ptau");
    const truncated = path.join(tmp, "truncated.ptau");
    fs.writeFileSync(truncated, fs.readFileSync(ptau).subarray(0, 5000));
    expect(() => inspectPtau(truncated)).toThrow(FileFormatError);
    expect(() => inspectPtau(truncated)).toThrow(/truncated.ptau: truncated: section \d+ needs \d+ bytes/);
    const zkey = c.finalZkey("toy");
    const truncatedZkey = path.join(tmp, "truncated.zkey");
    fs.writeFileSync(truncatedZkey, fs.readFileSync(zkey).subarray(0, fs.statSync(zkey).size - 1));
    expect(() => inspectZkey(truncatedZkey)).toThrow(/truncated.zkey: truncated/);
    expect(() => inspectZkey(ptau)).toThrow(/a zkey file expected, got one starting with "ptau"/);

    await expect(c.newPhase2("big", bigToy.r1cs)).rejects.toThrow(CeremonyError);
    await expect(c.newPhase2("big", bigToy.r1cs)).rejects.toThrow(/ceremony_big.r1cs: needs powers of tau of 2\^9 \(\d+ constraints\), the ceremony has 2\^7/);
    expect(() => Ceremony.checkZkeyFor(zkey, bigToy.r1cs)).toThrow(/made for another circuit/);
    expect(() => Ceremony.checkZkeyFor(zkey, toy.r1cs)).not.toThrow();

    await expect(c.contributePhase1("late", contributionEntropy())).rejects.toThrow(/phase 1 is already prepared/);
    await expect(c.beaconPhase2("toy", "xyz", 10)).rejects.toThrow(/beacon: 1 to 255 bytes of hex expected/);
    // Nothing half-written is left behind by the failed steps.
    const leftovers = fs.readdirSync(ceremonyDir, { recursive: true }).filter((f) => String(f).endsWith(".partial"));
    expect(leftovers).toEqual([]);
  });
});

describe("the circom compiler's task", () => {
  test("in-process: it resolves with circom's exit status and output", async () => {
    const v = await circomTask({ args: ["--version"] });
    expect(v).toEqual({ code: 0, output: expect.stringMatching(/circom compiler 2\.\d+\.\d+/) });
    const missing = await circomTask({ args: [path.relative(process.cwd(), path.join(tmp, "none.circom")), "--r1cs", "-o", path.relative(process.cwd(), tmp)] });
    expect(missing.code).not.toBe(0);
    expect(missing.output).not.toBe("");
  });

  test("on its worker: a circuit that does not compile is a CircuitBuildError with circom's message", async () => {
    const bad = path.join(tmp, "bad.circom");
    fs.writeFileSync(bad, "pragma circom 2.1.0;\ntemplate T() { signal input a; b <== a; }\ncomponent main = T();\n");
    const err = await compileCircomFile(bad, path.join(tmp, "bad")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CircuitBuildError);
    expect((err as Error).message).toMatch(/circom failed \(exit [1-9]\d*\):\n[\s\S]*error/i);
  });
});
