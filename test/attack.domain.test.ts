// Finding 5, replay across deployments (docs/SECURITY.md "Signatures"): the signed message bound the
// chain id and the nonce but not the rollup, so a transfer signed for one zkr deployment was valid on
// another on the same chain. The message now binds the rollup's domain, the top 112 bits of
// sha256(chainId ‖ rollup address), and so does every batch's public data. Shown in the model, the
// circuit, two sequencers and two deployments on one chain.

import { releaseSnarkjs } from "../circuits/witness.js";
import { txToJson } from "../sequencer/codec.js";
import { applyBatch, BatchTxError } from "../sequencer/model/batch.js";
import { TxType } from "../sequencer/model/constants.js";
import { rollupDomain } from "../sequencer/model/domain.js";
import { BadSignatureError } from "../sequencer/model/errors.js";
import { signTx, verifyTxSignature } from "../sequencer/model/tx.js";
import type { Sequencer } from "../sequencer/sequencer.js";
import { startChain } from "./helpers/chain.js";
import { loadCircuit } from "./helpers/circuit.js";
import { CHAIN_ID, Scenario, TEST_ROLLUP, user } from "../bench/fixtures/scenario.js";
import { feedL1, http, startOffline, tmpDir } from "./helpers/sequencer.js";
import { createDeposit, offlineConfig } from "../bench/fixtures/seed.js";
import { L1Queue } from "../sequencer/model/queue.js";
import { createBatch } from "../sequencer/batcher.js";
import { deployRollup } from "../contracts/deploy.js";
import { compileRollup, compileTestContract, poseidonArtifact } from "../contracts/compile.js";
import path from "node:path";

const ETH = 10n ** 18n;
/** A second deployment on the same chain. */
const OTHER_ROLLUP = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512";
const alice = user("alice");
const bob = user("bob");

afterAll(async () => {
  await releaseSnarkjs();
});

/** Two worlds alike in everything (chain, accounts, balances) but the rollup's address. */
function twins(): [Scenario, Scenario] {
  const worlds = [new Scenario(8, CHAIN_ID, TEST_ROLLUP), new Scenario(8, CHAIN_ID, OTHER_ROLLUP)] as const;
  for (const s of worlds) applyBatch(s.state, [s.create(alice, 0n, ETH), s.create(bob, 0n, ETH)], s.queue, { slots: 4 });
  return [worlds[0], worlds[1]];
}

test("a transfer signed for one deployment does not verify on another on the same chain (model and circuit)", async () => {
  const [a, b] = twins();
  expect(a.domain).not.toBe(b.domain);
  const tx = signTx({ type: TxType.Transfer, from: 0n, to: 1n, amount: ETH / 4n, fee: 0n, nonce: 0n }, alice.sk, a.domain);
  expect(verifyTxSignature(tx, alice.pk, a.domain)).toBe(true);
  expect(verifyTxSignature(tx, alice.pk, b.domain)).toBe(false);
  let err: unknown;
  try {
    applyBatch(b.state, [tx], b.queue, { slots: 4 });
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(BatchTxError);
  expect((err as BatchTxError).cause).toBeInstanceOf(BadSignatureError);
  expect(b.state.account(0n)!.balance).toBe(ETH);

  // The circuit: the batch proves for its own domain; with the other domain the signature fails.
  const circuit = await loadCircuit({ txs: 4, depth: 8 });
  const res = applyBatch(a.state, [tx], a.queue, { slots: 4 });
  expect(await circuit.check(await circuit.witness(res.witnessInputs as unknown as Record<string, unknown>))).toBe(true);
  const replayed = { ...res.witnessInputs, domain: b.domain };
  await expect(circuit.witness(replayed as unknown as Record<string, unknown>)).rejects.toThrow(/EdDSAPoseidonVerifier/);
});

test("two sequencers on one chain: the transfer signed for one is a bad_signature at the other", async () => {
  const dir = tmpDir("zkr-domain-");
  const started: Sequencer[] = [];
  try {
    for (const [i, rollup] of [TEST_ROLLUP, OTHER_ROLLUP].entries()) {
      const s = await startOffline(offlineConfig(path.join(dir, `s${i}.db`), { rollup }));
      started.push(s);
      feedL1(s, new L1Queue(), [createDeposit(0n, alice.pk, alice.ethAddr, ETH), createDeposit(1n, bob.pk, bob.ethAddr, ETH)]);
      expect(s.ctx.state.domain).toBe(rollupDomain(CHAIN_ID, rollup));
    }
    for (const s of started) {
      createBatch(s.ctx);
      expect((await http(s.url + "/info", "GET")).body.domain).toBe(s.ctx.state.domain.toString());
    }
    const tx = signTx({ type: TxType.Transfer, from: 0n, to: 1n, amount: ETH / 4n, fee: 0n, nonce: 0n }, alice.sk, started[0].ctx.state.domain);
    const body = JSON.stringify(txToJson(tx));
    expect((await http(started[0].url + "/txs", "POST", body)).status).toBe(202);
    const other = await http(started[1].url + "/txs", "POST", body);
    expect({ status: other.status, error: other.body.error }).toEqual({ status: 422, error: "bad_signature" });
  } finally {
    for (const s of started) await s.stop();
  }
});

test("two deployments on one chain have distinct domains, each the model's, and the same batch has another public input on each", async () => {
  const a = await startChain({ verifier: "mock" });
  try {
    const b = await deployRollup({
      deployer: a.signers[0], slots: 4, depth: 8,
      artifacts: { rollup: compileRollup(), verifier: compileTestContract("MockVerifier"), poseidon6: poseidonArtifact(6), poseidon4: poseidonArtifact(4) },
    });
    expect(b.chainId).toBe(a.dep.chainId);
    expect(await a.rollup.domain()).toBe(rollupDomain(a.dep.chainId, a.dep.addresses.rollup));
    expect(await b.rollup.domain()).toBe(rollupDomain(b.chainId, b.addresses.rollup));
    expect(b.domain).not.toBe(a.dep.domain);
    const args = [a.state.root, 0, 0, 0, new Uint8Array(48)] as const;
    expect(await a.rollup.publicInputOf(...args)).not.toBe(await b.rollup.publicInputOf(...args));
  } finally {
    await a.stop();
  }
});
