// Batches' undo records (sequencer/store.ts recordUndo / undoBatches / pruneUndo, table
// account_undo): what a deep L1 reorganisation uses to undo batches without replaying every batch
// from the first (sequencer/l1/watcher.ts; the reorganisations themselves, on anvil, are
// test/sequencer.l1.test.ts). Offline: real batches made by the batcher from deposits, a new
// account, transfers with fees and a top-up; each undo must give back the accounts and counters
// exactly as they were, the tree's root checked by the rebuild. Then pruning, and a database from
// before the records.

import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { L1Kind, TxType } from "../sequencer/model/constants.js";
import { L1Queue } from "../sequencer/model/queue.js";
import { signTx } from "../sequencer/model/tx.js";
import { txToJson } from "../sequencer/codec.js";
import { createBatch } from "../sequencer/batcher.js";
import type { Sequencer } from "../sequencer/sequencer.js";
import { getMeta, migrate, SCHEMA_VERSION, type Db } from "../sequencer/db.js";
import { UNDO_KEEP_BLOCKS, loadState, pruneUndo, undoBatches } from "../sequencer/store.js";
import { TEST_DOMAIN, user } from "../bench/fixtures/scenario.js";
import { createDeposit, offlineConfig } from "../bench/fixtures/seed.js";
import { feedL1, http, startOffline, tmpDir, verifyOnL1 } from "./helpers/sequencer.js";

const ETH = 10n ** 18n;
const MIN = 10n ** 14n;
const op = user("operator");
const alice = user("alice");
const bob = user("bob");
const dave = user("dave");

let dir: string;
let seq: Sequencer;
const mirror = new L1Queue();

/** The accounts and counters a batch changes. */
function snapshot(db: Db): string {
  const meta = ["batch_number", "queue_next", "root"].map((k) => getMeta(db, k));
  return JSON.stringify({ accounts: db.prepare("SELECT * FROM accounts ORDER BY idx").all(), meta });
}

const identity = () => ({ chainId: seq.ctx.config.chainId, depth: seq.ctx.config.depth, slots: seq.ctx.config.slots, rollup: seq.ctx.config.rollup });

async function transfer(from: bigint, to: bigint, amount: bigint, nonce: bigint, sk: Uint8Array) {
  const r = await http(seq.url + "/txs", "POST", JSON.stringify(txToJson(signTx({ type: TxType.Transfer, from, to, amount, fee: MIN, nonce }, sk, TEST_DOMAIN))));
  expect(r.status).toBe(202);
}

/** Before batch k: the snapshot taken then. */
const before: string[] = [];

beforeAll(async () => {
  dir = tmpDir("zkr-seq-undo-");
  seq = await startOffline(offlineConfig(path.join(dir, "seq.db"), { feeAccount: 0n, minFees: { "0": MIN } }));
  // batch 0: three accounts made by deposits
  before.push(snapshot(seq.ctx.db));
  feedL1(seq, mirror, [createDeposit(0n, op.pk, op.ethAddr, 0n), createDeposit(1n, alice.pk, alice.ethAddr, 2n * ETH), createDeposit(2n, bob.pk, bob.ethAddr, ETH)]);
  expect(createBatch(seq.ctx)!.batchNumber).toBe(0n);
  // batch 1: transfers both ways, fees to account 0
  before.push(snapshot(seq.ctx.db));
  await transfer(1n, 2n, ETH / 4n, 0n, alice.sk);
  await transfer(2n, 1n, ETH / 8n, 0n, bob.sk);
  expect(createBatch(seq.ctx)!.batchNumber).toBe(1n);
  // batch 2: a new account (dave), a top-up of alice, and a transfer from alice
  before.push(snapshot(seq.ctx.db));
  feedL1(seq, mirror, [createDeposit(3n, dave.pk, dave.ethAddr, ETH / 2n), { kind: L1Kind.TopUp, index: 1n, tokenId: 0n, ethAddr: alice.ethAddr, amount: ETH }], 2);
  await transfer(1n, 2n, ETH / 16n, 1n, alice.sk);
  expect(createBatch(seq.ctx)!.batchNumber).toBe(2n);
  before.push(snapshot(seq.ctx.db));
});

