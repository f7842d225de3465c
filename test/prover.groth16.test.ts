// zkr's Groth16 prover against snarkjs: proofs made on every backend verify with
// snarkjs.groth16.verify; a tampered proof and a public signal shifted by r fail; bad keys,
// witnesses and inputs are refused with errors that say which, and no proof is written.

import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ROOT } from "../circuits/build.js";
import { toyGroth16 } from "./helpers/circuit.js";
import { FileFormatError } from "../circuits/files.js";
import { WitnessError, computeWitness, releaseSnarkjs } from "../circuits/witness.js";
import { WitnessMismatchError } from "../prover/groth16.js";
import { createBackend, prove, readZkey, witnessToBytes, Groth16Prover } from "../prover/index.js";
import type { ProverBackend } from "../prover/backend.js";
import type { StepProgress } from "../core/progress.js";

const R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
// webgpu proofs are tested in prover.webgpu.test.ts, where its kernels are compiled once per run
const BACKENDS = ["cpu", "ffjs"] as const;

let tmp: string;
let toy: { r1cs: string; wasm: string; zkey: string; vkey: unknown };

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "zkr-prover-"));
  toy = await toyGroth16(tmp);
});

afterAll(async () => {
  await releaseSnarkjs();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe.each(BACKENDS)("Groth16 prover on the %s backend", (name) => {
  let backend: ProverBackend;
  beforeAll(async () => {
    backend = await createBackend(name);
  });
  afterAll(async () => {
    await backend.close();
  });

  test("proofs of a small circuit verify with snarkjs; tampering fails", async () => {
    const snarkjs = await import("snarkjs");
    for (const input of [{ a: 3, b: 5, pub: 7 }, { a: 0, b: 0, pub: 0 }, { a: (R - 1n).toString(), b: 2, pub: 1 }]) {
      const { proof, publicSignals } = await prove({ zkey: toy.zkey, wasm: toy.wasm, input, backend });
      expect(await snarkjs.groth16.verify(toy.vkey, publicSignals, proof)).toBe(true);
      const shifted = [...publicSignals];
      shifted[1] = (BigInt(shifted[1]) + R).toString();
      expect(await snarkjs.groth16.verify(toy.vkey, shifted, proof)).toBe(false);
      const tampered = structuredClone(proof);
      tampered.pi_a[0] = ((BigInt(tampered.pi_a[0]) + 1n) % R).toString();
      expect(await snarkjs.groth16.verify(toy.vkey, publicSignals, tampered)).toBe(false);
    }
  });

  test("a proof reports its steps: the key, the witness, then its ten parts in order up to 10/10", async () => {
    const seen: StepProgress[] = [];
    await prove({ zkey: toy.zkey, wasm: toy.wasm, input: { a: 3, b: 5, pub: 7 }, backend, progress: (p) => seen.push(p) });
    expect(seen.slice(0, 2).map((p) => p.step)).toEqual(["proving key", "witness"]);
    const parts = seen.filter((p) => p.step === "proof").map((p) => `${p.done}/${p.total}`);
    expect(parts).toEqual(Array.from({ length: 11 }, (_, i) => `${i}/10`));
  });

  test("two proofs of one witness differ (fresh blinding) and both verify", async () => {
    const snarkjs = await import("snarkjs");
    const a = await prove({ zkey: toy.zkey, wasm: toy.wasm, input: { a: 2, b: 9, pub: 4 }, backend });
    const b = await prove({ zkey: toy.zkey, wasm: toy.wasm, input: { a: 2, b: 9, pub: 4 }, backend });
    expect(a.proof.pi_a).not.toEqual(b.proof.pi_a);
    expect(await snarkjs.groth16.verify(toy.vkey, b.publicSignals, b.proof)).toBe(true);
  });

  test("a witness of the wrong length, a non-field value, or a broken constant wire is refused", async () => {
    const key = readZkey(toy.zkey);
    const prover = await Groth16Prover.create(key, backend);
    const w = witnessToBytes(await computeWitness(toy.wasm, { a: 3, b: 5, pub: 7 }));
    await expect(prover.prove(w.subarray(32))).rejects.toThrow(WitnessMismatchError);
    await expect(prover.prove(w.subarray(32))).rejects.toThrow(`witness: ${key.nVars} values expected by ${toy.zkey}, got ${key.nVars - 1}`);
    const big = w.slice();
    big.fill(0xff, 64, 96);
    await expect(prover.prove(big)).rejects.toThrow(/witness\[2\]: a value below r expected/);
    const noOne = w.slice();
    noOne[0] = 2;
    await expect(prover.prove(noOne)).rejects.toThrow(/witness\[0\]: 1 expected/);
    await prover.release();
  });
});

describe("prover bad input", () => {
  test("an input that violates the circuit fails witness generation", async () => {
    const backend = await createBackend("ffjs");
    try {
      await expect(prove({ zkey: toy.zkey, wasm: toy.wasm, input: { a: 3, b: 5 }, backend })).rejects.toThrow(WitnessError);
    } finally {
      await backend.close();
    }
  });

  test("a file that is not a Groth16 BN254 zkey is refused by name", async () => {
    const ptau = path.join(tmp, "ceremony/phase1/prepared.ptau");
    expect(() => readZkey(ptau)).toThrow(FileFormatError);
    expect(() => readZkey(ptau)).toThrow(/prepared.ptau: a zkey file expected/);
    const snarkjs = await import("snarkjs");
    const plonk = path.join(tmp, "toy.plonk.zkey");
    await snarkjs.plonk.setup(toy.r1cs, ptau, plonk, { info() {}, debug() {}, warn() {}, error() {} });
    expect(() => readZkey(plonk)).toThrow(/toy.plonk.zkey: a Groth16 zkey expected, got protocol PLONK/);
  });

  test("zkr prove writes nothing when the input is bad, and a proof that verifies when it is good", async () => {
    const out = path.join(tmp, "cli");
    fs.mkdirSync(out);
    const inputFile = path.join(out, "input.json");
    const args = (backend: string) => [
      path.join(ROOT, "bin/zkr.js"), "prove", "--zkey", toy.zkey, "--wasm", toy.wasm, "--input", inputFile,
      "--backend", backend, "--proof", path.join(out, "proof.json"), "--public", path.join(out, "public.json"),
    ];
    fs.writeFileSync(inputFile, JSON.stringify({ a: 3, b: 5 }));
    expect(() => execFileSync("node", args("cpu"), { stdio: "pipe" })).toThrow(/witness generation failed/);
    expect(fs.existsSync(path.join(out, "proof.json"))).toBe(false);
    fs.writeFileSync(inputFile, JSON.stringify({ a: 3, b: 5, pub: 7 }));
    execFileSync("node", args("cpu"), { stdio: "pipe" });
    const snarkjs = await import("snarkjs");
    const proof = JSON.parse(fs.readFileSync(path.join(out, "proof.json"), "utf8"));
    const pub = JSON.parse(fs.readFileSync(path.join(out, "public.json"), "utf8"));
    expect(await snarkjs.groth16.verify(toy.vkey, pub, proof)).toBe(true);
    // auto says what it picked (webgpu on a hardware adapter, else cpu) and its proof verifies
    fs.rmSync(path.join(out, "proof.json"));
    const auto = spawnSync("node", args("auto"), { encoding: "utf8" });
    expect(auto.status).toBe(0);
    expect(auto.stderr).toMatch(/backend: auto picked (cpu|webgpu)/);
    const autoProof = JSON.parse(fs.readFileSync(path.join(out, "proof.json"), "utf8"));
    expect(await snarkjs.groth16.verify(toy.vkey, JSON.parse(fs.readFileSync(path.join(out, "public.json"), "utf8")), autoProof)).toBe(true);
    fs.rmSync(path.join(out, "proof.json"));
    expect(() => execFileSync("node", args("gpu"), { stdio: "pipe" })).toThrow(/unknown backend; one of auto, webgpu, cpu, ffjs expected/);
    expect(fs.existsSync(path.join(out, "proof.json"))).toBe(false);
  });
});
