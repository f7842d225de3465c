// Test access to a compiled rollup circuit: build once (cached under build/), compute witnesses,
// read named signals through the symbol file, and check witnesses against the R1CS with snarkjs.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ROOT, buildCircuit, compileCircomFile, type CircuitArtifacts, type CircuitConfig } from "../../circuits/build.js";
import { Ceremony, contributionEntropy } from "../../circuits/ceremony.js";
import { checkWitness, computeWitness, writeWtns, type CircuitInputs } from "../../circuits/witness.js";

/** `RollupTx_<n> line: <line of the statement>` for a statement of circuits/src/tx.circom. */
export function txLine(statement: string): RegExp {
  const lines = fs.readFileSync(path.join(ROOT, "circuits/src/tx.circom"), "utf8").split("\n");
  const i = lines.findIndex((l) => l.includes(statement));
  if (i < 0) throw new Error(`statement not in tx.circom: ${statement}`);
  return new RegExp(`RollupTx_\\d+ line: ${i + 1}\\b`);
}

export interface TestCircuit {
  art: CircuitArtifacts;
  /** Witness for the inputs (throws WitnessError when an assertion fails). */
  witness(inputs: CircuitInputs): Promise<bigint[]>;
  /** Wire index of a signal kept in the witness, e.g. `main.publicInput`. */
  signal(name: string): number;

  /** True when the witness satisfies every constraint (snarkjs wtns check). */
  check(witness: bigint[]): Promise<boolean>;
}

export async function loadCircuit(config: CircuitConfig): Promise<TestCircuit> {
  const art = await buildCircuit(config, { log: (l) => process.stderr.write(`  ${l}\n`) });
  const symbols = new Map<string, number>();
  for (const line of fs.readFileSync(art.sym, "utf8").split("\n")) {
    const [, wire, , name] = line.split(",");
    // Signals of main that --O2 kept as witness wires.
    if (name?.startsWith("main.") && name.split(".").length === 2 && Number(wire) >= 0) symbols.set(name, Number(wire));
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "zkr-wtns-"));
  let n = 0;
  return {
    art,
    witness: (inputs) => computeWitness(art.wasm, inputs),
    signal(name) {
      const wire = symbols.get(name);
      if (wire === undefined) throw new Error(`no wire for ${name}`);
      return wire;
    },

    async check(witness) {
      const file = path.join(tmp, `w${n++}.wtns`);
      writeWtns(file, witness);
      try {
        return await checkWitness(art.r1cs, file);
      } finally {
        fs.rmSync(file, { force: true });
      }
    },
  };
}

/**
 * The toy circuit test/circuits/ceremony_toy.circom with Groth16 keys from a small real ceremony
 * (2^7, one contribution per phase), all under `dir`.
 */
export async function toyGroth16(dir: string): Promise<{ r1cs: string; wasm: string; zkey: string; vkey: unknown }> {
  const art = await compileCircomFile(path.join(ROOT, "test/circuits/ceremony_toy.circom"), path.join(dir, "toy"));
  const c = await Ceremony.newPhase1(path.join(dir, "ceremony"), 7);
  await c.contributePhase1("test", contributionEntropy());
  await c.preparePhase1();
  await c.newPhase2("toy", art.r1cs);
  await c.contributePhase2("toy", "test", contributionEntropy());
  const snarkjs = await import("snarkjs");
  const zkey = c.finalZkey("toy");
  return { r1cs: art.r1cs, wasm: art.wasm, zkey, vkey: await snarkjs.zKey.exportVerificationKey(zkey) };
}
