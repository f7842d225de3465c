/**
 * The app's L1: the JSON-RPC the sequencer names in /info (the devnet's anvil), or a provider the
 * browser injects (EIP-1193, e.g. a wallet extension) when it names none. On the devnet the wallet
 * signs L1 transactions with one of anvil's well-known development accounts, chosen in the page.
 */
import { BrowserProvider, JsonRpcProvider, type Provider } from "ethers";
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
    let out: L1;
    if (info.l1Rpc) {
      out = { info, provider: new JsonRpcProvider(info.l1Rpc, Number(info.chainId), { staticNetwork: true, pollingInterval: 1000 }), kind: "devnet", tokens: [] };
    } else if (injected) {
      const bp = new BrowserProvider(injected, Number(info.chainId));
      out = { info, provider: bp, kind: "injected", injectedSigner: () => bp.getSigner(), tokens: [] };
    } else {
      throw new Error("no L1 provider: the sequencer names no public L1 RPC, and this browser injects none (install a wallet extension)");
    }
    out.tokens = await registeredTokens(out.provider, info.rollup);
    setTokens(out.tokens);
    return out;
  })();
  cached.catch(() => { cached = undefined; });
  return cached;
}
