// Backpressure: a mempool at its limit (`maxMempool`) answers 503 mempool_full with a Retry-After
// of the batch interval in seconds and stores nothing; the client waits out a bounded number of
// them (its wait replaced here by one that makes the batch a real wait would have let the
// sequencer make, so nothing depends on timing); once a batch drains the mempool, submissions pass.

import fs from "node:fs";
import path from "node:path";
import { TxType } from "../sequencer/model/constants.js";
import { L1Queue } from "../sequencer/model/queue.js";
import { signTx } from "../sequencer/model/tx.js";
import { txToJson } from "../sequencer/codec.js";
import { createBatch } from "../sequencer/batcher.js";
import type { Sequencer } from "../sequencer/sequencer.js";
import { ApiError, SequencerClient } from "../sequencer/client.js";
import { TEST_DOMAIN, user } from "../bench/fixtures/scenario.js";
import { createDeposit, offlineConfig } from "../bench/fixtures/seed.js";
import { databaseFingerprint, feedL1, startOffline, tmpDir } from "./helpers/sequencer.js";

const ETH = 10n ** 18n;
const alice = user("alice");
const bob = user("bob");

let dir: string;
let seq: Sequencer;

/** Alice's next transfer to bob (account 1 → 2), signed with the nonce the mempool expects. */
const next = (amount = 1000n) => signTx({ type: TxType.Transfer, from: 1n, to: 2n, amount, fee: 0n, nonce: seq.ctx.mempool.nextNonce(1n) }, alice.sk, TEST_DOMAIN);
const post = (body: unknown) => fetch(seq.url + "/txs", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
const stored = () => (seq.ctx.db.prepare("SELECT COUNT(*) AS n FROM txs").get() as { n: number }).n;

beforeAll(async () => {
  dir = tmpDir("zkr-seq-backpressure-");
  // At most 2 pending; a batch is made at the latest 2.5 s after its oldest item: Retry-After 3.
  seq = await startOffline(offlineConfig(path.join(dir, "seq.db"), { maxMempool: 2, batchMaxWaitMs: 2500 }));
  feedL1(seq, new L1Queue(), [
    createDeposit(0n, user("operator").pk, 1n, 0n),
    createDeposit(1n, alice.pk, alice.ethAddr, ETH),
    createDeposit(2n, bob.pk, bob.ethAddr, ETH),
  ]);
  createBatch(seq.ctx);
});

afterAll(async () => {
  await seq?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test("at the limit: 503 mempool_full with Retry-After (the batch interval, in seconds), nothing stored; a batch drains it and submissions pass again", async () => {
  expect((await post(txToJson(next()))).status).toBe(202);
  expect((await post(txToJson(next()))).status).toBe(202);
  const before = databaseFingerprint(seq.ctx.db);
  const full = await post(txToJson(next()));
  expect(full.status).toBe(503);
  expect(full.headers.get("retry-after")).toBe("3");
  expect(await full.json()).toEqual({ error: "mempool_full", message: "mempool full (2 transactions wait, at most 2); retry in 3 s" });
  expect(databaseFingerprint(seq.ctx.db)).toBe(before);
  expect(seq.ctx.mempool.size).toBe(2);
  // /info says where the limit is.
  expect((await new SequencerClient(seq.url).info()).maxMempool).toBe(2);

  expect(createBatch(seq.ctx)!.txs.filter((t) => t.type === TxType.Transfer)).toHaveLength(2);
  expect(seq.ctx.mempool.size).toBe(0);
  expect((await post(txToJson(next()))).status).toBe(202);
  expect((await post(txToJson(next()))).status).toBe(202);
});

test("the client waits out Retry-After and resubmits: the wait is the header's, and a batch in between lets it through", async () => {
  expect(seq.ctx.mempool.size).toBe(2); // full, from the previous test
  const waits: number[] = [];
  const retried: string[] = [];
  const client = new SequencerClient(seq.url, {
    onRetry: (e) => retried.push(`${e.status} ${e.code} ${e.retryAfter}`),
    sleep: async (ms) => {
      waits.push(ms);
      createBatch(seq.ctx); // what the sequencer's batcher does meanwhile
    },
  });
  const tx = next(777n);
  const hash = await client.submit(tx);
  expect(waits).toEqual([3000]);
  expect(retried).toEqual(["503 mempool_full 3"]);
  expect((await client.tx(hash))).toMatchObject({ amount: 777n, stage: "pending" });
});

test("the retries are bounded: after the last one, or for a Retry-After longer than the client waits, the 503 comes back as an ApiError; nothing stored", async () => {
  while (seq.ctx.mempool.size < 2) expect((await post(txToJson(next()))).status).toBe(202);
  const count = stored();
  const waits: number[] = [];
  const patient = new SequencerClient(seq.url, { retries: 2, sleep: async (ms) => void waits.push(ms) });
  const err = await patient.submit(next()).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ApiError);
  expect(err).toMatchObject({ status: 503, code: "mempool_full", retryAfter: 3 });
  expect(waits).toEqual([3000, 3000]);
  // A client that waits at most 2 s does not wait for 3: it fails at once.
  const hasty = new SequencerClient(seq.url, { maxRetryWaitMs: 2000, sleep: async (ms) => void waits.push(ms) });
  await expect(hasty.submit(next())).rejects.toMatchObject({ status: 503, code: "mempool_full", retryAfter: 3 });
  const none = new SequencerClient(seq.url, { retries: 0, sleep: async (ms) => void waits.push(ms) });
  await expect(none.submit(next())).rejects.toMatchObject({ status: 503, retryAfter: 3 });
  expect(waits).toEqual([3000, 3000]);
  expect(stored()).toBe(count);
  // Other refusals are not retried: a replayed nonce is final.
  const replay = signTx({ type: TxType.Transfer, from: 1n, to: 2n, amount: 5n, fee: 0n, nonce: 0n }, alice.sk, TEST_DOMAIN);
  createBatch(seq.ctx);
  await expect(patient.submit(replay)).rejects.toMatchObject({ status: 409, code: "nonce_used", retryAfter: undefined });
  expect(waits).toEqual([3000, 3000]);
});
