// `zkr sync`: the state rebuilt from L1 alone. The L1 queue comes from the L1Request logs (every
// hashed field is in the event, and each running hash is checked), the batches from the
// BatchVerified logs (their txData is the calldata). Each batch is replayed by the model's
// applyBatch, with signatures not checked (calldata carries none; the contract checked the proof)
// and each signed slot's nonce taken from the account; its new root and data must be the logged
// ones, and the final root the contract's `stateRoot`.

import type { Provider } from "ethers";
import { applyBatch } from "./model/batch.js";
import { TxType } from "./model/constants.js";
import { L1Queue } from "./model/queue.js";
import { RollupState } from "./model/state.js";
import { decodeBatchData, type Tx } from "./model/tx.js";
import { Rollup__factory } from "../contracts/types/index.js";
import { readRollupLogs, type BatchVerifiedLog, type L1RequestLog } from "./l1/events.js";
import { StateCorruptError } from "./errors.js";
import type { BatchResult } from "./model/batch.js";
import { queueEntryFields } from "./model/queue.js";
import { openDatabase, setMeta } from "./db.js";
import { checkIdentity, saveAccount } from "./store.js";
import { sqliteProofQueue } from "./proofs.js";
import fs from "node:fs";
import { hex32 } from "../core/bytes.js";

export interface SyncOptions {
  provider: Provider;
  rollupAddress: string;
  /** First block to read (the rollup's deployment block; default 0). */
  fromBlock?: number;
  /** Last block to read (default: the latest). */
  toBlock?: number;
  /** Blocks per eth_getLogs call. */
  chunk?: number;
  log?: (line: string) => void;
}

export interface SyncResult {
  state: RollupState;
  queue: L1Queue;
  batches: number;
  toBlock: number;
  /** The contract's stateRoot at `toBlock`. */
  onChainRoot: bigint;
  /** True when the rebuilt root is the contract's. */
  matches: boolean;
  /** The logs read, with each batch's replay (what a restored sequencer database holds). */
  requests: L1RequestLog[];
  verified: Array<{ log: BatchVerifiedLog; result: BatchResult }>;
  slots: number;
}

/** The slots of a logged batch as transactions the model can replay. */
export function replayTxs(state: RollupState, txData: Uint8Array): Tx[] {
  const nonces = new Map<bigint, bigint>();
  return decodeBatchData(txData).map((d): Tx => {
    if (d.type !== TxType.Transfer && d.type !== TxType.Withdraw) return d;
    const nonce = nonces.get(d.from) ?? state.accounts.get(d.from)?.nonce ?? 0n;
    nonces.set(d.from, nonce + 1n);
    return { ...d, nonce };
  });
}

/** Applies one logged batch to `state`, checking it lands on the logged root with the logged data. */
export function replayBatch(state: RollupState, queue: L1Queue, b: BatchVerifiedLog, slots: number): BatchResult {
  if (BigInt(b.batchNumber) !== state.batchNumber) throw new StateCorruptError(`sync: batch ${state.batchNumber} expected next, got ${b.batchNumber}`);
  if (b.oldRoot !== state.root) throw new StateCorruptError(`sync: batch ${b.batchNumber} starts from root ${hex32(b.oldRoot)}, the rebuilt state is at ${hex32(state.root)}`);
  const res = applyBatch(state, replayTxs(state, b.txData), queue, { slots, feeAccount: BigInt(b.feeAccount), verifySignatures: false });
  if (res.newRoot !== b.newRoot) throw new StateCorruptError(`sync: batch ${b.batchNumber} replays to root ${hex32(res.newRoot)}, L1 logged ${hex32(b.newRoot)}`);
  if (Buffer.compare(Buffer.from(res.txData), Buffer.from(b.txData)) !== 0 || res.queueEnd !== BigInt(b.queueEnd) || res.feeAccount !== BigInt(b.feeAccount)) {
    throw new StateCorruptError(`sync: batch ${b.batchNumber} replays to other public data than L1 logged`);
  }
  return res;
}

