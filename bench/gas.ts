/**
 * Gas report of the rollup contract on anvil, per configuration (dev keys, real proofs from zkr's
 * CPU prover): L1 requests (deposit, depositToken, topUp, topUpToken, forcedExit), submitBatch for
 * an empty batch and for full batches of deposits, transfers and withdrawals (gas per batch and per
 * slot, calldata bytes and calldata gas), claim of ETH and of an ERC-20, activateExodus and an
 * exodusWithdraw with a Merkle proof.
 *
 *   npx tsx bench/gas.ts [--configs 4x8,16x8]
 *
 * Writes bench/results/gas-<date>.json with the machine and prints a Markdown table.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { Contract, ContractFactory, type TransactionReceipt } from "ethers";
import { ROOT, circuitName } from "../circuits/build.js";
import { devKeys } from "../circuits/devkeys.js";
import { computeWitness, releaseSnarkjs } from "../circuits/witness.js";
import { startAnvil } from "../contracts/anvil.js";
import { compileContracts, compileTestContract } from "../contracts/compile.js";
import { deployRollup, proofCalldata } from "../contracts/deploy.js";
import { devnetProvider } from "../contracts/provider.js";
import type { Rollup } from "../contracts/types/index.js";
import { applyBatch, type BatchResult } from "../sequencer/model/batch.js";
import { L1Kind, TxType } from "../sequencer/model/constants.js";
import { L1Queue } from "../sequencer/model/queue.js";
import { RollupState } from "../sequencer/model/state.js";
import { signTx, type Tx } from "../sequencer/model/tx.js";
import { Groth16Prover, createBackend, readZkey, witnessToBytes } from "../prover/index.js";
import { user } from "./fixtures/scenario.js";

const { values } = parseArgs({ options: { configs: { type: "string", default: "4x8" } } });
const configs = values.configs!.split(",").map((c) => {
  const [txs, depth] = c.split("x").map(Number);
  return { txs, depth };
});
const log = (l: string) => process.stderr.write(`  ${l}\n`);
const ETH = 10n ** 18n;

interface BatchGas { gas: number; perSlot: number; calldataBytes: number; calldataGas: number; calldataBytesPerSlot: number }
interface Row {
  config: string;
  txs: number;
  depth: number;
  deploy: { rollup: number; verifier: number; poseidon6: number; poseidon4: number };
  deposit: number;
  depositFirst: number;
  depositToken: number;
  topUp: number;
  topUpToken: number;
  forcedExit: number;
  batch: { empty: BatchGas; deposits: BatchGas; transfers: BatchGas; withdrawals: BatchGas };
  claimEth: number;
  claimToken: number;
  activateExodus: number;
  exodusWithdraw: number;
}

function calldataGas(data: string): { bytes: number; gas: number } {
  const b = Buffer.from(data.slice(2), "hex");
  let gas = 0;
  for (const x of b) gas += x === 0 ? 4 : 16;
  return { bytes: b.length, gas };
}

async function measure(config: { txs: number; depth: number }): Promise<Row> {
  const N = config.txs;
  const keys = await devKeys(config, { log });
  const compiled = compileContracts({ verifierFile: keys.verifier, log });
  const tokenArt = compileTestContract("TestToken");
  const anvil = await startAnvil({ args: ["--accounts", String(N + 2)] });
  const provider = devnetProvider(anvil.url);
  const backend = await createBackend("cpu");
  const prover = await Groth16Prover.create(readZkey(keys.zkey), backend);
  try {
    const signers = await Promise.all(Array.from({ length: N + 1 }, (_, i) => provider.getSigner(i)));
    const operator = signers[0];
    const dep = await deployRollup({ deployer: operator, exodusBlocks: 10, slots: N, depth: config.depth, artifacts: compiled, log });
    const rollup = dep.rollup;
    const token = (await new ContractFactory(tokenArt.abi as never, tokenArt.bytecode, operator).deploy("TT", "TT", 18, 0)) as Contract;
    await token.waitForDeployment();
    await (await rollup.registerToken(await token.getAddress())).wait();
    const state = new RollupState({ depth: config.depth, chainId: dep.chainId, rollup: dep.addresses.rollup });
    const queue = new L1Queue();
    const users = Array.from({ length: N }, (_, i) => user(`gas-${i}`));
    const as = (i: number) => rollup.connect(signers[i + 1]) as Rollup;
    const addr = (i: number) => signers[i + 1].getAddress();
    const gasOf = async (p: Promise<{ wait(): Promise<TransactionReceipt | null> }>) => Number((await (await p).wait())!.gasUsed);

    // N−1 ETH accounts and one token account (the last user).
    const depositGas: number[] = [];
    for (let i = 0; i < N - 1; i++) {
      depositGas.push(await gasOf(as(i).deposit(users[i].pk[0], users[i].pk[1], { value: 10n * ETH + dep.createFee })));
      queue.append({ kind: L1Kind.CreateDeposit, index: BigInt(i), tokenId: 0n, ethAddr: BigInt(await addr(i)), amount: 10n * ETH, ax: users[i].pk[0], ay: users[i].pk[1] });
    }
    const t = N - 1;
    await (await token.mint(await addr(t), 100n * ETH)).wait();
    await (await (token.connect(signers[t + 1]) as Contract).approve(await rollup.getAddress(), 2n ** 256n - 1n)).wait();
    const depositToken = await gasOf(as(t).depositToken(1, 10n * ETH, users[t].pk[0], users[t].pk[1], { value: dep.createFee }));
    queue.append({ kind: L1Kind.CreateDeposit, index: BigInt(t), tokenId: 1n, ethAddr: BigInt(await addr(t)), amount: 10n * ETH, ax: users[t].pk[0], ay: users[t].pk[1] });

    const submit = async (txs: Tx[]): Promise<BatchGas> => {
      const batch: BatchResult = applyBatch(state, txs, queue, { slots: N });
      const witness = await computeWitness(keys.circuit.wasm, batch.witnessInputs as unknown as Record<string, unknown>);
      const { proof } = await prover.prove(witnessToBytes(witness));
      const sent = await rollup.submitBatch(batch.newRoot, batch.queueStart, batch.queueEnd, batch.feeAccount, batch.txData, proofCalldata(proof));
      const receipt = (await sent.wait())!;
      if ((await rollup.stateRoot()) !== state.root) throw new Error("on-chain root differs from the model's");
      const cd = calldataGas(sent.data);
      return { gas: Number(receipt.gasUsed), perSlot: Math.round(Number(receipt.gasUsed) / N), calldataBytes: cd.bytes, calldataGas: cd.gas, calldataBytesPerSlot: +(cd.bytes / N).toFixed(1) };
    };
    const nonces = new Array<bigint>(N).fill(0n);
    const deposits = await submit(Array.from({ length: N }, (_, i) => ({ type: TxType.Deposit, index: BigInt(i) }) as Tx));
    log(`${circuitName(config)}: batch of ${N} deposits ${deposits.gas} gas`);
    const empty = await submit([]);
    // Transfers among the ETH accounts (i → i+1 mod N−1; with one ETH account, to itself is invalid: 4x8 has 3).
    const eth = N - 1;
    const transfers = await submit(Array.from({ length: N }, (_, k) => {
      const from = k % eth;
      return signTx({ type: TxType.Transfer, from: BigInt(from), to: BigInt((from + 1) % eth), amount: ETH / 10n, fee: 0n, nonce: nonces[from]++ }, users[from].sk, state.domain);
    }));
    const withdrawals = await submit(Array.from({ length: N }, (_, i) =>
      signTx({ type: TxType.Withdraw, from: BigInt(i), amount: ETH / 100n, fee: 0n, nonce: nonces[i]++ }, users[i].sk, state.domain)));
    const claimEth = await gasOf(as(0).claim(0));
    const claimToken = await gasOf(as(t).claim(1));
    const topUp = await gasOf(as(0).topUp(0, { value: ETH }));
    const topUpToken = await gasOf(as(t).topUpToken(t, ETH));
    const forcedExit = await gasOf(as(1).forcedExit(1));
    // Exodus: the forced exit waits unconsumed; past exodusBlocks (10 here) anyone activates, then account 2 exits with a proof.
    await provider.send("anvil_mine", ["0x" + (Number(await rollup.exodusBlocks()) + 1).toString(16)]);
    const activateExodus = await gasOf(rollup.activateExodus());
    const acc = state.account(2n)!;
    const exodusWithdraw = await gasOf(as(2).exodusWithdraw(2, acc.ax, acc.ay, acc.balance, acc.nonce, state.tree.proof(2n).siblings));
    return {
      config: circuitName(config),
      ...config,
      deploy: { rollup: Number(dep.gas.rollup), verifier: Number(dep.gas.verifier), poseidon6: Number(dep.gas.poseidon6), poseidon4: Number(dep.gas.poseidon4) },
      depositFirst: depositGas[0],
      deposit: depositGas.length > 1 ? depositGas[depositGas.length - 1] : depositGas[0],
      depositToken,
      topUp,
      topUpToken,
      forcedExit,
      batch: { empty, deposits, transfers, withdrawals },
      claimEth,
      claimToken,
      activateExodus,
      exodusWithdraw,
    };
  } finally {
    await prover.release();
    await backend.close();
    provider.destroy();
    await anvil.stop();
  }
}

const rows: Row[] = [];
for (const c of configs) rows.push(await measure(c));
await releaseSnarkjs();

const machine = { cpu: os.cpus()[0]?.model, cores: os.cpus().length, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, platform: `${os.platform()} ${os.release()}` };
const date = new Date().toISOString();
const out = path.join(ROOT, "bench", "results", `gas-${date.slice(0, 10)}.json`);
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, JSON.stringify({ date, machine, evm: "anvil --hardfork cancun", notes: "gas = receipt.gasUsed (includes the 21000 base and calldata); deposit = a create-deposit after the first (depositFirst pays the cold queue/registry slots)", rows }, null, 2) + "\n");

const f = (n: number) => n.toLocaleString("en-US");
const lines = [
  "| configuration | batch | gas | gas per slot | calldata bytes | bytes per slot | calldata gas |",
  "|---|---|---:|---:|---:|---:|---:|",
];
for (const r of rows) {
  for (const [k, b] of Object.entries(r.batch)) lines.push(`| ${r.config} | ${k} (${r.txs} slots) | ${f(b.gas)} | ${f(b.perSlot)} | ${f(b.calldataBytes)} | ${b.calldataBytesPerSlot} | ${f(b.calldataGas)} |`);
}
lines.push("", "| configuration | deposit (first) | deposit | depositToken | topUp | topUpToken | forcedExit | claim ETH | claim ERC-20 | activateExodus | exodusWithdraw | deploy rollup / verifier / Poseidon6 / Poseidon4 |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
for (const r of rows) {
  lines.push(`| ${r.config} | ${f(r.depositFirst)} | ${f(r.deposit)} | ${f(r.depositToken)} | ${f(r.topUp)} | ${f(r.topUpToken)} | ${f(r.forcedExit)} | ${f(r.claimEth)} | ${f(r.claimToken)} | ${f(r.activateExodus)} | ${f(r.exodusWithdraw)} | ${f(r.deploy.rollup)} / ${f(r.deploy.verifier)} / ${f(r.deploy.poseidon6)} / ${f(r.deploy.poseidon4)} |`);
}
console.log(lines.join("\n"));
console.error(`wrote ${path.relative(process.cwd(), out)}`);
