// Exodus mode on anvil with the 4×8 dev keys: alice and bob deposit and a real batch (both deposits
// and a transfer alice → bob) is verified; then carol deposits and the operator does nothing.
// Before exodusBlocks (100 here) have passed activateExodus reverts ExodusNotDue; after, anyone activates it
// and batches and new requests revert ExodusActive. Alice and bob withdraw their balances in the
// last verified state with Merkle proofs against the stored root (a wrong balance, a tampered
// sibling, a short proof, a second withdrawal and carol's unverified account each revert with a
// named error); carol gets her unconsumed deposit and creation fee back from the queue, and the
// operator its creation fees. Claims empty the contract.

import { type JsonRpcProvider, type JsonRpcSigner } from "ethers";
import { devKeys, type DevKeys } from "../circuits/devkeys.js";
import { computeWitness, releaseSnarkjs } from "../circuits/witness.js";
import { compileContracts } from "../contracts/compile.js";
import { deployRollup, proofCalldata, type Deployment } from "../contracts/deploy.js";
import { devnetProvider } from "../contracts/provider.js";
import type { Rollup } from "../contracts/types/index.js";
import { startAnvil, type Anvil } from "../contracts/anvil.js";
import { applyBatch } from "../sequencer/model/batch.js";
import { L1Kind, TxType } from "../sequencer/model/constants.js";
import { L1Queue } from "../sequencer/model/queue.js";
import { RollupState } from "../sequencer/model/state.js";
import { signTx } from "../sequencer/model/tx.js";
import { Groth16Prover, createBackend, readZkey, witnessToBytes } from "../prover/index.js";
import { revertOf as revertName } from "../contracts/errors.js";
import { user } from "../bench/fixtures/scenario.js";

const CONFIG = { txs: 4, depth: 8 };
const ETH = 10n ** 18n;
const log = (l: string) => process.stderr.write(`  ${l}\n`);

let anvil: Anvil;
let provider: JsonRpcProvider;
let keys: DevKeys;
let dep: Deployment;
let rollup: Rollup;
let signers: JsonRpcSigner[];
let state: RollupState;
const queue = new L1Queue();
const [alice, bob, carol] = ["alice", "bob", "carol"].map(user);

const revertOf = (p: Promise<unknown>) => revertName(rollup, p);

const as = (i: number) => rollup.connect(signers[i]) as Rollup;
const mine = (n: number) => provider.send("anvil_mine", ["0x" + n.toString(16)]);

beforeAll(async () => {
  keys = await devKeys(CONFIG, { log });
  const compiled = compileContracts({ verifierFile: keys.verifier, log });
  anvil = await startAnvil();
  provider = devnetProvider(anvil.url);
  signers = await Promise.all([0, 1, 2, 3].map((i) => provider.getSigner(i)));
  dep = await deployRollup({ deployer: signers[0], exodusBlocks: 100, slots: CONFIG.txs, depth: CONFIG.depth, artifacts: compiled, log });
  rollup = dep.rollup;
  state = new RollupState({ depth: CONFIG.depth, chainId: dep.chainId, rollup: dep.addresses.rollup });
});

afterAll(async () => {
  await releaseSnarkjs();
  provider?.destroy();
  await anvil?.stop();
});

