// Helpers for the sequencer tests: a sequencer on a temporary database without L1, fed with L1
// requests the way its watcher records them, and raw HTTP calls.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { L1Queue, type L1Request } from "../../sequencer/model/queue.js";
import { DEVNET_L1, type SequencerConfig } from "../../sequencer/config.js";
import { Sequencer } from "../../sequencer/sequencer.js";
import { sqliteProofQueue } from "../../sequencer/proofs.js";
import { L1Watcher } from "../../sequencer/l1/watcher.js";
import type { BatchVerifiedLog, L1RequestLog } from "../../sequencer/l1/events.js";
import type { BatchRow } from "../../sequencer/store.js";
import type { Provider } from "ethers";
import type { Db } from "../../sequencer/db.js";
import { createHash } from "node:crypto";

export function tmpDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
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
    return { kind: "l1Request", position, request, queueHash, block, blockHash: "0x" + String(block).padStart(64, "0"), txHash: "0x" + String(block * 1000 + i).padStart(64, "0"), logIndex: i };
  });
  const w = new L1Watcher(s.ctx, undefined as unknown as Provider, { ...DEVNET_L1, rpcUrl: "", deployBlock: 0, operatorKey: "" });
  w.apply(logs, block);
}

/**
 * Records that L1 verified a batch, as the watcher does from a confirmed BatchVerified log (block
 * and transaction hash made up): the batch becomes `verified`, with its L1 transaction and block,
 * and `gasUsed` when given (the watcher reads it from the transaction's receipt).
 */
export function verifyOnL1(s: Sequencer, batchNumber: number, block: number, gasUsed?: bigint): void {
  const b = s.ctx.db.prepare("SELECT * FROM batches WHERE number = ?").get(batchNumber) as BatchRow;
  const log: BatchVerifiedLog = {
    kind: "batchVerified", batchNumber, oldRoot: BigInt(b.old_root), newRoot: BigInt(b.new_root), queueStart: b.queue_start, queueEnd: b.queue_end,
    feeAccount: b.fee_account, txData: new Uint8Array(b.tx_data), block, blockHash: "0x" + String(block).padStart(64, "0"), txHash: "0x" + String(block * 1000 + batchNumber).padStart(64, "0"), logIndex: 0,
  };
  const gas = new Map(gasUsed === undefined ? [] : [[log.txHash, gasUsed]]);
  new L1Watcher(s.ctx, undefined as unknown as Provider, { ...DEVNET_L1, rpcUrl: "", deployBlock: 0, operatorKey: "" }).apply([log], block, undefined, gas);
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
