/**
 * A circuit a user brings: compiled with circom2's own CLI (not zkr's build, which renames circom's
 * witness generator to .cjs), in a project whose package.json says "type": "module", then keys
 * from `zkr setup --dev --r1cs`, and proofs from `zkr prove` with circom's own X_js/X.wasm and with
 * a witness made by snarkjs. Every proof is checked by snarkjs.groth16.verify, the public signals
 * against values computed here (Poseidon from poseidon-lite), and a tampered signal must fail.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import * as snarkjs from "snarkjs";
import { poseidon2 } from "poseidon-lite";
import { ROOT } from "../circuits/build.js";
import { WitnessGeneratorError, computeWitness, releaseSnarkjs } from "../circuits/witness.js";

const R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
const N = 8; // the circuit's PoseidonPreimage(8)

let project: string;
let r1cs: string;
let wasm: string;
let vkey: unknown;
/** What the first `zkr setup --dev --r1cs` said. */
let setup: ReturnType<typeof zkr>;

/** Runs `zkr …` as a user would, in the project folder. */
function zkr(...args: string[]) {
  const r = spawnSync(process.execPath, [path.join(ROOT, "bin/zkr.js"), ...args], { cwd: project, encoding: "utf8" });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** The inputs for a preimage (a, b), and the public signals the circuit must give: [prod, hash]. */
function instance(a: bigint, b: bigint): { input: Record<string, string>; publicSignals: string[] } {
  const hash = poseidon2([a, b]);
  let prod = (a * b) % R;
  for (let i = 1n; i < BigInt(N); i++) prod = (prod * (a + i)) % R;
  return { input: { a: a.toString(), b: b.toString(), hash: hash.toString() }, publicSignals: [prod.toString(), hash.toString()] };
}

function readJson(file: string): unknown {
  return JSON.parse(fs.readFileSync(path.join(project, file), "utf8"));
}

beforeAll(() => {
  project = fs.mkdtempSync(path.join(os.tmpdir(), "zkr-circom-"));
  fs.writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "my-circuit", type: "module" }) + "\n");
  // circom2 runs the compiler under WASI, which sees only the working folder's tree and follows no
  // symbolic links (a checkout's node_modules may be one): the project gets its own circomlib copy,
  // as `npm install circomlib` would give it.
  fs.cpSync(fs.realpathSync(path.join(ROOT, "node_modules/circomlib/circuits")), path.join(project, "node_modules/circomlib/circuits"), { recursive: true, dereference: true });
  fs.copyFileSync(path.join(ROOT, "test/circuits/poseidon_preimage.circom"), path.join(project, "x.circom"));
  fs.mkdirSync(path.join(project, "out"));
  const c = spawnSync(path.join(ROOT, "node_modules/.bin/circom2"), ["x.circom", "--r1cs", "--wasm", "-l", "node_modules/circomlib/circuits", "-o", "out"], { cwd: project, encoding: "utf8" });
  if (c.status !== 0) throw new Error(`circom2 failed (${c.status}):\n${c.stdout}\n${c.stderr}`);
  r1cs = path.join(project, "out/x.r1cs");
  wasm = path.join(project, "out/x_js/x.wasm");
  setup = zkr("setup", "--dev", "--r1cs", "out/x.r1cs", "--out", "keys");
  if (setup.code === 0) vkey = readJson("keys/x.vkey.json");
});

afterAll(async () => {
  await releaseSnarkjs();
  fs.rmSync(project, { recursive: true, force: true });
});

test("circom writes its CommonJS generator as witness_calculator.js, in a \"type\": \"module\" project", () => {
  const jsDir = path.join(project, "out/x_js");
  expect(fs.readdirSync(jsDir).sort()).toEqual(["generate_witness.js", "witness_calculator.js", "x.wasm"]);
  expect(fs.readFileSync(path.join(jsDir, "witness_calculator.js"), "utf8")).toMatch(/^module\.exports = async function builder\(code, options\)/);
});