afterAll(async () => {
  await seq?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test("every batch kept an undo record of the accounts it changed (a new account's as none)", () => {
  const rows = seq.ctx.db.prepare("SELECT batch, idx, ax IS NULL AS created FROM account_undo ORDER BY batch, idx").all();
  expect(rows).toEqual([
    { batch: 0, idx: 0, created: 1 }, { batch: 0, idx: 1, created: 1 }, { batch: 0, idx: 2, created: 1 },
    { batch: 1, idx: 0, created: 0 }, { batch: 1, idx: 1, created: 0 }, { batch: 1, idx: 2, created: 0 },
    { batch: 2, idx: 0, created: 0 }, { batch: 2, idx: 1, created: 0 }, { batch: 2, idx: 2, created: 0 }, { batch: 2, idx: 3, created: 1 },
  ]);
  expect(getMeta(seq.ctx.db, "undo_from")).toBe("0");
});

test("undoing batch 2, then 1, gives back the accounts and counters as they were before each; the rebuilt tree lands on its old root", () => {
  const db = seq.ctx.db;
  // in a transaction that is rolled back afterwards: the sequencer's own state stays as it is
  const probe = db.transaction((from: number) => {
    expect(undoBatches(db, from)).toBe(true);
    const got = snapshot(db);
    const root = loadState(db, identity()).root; // throws if the tree does not land on meta.root
    return { got, root };
  });
  const run = (from: number) => {
    let out: { got: string; root: bigint } | undefined;
    try {
      db.transaction(() => {
        out = probe(from);
        throw new Error("rollback");
      })();
    } catch (e) {
      if ((e as Error).message !== "rollback") throw e;
    }
    return out!;
  };
  const b2 = run(2);
  expect(b2.got).toBe(before[2]);
  expect(b2.root).toBe(BigInt(JSON.parse(before[2]).meta[2]));
  expect(run(1).got).toBe(before[1]);
  // before batch 0 the counters were unset: now their values, the root batch 0's old one (checked by the rebuild)
  expect(JSON.parse(run(0).got)).toEqual({ accounts: [], meta: ["0", "0", expect.any(String)] });
  // rolled back: nothing changed
  expect(snapshot(db)).toBe(before[3]);
  expect((db.prepare("SELECT COUNT(*) AS n FROM account_undo").get() as { n: number }).n).toBe(10);
});

test("records of batches verified deep below L1's head are pruned; an undo reaching them declines, changing nothing", () => {
  const db = seq.ctx.db;
  verifyOnL1(seq, 0, 10);
  verifyOnL1(seq, 1, 20);
  pruneUndo(db, 10 + UNDO_KEEP_BLOCKS - 1); // batch 0's block is not deep enough yet
  expect(getMeta(db, "undo_from")).toBe("0");
  pruneUndo(db, 10 + UNDO_KEEP_BLOCKS);
  expect(getMeta(db, "undo_from")).toBe("1");
  expect(db.prepare("SELECT DISTINCT batch FROM account_undo ORDER BY batch").all()).toEqual([{ batch: 1 }, { batch: 2 }]);
  const now = snapshot(db);
  expect(db.transaction(() => undoBatches(db, 0))()).toBe(false);
  expect(snapshot(db)).toBe(now);
  expect((db.prepare("SELECT COUNT(*) AS n FROM account_undo").get() as { n: number }).n).toBe(7);
});

test("a database from before the records: the migration marks its batches as having none (undo declines, the watcher replays)", () => {
  const file = path.join(dir, "old.db");
  const db = new Database(file);
  // schema version 4 = the migrations before account_undo; one batch made then
  const current = new Database(path.join(dir, "seq.db"), { readonly: true });
  const schema = current.prepare("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name != 'account_undo' AND name NOT LIKE 'sqlite_%'").all() as { sql: string }[];
  current.close();
  for (const { sql } of schema) db.exec(sql);
  db.pragma(`user_version = ${SCHEMA_VERSION - 1}`);
  db.prepare("INSERT INTO batches (number, old_root, new_root, queue_start, queue_end, fee_account, tx_data, public_input, status, created_at) VALUES (0, '0', '1', 0, 1, 0, x'00', '0', 'created', 0)").run();
  migrate(db);
  expect(getMeta(db, "undo_from")).toBe("1");
  expect(undoBatches(db, 0)).toBe(false);
  db.close();
});
