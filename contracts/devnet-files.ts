/**
 * The files a running devnet (`zkr devnet`, `zkr up`) writes into its folder, and their shapes:
 * kept apart from contracts/devnet.ts so that the wallet and other readers of these files load
 * nothing else.
 */
import path from "node:path";
import { ROOT } from "../core/paths.js";

/** The default folder of a devnet's files: build/devnet, or the environment's ZKR_DEVNET_DIR. */
export const DEVNET_DIR = process.env.ZKR_DEVNET_DIR ? path.resolve(process.env.ZKR_DEVNET_DIR) : path.join(ROOT, "build", "devnet");
/** The deployment (chain, addresses, artefacts), written once the contracts are deployed. */
export const DEPLOYMENT_FILE = "deployment.json";
/** anvil's saved chain, when the devnet keeps its chain (`--keep`). */
export const ANVIL_STATE_FILE = "anvil-state.json";
/** Written by `zkr up` beside deployment.json: where the sequencer listens (the wallet reads it). */
export const SEQUENCER_FILE = "sequencer.json";
/** Written by `zkr up` beside deployment.json: the wallet (0600) of the operator's fee account. */
export const OPERATOR_WALLET_FILE = "operator-wallet.json";

/** An ERC-20 registered on a devnet's rollup, as deployment.json records it. */
export interface DevnetToken {
  /** Its token id on the rollup (0 is ETH). */
  id: number;
  address: string;
  symbol: string;
  decimals: number;
}

/** What `deployment.json` holds. */
export interface DevnetDeployment {
  rpcUrl: string;
  chainId: number;
  configuration: { txs: number; depth: number; circuit: string };
  operator: string;
  addresses: { rollup: string; verifier: string; poseidon6: string; poseidon4: string };
  genesisRoot: string;
  deployBlock: number;
  /**
   * The operator's L2 account that collects fees, which `zkr up` creates on a new chain (a deposit
   * from the operator's L1 account); absent on a chain `zkr up` did not start.
   */
  feeAccount?: number;
  /**
   * The ERC-20 tokens the devnet registered on the rollup (contracts/devnet-token.ts: zUSD, token 1,
   * minted to anvil's development accounts); absent in files older than that.
   */
  tokens?: DevnetToken[];
  /** SHA-256 of each artefact file the deployment came from. */
  artefacts: Record<string, { file: string; sha256: string }>;
  anvilPid: number;
  pid: number;
  startedAt: string;
}

/** What `sequencer.json` holds. */
export interface UpEndpoints {
  apiUrl: string;
  dbPath: string;
  /** The provers' pids (`zkr up --provers`); null for one being started again. */
  proverPids: (number | null)[];
  pid: number;
  /**
   * The operator's token of this run (64 hex digits, new at each start): `Authorization: Bearer <it>`
   * for the API's operator actions (`POST /proofs/:batch/retry`). Why this file is 0600.
   */
  operatorToken: string;
  /** The browser app's URL; null when the app was not built (no build/app/index.html). */
  appUrl: string | null;
}