test("zkr setup --dev --r1cs writes keys for the circuit where --out says, loudly insecure; snarkjs accepts them", async () => {
  const r = setup;
  expect(r.err).toMatch(/INSECURE DEVELOPMENT KEYS/);
  expect(r.code).toBe(0);
  expect(r.out).toMatch(/^proving key: +keys\/x\.zkey$/m);
  expect(r.out).toMatch(/^verification key: +keys\/x\.vkey\.json$/m);
  expect(r.out).toMatch(/^Solidity verifier: +keys\/x\.verifier\.sol$/m);
  expect(r.out).toMatch(/^powers of tau: +keys\/x\.ptau \(2\^10\)$/m);
  expect(vkey).toMatchObject({ protocol: "groth16", curve: "bn128", nPublic: 2 });
  const quiet = { info() {}, warn() {}, error() {}, debug() {} };
  expect(await snarkjs.zKey.verifyFromR1cs(r1cs, path.join(project, "keys/x.ptau"), path.join(project, "keys/x.zkey"), quiet)).toBe(true);
  // A second run does not overwrite them (they could be a ceremony's) unless forced.
  const again = zkr("setup", "--dev", "--r1cs", "out/x.r1cs", "--out", "keys");
  expect(again.code).toBe(1);
  expect(again.err).toMatch(/keys\/x\.ptau: exists; --force replaces it and 3 more with insecure dev keys/);
  expect(readJson("keys/x.vkey.json")).toEqual(vkey);
  expect(zkr("setup", "--dev", "--r1cs", "out/x.r1cs", "--txs", "4").err).toMatch(/either --r1cs or --txs with --depth, not both/);
});

test("zkr prove with circom's own X_js/X.wasm and an input: snarkjs verifies; a tampered signal fails", async () => {
  const { input, publicSignals } = instance(123456789n, R - 5n);
  fs.writeFileSync(path.join(project, "input.json"), JSON.stringify(input));
  const r = zkr("prove", "--zkey", "keys/x.zkey", "--wasm", "out/x_js/x.wasm", "--input", "input.json", "--backend", "cpu");
  expect(r.err).not.toMatch(/zkr:/);
  expect(r.code).toBe(0);
  expect(r.out).toMatch(/proof written to proof\.json, public signals to public\.json/);
  const proof = readJson("proof.json");
  expect(readJson("public.json")).toEqual(publicSignals);
  expect(await snarkjs.groth16.verify(vkey, publicSignals, proof)).toBe(true);
  expect(await snarkjs.groth16.verify(vkey, [publicSignals[0], ((BigInt(publicSignals[1]) + 1n) % R).toString()], proof)).toBe(false);
  expect(await snarkjs.groth16.verify(vkey, [(BigInt(publicSignals[0]) + R).toString(), publicSignals[1]], proof)).toBe(false);
});

test("zkr prove with a witness from snarkjs's wtns calculate: snarkjs verifies", async () => {
  const { input, publicSignals } = instance(7n, 11n);
  await snarkjs.wtns.calculate(input, wasm, path.join(project, "w.wtns"));
  const r = zkr("prove", "--zkey", "keys/x.zkey", "--wtns", "w.wtns", "--backend", "cpu", "--proof", "p2.json", "--public", "s2.json");
  expect(r.code).toBe(0);
  expect(readJson("s2.json")).toEqual(publicSignals);
  expect(await snarkjs.groth16.verify(vkey, publicSignals, readJson("p2.json"))).toBe(true);
  expect(await snarkjs.groth16.verify(vkey, [publicSignals[0], "0"], readJson("p2.json"))).toBe(false);
});

