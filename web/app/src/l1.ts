/**
 * The app's L1: the JSON-RPC the sequencer names in /info (the devnet's anvil), or a provider the
 * browser injects (EIP-1193, e.g. a wallet extension) when it names none. On the devnet the wallet
 * signs L1 transactions with one of anvil's well-known development accounts, chosen in the page.
 */
import { BrowserProvider, type Provider } from "ethers";
import { l1Provider } from "../../../contracts/provider.js";
import type { InfoJson } from "../../../sequencer/api/types.js";
import { getJson } from "./api.js";
import { setTokens, type TokenInfo } from "./format.js";
import { registeredTokens, type L1Signer } from "../../../sequencer/wallet-core.js";

/** `/info` with what the app reads of it. */
export type AppInfo = InfoJson;

export interface L1 {
  info: AppInfo;
  provider: Provider;
  /** "devnet": anvil's accounts sign; "injected": the browser's provider does. */
  kind: "devnet" | "injected";
  /** The injected provider's signer (asks the extension for an account). */
  injectedSigner?: () => Promise<L1Signer>;
  tokens: TokenInfo[];
}

let cached: Promise<L1> | undefined;

interface Eip1193 { request(a: { method: string; params?: unknown[] }): Promise<unknown> }

/** Connects once per page; the tokens registered on the rollup are read from L1 then. */
export function l1(): Promise<L1> {
  cached ??= (async () => {
    const info = await getJson<AppInfo>("/info");
    const injected = (globalThis as { ethereum?: Eip1193 }).ethereum;
    const browser = injected ? new BrowserProvider(injected, Number(info.chainId)) : undefined;
    // Reading: the sequencer's public RPC (the same settings as the CLI's: on a devnet no response
    // cache, so a nonce read just after a mined transaction is fresh), else the injected provider.
    const provider = info.l1Rpc ? l1Provider(info.l1Rpc, { devnet: info.devnet }) : browser;
    if (!provider) throw new Error("no L1 provider: the sequencer names no public L1 RPC, and this browser injects none (install a wallet extension)");
    // Signing: anvil's development accounts on a devnet, else the injected provider's account.
    const out: L1 = info.devnet ? { info, provider, kind: "devnet", tokens: [] } : { info, provider, kind: "injected", tokens: [], injectedSigner: async () => {
      if (!browser) throw new Error("signing on L1 needs a wallet extension in this browser (an EIP-1193 provider); none is injected");
      // ethers checks the network on reads, not on sends: a forced exit would go to whatever chain the extension is on.
      const chainId = BigInt((await injected!.request({ method: "eth_chainId" })) as string);
      if (chainId !== BigInt(info.chainId)) throw new Error(`your wallet is on chain ${chainId}; switch it to chain ${info.chainId}, the rollup's, and reload`);
      return browser.getSigner();
    } };
    out.tokens = await registeredTokens(out.provider, info.rollup);
    setTokens(out.tokens);
    return out;
  })();
  cached.catch(() => { cached = undefined; });
  return cached;
}
