// Helpers for the sequencer tests: a sequencer on a temporary database without L1, fed with L1
// requests the way its watcher records them, and raw HTTP calls.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { L1Kind } from "../../sequencer/model/constants.js";
import { L1Queue, type L1Request } from "../../sequencer/model/queue.js";
import { DEFAULTS, type SequencerConfig } from "../../sequencer/config.js";
import { Sequencer } from "../../sequencer/sequencer.js";
import { sqliteProofQueue } from "../../sequencer/proofs.js";
import { L1Watcher } from "../../sequencer/l1/watcher.js";
import type { L1RequestLog } from "../../sequencer/l1/events.js";
import type { Provider } from "ethers";

export function tmpDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A config without L1 whose loops stay quiet unless the test drives them. */
export function offlineConfig(dbPath: string, over: Partial<SequencerConfig> = {}): SequencerConfig {
  return {
    dbPath, chainId: 31337n, slots: 4, depth: 8, feeAccount: 0n,
    batchMaxWaitMs: 3_600_000, maxUnprovenBatches: 100, maxMempool: 1_000_000, tickMs: 3_600_000,
    api: { host: "127.0.0.1", port: 0 }, ...over,
  };
}

export async function startOffline(config: SequencerConfig): Promise<Sequencer> {
  return Sequencer.start(config, { proofs: sqliteProofQueue, log: () => {} });
}

/**
 * Records L1 requests as the watcher would from confirmed logs (block numbers made up); `mirror`
 * is the test's own copy of the queue, which computes the running hashes the contract would emit.
 */
export function feedL1(s: Sequencer, mirror: L1Queue, requests: L1Request[], block = 1): void {
  const logs: L1RequestLog[] = requests.map((request, i) => {
    const position = mirror.length;
    const queueHash = mirror.append(request);
    return { kind: "l1Request", position, request, queueHash, block, txHash: "0x" + String(block * 1000 + i).padStart(64, "0"), logIndex: i };
  });
  const w = new L1Watcher(s.ctx, undefined as unknown as Provider, { ...DEFAULTS.l1, rpcUrl: "", rollupAddress: "", deployBlock: 0, operatorKey: "" });
  w.apply(logs, block);
}

/** A create-deposit of `amount` for `pk` into account `index` (the contract's next index). */
export function createDeposit(index: bigint, pk: readonly [bigint, bigint], ethAddr: bigint, amount: bigint, tokenId = 0n): L1Request {
  return { kind: L1Kind.CreateDeposit, index, tokenId, ethAddr, amount, ax: pk[0], ay: pk[1] };
}

/** A raw HTTP call: status and parsed body. */
export async function http(url: string, method: string, body?: string, headers: Record<string, string> = { "content-type": "application/json" }): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { method, body, headers: body === undefined ? undefined : headers });
  const text = await res.text();
  let json: unknown;
  try { json = JSON.parse(text); } catch { json = text; }
  return { status: res.status, body: json };
}
