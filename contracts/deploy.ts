/**
 * Deploys Poseidon(6), Poseidon(4), a configuration's Groth16 verifier and the rollup contract with ethers v6.
 */
import fs from "node:fs";
import { Contract, ContractFactory, JsonRpcProvider, type ContractRunner, type Signer } from "ethers";
import type { Artifact, CompiledContracts } from "./compile.js";
import { RollupState } from "../sequencer/model/state.js";

/** Default exodus timeout in blocks: about 7 days at 12 s per block. */
export const DEFAULT_EXODUS_BLOCKS = 50_400;

export interface DeployOptions {
  /** Signs the deployments and becomes the rollup's owner. */
  deployer: Signer;
  /** Address allowed to submit batches (default: the deployer). */
  operator?: string;
  /** Blocks the oldest unconsumed L1 request may wait before anyone can activate exodus (default 50,400 ≈ 7 days). */
  exodusBlocks?: number;
  /** Slots per batch of the verifier's circuit. */
  slots: number;
  /** State tree depth of the verifier's circuit. */
  depth: number;
  artifacts: Pick<CompiledContracts, "rollup" | "verifier" | "poseidon6" | "poseidon4">;
  log?: (line: string) => void;
}

export interface Deployment {
  rollup: Contract;
  addresses: { rollup: string; verifier: string; poseidon6: string; poseidon4: string };
  genesisRoot: bigint;
  chainId: bigint;
  slots: number;
  depth: number;
  /** Gas used by each deployment. */
  gas: { rollup: bigint; verifier: bigint; poseidon6: bigint; poseidon4: bigint };
  /** Block of the rollup's deployment: a syncer reads logs from here. */
  blockNumber: number;
}

/** Reads an artefact written by compile.ts. */
export function readArtifact(file: string): Artifact {
  return JSON.parse(fs.readFileSync(file, "utf8")) as Artifact;
}

/** A provider for a local devnet (see ../shared DESIGN: static network, no cache, fast polling). */
export function devnetProvider(url: string): JsonRpcProvider {
  return new JsonRpcProvider(url, undefined, { staticNetwork: true, cacheTimeout: -1, pollingInterval: 100 });
}

async function deployOne(a: Artifact, deployer: Signer, args: unknown[], log: (l: string) => void): Promise<{ contract: Contract; gas: bigint; block: number }> {
  const factory = new ContractFactory(a.abi as never, a.bytecode, deployer);
  const contract = (await factory.deploy(...args)) as Contract;
  const receipt = await contract.deploymentTransaction()!.wait();
  if (!receipt || receipt.status !== 1) throw new Error(`deployment of ${a.contractName} failed`);
  const address = await contract.getAddress();
  log(`${a.contractName} at ${address} (${receipt.gasUsed} gas)`);
  return { contract, gas: receipt.gasUsed, block: receipt.blockNumber };
}

/** Deploys the four contracts; the rollup starts from the empty tree's root. */
export async function deployRollup(o: DeployOptions): Promise<Deployment> {
  const log = o.log ?? (() => {});
  const provider = o.deployer.provider;
  if (!provider) throw new Error("deployer has no provider");
  const chainId = (await provider.getNetwork()).chainId;
  const genesisRoot = new RollupState({ depth: o.depth, chainId }).root;
  const operator = o.operator ?? (await o.deployer.getAddress());

  const poseidon6 = await deployOne(o.artifacts.poseidon6, o.deployer, [], log);
  const poseidon4 = await deployOne(o.artifacts.poseidon4, o.deployer, [], log);
  const verifier = await deployOne(o.artifacts.verifier, o.deployer, [], log);
  const addresses = {
    poseidon6: await poseidon6.contract.getAddress(),
    poseidon4: await poseidon4.contract.getAddress(),
    verifier: await verifier.contract.getAddress(),
  };
  const rollup = await deployOne(o.artifacts.rollup, o.deployer, [addresses.poseidon6, addresses.poseidon4, addresses.verifier, genesisRoot, o.slots, o.depth, operator, o.exodusBlocks ?? DEFAULT_EXODUS_BLOCKS], log);
  return {
    rollup: rollup.contract,
    addresses: { ...addresses, rollup: await rollup.contract.getAddress() },
    genesisRoot,
    chainId,
    slots: o.slots,
    depth: o.depth,
    gas: { rollup: rollup.gas, verifier: verifier.gas, poseidon6: poseidon6.gas, poseidon4: poseidon4.gas },
    blockNumber: rollup.block,
  };
}

/** The rollup contract at `address` with the compiled ABI. */
export function rollupAt(address: string, artifact: Artifact, runner: ContractRunner): Contract {
  return new Contract(address, artifact.abi as never, runner);
}

/** A snarkjs-format Groth16 proof as `submitBatch`'s `uint256[8]`: pA, pB (each Fq2 as [c1, c0]), pC. */
export function proofCalldata(p: { pi_a: readonly string[]; pi_b: readonly (readonly string[])[]; pi_c: readonly string[] }): bigint[] {
  return [p.pi_a[0], p.pi_a[1], p.pi_b[0][1], p.pi_b[0][0], p.pi_b[1][1], p.pi_b[1][0], p.pi_c[0], p.pi_c[1]].map((x) => BigInt(x));
}