test("a .wasm copied without its generator still proves, through snarkjs's calculator, and says so", async () => {
  fs.mkdirSync(path.join(project, "bare"));
  fs.copyFileSync(wasm, path.join(project, "bare/x.wasm"));
  const { input, publicSignals } = instance(2n, 3n);
  fs.writeFileSync(path.join(project, "input2.json"), JSON.stringify(input));
  const r = zkr("prove", "--zkey", "keys/x.zkey", "--wasm", "bare/x.wasm", "--input", "input2.json", "--backend", "cpu", "--proof", "p3.json", "--public", "s3.json");
  expect(r.code).toBe(0);
  expect(r.err).toMatch(/x\.wasm: no witness_calculator\.cjs or witness_calculator\.js beside it; using snarkjs's witness calculator/);
  expect(readJson("s3.json")).toEqual(publicSignals);
  expect(await snarkjs.groth16.verify(vkey, publicSignals, readJson("p3.json"))).toBe(true);
});

test("every way of loading the generator gives snarkjs's witness: .js or .cjs, module or CommonJS folder, none", async () => {
  const { input } = instance(99n, 100n);
  const ref = { type: "mem" as const, data: undefined as Uint8Array | undefined };
  await snarkjs.wtns.calculate(input, wasm, ref);
  const expected = await snarkjs.wtns.exportJson(ref);
  const variants: Record<string, (dir: string) => void> = {
    "circom's .js, type module": (d) => fs.writeFileSync(path.join(d, "package.json"), '{"type":"module"}'),
    "circom's .js, CommonJS": (d) => fs.writeFileSync(path.join(d, "package.json"), '{"type":"commonjs"}'),
    "renamed to .cjs": (d) => fs.renameSync(path.join(d, "witness_calculator.js"), path.join(d, "witness_calculator.cjs")),
    "no generator": (d) => fs.rmSync(path.join(d, "witness_calculator.js")),
  };
  for (const [name, change] of Object.entries(variants)) {
    const dir = path.join(project, "variants", name.replace(/\W+/g, "_"));
    fs.cpSync(path.dirname(wasm), dir, { recursive: true });
    change(dir);
    const lines: string[] = [];
    expect([name, await computeWitness(path.join(dir, "x.wasm"), input, { log: (l) => lines.push(l) })]).toEqual([name, expected]);
    expect([name, lines.length]).toEqual([name, name === "no generator" ? 1 : 0]);
  }
});

test("a generator that does not load falls back to snarkjs; a file that is no circom .wasm is named", async () => {
  const dir = path.join(project, "broken");
  fs.cpSync(path.dirname(wasm), dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "witness_calculator.js"), "export default 1;\n");
  const lines: string[] = [];
  const { input, publicSignals } = instance(5n, 6n);
  const w = await computeWitness(path.join(dir, "x.wasm"), input, { log: (l) => lines.push(l) });
  expect(w.slice(1, 3).map(String)).toEqual(publicSignals);
  expect(lines).toEqual([expect.stringMatching(/^witness: x\.wasm: witness_calculator\.js does not load \(.+\); using snarkjs's witness calculator$/)]);

  const notWasm = path.join(project, "input.json");
  await expect(computeWitness(notWasm, input)).rejects.toThrow(WitnessGeneratorError);
  await expect(computeWitness(notWasm, input)).rejects.toThrow(`${notWasm}: not a WebAssembly module`);
  const otherWasm = path.join(dir, "other.wasm");
  fs.writeFileSync(otherWasm, new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0])); // an empty module
  await expect(computeWitness(otherWasm, input)).rejects.toThrow(`${otherWasm}: not a circom witness generator: it does not export getVersion`);
  const r = zkr("prove", "--zkey", "keys/x.zkey", "--wasm", "missing/x.wasm", "--input", "input.json", "--backend", "cpu", "--proof", "p4.json");
  expect(r.code).toBe(1);
  expect(r.err).toMatch(/^zkr: .*missing\/x\.wasm: cannot read the witness generator \(\.wasm\)/m);
  expect(fs.existsSync(path.join(project, "p4.json"))).toBe(false);
});
