/**
 * L1 providers, configured for what they talk to. A devnet (anvil on this machine) is polled every
 * 100 ms with no cache, so tests and `zkr up` see each block at once. A real chain is polled at the
 * operator's `pollMs` (default 4 s, a third of Ethereum's slot), keeps ethers's short response
 * cache, batches JSON-RPC calls, and learns the network once instead of asking on every call.
 * Confirmations are the watcher's business (L1Config.confirmations), not the provider's.
 */
import { JsonRpcProvider } from "ethers";

/** Options of {@link l1Provider}. */
export interface L1ProviderOptions {
  /** A local devnet: fast polling, no cache. */
  devnet?: boolean;
  /** Milliseconds between polls of a real chain (new blocks, receipts). */
  pollMs?: number;
  /** Milliseconds a real chain's identical request is answered from the cache. */
  cacheMs?: number;
}

/** Poll interval of a real chain when the configuration does not say. */
export const CHAIN_POLL_MS = 4000;
/** Response cache of a real chain's provider. */
export const CHAIN_CACHE_MS = 1000;

/** A JSON-RPC provider for `url`: a devnet's or a real chain's settings (see the file's comment). */
export function l1Provider(url: string, o: L1ProviderOptions = {}): JsonRpcProvider {
  if (o.devnet) return new JsonRpcProvider(url, undefined, { staticNetwork: true, cacheTimeout: -1, pollingInterval: 100, batchStallTime: 0 });
  return new JsonRpcProvider(url, undefined, { staticNetwork: true, cacheTimeout: o.cacheMs ?? CHAIN_CACHE_MS, pollingInterval: o.pollMs ?? CHAIN_POLL_MS, batchMaxCount: 20 });
}

/** A provider for a local devnet: the network is read once, nothing is cached, anvil is polled every 100 ms. */
export function devnetProvider(url: string): JsonRpcProvider {
  return l1Provider(url, { devnet: true });
}
