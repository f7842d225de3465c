// An anvil chain with a zkr rollup for the tests that attack the contract: signers, a registered
// test token anyone can mint, the model's mirror of the L1 queue, and an honest operator that
// submits the batches the model builds. The verifier is either the real one of the 4×8 dev keys
// (proofs made by the prover) or MockVerifier, which accepts exactly the public inputs the test
// registered: the contract's own logic is what these tests attack, not Groth16.

import { Contract, ContractFactory, type JsonRpcProvider, type JsonRpcSigner } from "ethers";
import type { DevKeys } from "../../circuits/devkeys.js";
import { computeWitness } from "../../circuits/witness.js";
import { compileContracts, compileRollup, compileTestContract, poseidonArtifact } from "../../contracts/compile.js";
import { deployRollup, proofCalldata, type Deployment } from "../../contracts/deploy.js";
import { devnetProvider } from "../../contracts/provider.js";
import { startAnvil, type Anvil } from "../../contracts/anvil.js";
import type { Rollup } from "../../contracts/types/index.js";
import { Groth16Prover, createBackend, readZkey, witnessToBytes } from "../../prover/index.js";
import { readRollupLogs } from "../../sequencer/l1/events.js";
import { applyBatch, type BatchOptions, type BatchResult } from "../../sequencer/model/batch.js";
import { L1Queue } from "../../sequencer/model/queue.js";
import { RollupState } from "../../sequencer/model/state.js";
import type { Tx } from "../../sequencer/model/tx.js";
import { revertOf } from "../../contracts/errors.js";

export interface ChainOptions {
  /** "mock": MockVerifier; otherwise the dev keys whose verifier and prover to use. */
  verifier: "mock" | DevKeys;
  /** Deploy RollupHarness (request-time key check relaxed) instead of Rollup. */
  harness?: boolean;
  exodusBlocks?: number;
  createFee?: bigint;
  slots?: number;
  depth?: number;
}

export interface ChainWorld {
  anvil: Anvil;
  provider: JsonRpcProvider;
  /** anvil's accounts; signer 0 deployed the contracts and is the operator. */
  signers: JsonRpcSigner[];
  addr: string[];
  dep: Deployment;
  rollup: Rollup;
  /** TestToken registered as token 1 (anyone may mint it). */
  token: Contract;
  tokenAddress: string;
  /** The model's state and its mirror of the contract's queue. */
  state: RollupState;
  queue: L1Queue;
  slots: number;
  /** The rollup as signer `i`. */
  as(i: number): Rollup;
  /** The token as signer `i`. */
  tokenAs(i: number): Contract;
  mine(blocks: number): Promise<void>;
  /** The name of the custom error `p` reverted with, or "no revert". */
  revert(p: Promise<unknown>): Promise<string>;
  /** Appends the L1 requests logged since the last call to the model's queue. */
  syncQueue(): Promise<void>;
  /** Applies `txs` to the model, proves (or registers) the batch and submits it as the operator. */
  submit(txs: Tx[], opts?: BatchOptions): Promise<BatchResult>;
  stop(): Promise<void>;
}

export async function startChain(o: ChainOptions): Promise<ChainWorld> {
  const slots = o.slots ?? 4;
  const depth = o.depth ?? 8;
  const mock = o.verifier === "mock";
  const anvil = await startAnvil();
  const provider = devnetProvider(anvil.url);
  const signers = await Promise.all(Array.from({ length: 8 }, (_, i) => provider.getSigner(i)));
  const addr = await Promise.all(signers.map((s) => s.getAddress()));
  const compiled = mock
    ? { rollup: compileRollup(), verifier: compileTestContract("MockVerifier"), poseidon6: poseidonArtifact(6), poseidon4: poseidonArtifact(4) }
    : compileContracts({ verifierFile: (o.verifier as DevKeys).verifier });
  const artifacts = o.harness ? { ...compiled, rollup: compileTestContract("RollupHarness") } : compiled;
  const dep = await deployRollup({ deployer: signers[0], slots, depth, exodusBlocks: o.exodusBlocks, createFee: o.createFee, artifacts });
  const rollup = dep.rollup;
  const tokenArt = compileTestContract("TestToken");
  const token = (await new ContractFactory(tokenArt.abi as never, tokenArt.bytecode, signers[0]).deploy("Mintable", "MINT", 18, 0)) as Contract;
  await token.waitForDeployment();
  const tokenAddress = await token.getAddress();
  await (await rollup.registerToken(tokenAddress)).wait();
  const verifier = new Contract(dep.addresses.verifier, ["function prove(uint256)"], signers[0]);

  const state = new RollupState({ depth, chainId: dep.chainId, rollup: dep.addresses.rollup });
  const queue = new L1Queue();
  let lastBlock = dep.blockNumber - 1;
  let prover: { prover: Groth16Prover; close(): Promise<void> } | undefined;

  const proofOf = async (batch: BatchResult): Promise<bigint[]> => {
    if (mock) {
      await (await verifier.prove(batch.publicInput)).wait();
      return new Array<bigint>(8).fill(0n);
    }
    if (!prover) {
      const backend = await createBackend("cpu");
      const p = await Groth16Prover.create(readZkey((o.verifier as DevKeys).zkey), backend);
      prover = { prover: p, close: async () => { await p.release(); await backend.close(); } };
    }
    const witness = await computeWitness((o.verifier as DevKeys).circuit.wasm, batch.witnessInputs as unknown as Record<string, unknown>);
    const { proof, publicSignals } = await prover.prover.prove(witnessToBytes(witness));
    if (publicSignals[0] !== batch.publicInput.toString()) throw new Error("the proof's public signal is not the model's");
    return proofCalldata(proof);
  };

  const world: ChainWorld = {
    anvil, provider, signers, addr, dep, rollup, token, tokenAddress, state, queue, slots,
    as: (i) => rollup.connect(signers[i]) as Rollup,
    tokenAs: (i) => token.connect(signers[i]) as Contract,
    mine: async (n) => { await provider.send("anvil_mine", ["0x" + n.toString(16)]); },
    revert: (p) => revertOf(rollup, p),
    async syncQueue() {
      const head = await provider.getBlockNumber();
      for (const l of await readRollupLogs(provider, dep.addresses.rollup, lastBlock + 1, head)) {
        if (l.kind !== "l1Request") continue;
        if (l.position !== queue.length) throw new Error(`queue position ${queue.length} expected, got ${l.position}`);
        if (queue.append(l.request) !== l.queueHash) throw new Error(`queue hash of position ${l.position} differs from the contract's`);
      }
      lastBlock = head;
    },
    async submit(txs, opts) {
      await world.syncQueue();
      const batch = applyBatch(state, txs, queue, { slots, ...opts });
      const proof = await proofOf(batch);
      await (await rollup.submitBatch(batch.newRoot, batch.queueStart, batch.queueEnd, batch.feeAccount, batch.txData, proof)).wait();
      if ((await rollup.stateRoot()) !== state.root) throw new Error("the contract's root is not the model's");
      return batch;
    },
    async stop() {
      await prover?.close();
      provider.destroy();
      await anvil.stop();
    },
  };
  return world;
}
