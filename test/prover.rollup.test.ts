// The rollup circuit end to end on the dev keys: build → insecure dev setup → proof of a model
// batch with snarkjs's prover and with zkr's CPU prover → both verify with snarkjs; a public
// input shifted by r and a proof of another batch's input do not.

import fs from "node:fs";
import { devKeys } from "../circuits/devkeys.js";
import { computeWitness, releaseSnarkjs } from "../circuits/witness.js";
import { applyBatch } from "../sequencer/model/batch.js";
import { Groth16Prover, createBackend, readZkey, witnessToBytes } from "../prover/index.js";
import { rng } from "../bench/fixtures/rng.js";
import { Scenario, user } from "../bench/fixtures/scenario.js";

const R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
const CONFIG = { txs: 4, depth: 8 };

afterAll(async () => {
  await releaseSnarkjs();
});

test("a rollup batch proven on the dev keys verifies (snarkjs's prover and zkr's CPU prover)", async () => {
  const keys = await devKeys(CONFIG, { log: (l) => process.stderr.write(`  ${l}\n`) });
  const snarkjs = await import("snarkjs");
  const vk = JSON.parse(fs.readFileSync(keys.vkey, "utf8"));

  const s = new Scenario(CONFIG.depth);
  applyBatch(s.state, [s.create(user("op"), 0n, 0n), s.create(user("alice"), 0n, 10n ** 18n), s.create(user("bob"), 0n, 10n ** 17n)], s.queue, { slots: CONFIG.txs });
  const batch = applyBatch(s.state, s.randomTxs(rng(5), CONFIG.txs, 0n), s.queue, { slots: CONFIG.txs, feeAccount: 0n });
  const inputs = batch.witnessInputs as unknown as Record<string, unknown>;

  // snarkjs's own prover on our keys.
  const ref = await snarkjs.groth16.fullProve(inputs, keys.circuit.wasm, keys.zkey);
  expect(ref.publicSignals).toEqual([batch.publicInput.toString()]);
  expect(await snarkjs.groth16.verify(vk, ref.publicSignals, ref.proof)).toBe(true);

  // zkr's prover on the CPU backend.
  const backend = await createBackend("cpu");
  try {
    const prover = await Groth16Prover.create(readZkey(keys.zkey), backend);
    const witness = witnessToBytes(await computeWitness(keys.circuit.wasm, inputs));
    const { proof, publicSignals } = await prover.prove(witness);
    expect(publicSignals).toEqual([batch.publicInput.toString()]);
    expect(await snarkjs.groth16.verify(vk, publicSignals, proof)).toBe(true);
    expect(await snarkjs.groth16.verify(vk, [(batch.publicInput + R).toString()], proof)).toBe(false);
    expect(await snarkjs.groth16.verify(vk, [((batch.publicInput + 1n) % R).toString()], proof)).toBe(false);
    await prover.release();
  } finally {
    await backend.close();
  }
});