/** Rebuilds the state from L1 (see the file's header). */
export async function syncFromL1(o: SyncOptions): Promise<SyncResult> {
  const log = o.log ?? (() => {});
  const rollup = Rollup__factory.connect(o.rollupAddress, o.provider);
  const [depth, slots, network, domain] = await Promise.all([rollup.depth(), rollup.slots(), o.provider.getNetwork(), rollup.domain()]);
  const toBlock = o.toBlock ?? (await o.provider.getBlockNumber());
  const state = new RollupState({ depth: Number(depth), chainId: network.chainId, rollup: o.rollupAddress });
  if (state.domain !== domain) throw new StateCorruptError(`sync: the contract's domain is ${domain}, the model derives ${state.domain} from chain ${network.chainId}`);
  const queue = new L1Queue();
  let batches = 0;
  const requests: L1RequestLog[] = [];
  const verified: SyncResult["verified"] = [];
  const chunk = o.chunk ?? 5000;
  for (let from = o.fromBlock ?? 0; from <= toBlock; from += chunk) {
    const to = Math.min(toBlock, from + chunk - 1);
    for (const l of await readRollupLogs(o.provider, o.rollupAddress, from, to)) {
      if (l.kind === "l1Request") {
        if (l.position !== queue.length) throw new StateCorruptError(`sync: queue position ${queue.length} expected, got ${l.position}`);
        const h = queue.append(l.request);
        if (h !== l.queueHash) throw new StateCorruptError(`sync: queue position ${l.position}: hash ${l.queueHash} logged, ${h} computed`);
        requests.push(l);
      } else {
        verified.push({ log: l, result: replayBatch(state, queue, l, Number(slots)) });
        batches++;
        log(`batch ${l.batchNumber} (block ${l.block}): root ${hex32(l.newRoot)}`);
      }
    }
  }
  const onChainRoot = await rollup.stateRoot({ blockTag: toBlock });
  return { state, queue, batches, toBlock, onChainRoot, matches: onChainRoot === state.root, requests, verified, slots: Number(slots) };
}

/**
 * Writes a new sequencer database holding what L1 holds: the accounts, the L1 queue, every batch
 * (verified, with its L1 transaction) and the last block read, so that a sequencer that lost its
 * database starts again from L1 alone. What never reached L1 (the mempool, unproven batches) is
 * not there, nor the hashes of past L2 transactions (calldata carries no signatures).
 * @throws when `file` exists or the sync did not reach the on-chain root.
 */
export function writeSyncedDatabase(file: string, r: SyncResult, rollupAddress: string): void {
  if (!r.matches) throw new StateCorruptError("sync: the rebuilt root differs from the contract's; not writing a database");
  if (fs.existsSync(file)) throw new StateCorruptError(`sync: ${file} exists; a new database file expected`);
  const db = openDatabase(file);
  try {
    checkIdentity(db, { chainId: r.state.chainId, depth: r.state.depth, slots: r.slots, rollup: rollupAddress });
    sqliteProofQueue.init(db);
    const now = Date.now();
    db.transaction(() => {
      for (const [i, a] of r.state.accounts) saveAccount(db, i, a);
      const insertRequest = db.prepare(
        "INSERT INTO l1_requests (position, kind, account, token_id, eth_addr, amount, ax, ay, queue_hash, block, tx_hash, seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      );
      for (const l of r.requests) {
        const [, ethAddr, amount, ax, ay] = queueEntryFields(l.request);
        insertRequest.run(l.position, l.request.kind, Number(l.request.index), Number(l.request.tokenId), ethAddr.toString(), amount.toString(), ax.toString(), ay.toString(), l.queueHash.toString(), l.block, l.txHash, now);
      }
      const insertBatch = db.prepare(
        "INSERT INTO batches (number, old_root, new_root, queue_start, queue_end, fee_account, tx_data, public_input, status, created_at, l1_tx, l1_block, verified_block) " +
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'verified', ?, ?, ?, ?)",
      );
      for (const { log, result } of r.verified) {
        insertBatch.run(log.batchNumber, log.oldRoot.toString(), log.newRoot.toString(), log.queueStart, log.queueEnd, log.feeAccount,
          Buffer.from(log.txData), result.publicInput.toString(), now, log.txHash, log.block, log.block);
      }
      setMeta(db, "batch_number", r.state.batchNumber);
      setMeta(db, "queue_next", r.state.queueNext);
      setMeta(db, "root", r.state.root);
      setMeta(db, "l1_block", r.toBlock);
      // The batches read from L1 have no undo records: a reorganisation that undoes one replays.
      setMeta(db, "undo_from", r.state.batchNumber);
    })();
  } finally {
    db.close();
  }
}
