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
import { openDatabase, type Db } from "../../sequencer/db.js";
import { createHash } from "node:crypto";
import { checkIdentity, loadQueue, loadState } from "../../sequencer/store.js";
import { Mempool } from "../../sequencer/mempool.js";
import { createBatch } from "../../sequencer/batcher.js";
import type { SequencerContext } from "../../sequencer/context.js";
import { CHAIN_ID, TEST_ROLLUP } from "./scenario.js";

export function tmpDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A config without L1 whose loops stay quiet unless the test drives them. */
export function offlineConfig(dbPath: string, over: Partial<SequencerConfig> = {}): SequencerConfig {
  return {
    dbPath, chainId: CHAIN_ID, rollup: TEST_ROLLUP, slots: 4, depth: 8, feeAccount: 0n,
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
  const w = new L1Watcher(s.ctx, undefined as unknown as Provider, { ...DEFAULTS.l1, rpcUrl: "", deployBlock: 0, operatorKey: "" });
  w.apply(logs, block);
}

/** A create-deposit of `amount` for `pk` into account `index` (the contract's next index). */
export function createDeposit(index: bigint, pk: readonly [bigint, bigint], ethAddr: bigint, amount: bigint, tokenId = 0n): L1Request {
  return { kind: L1Kind.CreateDeposit, index, tokenId, ethAddr, amount, ax: pk[0], ay: pk[1] };
}

/** A hash of every table a request could change: equal before and after means nothing changed. */
export function databaseFingerprint(db: Db): string {
  const h = createHash("sha256");
  for (const t of ["meta", "accounts", "l1_requests", "txs", "batches", "submissions", "proof_jobs"]) {
    h.update(t + JSON.stringify(db.prepare(`SELECT * FROM ${t} ORDER BY rowid`).all()));
  }
  return h.digest("hex");
}

/** A raw HTTP call: status and parsed body. */
export async function http(url: string, method: string, body?: string, headers: Record<string, string> = { "content-type": "application/json" }): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { method, body, headers: body === undefined ? undefined : headers });
  const text = await res.text();
  let json: unknown;
  try { json = JSON.parse(text); } catch { json = text; }
  return { status: res.status, body: json };
}

/**
 * A fresh database (at `dbPath`, replacing any) whose accounts `0 … keys.length − 1` hold 1 ETH
 * each, created through the L1 queue and applied by batches as on a chain; those batches are marked
 * verified (their proof jobs removed), as if they went through. For sequencers without L1.
 */
export function seedDatabase(dbPath: string, id: { chainId: bigint; depth: number; slots: number; rollup?: string }, keys: ReadonlyArray<readonly [bigint, bigint]>): void {
  for (const f of [dbPath, `${dbPath}-wal`, `${dbPath}-shm`]) fs.rmSync(f, { force: true });
  const db = openDatabase(dbPath);
  try {
    const ident = { ...id, rollup: id.rollup ?? TEST_ROLLUP };
    checkIdentity(db, ident);
    sqliteProofQueue.init(db);
    const config = { ...offlineConfig(dbPath), chainId: id.chainId, rollup: ident.rollup, depth: id.depth, slots: id.slots, feeAccount: undefined, batchMaxWaitMs: 0 };
    const ctx = { db, config, state: loadState(db, ident), queue: loadQueue(db), proofs: sqliteProofQueue, log: () => {} } as unknown as SequencerContext;
    ctx.mempool = new Mempool(ctx);
    const mirror = new L1Queue();
    const logs: L1RequestLog[] = keys.map((pk, i) => {
      const request = createDeposit(BigInt(i), pk, BigInt(i + 1), 10n ** 18n);
      return { kind: "l1Request", position: i, request, queueHash: mirror.append(request), block: 1, txHash: "0x" + "0".repeat(64), logIndex: i };
    });
    new L1Watcher(ctx, undefined as unknown as Provider, { ...DEFAULTS.l1, rpcUrl: "", deployBlock: 0, operatorKey: "" }).apply(logs, 1);
    while (createBatch(ctx)) { /* slots deposits per batch */ }
    db.prepare("UPDATE batches SET status = 'verified'").run();
    db.prepare("DELETE FROM proof_jobs").run();
  } finally {
    db.close();
  }
}

