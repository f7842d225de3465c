// The sequencer's configuration: what it runs against (chain, contract, circuit) and its tuning
// (batching, confirmations, gas). `zkr up` fills it from the devnet's deployment; tests build it
// directly.

import os from "node:os";

/** How the sequencer talks to L1. Absent: the sequencer batches and proves but reads and writes no chain (tests). */
export interface L1Config {
  rpcUrl: string;
  /** Block of the rollup's deployment: the watcher reads logs from there on a fresh database. */
  deployBlock: number;
  /** The operator's private key (0x-hex): signs submitBatch. */
  operatorKey: string;
  /** Blocks a log must be buried under before the sequencer acts on it (0 on a devnet). */
  confirmations: number;
  /** Milliseconds between polls of the chain. */
  pollMs: number;
  /** A submission not mined after this many milliseconds is replaced (same nonce, higher fees). */
  stuckTxMs: number;
  /** Gas limit = estimate × (1 + gasMargin). */
  gasMargin: number;
  /** Most blocks per eth_getLogs call. */
  logChunk: number;
  /** A local devnet (anvil): the provider polls every 100 ms and caches nothing. Absent: a real chain. */
  devnet?: boolean;
}

/** The HTTP API: where it listens, and what it serves besides the JSON routes. */
export interface ApiConfig {
  host: string;
  port: number;
  /**
   * The browser app's built files (build/app), served under /app/ from the same origin as the API.
   * Absent: `/` and `/app/…` are 404 like any path without a route.
   */
  appDir?: string;
  /**
   * The operator's secret (64 hex digits, 32 random bytes): `POST /proofs/:batch/retry` requires
   * `Authorization: Bearer <it>`. Absent: operator actions answer 403 operator_actions_disabled.
   * A config file that holds it must be readable by its owner only, like the operator's key.
   */
  operatorToken?: string;
  /**
   * The L1 JSON-RPC URL that `/info` gives browsers (`l1Rpc`), and whose origin the app's
   * content-security-policy lets it connect to. Only when set: `l1.rpcUrl` is never given out, as
   * a hosted RPC's URL often embeds its API key.
   */
  publicL1Rpc?: string;
}

/** Everything a {@link Sequencer} needs. */
export interface SequencerConfig {
  /** SQLite file of the sequencer (`:memory:` for throwaway tests). */
  dbPath: string;
  /** L1 chain id. */
  chainId: bigint;
  /**
   * Address of the rollup contract (0x-hex). With the chain id it makes the rollup's domain, which
   * every signature and every batch's public data bind; with `l1`, the contract the sequencer talks to.
   */
  rollup: string;
  /** Slots per batch: the circuit's transaction count. */
  slots: number;
  /** State tree depth in bits: the circuit's. */
  depth: number;
  /** Account that receives fees; when absent (or not yet created), fees must be 0. */
  feeAccount?: bigint;
  /**
   * The least fee (in the token's smallest unit) the mempool admits, per token id (decimal string
   * keys): a transfer or withdrawal from an account of token `t` pays at least `minFees[t]`, or is
   * refused with 422 `fee_too_low` (sequencer/fees.ts). A token without an entry pays what it
   * likes, 0 included. Fees are collected in the fee account's token only (one fee account per
   * batch), so a minimum for another token refuses every transaction of that token.
   */
  minFees?: Readonly<Record<string, bigint>>;
  /** A batch is made when `slots` transactions wait, or when the oldest has waited this long. */
  batchMaxWaitMs: number;
  /** Batches created but not yet proven before the batcher waits for the prover. */
  maxUnprovenBatches: number;
  /**
   * Pending transactions beyond which the API answers 503 `mempool_full`, with a `Retry-After` of
   * `batchMaxWaitMs` in whole seconds (at least 1): the mempool never grows without bound.
   */
  maxMempool: number;
  /** Milliseconds between batcher and proof-result polls. */
  tickMs: number;
  /**
   * Worker threads that verify the API's signatures (0: on the main thread). One per spare core
   * lets HTTP and SQLite keep the main thread; `defaultVerifyThreads()` picks that.
   */
  verifyThreads?: number;
  /** HTTP API; port 0 picks a free one. */
  api: ApiConfig;
  l1?: L1Config;
}

/** One verification thread per core beyond the main thread's, at most 4. */
export function defaultVerifyThreads(): number {
  return Math.min(4, Math.max(0, os.availableParallelism() - 1));
}

/** Defaults for everything but the chain and circuit. */
export const DEFAULTS = {
  batchMaxWaitMs: 2000,
  maxUnprovenBatches: 8,
  maxMempool: 1_000_000,
  tickMs: 50,
  api: { host: "127.0.0.1", port: 8080 },
  /**
   * A real chain: act on logs 12 blocks deep (reorgs deeper than that are not seen on Ethereum
   * since the merge short of finality failures), poll every 4 s (a third of a slot), replace a
   * submission not mined in 3 min (15 slots), and ask providers for 2,000 blocks of logs at a time
   * (the common limit of hosted RPCs).
   */
  l1: { confirmations: 12, pollMs: 4000, stuckTxMs: 180_000, gasMargin: 0.25, logChunk: 2000 },
} as const;

/** L1 tuning of a local devnet (anvil, a block per transaction, no reorgs): act at once. */
export const DEVNET_L1 = { devnet: true, confirmations: 0, pollMs: 200, stuckTxMs: 30_000, gasMargin: 0.25, logChunk: 5000 } as const;
