// The sequencer's HTTP API against bad input: malformed JSON, wrong types, huge numbers, bad
// signatures, replayed and future nonces, unknown accounts, overspending, wrong tokens and fees.
// Each answer is its 4xx with a reason, and the database is byte-for-byte what it was. Then the
// good path: reads, a batch made of the accepted transactions (which the model replays to the
// same root), a forced exit that makes a pending transaction invalid (dropped, never batched),
// and a restart that rebuilds the same state and mempool.

import fs from "node:fs";
import path from "node:path";
import { TxType, L1Kind } from "../sequencer/model/constants.js";
import { L1Queue } from "../sequencer/model/queue.js";
import { RollupState } from "../sequencer/model/state.js";
import { applyBatch } from "../sequencer/model/batch.js";
import { decodeBatchData, signTx, type SignedTx, type Tx } from "../sequencer/model/tx.js";
import { txToJson } from "../sequencer/codec.js";
import { createBatch } from "../sequencer/batcher.js";
import type { Sequencer } from "../sequencer/sequencer.js";
import { claimProofJob, failProofJob, releaseProofJob } from "../prover/service/sqlite-queue.js";
import { getProofJob, retryProofJob } from "../core/jobs/table.js";
import { stageOf } from "../sequencer/api/get-tx.js";
import { TEST_DOMAIN, TEST_ROLLUP, user } from "../bench/fixtures/scenario.js";
import { databaseFingerprint, feedL1, http, startOffline, tmpDir } from "./helpers/sequencer.js";
import { createDeposit, offlineConfig } from "../bench/fixtures/seed.js";
import verifyTask, { init as initVerifyTask } from "../sequencer/verify-task.js";
import { sign } from "../sequencer/model/keys.js";

const ETH = 10n ** 18n;
const chainId = 31337n;
const op = user("operator");
const alice = user("alice");
const bob = user("bob");
const carol = user("carol");
const mallory = user("mallory");

let dir: string;
let seq: Sequencer;
const mirror = new L1Queue();

const transfer = (from: bigint, to: bigint, amount: bigint, nonce: bigint, sk = alice.sk, fee = 0n) =>
  signTx({ type: TxType.Transfer, from, to, amount, fee, nonce }, sk, TEST_DOMAIN);
const withdraw = (from: bigint, amount: bigint, nonce: bigint, sk = alice.sk, fee = 0n) =>
  signTx({ type: TxType.Withdraw, from, amount, fee, nonce }, sk, TEST_DOMAIN);

const dbFingerprint = () => databaseFingerprint(seq.ctx.db);

async function postTx(tx: SignedTx & { sig: NonNullable<SignedTx["sig"]> }) {
  return http(seq.url + "/txs", "POST", JSON.stringify(txToJson(tx)));
}

/** Posts and expects a refusal with nothing stored. */
async function refused(body: string | object, status: number, code: string, reason: RegExp, headers?: Record<string, string>) {
  const before = dbFingerprint();
  const text = typeof body === "string" ? body : JSON.stringify(body, (_, v) => (typeof v === "bigint" ? v.toString() : v));
  const res = await http(seq.url + "/txs", "POST", text, headers);
  expect({ status: res.status, code: res.body.error }).toEqual({ status, code });
  expect(res.body.message).toMatch(reason);
  expect(dbFingerprint()).toBe(before);
}

beforeAll(async () => {
  dir = tmpDir("zkr-seq-api-");
  // Signatures are verified on a worker thread, as in production (`verifyThreads`).
  seq = await startOffline(offlineConfig(path.join(dir, "seq.db"), { verifyThreads: 1 }));
  // Accounts 0 (operator, fee account), 1 alice, 2 bob (ETH), 3 carol (token 1).
  feedL1(seq, mirror, [
    createDeposit(0n, op.pk, op.ethAddr, 0n),
    createDeposit(1n, alice.pk, alice.ethAddr, 2n * ETH),
    createDeposit(2n, bob.pk, bob.ethAddr, ETH),
    createDeposit(3n, carol.pk, carol.ethAddr, 5n * ETH, 1n),
  ]);
  const b = createBatch(seq.ctx)!;
  expect(b.batchNumber).toBe(0n);
  expect(seq.ctx.state.accounts.size).toBe(4);
});

