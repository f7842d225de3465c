// The rollup contract on anvil with a real proof on the 4×8 dev keys: two ETH deposits fill the L1
// queue (the model's queue is rebuilt from the contract's events and its hashes match the
// contract's); a batch of both deposits verifies and the on-chain root is the model's; a batch with
// a withdrawal and a forced exit rejects a tampered proof and a mismatching fee account with
// InvalidProof, then verifies and credits both; claim pays the ETH once. ERC-20 (contracts/test/
// TestToken.sol): registration by the owner only, depositToken and topUpToken (wrong token, unknown
// token and missing allowance revert with named errors), a fee-on-transfer token credits what
// arrives, and a proven batch of token deposits and a token withdrawal is claimed in the token.

import { Contract, ContractFactory, type JsonRpcProvider, type JsonRpcSigner } from "ethers";
import { devKeys, type DevKeys } from "../circuits/devkeys.js";
import { computeWitness, releaseSnarkjs } from "../circuits/witness.js";
import { compileContracts, compileTestContract } from "../contracts/compile.js";
import { deployRollup, proofCalldata, type Deployment } from "../contracts/deploy.js";
import { devnetProvider } from "../contracts/provider.js";
import type { Rollup } from "../contracts/types/index.js";
import { startAnvil, type Anvil } from "../contracts/anvil.js";
import { applyBatch, type BatchResult } from "../sequencer/model/batch.js";
import { L1Kind, TxType } from "../sequencer/model/constants.js";
import { L1Queue, type L1Request } from "../sequencer/model/queue.js";
import { RollupState } from "../sequencer/model/state.js";
import { signTx } from "../sequencer/model/tx.js";
import { Groth16Prover, createBackend, readZkey, witnessToBytes } from "../prover/index.js";
import type { ProverBackend } from "../prover/backend.js";
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
let operator: JsonRpcSigner;
let aliceL1: JsonRpcSigner;
let bobL1: JsonRpcSigner;
let backend: ProverBackend;
let prover: Groth16Prover;
let state: RollupState;
const queue = new L1Queue();
const alice = user("alice");
const bob = user("bob");
const gas: Record<string, bigint> = {};

const revertOf = (p: Promise<unknown>) => revertName(rollup, p);

/** Rebuilds L1 requests from the contract's events and appends the new ones to the model's queue. */
async function syncQueue(): Promise<void> {
  const logs = await rollup.queryFilter(rollup.filters.L1Request(), dep.blockNumber);
  for (const ev of logs.slice(queue.length)) {
    const a = (ev as unknown as { args: { position: bigint; kind: bigint; accountIndex: bigint; tokenId: bigint; ethAddr: string; amount: bigint; ax: bigint; ay: bigint; queueHash: bigint } }).args;
    expect(a.position).toBe(BigInt(queue.length));
    const base = { index: a.accountIndex, tokenId: a.tokenId, ethAddr: BigInt(a.ethAddr) };
    let req: L1Request;
    if (Number(a.kind) === L1Kind.CreateDeposit) req = { kind: L1Kind.CreateDeposit, ...base, amount: a.amount, ax: a.ax, ay: a.ay };
    else if (Number(a.kind) === L1Kind.TopUp) req = { kind: L1Kind.TopUp, ...base, amount: a.amount };
    else req = { kind: L1Kind.ForcedExit, ...base };
    expect(queue.append(req)).toBe(a.queueHash);
  }
}

async function prove(batch: BatchResult): Promise<bigint[]> {
  const witness = await computeWitness(keys.circuit.wasm, batch.witnessInputs as unknown as Record<string, unknown>);
  const { proof, publicSignals } = await prover.prove(witnessToBytes(witness));
  expect(publicSignals).toEqual([batch.publicInput.toString()]);
  return proofCalldata(proof);
}

function submitArgs(batch: BatchResult, proof: bigint[]) {
  return [batch.newRoot, batch.queueStart, batch.queueEnd, batch.feeAccount, batch.txData, proof] as const;
}

beforeAll(async () => {
  keys = await devKeys(CONFIG, { log });
  const compiled = compileContracts({ verifierFile: keys.verifier, log });
  anvil = await startAnvil();
  provider = devnetProvider(anvil.url);
  [operator, aliceL1, bobL1] = await Promise.all([0, 1, 2].map((i) => provider.getSigner(i)));
  dep = await deployRollup({ deployer: operator, slots: CONFIG.txs, depth: CONFIG.depth, artifacts: compiled, log });
  rollup = dep.rollup;
  state = new RollupState({ depth: CONFIG.depth, chainId: dep.chainId, rollup: dep.addresses.rollup });
  backend = await createBackend("cpu");
  prover = await Groth16Prover.create(readZkey(keys.zkey), backend);
});

