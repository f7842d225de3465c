// Acknowledged means durable: the sequencer process (no L1, signatures on a worker thread, batches
// made every 50 ms) takes concurrent transfers and is killed with SIGKILL at random moments, twice,
// while it admits and batches them; each restart goes on from its database. Every transaction that
// got its 202 is stored, each (account, nonce) exactly once, and replaying the stored batches with
// the model from the seeded state gives the root the sequencer recorded: nothing applied twice.

import type { ChildProcess } from "node:child_process";
import { spawnSequencer } from "../sequencer/process.js";
import fs from "node:fs";
import path from "node:path";
import { TxType } from "../sequencer/model/constants.js";
import { L1Queue } from "../sequencer/model/queue.js";
import { RollupState } from "../sequencer/model/state.js";
import { applyBatch } from "../sequencer/model/batch.js";
import { signTx, type Tx } from "../sequencer/model/tx.js";
import { txToJson } from "../sequencer/codec.js";
import { openDatabase, getMeta } from "../sequencer/db.js";
import { txFromRow, type TxRow } from "../sequencer/store.js";
import { rng } from "../bench/fixtures/rng.js";
import { TEST_DOMAIN, TEST_ROLLUP, user } from "../bench/fixtures/scenario.js";
import { tmpDir } from "./helpers/sequencer.js";
import { createDeposit, seedDatabase } from "../bench/fixtures/seed.js";

const CHAIN_ID = 31337n;
const log = (l: string) => process.stderr.write(`  ${l}\n`);
const ACCOUNTS = 8;
const PER_ACCOUNT = 20;
const users = Array.from({ length: ACCOUNTS }, (_, i) => user(`durable-${i}`));

test("SIGKILL at random moments under load: every 202 is stored once, the batches replay to the recorded root", async () => {
  const dir = tmpDir("zkr-durable-");
  let child: ChildProcess | undefined;
  try {
    const dbPath = path.join(dir, "sequencer.db");
    seedDatabase(dbPath, { chainId: CHAIN_ID, depth: 8, slots: 4 }, users.map((u) => u.pk));
    const configFile = path.join(dir, "config.json");
    fs.writeFileSync(configFile, JSON.stringify({ dbPath, chainId: Number(CHAIN_ID), rollup: TEST_ROLLUP, slots: 4, depth: 8, batchMaxWaitMs: 50, maxUnprovenBatches: 10_000, tickMs: 20, verifyThreads: 1, api: { host: "127.0.0.1", port: 0 } }));
    const bodies = users.map((u, i) =>
      Array.from({ length: PER_ACCOUNT }, (_, n) =>
        JSON.stringify(txToJson(signTx({ type: TxType.Transfer, from: BigInt(i), to: BigInt((i + 1) % ACCOUNTS), amount: 1000n + BigInt(n), fee: 0n, nonce: BigInt(n) }, u.sk, TEST_DOMAIN)))));
    const acknowledged = new Set<string>();
    const r = rng(11);

    const start = async () => {
      const { proc, url } = await spawnSequencer(configFile);
      proc.stderr!.on("data", (c: Buffer) => log(`[seq] ${c.toString().trim()}`));
      child = proc;
      return { proc, url };
    };
    /** Each account's client sends its next nonces in order until done or the server dies. */
    const load = async (url: string) => {
      await Promise.all(users.map(async (_, i) => {
        try {
          let next = Number(((await (await fetch(`${url}/accounts/${i}`)).json()) as { nextNonce: string }).nextNonce);
          for (; next < PER_ACCOUNT; next++) {
            const res = await fetch(`${url}/txs`, { method: "POST", headers: { "content-type": "application/json" }, body: bodies[i][next] });
            const body = (await res.json()) as { hash?: string; error?: string };
            if (res.status !== 202) throw new Error(`account ${i} nonce ${next}: ${res.status} ${body.error}`);
            acknowledged.add(body.hash!);
          }
        } catch (e) {
          if (!/fetch failed|ECONNRESET|ECONNREFUSED|socket/i.test(String((e as Error).cause ?? e))) throw e;
        }
      }));
    };

    for (const round of [0, 1]) {
      const { proc, url } = await start();
      const exited = new Promise((resolve) => proc.once("exit", (_, s) => resolve(s)));
      const running = load(url);
      await new Promise((res) => setTimeout(res, 150 + r.int(500)));
      proc.kill("SIGKILL");
      expect(await exited).toBe("SIGKILL");
      await running;
      log(`round ${round}: killed; ${acknowledged.size} acknowledged so far`);
    }
    expect(acknowledged.size).toBeGreaterThan(0);
    const { proc, url } = await start();
    await load(url);
    // Let the batcher take everything, then stop gracefully.
    for (let i = 0; i < 200; i++) {
      const h = (await (await fetch(`${url}/health`)).json()) as { mempool: string };
      if (h.mempool === "0") break;
      await new Promise((res) => setTimeout(res, 50));
    }
    proc.kill("SIGTERM");
    await new Promise((resolve) => proc.once("exit", resolve));

    const db = openDatabase(dbPath);
    try {
      const rows = db.prepare("SELECT * FROM txs ORDER BY id").all() as TxRow[];
      const hashes = new Set(rows.map((x) => x.hash));
      for (const h of acknowledged) expect(hashes.has(h)).toBe(true);
      // Each (account, nonce) exactly once, all of them, all batched.
      expect(rows.map((x) => `${x.from_idx}:${x.nonce}`).sort()).toEqual(users.flatMap((_, i) => Array.from({ length: PER_ACCOUNT }, (_, n) => `${i}:${n}`)).sort());
      expect(rows.every((x) => x.status === "batched")).toBe(true);
      // Replay: the seeded deposits, then every stored batch's transactions in slot order.
      const state = new RollupState({ depth: 8, chainId: CHAIN_ID, rollup: TEST_ROLLUP });
      const queue = new L1Queue();
      users.forEach((u, i) => queue.append(createDeposit(BigInt(i), u.pk, BigInt(i + 1), 10n ** 18n)));
      const batches = db.prepare("SELECT number, queue_start, queue_end, new_root FROM batches ORDER BY number").all() as Array<{ number: number; queue_start: number; queue_end: number; new_root: string }>;
      for (const b of batches) {
        const txs: Tx[] = [];
        for (let p = b.queue_start; p < b.queue_end; p++) txs.push({ type: TxType.Deposit, index: queue.at(p).index });
        for (const row of rows.filter((x) => x.batch === b.number).sort((x, y) => x.slot! - y.slot!)) txs.push(txFromRow(row));
        expect(applyBatch(state, txs, queue, { slots: 4 }).newRoot.toString()).toBe(b.new_root);
      }
      expect(state.root.toString()).toBe(getMeta(db, "root"));
      for (let i = 0; i < ACCOUNTS; i++) expect(state.accounts.get(BigInt(i))!.nonce).toBe(BigInt(PER_ACCOUNT));
    } finally {
      db.close();
    }
  } finally {
    if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
