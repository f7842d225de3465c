// The sequencer's one SQLite database (better-sqlite3, WAL): state, L1 requests, mempool, batches,
// L1 submissions, and (core/jobs/table.ts, shared with the prover service) the proof jobs. Every step of the
// sequencer is one transaction on it, so a process killed at any instant restarts from a
// consistent state: either a step happened entirely or not at all.
//
// Schema changes are migrations, applied in order and counted in `PRAGMA user_version`.

import Database from "better-sqlite3";
import fs from "node:fs";
import path from "node:path";

/** The database handle type used throughout the sequencer. */
export type Db = Database.Database;

/**
 * Migrations by version: `MIGRATIONS[i]` takes the schema from version i to i + 1.
 * Big integers (balances, field elements) are decimal TEXT; indices, nonces (< 2^40) and block
 * numbers are INTEGER.
 */
const MIGRATIONS: readonly string[] = [
  `
  -- Key/value facts: chain id, circuit, the state's root and counters, the L1 block read so far.
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

  -- The state after the last created batch (the tree is rebuilt from it at start and its root checked).
  CREATE TABLE accounts (
    idx INTEGER PRIMARY KEY, ax TEXT NOT NULL, ay TEXT NOT NULL, eth_addr TEXT NOT NULL,
    token_id INTEGER NOT NULL, balance TEXT NOT NULL, nonce INTEGER NOT NULL
  );

  -- The contract's L1 queue as read from confirmed L1Request events, by queue position.
  CREATE TABLE l1_requests (
    position INTEGER PRIMARY KEY, kind INTEGER NOT NULL, account INTEGER NOT NULL, token_id INTEGER NOT NULL,
    eth_addr TEXT NOT NULL, amount TEXT NOT NULL, ax TEXT NOT NULL, ay TEXT NOT NULL,
    queue_hash TEXT NOT NULL, block INTEGER NOT NULL, tx_hash TEXT NOT NULL, seen_at INTEGER NOT NULL
  );

  -- Signed L2 transactions: pending in the mempool, then batched (or dropped, with the reason).
  CREATE TABLE txs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    hash TEXT NOT NULL UNIQUE,
    type INTEGER NOT NULL, from_idx INTEGER NOT NULL, to_idx INTEGER, amount TEXT NOT NULL, fee TEXT NOT NULL,
    nonce INTEGER NOT NULL, sig_r8x TEXT NOT NULL, sig_r8y TEXT NOT NULL, sig_s TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'batched', 'dropped')),
    batch INTEGER, slot INTEGER, reason TEXT, received_at INTEGER NOT NULL
  );
  -- One live transaction per (account, nonce): a replay cannot even be stored.
  CREATE UNIQUE INDEX txs_live_nonce ON txs (from_idx, nonce) WHERE status != 'dropped';
  CREATE INDEX txs_pending ON txs (status, id);
  CREATE INDEX txs_batch ON txs (batch, slot);

  -- Batches: created → proven → submitting → submitted → verified.
  CREATE TABLE batches (
    number INTEGER PRIMARY KEY, old_root TEXT NOT NULL, new_root TEXT NOT NULL,
    queue_start INTEGER NOT NULL, queue_end INTEGER NOT NULL, fee_account INTEGER NOT NULL,
    tx_data BLOB NOT NULL, public_input TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('created', 'proven', 'submitting', 'submitted', 'verified')),
    proof TEXT, created_at INTEGER NOT NULL, proven_at INTEGER,
    l1_tx TEXT, l1_block INTEGER, verified_block INTEGER, error TEXT
  );

  -- Every L1 transaction the submitter signed, recorded before it is broadcast: a restart finds
  -- it and waits for it (or replaces it with the same nonce) instead of sending a second one.
  CREATE TABLE submissions (
    batch INTEGER NOT NULL, attempt INTEGER NOT NULL, nonce INTEGER NOT NULL, tx_hash TEXT NOT NULL,
    raw TEXT NOT NULL, max_fee TEXT NOT NULL, priority_fee TEXT NOT NULL, gas_limit TEXT NOT NULL,
    sent_at INTEGER NOT NULL, PRIMARY KEY (batch, attempt)
  );
  `,
  `
  -- The hashes of the L1 blocks the watcher acted on: the last block of each range it read, and
  -- every block that held one of the rollup's logs. A reorganisation shows as a hash that changed.
  CREATE TABLE l1_blocks (number INTEGER PRIMARY KEY, hash TEXT NOT NULL);
  `,
  `
  -- What the explorer and the operator's dashboard read (sequencer/api): the gas each batch's
  -- submitBatch used (from its receipt) and when L1 verified it (ms, this machine's clock).
  ALTER TABLE batches ADD COLUMN gas_used INTEGER;
  ALTER TABLE batches ADD COLUMN verified_at INTEGER;
  -- Lookups the API pages through: an account's transactions (as sender, as recipient) and L1
  -- requests newest first, the batch that consumed a queue position, the accounts of an L1 address.
  CREATE INDEX txs_from ON txs (from_idx, received_at);
  CREATE INDEX txs_to ON txs (to_idx, received_at) WHERE to_idx IS NOT NULL;
  CREATE INDEX l1_requests_account ON l1_requests (account, seen_at);
  CREATE INDEX batches_queue_end ON batches (queue_end);
  CREATE INDEX accounts_eth_addr ON accounts (eth_addr);
  `,
  `
  -- Each batch's undo record: the accounts it changed, as they were before it (all columns NULL:
  -- the account did not exist). A reorganisation that undoes batches restores them, newest first,
  -- instead of replaying every batch from the first (sequencer/l1/watcher.ts). Records exist from
  -- batch meta.undo_from on: batches made before this migration have none, and the records of
  -- batches verified deep below L1's head are deleted (sequencer/store.ts pruneUndo).
  CREATE TABLE account_undo (
    batch INTEGER NOT NULL, idx INTEGER NOT NULL,
    ax TEXT, ay TEXT, eth_addr TEXT, token_id INTEGER, balance TEXT, nonce INTEGER,
    PRIMARY KEY (batch, idx)
  );
  INSERT INTO meta (key, value) SELECT 'undo_from', COALESCE(MAX(number) + 1, 0) FROM batches;
  `,
];

/** The schema version this code writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** Options of {@link openDatabase}. */
export interface OpenOptions {
  /**
   * `NORMAL` (default) survives a killed process, as WAL commits are written before the call
   * returns; `FULL` also survives a power cut, at an fsync per commit.
   */
  synchronous?: "NORMAL" | "FULL";
}

/** Opens (creating when absent) the database at `file` and brings its schema up to date. */
export function openDatabase(file: string, opts: OpenOptions = {}): Db {
  if (file !== ":memory:") fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma(`synchronous = ${opts.synchronous ?? "NORMAL"}`);
  db.pragma("foreign_keys = ON");
  db.pragma("busy_timeout = 5000");
  migrate(db);
  return db;
}

/** Applies the migrations the database lacks, each in its own transaction. */
export function migrate(db: Db): void {
  const current = db.pragma("user_version", { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new Error(`database schema version ${current} is newer than this sequencer's ${SCHEMA_VERSION}`);
  }
  for (let v = current; v < SCHEMA_VERSION; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}

/** Reads a meta value. */
export function getMeta(db: Db, key: string): string | undefined {
  const row = db.prepare("SELECT value FROM meta WHERE key = ?").get(key) as { value: string } | undefined;
  return row?.value;
}

/** Writes a meta value. */
export function setMeta(db: Db, key: string, value: string | number | bigint): void {
  db.prepare("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(key, String(value));
}