afterAll(async () => {
  await prover?.release();
  await backend?.close();
  await releaseSnarkjs();
  provider?.destroy();
  await anvil?.stop();
  if (Object.keys(gas).length) log(`gas: ${Object.entries(gas).map(([k, v]) => `${k} ${v}`).join(", ")}`);
});

test("the contract starts from the model's empty root", async () => {
  expect(await rollup.stateRoot()).toBe(state.root);
  expect(await rollup.queueHash(0)).toBe(0n);
  expect(await rollup.slots()).toBe(4n);
  // What one Poseidon(6) call costs (21000 is the transaction's base cost).
  const poseidon = new Contract(dep.addresses.poseidon6, ["function poseidon(uint256[6]) pure returns (uint256)"], provider);
  gas.poseidon6Call = (await provider.estimateGas({ to: dep.addresses.poseidon6, data: poseidon.interface.encodeFunctionData("poseidon", [[1n, 2n, 3n, 4n, 5n, 6n]]) })) - 21000n;
});

test("two ETH deposits: the queue rebuilt from events has the contract's hashes", async () => {
  // A create-deposit pays the creation fee on top: less than the fee is refused.
  expect(dep.createFee).toBeGreaterThan(0n);
  expect(await revertOf((rollup.connect(aliceL1) as Rollup).deposit(alice.pk[0], alice.pk[1], { value: dep.createFee - 1n }))).toBe("WrongCreateFee");
  const r1 = (await (await (rollup.connect(aliceL1) as Rollup).deposit(alice.pk[0], alice.pk[1], { value: ETH + dep.createFee })).wait())!;
  const r2 = (await (await (rollup.connect(bobL1) as Rollup).deposit(bob.pk[0], bob.pk[1], { value: ETH / 2n + dep.createFee })).wait())!;
  gas.deposit = r1.gasUsed;
  gas.deposit2 = r2.gasUsed;
  await syncQueue();
  expect(queue.length).toBe(2);
  expect(await rollup.queueLength()).toBe(2n);
  for (let i = 0; i <= queue.length; i++) expect(await rollup.queueHash(i)).toBe(queue.hashAt(i));
  expect(await rollup.accounts(1)).toEqual([await bobL1.getAddress(), 0n]);
  expect(await rollup.nextAccountIndex()).toBe(2n);
});

test("a batch of the deposits with a real proof verifies; the on-chain root is the model's", async () => {
  const batch = applyBatch(state, [{ type: TxType.Deposit, index: 0n }, { type: TxType.Deposit, index: 1n }], queue, { slots: CONFIG.txs });
  expect(await rollup.publicInputOf(batch.newRoot, batch.queueStart, batch.queueEnd, batch.feeAccount, batch.txData)).toBe(batch.publicInput);
  const proof = await prove(batch);
  expect(await revertOf((rollup.connect(aliceL1) as Rollup).submitBatch(...submitArgs(batch, proof)))).toBe("NotOperator");
  const receipt = (await (await rollup.submitBatch(...submitArgs(batch, proof))).wait())!;
  gas.submitBatchDeposits = receipt.gasUsed;
  expect(await rollup.stateRoot()).toBe(state.root);
  expect(await rollup.batchNumber()).toBe(1n);
  expect(await rollup.queueConsumed()).toBe(2n);
  // The two creation fees are the operator's now.
  expect(await rollup.pending(await operator.getAddress(), 0)).toBe(2n * dep.createFee);
  // The same batch again: its queue range is consumed.
  expect(await revertOf(rollup.submitBatch(...submitArgs(batch, proof)))).toBe("WrongQueueStart");
});

