/**
 * The devnet's ERC-20: a fresh devnet (./devnet.ts) deploys zUSD (contracts/test/TestToken.sol, 6
 * decimals like the dollar stablecoins, so that wallets meet a token that is not ETH-shaped),
 * registers it on the rollup as token 1 and mints a million of it to each of anvil's development
 * accounts, so that a wallet can deposit an ERC-20 out of the box. Three transactions in all: the
 * deployment, the registration, and one `mintEach` for every account.
 */
import { ContractFactory, type Signer } from "ethers";
import type { Artifact } from "./compile.js";
import { rollupAt } from "./deploy.js";
import type { DevnetToken } from "./devnet-files.js";
import { TestToken__factory } from "./types/index.js";

/** What the devnet's token is: its ERC-20 metadata and what each development account gets. */
export const DEVNET_TOKEN = {
  name: "zkr Test Dollar",
  symbol: "zUSD",
  decimals: 6,
  /** Minted to each of anvil's development accounts: 1,000,000 zUSD, in units. */
  mint: 1_000_000n * 10n ** 6n,
} as const;

/**
 * Deploys the devnet's token (TestToken's artefact, `contracts/compile.ts` compileTestContract) with
 * `deployer`, the rollup's owner, registers it on the rollup at `rollupAddress` and mints
 * {@link DEVNET_TOKEN}.mint to each of `holders`. Returns what deployment.json records.
 */
export async function deployDevnetToken(o: { deployer: Signer; rollupAddress: string; artifact: Artifact; holders: readonly string[]; log?: (l: string) => void }): Promise<DevnetToken> {
  const t = DEVNET_TOKEN;
  const deployed = await new ContractFactory(o.artifact.abi as never, o.artifact.bytecode, o.deployer).deploy(t.name, t.symbol, t.decimals, 0);
  await deployed.waitForDeployment();
  const address = await deployed.getAddress();
  const token = TestToken__factory.connect(address, o.deployer);
  const rollup = rollupAt(o.rollupAddress, o.deployer);
  const registered = (await (await rollup.registerToken(address)).wait())!;
  const event = registered.logs.map((l) => rollup.interface.parseLog(l)).find((p) => p?.name === "TokenRegistered");
  if (!event) throw new Error(`registerToken ${registered.hash}: no TokenRegistered log`);
  const id = Number(event.args.tokenId);
  await (await token.mintEach([...o.holders], t.mint)).wait();
  o.log?.(`${t.symbol} (${t.name}, ${t.decimals} decimals) at ${address}: token ${id}; ${t.mint / 10n ** BigInt(t.decimals)} ${t.symbol} to each of ${o.holders.length} development accounts`);
  return { id, address, symbol: t.symbol, decimals: t.decimals };
}