test("a verified batch, then the operator stops: exodus after the timeout, withdrawals with Merkle proofs, refund of the unconsumed deposit", async () => {
  const addr = await Promise.all(signers.map((s) => s.getAddress()));
  // alice (signer 1) and bob (signer 2) deposit; a batch applies both and a transfer alice → bob.
  for (const [i, u, amount] of [[1, alice, ETH], [2, bob, ETH / 2n]] as const) {
    await (await as(i).deposit(u.pk[0], u.pk[1], { value: amount + dep.createFee })).wait();
    queue.append({ kind: L1Kind.CreateDeposit, index: queue.nextAccountIndex, tokenId: 0n, ethAddr: BigInt(addr[i]), amount, ax: u.pk[0], ay: u.pk[1] });
  }
  const transfer = signTx({ type: TxType.Transfer, from: 0n, to: 1n, amount: ETH / 10n, fee: 0n, nonce: 0n }, alice.sk, state.domain);
  const batch = applyBatch(state, [{ type: TxType.Deposit, index: 0n }, { type: TxType.Deposit, index: 1n }, transfer], queue, { slots: CONFIG.txs });
  const backend = await createBackend("cpu");
  const prover = await Groth16Prover.create(readZkey(keys.zkey), backend);
  let proof: bigint[];
  try {
    const witness = await computeWitness(keys.circuit.wasm, batch.witnessInputs as unknown as Record<string, unknown>);
    proof = proofCalldata((await prover.prove(witnessToBytes(witness))).proof);
  } finally {
    await prover.release();
    await backend.close();
  }
  await (await rollup.submitBatch(batch.newRoot, batch.queueStart, batch.queueEnd, batch.feeAccount, batch.txData, proof)).wait();
  expect(await rollup.stateRoot()).toBe(state.root);

  // Nothing waits in the queue: exodus is not due however long the chain runs.
  const limit = Number(await rollup.exodusBlocks());
  await mine(limit + 5);
  expect(await revertOf(rollup.activateExodus())).toBe("ExodusNotDue");
  const a0 = state.account(0n)!;
  expect(await revertOf(as(1).exodusWithdraw(0, a0.ax, a0.ay, a0.balance, a0.nonce, state.tree.proof(0n).siblings))).toBe("NotInExodus");

  // carol (signer 3) deposits; the operator never includes it.
  const carolAmount = ETH / 3n;
  await (await as(3).deposit(carol.pk[0], carol.pk[1], { value: carolAmount + dep.createFee })).wait();
  await mine(limit - 10);
  expect(await revertOf(as(3).activateExodus())).toBe("ExodusNotDue");
  await mine(20);
  const activation = (await (await as(3).activateExodus()).wait())!;
  expect(await rollup.exodus()).toBe(true);
  const ev = rollup.interface.parseLog(activation.logs[0])!;
  expect(ev.name).toBe("ExodusActivated");
  expect(ev.args.stateRoot).toBe(state.root);
  expect(await revertOf(rollup.activateExodus())).toBe("ExodusActive");
  expect(await revertOf(rollup.submitBatch(batch.newRoot, 2, 2, 0, batch.txData, proof))).toBe("ExodusActive");
  expect(await revertOf(as(1).deposit(alice.pk[0], alice.pk[1], { value: dep.createFee + 1n }))).toBe("ExodusActive");
  expect(await revertOf(as(1).forcedExit(0))).toBe("ExodusActive");

  // Bad exodus withdrawals.
  const p0 = state.tree.proof(0n).siblings;
  expect(await revertOf(as(1).exodusWithdraw(0, a0.ax, a0.ay, a0.balance + 1n, a0.nonce, p0))).toBe("BadMerkleProof");
  const tampered = p0.map((s) => [...s] as [bigint, bigint, bigint]);
  tampered[1][2] ^= 1n;
  expect(await revertOf(as(1).exodusWithdraw(0, a0.ax, a0.ay, a0.balance, a0.nonce, tampered))).toBe("BadMerkleProof");
  expect(await revertOf(as(1).exodusWithdraw(0, a0.ax, a0.ay, a0.balance, a0.nonce, p0.slice(1)))).toBe("BadSiblingsLength");
  // A valid proof of another leaf (bob's) presented for alice's index.
  const a1 = state.account(1n)!;
  expect(await revertOf(as(1).exodusWithdraw(0, a1.ax, a1.ay, a1.balance, a1.nonce, state.tree.proof(1n).siblings))).toBe("BadMerkleProof");
  // carol's account was never in a verified state: its leaf is empty there.
  expect(await revertOf(as(3).exodusWithdraw(2, carol.pk[0], carol.pk[1], carolAmount, 0n, state.tree.proof(2n).siblings))).toBe("BadMerkleProof");

  // alice withdraws 0.9 ETH herself; anyone (signer 0) submits bob's 0.6 ETH, which is credited to bob.
  expect(a0.balance).toBe(ETH - ETH / 10n);
  expect(a1.balance).toBe(ETH / 2n + ETH / 10n);
  await (await as(1).exodusWithdraw(0, a0.ax, a0.ay, a0.balance, a0.nonce, p0)).wait();
  expect(await revertOf(as(1).exodusWithdraw(0, a0.ax, a0.ay, a0.balance, a0.nonce, p0))).toBe("AlreadyWithdrawn");
  await (await rollup.exodusWithdraw(1, a1.ax, a1.ay, a1.balance, a1.nonce, state.tree.proof(1n).siblings)).wait();
  expect(await rollup.pending(addr[1], 0)).toBe(a0.balance);
  expect(await rollup.pending(addr[2], 0)).toBe(a1.balance);
  // The operator (signer 0) was credited the creation fees of the two creates batch 0 consumed.
  expect(await rollup.pending(addr[0], 0)).toBe(2n * dep.createFee);

  // carol's deposit and its creation fee are refunded from its stored queue entry (position 2), once,
  // to carol whoever asks; a consumed entry or a position past the queue reverts.
  expect(await revertOf(rollup.exodusRefund(1))).toBe("AlreadyConsumed");
  expect(await revertOf(rollup.exodusRefund(3))).toBe("NotInQueue");
  await (await rollup.exodusRefund(2)).wait();
  expect(await revertOf(as(3).exodusRefund(2))).toBe("AlreadyRefunded");
  expect(await rollup.pending(addr[3], 0)).toBe(carolAmount + dep.createFee);

  for (const i of [0, 1, 2, 3]) await (await as(i).claim(0)).wait();
  expect(await revertOf(as(1).claim(0))).toBe("NothingToClaim");
  expect(await provider.getBalance(await rollup.getAddress())).toBe(0n);
});