test("withdraw + forced exit: tampered proofs revert with InvalidProof, the real one credits both; claim pays once", async () => {
  await (await (rollup.connect(bobL1) as Rollup).forcedExit(1)).wait();
  expect(await revertOf((rollup.connect(aliceL1) as Rollup).forcedExit(1))).toBe("NotAccountOwner");
  await syncQueue();
  const forked = state.clone();
  forked.setAccount(7n, { ax: 1n, ay: 2n, ethAddr: 3n, tokenId: 0n, balance: 4n, nonce: 0n });
  const fromWrongRoot = applyBatch(forked, [], queue, { slots: CONFIG.txs });
  const amount = ETH / 4n;
  const withdraw = signTx({ type: TxType.Withdraw, from: 0n, amount, fee: 0n, nonce: 0n }, alice.sk, state.domain);
  const batch = applyBatch(state, [withdraw, { type: TxType.ForcedExit, index: 1n, amount: 0n, exponent: 0 }], queue, { slots: CONFIG.txs });
  const proof = await prove(batch);

  const bad = [...proof];
  bad[0] ^= 1n; // pA off the curve
  expect(await revertOf(rollup.submitBatch(...submitArgs(batch, bad)))).toBe("InvalidProof");
  const swapped = [...proof];
  [swapped[6], swapped[0]] = [proof[0], proof[6]];
  [swapped[7], swapped[1]] = [proof[1], proof[7]];
  expect(await revertOf(rollup.submitBatch(...submitArgs(batch, swapped)))).toBe("InvalidProof");
  // A valid proof of other public data (another fee account).
  expect(await revertOf(rollup.submitBatch(batch.newRoot, batch.queueStart, batch.queueEnd, 1n, batch.txData, proof))).toBe("InvalidProof");
  // A valid proof from a wrong old root: a state the chain never had (one extra account).
  expect(fromWrongRoot.oldRoot).not.toBe(await rollup.stateRoot());
  expect(fromWrongRoot.queueStart).toBe(await rollup.queueConsumed());
  expect(await revertOf(rollup.submitBatch(...submitArgs(fromWrongRoot, await prove(fromWrongRoot))))).toBe("InvalidProof");
  expect(await revertOf(rollup.submitBatch(batch.newRoot, batch.queueStart, batch.queueEnd + 1n, batch.feeAccount, batch.txData, proof))).toBe("QueueEndTooFar");
  expect(await revertOf(rollup.submitBatch(batch.newRoot, batch.queueStart, batch.queueEnd, batch.feeAccount, batch.txData.slice(12), proof))).toBe("BadTxDataLength");

  const receipt = (await (await rollup.submitBatch(...submitArgs(batch, proof))).wait())!;
  gas.submitBatchWithdrawals = receipt.gasUsed;
  expect(await rollup.stateRoot()).toBe(state.root);
  const aliceAddr = await aliceL1.getAddress();
  const bobAddr = await bobL1.getAddress();
  expect(await rollup.pending(aliceAddr, 0)).toBe(amount);
  expect(await rollup.pending(bobAddr, 0)).toBe(ETH / 2n);

  const before = await provider.getBalance(aliceAddr);
  const claim = (await (await (rollup.connect(aliceL1) as Rollup).claim(0)).wait())!;
  gas.claim = claim.gasUsed;
  expect((await provider.getBalance(aliceAddr)) - before + claim.fee).toBe(amount);
  expect(await rollup.pending(aliceAddr, 0)).toBe(0n);
  expect(await revertOf((rollup.connect(aliceL1) as Rollup).claim(0))).toBe("NothingToClaim");
  // Someone else cannot take bob's credit: claims pay the caller's own balance.
  expect(await revertOf((rollup.connect(await provider.getSigner(5)) as Rollup).claim(0))).toBe("NothingToClaim");
  expect(await rollup.pending(bobAddr, 0)).toBe(ETH / 2n);
  await (await (rollup.connect(bobL1) as Rollup).claim(0)).wait();
  // Left: alice's L2 balance and the operator's unclaimed creation fees.
  expect(await provider.getBalance(await rollup.getAddress())).toBe(ETH + ETH / 2n - amount - ETH / 2n + 2n * dep.createFee);
});

