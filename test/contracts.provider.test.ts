// L1 providers and L1 tuning are configured for what they talk to: a real chain by default, a
// devnet only when the configuration says so.

import { CHAIN_CACHE_MS, CHAIN_POLL_MS, devnetProvider, l1Provider } from "../contracts/provider.js";
import { DEFAULTS, DEVNET_L1 } from "../sequencer/config.js";
import { configFromJson } from "../sequencer/main.js";

const URL_ = "http://127.0.0.1:1"; // nothing listens: these tests only read settings

test("a real chain's provider polls at the configured pace, caches responses and batches calls", () => {
  const p = l1Provider(URL_);
  expect(p.pollingInterval).toBe(CHAIN_POLL_MS);
  expect(p._getOption("cacheTimeout")).toBe(CHAIN_CACHE_MS);
  expect(p._getOption("batchMaxCount")).toBeGreaterThan(1);
  expect(p._getOption("staticNetwork")).toBe(true);
  p.destroy();
  const q = l1Provider(URL_, { pollMs: 12_000, cacheMs: 500 });
  expect([q.pollingInterval, q._getOption("cacheTimeout")]).toEqual([12_000, 500]);
  q.destroy();
});

test("a devnet's provider polls every 100 ms and caches nothing", () => {
  for (const p of [devnetProvider(URL_), l1Provider(URL_, { devnet: true })]) {
    expect([p.pollingInterval, p._getOption("cacheTimeout"), p._getOption("batchStallTime")]).toEqual([100, -1, 0]);
    p.destroy();
  }
});

test("a sequencer config without 'devnet' gets a real chain's L1 tuning; with it, the devnet's", () => {
  const base = { dbPath: ":memory:", chainId: "1", rollup: "0x5FbDB2315678afecb367f032d93F642f64180aa3", slots: 4, depth: 8 };
  const l1 = { rpcUrl: URL_, deployBlock: 0, operatorKey: "0x" + "11".repeat(32) };
  const chain = configFromJson({ ...base, l1 }).l1!;
  expect(chain).toMatchObject({ confirmations: DEFAULTS.l1.confirmations, pollMs: DEFAULTS.l1.pollMs, stuckTxMs: DEFAULTS.l1.stuckTxMs });
  expect(chain.devnet).toBeUndefined();
  expect(chain.confirmations).toBeGreaterThanOrEqual(12);
  const dev = configFromJson({ ...base, l1: { ...l1, devnet: true } }).l1!;
  expect(dev).toMatchObject({ devnet: true, confirmations: 0, pollMs: DEVNET_L1.pollMs });
  // What the operator writes wins over either default.
  expect(configFromJson({ ...base, l1: { ...l1, confirmations: 3 } }).l1!.confirmations).toBe(3);
});