afterAll(async () => {
  await seq?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test("malformed JSON, wrong content type and oversized bodies are refused", async () => {
  await refused("{\"type\": \"transfer\",", 400, "invalid_json", /JSON expected/);
  await refused("", 400, "invalid_json", /JSON expected/);
  await refused(JSON.stringify(txToJson(transfer(1n, 2n, 1000n, 0n))), 415, "unsupported_media_type", /application\/json expected/, { "content-type": "text/plain" });
  await refused(JSON.stringify({ type: "transfer", pad: "x".repeat(20_000) }), 413, "body_too_large", /at most 8192 bytes/);
});

test("wrong types and shapes are refused naming the field", async () => {
  const good = txToJson(transfer(1n, 2n, 1000n, 0n));
  await refused([good], 400, "invalid_field", /body: a JSON object expected, got an array/);
  await refused("null", 400, "invalid_field", /got null/);
  await refused({ ...good, type: "mint" }, 400, "invalid_field", /type: "transfer" or "withdraw" expected, got "mint"/);
  await refused({ ...good, amount: 1.5 }, 400, "invalid_field", /amount: a non-negative integer/);
  await refused({ ...good, amount: -5 }, 400, "invalid_field", /amount: a non-negative integer/);
  await refused({ ...good, amount: "0x10" }, 400, "invalid_field", /amount: a decimal integer string expected/);
  await refused({ ...good, amount: "007" }, 400, "invalid_field", /amount: a decimal integer string expected/);
  await refused({ ...good, from: true }, 400, "invalid_field", /from: a decimal integer string expected, got boolean/);
  await refused({ ...good, to: undefined }, 400, "invalid_field", /to: a decimal integer string expected, got undefined/);
  await refused({ ...good, sig: "abc" }, 400, "invalid_field", /sig: an object/);
  await refused({ ...good, sig: { ...good.sig, s: null } }, 400, "invalid_field", /sig.s: a decimal integer string expected, got null/);
  await refused({ ...good, extra: 1 }, 400, "invalid_field", /unknown field "extra"/);
  await refused({ ...txToJson(withdraw(1n, 1000n, 0n)), to: "2" }, 400, "invalid_field", /unknown field "to"/);
});

test("huge and unrepresentable numbers are refused", async () => {
  const good = txToJson(transfer(1n, 2n, 1000n, 0n));
  await refused({ ...good, amount: "9".repeat(200) }, 400, "out_of_range", /amount: at most 78 digits expected, got 200/);
  await refused({ ...good, amount: (1n << 128n).toString() }, 400, "out_of_range", /amount: a value below 2\^128/);
  await refused({ ...good, from: String(1 << 24) }, 400, "out_of_range", /from: a value below 2\^24/);
  await refused({ ...good, nonce: (1n << 40n).toString() }, 400, "out_of_range", /nonce: a value below 2\^40/);
  await refused({ ...good, amount: 2 ** 60 }, 400, "invalid_field", /amount: a non-negative integer/); // not a safe integer
  await refused({ ...good, sig: { ...good.sig, s: "21888242871839275222246405745257275088548364400416034343698204186575808495617" } }, 400, "out_of_range", /sig.s: a value below/);
  // 234567891 · 10^9: the mantissa is above 2^27 and has no factor 10, so it is no Float32.
  await refused({ ...good, amount: (234567891n * 10n ** 9n).toString() }, 400, "out_of_range", /transfer.amount: a value representable as Float32/);
  await refused({ ...good, fee: "257" }, 400, "out_of_range", /transfer.fee: a value representable as Float13/);
  await refused({ ...good, to: "1" }, 400, "invalid_field", /different account expected, got from = to = 1/);
});

test("bad signatures are refused", async () => {
  await refused(txToJson(transfer(1n, 2n, 1000n, 0n, mallory.sk)), 422, "bad_signature", /transfer from account 1: a signature by the account's key expected/);
  const signed = transfer(1n, 2n, 1000n, 0n);
  await refused({ ...txToJson(signed), amount: "2000" }, 422, "bad_signature", /does not verify/);
  // Signed for another chain.
  await refused(txToJson(signTx({ type: TxType.Withdraw, from: 1n, amount: 10n, fee: 0n, nonce: 0n }, alice.sk, 1n)), 422, "bad_signature", /withdraw from account 1/);
  await refused({ ...txToJson(signed), sig: { r8x: "1", r8y: "2", s: "3" } }, 422, "bad_signature", /does not verify/);
});

test("unknown accounts, wrong tokens and fees are refused", async () => {
  await refused(txToJson(transfer(200n, 2n, 1000n, 0n)), 422, "unknown_account", /transfer from account 200: an existing account expected/);
  await refused(txToJson(transfer(1n, 99n, 1000n, 0n)), 422, "unknown_account", /transfer to account 99/);
  await refused(txToJson(transfer(1n, 3n, 1000n, 0n)), 422, "wrong_token", /transfer to account 3: token 0 expected, got 1/);
  await refused(txToJson(withdraw(3n, 1000n, 0n, carol.sk, 10n)), 422, "bad_fee", /fees are collected in token 0, account 3 holds token 1/);
});

test("overspending, replays and nonce gaps are refused; accepted ones are stored once", async () => {
  await refused(txToJson(transfer(1n, 2n, 3n * ETH, 0n)), 422, "insufficient_balance", /balance of at least 3000000000000000000 expected, got 2000000000000000000/);
  await refused(txToJson(transfer(1n, 2n, 1000n, 1n)), 409, "nonce_gap", /nonce 0 expected, got 1/);

  const t0 = transfer(1n, 2n, 15n * 10n ** 17n, 0n, alice.sk, 100n);
  const ok = await postTx(t0);
  expect(ok.status).toBe(202);
  expect(ok.body.hash).toMatch(/^0x[0-9a-f]{64}$/);
  await refused(txToJson(t0), 409, "duplicate", /already received/);
  await refused(txToJson(transfer(1n, 2n, 7n, 0n)), 409, "nonce_used", /nonce 1 expected, got 0 \(already used\)/);
  // 2 ETH − 1.5 ETH − 100 wei pending: 0.6 ETH is too much.
  await refused(txToJson(withdraw(1n, 6n * 10n ** 17n, 1n)), 422, "insufficient_balance", /499999999999999900 \(2000000000000000000 less 1500000000000000100 pending\)/);
  // … and the amounts it quotes come as data too (wei, decimal strings), for clients that show them otherwise.
  expect((await postTx(withdraw(1n, 6n * 10n ** 17n, 1n))).body.data).toEqual({ account: "1", required: "600000000000000000", balance: "2000000000000000000", pending: "1500000000000000100" });
  expect((await postTx(withdraw(1n, 4n * 10n ** 17n, 1n))).status).toBe(202);
  expect((await postTx(transfer(2n, 1n, 10n ** 17n, 0n, bob.sk))).status).toBe(202);

  const acct = await http(seq.url + "/accounts/1", "GET");
  expect(acct.body).toMatchObject({ index: "1", balance: (2n * ETH).toString(), nonce: "0", nextNonce: "2", pendingTxs: "2", spendable: (2n * ETH - 19n * 10n ** 17n - 100n).toString() });
  const tx = await http(seq.url + `/txs/${ok.body.hash}`, "GET");
  expect(tx.body).toMatchObject({ hash: ok.body.hash, type: "transfer", from: "1", to: "2", stage: "pending", nonce: "0", fee: "100" });
});

test("reads: accounts by index and key, unknown things are 404, bad parameters 400", async () => {
  const byKey = await http(seq.url + `/accounts?ax=${bob.pk[0]}&ay=${bob.pk[1]}`, "GET");
  expect(byKey.body.accounts.map((a: { index: string }) => a.index)).toEqual(["2"]);
  expect((await http(seq.url + "/accounts/77", "GET")).status).toBe(404);
  expect((await http(seq.url + "/accounts/abc", "GET")).status).toBe(400);
  expect((await http(seq.url + "/accounts?ax=1", "GET")).status).toBe(400);
  expect((await http(seq.url + "/txs/0x" + "0".repeat(64), "GET")).status).toBe(404);
  expect((await http(seq.url + "/txs/nothex", "GET")).status).toBe(400);
  expect((await http(seq.url + "/batches/5", "GET")).status).toBe(404);
  expect((await http(seq.url + "/nowhere", "GET")).status).toBe(404);
  expect((await http(seq.url + "/txs", "GET")).status).toBe(405);
  const health = await http(seq.url + "/health", "GET");
  expect(health.body).toMatchObject({ ok: true, mempool: "3", nextBatch: "1" });
  const b0 = await http(seq.url + "/batches/0", "GET");
  expect(b0.body.slots.map((s: { type: string }) => s.type)).toEqual(["deposit", "deposit", "deposit", "deposit"]);
  // Each slot names its account's token, which its amounts are in.
  expect(b0.body.slots.map((s: { index: string; tokenId: string }) => [s.index, s.tokenId])).toEqual([["0", "0"], ["1", "0"], ["2", "0"], ["3", "1"]]); // 3 holds token 1
});

test("a batch holds exactly the accepted transactions; the model replays it to the same root", async () => {
  const replay = new RollupState({ depth: 8, chainId, rollup: TEST_ROLLUP });
  const q = new L1Queue();
  for (let i = 0; i < mirror.length; i++) q.append(mirror.at(i));
  applyBatch(replay, [0n, 1n, 2n, 3n].map((index) => ({ type: TxType.Deposit, index }) as Tx), q, { slots: 4 });

  const b = createBatch(seq.ctx)!;
  expect(b.batchNumber).toBe(1n);
  expect(b.txs.map((t) => t.type)).toEqual([TxType.Transfer, TxType.Withdraw, TxType.Transfer, TxType.Noop]);
  const rows = seq.ctx.db.prepare("SELECT * FROM txs WHERE batch = 1 ORDER BY slot").all() as Array<{ hash: string; slot: number }>;
  expect(rows.map((r) => r.slot)).toEqual([0, 1, 2]);
  const stored = seq.ctx.db.prepare("SELECT * FROM txs ORDER BY id").all() as Array<Record<string, string | number>>;
  const txs = stored.map((r) => signTx(
    r.type === TxType.Transfer
      ? { type: TxType.Transfer, from: BigInt(r.from_idx), to: BigInt(r.to_idx), amount: BigInt(r.amount), fee: BigInt(r.fee), nonce: BigInt(r.nonce) }
      : { type: TxType.Withdraw, from: BigInt(r.from_idx), amount: BigInt(r.amount), fee: BigInt(r.fee), nonce: BigInt(r.nonce) },
    [alice, alice, bob][stored.indexOf(r)].sk, TEST_DOMAIN));
  const res = applyBatch(replay, txs, q, { slots: 4, feeAccount: 0n });
  expect(res.newRoot).toBe(seq.ctx.state.root);
  expect(decodeBatchData(b.txData)).toEqual(decodeBatchData(res.txData));
  expect(seq.ctx.state.accounts.get(0n)!.balance).toBe(100n); // the fee
  const t = await http(seq.url + `/txs/${rows[0].hash}`, "GET");
  expect(t.body).toMatchObject({ stage: "in_batch", batch: "1", slot: "0", tokenId: "0" }); // the sender's token, its amount's
  expect(seq.ctx.db.prepare("SELECT status FROM proof_jobs WHERE batch_number = 1").get()).toEqual({ status: "queued" });

  // A prover takes the job: the transaction is `proving`, and the batch names the worker.
  const lease0 = claimProofJob(seq.ctx.db, { worker: "gpu-0" })!; // the deposits' batch comes first
  const lease = claimProofJob(seq.ctx.db, { worker: "gpu-1" })!;
  expect([lease0.spec.batchNumber, lease.spec.batchNumber]).toEqual([0, 1]);
  expect((await http(seq.url + `/txs/${rows[0].hash}`, "GET")).body).toMatchObject({ stage: "proving", batch: "1" });
  expect((await http(seq.url + "/batches/1", "GET")).body).toMatchObject({ status: "created", proofJob: { status: "proving", worker: "gpu-1", attempts: "1" } });
  // It fails for good: the transaction is back in its batch with the reason, and the batch says why.
  expect(failProofJob(seq.ctx.db, lease, "witness: assertion failed", { permanent: true })).toBe("failed");
  const stuck = (await http(seq.url + `/txs/${rows[0].hash}`, "GET")).body;
  expect(stuck).toMatchObject({ stage: "in_batch", reason: expect.stringMatching(/proof job of batch 1 failed for good/) });
  expect((await http(seq.url + "/batches/1", "GET")).body).toMatchObject({ proofJob: { status: "failed", lastError: "witness: assertion failed" } });
  // An operator retries it: queued again with fresh attempts, as before the prover took it.
  expect(retryProofJob(seq.ctx.db, 1)).toBe(true);
  expect((await http(seq.url + `/txs/${rows[0].hash}`, "GET")).body).not.toHaveProperty("reason");
  expect(getProofJob(seq.ctx.db, 1)).toMatchObject({ status: "queued", attempts: 0, worker: null });
  expect(releaseProofJob(seq.ctx.db, lease0)).toBe(true);
  // A proof the prover handed back but the sequencer has not collected yet is already `proven`,
  // never back to `in_batch`.
  expect(["queued", "proving", "proven", "failed", undefined].map((j) => stageOf("created", j))).toEqual(["in_batch", "proving", "proven", "in_batch", "in_batch"]);
  expect(stageOf("submitted", "proven")).toBe("submitted");
});

test("a forced exit that empties an account makes its pending transfer invalid: dropped, never batched", async () => {
  const bobNonce = seq.ctx.state.accounts.get(2n)!.nonce;
  const pendingHash = (await postTx(transfer(2n, 1n, 10n ** 17n, bobNonce, bob.sk))).body.hash as string;
  feedL1(seq, mirror, [{ kind: L1Kind.ForcedExit, index: 2n, tokenId: 0n, ethAddr: bob.ethAddr }], 2);
  // Now bob's next transaction is refused at the door.
  await refused(txToJson(transfer(2n, 1n, 1n, bobNonce + 1n, bob.sk)), 409, "forced_exit_pending", /forced exit of this account waits/);
  const b = createBatch(seq.ctx)!;
  expect(b.txs[0]).toMatchObject({ type: TxType.ForcedExit, index: 2n, amount: 24n * 10n ** 17n }); // 1 + 1.5 − 0.1 ETH
  expect(b.txs.slice(1).every((t) => t.type === TxType.Noop)).toBe(true);
  expect(seq.ctx.state.accounts.get(2n)!.balance).toBe(0n);
  const t = await http(seq.url + `/txs/${pendingHash}`, "GET");
  expect(t.body).toMatchObject({ stage: "dropped", reason: expect.stringMatching(/balance of at least 100000000000000000 expected, got 0/) });
  expect(seq.ctx.mempool.size).toBe(0);
  // The nonce is free again.
  expect((await http(seq.url + "/accounts/2", "GET")).body.nextNonce).toBe(String(bobNonce));
});

test("concurrent submissions are admitted as a group: of two with one nonce one wins, a bad signature is refused alone", async () => {
  const n = seq.ctx.mempool.nextNonce(1n);
  const before = (seq.ctx.db.prepare("SELECT COUNT(*) AS n FROM txs").get() as { n: number }).n;
  const a = transfer(1n, 2n, 1000n, n);
  const b = transfer(1n, 2n, 2000n, n);
  const c = withdraw(3n, 10n ** 18n, seq.ctx.mempool.nextNonce(3n), carol.sk);
  const bad = { ...txToJson(withdraw(0n, 5n, seq.ctx.mempool.nextNonce(0n), op.sk)), amount: "6" };
  const [ra, rb, rc, rbad] = await Promise.all([postTx(a), postTx(b), postTx(c), http(seq.url + "/txs", "POST", JSON.stringify(bad))]);
  expect([ra.status, rb.status].sort()).toEqual([202, 409]);
  expect([ra, rb].find((r) => r.status === 409)!.body.error).toMatch(/nonce_used|duplicate/);
  expect(rc.status).toBe(202);
  expect({ status: rbad.status, code: rbad.body.error }).toEqual({ status: 422, code: "bad_signature" });
  expect((seq.ctx.db.prepare("SELECT COUNT(*) AS n FROM txs").get() as { n: number }).n).toBe(before + 2);
  expect(seq.ctx.mempool.nextNonce(1n)).toBe(n + 1n);
});

test("a restart rebuilds the same state, queue and mempool from the database", async () => {
  expect((await postTx(transfer(1n, 2n, 10n ** 16n, seq.ctx.mempool.nextNonce(1n)))).status).toBe(202);
  const before = { root: seq.ctx.state.root, batch: seq.ctx.state.batchNumber, queue: seq.ctx.queue.head, mempool: seq.ctx.mempool.size, next: seq.ctx.mempool.nextNonce(1n) };
  const config = seq.config;
  await seq.stop();
  seq = await startOffline(config);
  expect({ root: seq.ctx.state.root, batch: seq.ctx.state.batchNumber, queue: seq.ctx.queue.head, mempool: seq.ctx.mempool.size, next: seq.ctx.mempool.nextNonce(1n) }).toEqual(before);
  // A database of another rollup is refused.
  await seq.stop();
  await expect(startOffline({ ...config, chainId: 5n })).rejects.toThrow(/chain_id 5 expected, got 31337/);
  seq = await startOffline(config);
});

test("the signature workers' task, called in-process: one boolean per signature, in order", () => {
  initVerifyTask();
  const item = (msg: bigint, signer = alice) => ({ msg, sig: sign(signer.sk, msg), pk: signer.pk });
  const good = item(42n);
  const items = [good, { ...good, msg: 43n }, item(7n, bob), { ...item(8n, bob), pk: alice.pk }];
  expect(verifyTask(items)).toEqual([true, false, true, false]);
  // a group large enough for the batch verifier gives the same answers
  const many = Array.from({ length: 40 }, (_, i) => (i % 5 === 3 ? { ...item(BigInt(i)), msg: 999n } : item(BigInt(i))));
  expect(verifyTask(many)).toEqual(many.map((_, i) => i % 5 !== 3));
});