test("ERC-20: registerToken, depositToken, topUpToken with named errors; fee-on-transfer credits what arrives; a token withdrawal is claimed", async () => {
  const tokenArt = compileTestContract("TestToken");
  const deployToken = async (name: string, feeBps: number) => {
    const c = (await new ContractFactory(tokenArt.abi as never, tokenArt.bytecode, operator).deploy(name, name, 18, feeBps)) as Contract;
    await c.waitForDeployment();
    return c;
  };
  const token = await deployToken("TT", 0);
  const feeToken = await deployToken("FEE", 100); // 1% burnt on every transfer
  const tokenAddr = await token.getAddress();
  const aliceAddr = await aliceL1.getAddress();
  const bobAddr = await bobL1.getAddress();
  const asAlice = rollup.connect(aliceL1) as Rollup;
  const asBob = rollup.connect(bobL1) as Rollup;

  expect(await revertOf(asAlice.registerToken(tokenAddr))).toBe("NotOwner");
  expect(await revertOf(rollup.registerToken(aliceAddr))).toBe("NotAContract");
  await (await rollup.registerToken(tokenAddr)).wait();
  expect(await revertOf(rollup.registerToken(tokenAddr))).toBe("TokenAlreadyRegistered");
  await (await rollup.registerToken(await feeToken.getAddress())).wait();
  expect(await rollup.tokenIdOf(tokenAddr)).toBe(1n);
  expect(await rollup.tokenAddress(2)).toBe(await feeToken.getAddress());
  expect(await rollup.tokenCount()).toBe(3n);

  const T = 10n ** 18n;
  await (await token.mint(aliceAddr, 10n * T)).wait();
  await (await feeToken.mint(bobAddr, 1000n)).wait();
  const fee = { value: dep.createFee };
  expect(await revertOf(asAlice.depositToken(1, T, alice.pk[0], alice.pk[1], fee))).toBe("TokenTransferFailed"); // no allowance yet
  await (await (token.connect(aliceL1) as Contract).approve(await rollup.getAddress(), 2n ** 256n - 1n)).wait();
  await (await (feeToken.connect(bobL1) as Contract).approve(await rollup.getAddress(), 2n ** 256n - 1n)).wait();
  expect(await revertOf(asAlice.depositToken(0, T, alice.pk[0], alice.pk[1], fee))).toBe("UnknownToken");
  expect(await revertOf(asAlice.depositToken(3, T, alice.pk[0], alice.pk[1], fee))).toBe("UnknownToken");
  // The creation fee, exactly: none, or more (which would be stuck), is refused.
  expect(await revertOf(asAlice.depositToken(1, T, alice.pk[0], alice.pk[1]))).toBe("WrongCreateFee");
  expect(await revertOf(asAlice.depositToken(1, T, alice.pk[0], alice.pk[1], { value: dep.createFee + 1n }))).toBe("WrongCreateFee");

  const r = (await (await asAlice.depositToken(1, 3n * T, alice.pk[0], alice.pk[1], fee)).wait())!;
  gas.depositToken = r.gasUsed;
  expect(await rollup.accounts(2)).toEqual([aliceAddr, 1n]);
  const t = (await (await asAlice.topUpToken(2, T)).wait())!;
  gas.topUpToken = t.gasUsed;
  // Wrong token: an ETH account cannot take tokens, a token account cannot take ETH.
  expect(await revertOf(asAlice.topUpToken(0, T))).toBe("WrongToken");
  expect(await revertOf(asAlice.topUp(2, { value: 1n }))).toBe("WrongToken");
  expect(await revertOf(asAlice.topUpToken(9, T))).toBe("UnknownAccount");
  // Fee on transfer: 1000 sent, 990 arrive, 990 is what the queue records.
  await (await asBob.depositToken(2, 1000n, bob.pk[0], bob.pk[1], fee)).wait();
  await syncQueue();
  expect(queue.length).toBe(6);
  expect(queue.hashAt(6)).toBe(await rollup.queueHash(6));
  const last = (await rollup.queryFilter(rollup.filters.L1Request(), dep.blockNumber)).at(-1) as unknown as { args: { amount: bigint; tokenId: bigint } };
  expect(last.args.amount).toBe(990n);
  expect(last.args.tokenId).toBe(2n);
  expect(await token.balanceOf(await rollup.getAddress())).toBe(4n * T);
  expect(await feeToken.balanceOf(await rollup.getAddress())).toBe(990n);

  // One batch: the three token deposits and a withdrawal of 1 TT from alice's token account.
  const withdraw = signTx({ type: TxType.Withdraw, from: 2n, amount: T, fee: 0n, nonce: 0n }, alice.sk, state.domain);
  const deposits = [2n, 2n, 3n].map((index) => ({ type: TxType.Deposit, index }) as const);
  const batch = applyBatch(state, [...deposits, withdraw], queue, { slots: CONFIG.txs });
  const receipt = (await (await rollup.submitBatch(...submitArgs(batch, await prove(batch)))).wait())!;
  gas.submitBatchTokens = receipt.gasUsed;
  expect(await rollup.stateRoot()).toBe(state.root);
  expect(await rollup.queueConsumed()).toBe(6n);
  expect(await rollup.pending(aliceAddr, 1)).toBe(T);
  expect(await rollup.pending(aliceAddr, 0)).toBe(0n);

  const before = await token.balanceOf(aliceAddr);
  await (await asAlice.claim(1)).wait();
  expect((await token.balanceOf(aliceAddr)) - before).toBe(T);
  expect(await revertOf(asAlice.claim(1))).toBe("NothingToClaim");
  expect(await token.balanceOf(await rollup.getAddress())).toBe(3n * T);
});
