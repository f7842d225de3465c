// Fees through the sequencer: a minimum fee per token (sequencer/fees.ts) refuses what pays less
// with 422 fee_too_low and stores nothing; the fee is bound by the signature; an attacker's fee
// strings (negative, huge, non-canonical), a fee in a token the fee account does not hold and a fee
// that overflows with the amount are refused at the door. Then the accepted fees go into a batch
// that credits the fee account, the API shows each transaction's fee and the batch's total and fee
// account, and the prover proves that batch (4×8 dev keys, one proof).

import fs from "node:fs";
import path from "node:path";
import { TxType } from "../sequencer/model/constants.js";
import { L1Queue } from "../sequencer/model/queue.js";
import { FLOAT13, FLOAT32, maxFloat, roundDownToFloat } from "../sequencer/model/float.js";
import { signTx, type SignedTx } from "../sequencer/model/tx.js";
import type { Signature } from "../sequencer/model/keys.js";
import { txToJson } from "../sequencer/codec.js";
import { createBatch } from "../sequencer/batcher.js";
import { collectProofs, type Sequencer } from "../sequencer/sequencer.js";
import { SequencerClient } from "../sequencer/client.js";
import { WalletError, ZkrWallet, devnetAccountKey, feeLine, inEth, quoteFee } from "../sequencer/wallet.js";
import { configFromJson } from "../sequencer/main.js";
import { claimProofJob, completeProofJob } from "../prover/service/sqlite-queue.js";
import { startProverService } from "../prover/service/service.js";
import { releaseSnarkjs } from "../circuits/witness.js";
import { TEST_DOMAIN, user } from "../bench/fixtures/scenario.js";
import { createDeposit, offlineConfig } from "../bench/fixtures/seed.js";
import { databaseFingerprint, feedL1, http, startOffline, tmpDir } from "./helpers/sequencer.js";

const ETH = 10n ** 18n;
/** The minimum fee of token 0 (ETH) here: 0.0001 ETH, the devnet's. */
const MIN = 10n ** 14n;
const op = user("operator");
const alice = user("alice");
const bob = user("bob");
const carol = user("carol");

let dir: string;
let seq: Sequencer;
const mirror = new L1Queue();

type Signed = SignedTx & { sig: Signature };
const transfer = (from: bigint, to: bigint, amount: bigint, fee: bigint, nonce: bigint, sk = alice.sk): Signed =>
  signTx({ type: TxType.Transfer, from, to, amount, fee, nonce }, sk, TEST_DOMAIN);
const withdraw = (from: bigint, amount: bigint, fee: bigint, nonce: bigint, sk = alice.sk): Signed =>
  signTx({ type: TxType.Withdraw, from, amount, fee, nonce }, sk, TEST_DOMAIN);

const post = (body: unknown) => http(seq.url + "/txs", "POST", typeof body === "string" ? body : JSON.stringify(body));

/** Posts and expects a refusal with nothing stored; returns the answer's body. */
async function refused(body: unknown, status: number, code: string, reason: RegExp) {
  const before = databaseFingerprint(seq.ctx.db);
  const mempool = seq.ctx.mempool.size;
  const res = await post(body);
  expect({ status: res.status, code: res.body.error }).toEqual({ status, code });
  expect(res.body.message).toMatch(reason);
  expect(databaseFingerprint(seq.ctx.db)).toBe(before);
  expect(seq.ctx.mempool.size).toBe(mempool);
  return res.body;
}

beforeAll(async () => {
  dir = tmpDir("zkr-seq-fees-");
  seq = await startOffline(offlineConfig(path.join(dir, "seq.db"), { feeAccount: 0n, minFees: { "0": MIN } }));
  // Accounts 0 (the operator's, fee account, ETH), 1 alice and 2 bob (ETH), 3 carol (token 1).
  feedL1(seq, mirror, [
    createDeposit(0n, op.pk, op.ethAddr, 0n),
    createDeposit(1n, alice.pk, alice.ethAddr, 2n * ETH),
    createDeposit(2n, bob.pk, bob.ethAddr, ETH),
    createDeposit(3n, carol.pk, carol.ethAddr, 5n * ETH, 1n),
  ]);
  expect(createBatch(seq.ctx)!.batchNumber).toBe(0n);
});

afterAll(async () => {
  await seq?.stop();
  await releaseSnarkjs();
  fs.rmSync(dir, { recursive: true, force: true });
});

test("below the minimum fee, a transfer or withdrawal is refused with fee_too_low, the minimum in data, and nothing stored", async () => {
  const body = await refused(txToJson(transfer(1n, 2n, ETH / 10n, 0n, 0n)), 422, "fee_too_low", /^transfer fee: at least 100000000000000 \(this sequencer's minimum fee in token 0\) expected, got 0$/);
  expect(body.data).toEqual({ field: "transfer fee", value: "0", expected: expect.any(String), minimum: String(MIN), token: "0" });
  await refused(txToJson(transfer(1n, 2n, ETH / 10n, 9n * 10n ** 13n, 0n)), 422, "fee_too_low", /got 90000000000000$/);
  await refused(txToJson(withdraw(1n, ETH / 10n, MIN / 10n, 0n)), 422, "fee_too_low", /^withdraw fee: at least 100000000000000/);
  // A fee alone, below the minimum, is no way around it either.
  await refused(txToJson(transfer(1n, 2n, 0n, 0n, 0n)), 422, "fee_too_low", /got 0$/);
  // The wallet shows the refusal in ETH.
  const err = await new SequencerClient(seq.url).submit(transfer(1n, 2n, ETH / 10n, 0n, 0n)).catch((e: unknown) => e);
  expect((inEth(err) as Error).message).toBe("transfer fee: at least 0.0001 ETH (100000000000000 wei) (the sequencer's minimum) expected, got 0.0 ETH (0 wei)");
});

test("the fee is signed: raised after signing it fails the signature, lowered it fails the minimum", async () => {
  await refused({ ...txToJson(transfer(1n, 2n, ETH / 10n, 0n, 0n)), fee: String(MIN) }, 422, "bad_signature", /does not verify/);
  await refused({ ...txToJson(transfer(1n, 2n, ETH / 10n, MIN, 0n)), fee: "0" }, 422, "fee_too_low", /got 0$/);
});

test("an attacker's fee field: negative, fractional, huge, hex, padded or not a fee slot's value is refused before anything else", async () => {
  const good = txToJson(transfer(1n, 2n, ETH / 10n, MIN, 0n));
  for (const fee of [`-${MIN}`, "-0", `+${MIN}`, `0${MIN}`, `${MIN}.0`, "1e14", "0x5af3107a4000", ` ${MIN}`, `${MIN}\n`, "", "NaN", "Infinity"]) {
    await refused({ ...good, fee }, 400, "invalid_field", /^fee: a decimal integer string expected/);
  }
  for (const fee of [-1, 1e14 + 0.5, 1e21, null, true, [String(MIN)], { value: String(MIN) }]) {
    await refused({ ...good, fee }, 400, "invalid_field", /^fee: a (non-negative integer|decimal integer string)/);
  }
  await refused({ ...good, fee: "9".repeat(79) }, 400, "out_of_range", /fee: at most 78 digits expected, got 79/);
  await refused({ ...good, fee: (1n << 128n).toString() }, 400, "out_of_range", /fee: a value below 2\^128/);
  await refused({ ...good, fee: ((1n << 128n) - 1n).toString() }, 400, "out_of_range", /transfer\.fee: a value representable as Float13/);
  // One wei above the minimum has no Float13 form (m < 256): the slot could not carry it.
  await refused({ ...good, fee: String(MIN + 1n) }, 400, "out_of_range", /transfer\.fee: a value representable as Float13/);
  const missing: Record<string, unknown> = { ...good };
  delete missing.fee;
  await refused(missing, 400, "invalid_field", /fee: a decimal integer string expected, got undefined/);
});

test("a fee in a token the fee account does not hold is refused; with no minimum for its token a transaction pays none", async () => {
  await refused(txToJson(withdraw(3n, ETH, MIN, 0n, carol.sk)), 422, "bad_fee", /fees are collected in token 0, account 3 holds token 1/);
  // Token 1 has no minimum here, and no fee account of its own: it pays nothing.
  const r = await post(txToJson(withdraw(3n, ETH, 0n, 0n, carol.sk)));
  expect(r.status).toBe(202);
  // A minimum for a token that cannot pay fees refuses all of its transactions (config.ts says so).
  const strict = await startOffline(offlineConfig(path.join(dir, "strict.db"), { feeAccount: 0n, minFees: { "0": MIN, "1": 1n } }));
  try {
    feedL1(strict, new L1Queue(), [createDeposit(0n, op.pk, op.ethAddr, 0n), createDeposit(1n, carol.pk, carol.ethAddr, ETH, 1n)]);
    createBatch(strict.ctx);
    const before = databaseFingerprint(strict.ctx.db);
    const refusal = await http(strict.url + "/txs", "POST", JSON.stringify(txToJson(withdraw(1n, ETH / 2n, 0n, 0n, carol.sk))));
    expect({ status: refusal.status, code: refusal.body.error }).toEqual({ status: 422, code: "fee_too_low" });
    expect(databaseFingerprint(strict.ctx.db)).toBe(before);
  } finally {
    await strict.stop();
  }
});

test("a fee that overflows with the amount is refused for the whole sum, never wrapped", async () => {
  // The largest transfer amount below 2^128 plus the largest fee is past 2^128.
  const amount = roundDownToFloat(FLOAT32, (1n << 128n) - 1n);
  const fee = maxFloat(FLOAT13);
  expect(amount + fee >= 1n << 128n).toBe(true);
  const body = await refused(txToJson(transfer(1n, 2n, amount, fee, 0n)), 422, "insufficient_balance", /balance of at least \d+ expected/);
  expect(body.data).toMatchObject({ account: "1", required: String(amount + fee), balance: String(2n * ETH) });
  // The whole balance with the minimum on top: one wei-slot too many.
  await refused(txToJson(withdraw(1n, 2n * ETH, MIN, 0n)), 422, "insufficient_balance", new RegExp(`at least ${2n * ETH + MIN} expected, got ${2n * ETH}`));
});

test("/info states the fee account, its token and the minimum fees; the wallet pays the minimum by default and says so", async () => {
  const client = new SequencerClient(seq.url);
  const info = await client.info();
  expect(info).toMatchObject({ feeAccount: 0n, feeToken: 0n, maxMempool: 1_000_000 });
  expect(info.minFees).toEqual(new Map([[0n, MIN]]));
  const q = await quoteFee(client, 1n);
  expect(q).toEqual({ fee: MIN, minimum: MIN, feeAccount: 0n });
  expect(feeLine(q)).toBe("fee 0.0001 ETH (100000000000000 wei) to account 0, the sequencer's minimum");
  // More than the minimum, not a fee slot's value: rounded down, as amounts are, and said.
  const more = await quoteFee(client, 1n, 123_456_789_000_000n);
  expect(more).toEqual({ fee: 123_000_000_000_000n, minimum: MIN, feeAccount: 0n, requested: 123_456_789_000_000n });
  expect(feeLine(more)).toMatch(/^fee 0\.000123 ETH \(123000000000000 wei\) to account 0, 0\.000123456789 ETH rounded down to a fee slot's value$/);
  // Below the minimum: the wallet refuses before signing anything.
  await expect(quoteFee(client, 1n, MIN - 1n)).rejects.toThrow(WalletError);
  await expect(quoteFee(client, 1n, MIN - 1n)).rejects.toThrow(
    /^fee: at least 0\.0001 ETH \(100000000000000 wei\) \(the sequencer's minimum\) expected, got 0\.000099 ETH \(99000000000000 wei\), 0\.000099999999999999 ETH rounded down to a fee slot's value$/,
  );
  // Token 1 has no minimum: its default fee is 0; a fee in it is refused before signing, as the sequencer would.
  expect((await quoteFee(client, 3n)).fee).toBe(0n);
  await expect(quoteFee(client, 3n, MIN)).rejects.toThrow(/^fee: 0 expected \(fees are collected in token 0, account 3 holds token 1\), got 0\.0001 ETH/);
  // The sequencer's config file takes the minimums as decimal strings per token id.
  expect(configFromJson({ dbPath: ":memory:", chainId: "1", rollup: "0x00", slots: 4, depth: 8, minFees: { "0": "100000000000000", "2": 7 } }).minFees).toEqual({ "0": MIN, "2": 7n });
  expect(() => configFromJson({ dbPath: ":memory:", chainId: "1", rollup: "0x00", slots: 4, depth: 8, minFees: { "0": "-1" } })).toThrow(/minFees\["0"\]: a non-negative integer/);
  expect(() => configFromJson({ dbPath: ":memory:", chainId: "1", rollup: "0x00", slots: 4, depth: 8, minFees: { eth: "1" } })).toThrow(/token ids as decimal strings/);
});

test("fees are credited to the fee account in a batch the prover proves; the API shows each fee, the total and the fee account", async () => {
  const client = new SequencerClient(seq.url);
  const wallet = new ZkrWallet({ version: 1, l2Key: Buffer.from(alice.sk).toString("hex"), l1Key: devnetAccountKey(1) });
  const bobWallet = new ZkrWallet({ version: 1, l2Key: Buffer.from(bob.sk).toString("hex"), l1Key: devnetAccountKey(2) });
  const feeBefore = seq.ctx.state.accounts.get(0n)!.balance;
  // The wallet's defaults pay the minimum; a fee above it is paid as given.
  const t = await client.submit(await wallet.signTransfer(client, 1n, 2n, ETH / 4n));
  const w = await client.submit(await wallet.signWithdraw(client, 1n, ETH / 10n, 3n * MIN));
  const b = await client.submit(await bobWallet.signTransfer(client, 2n, 1n, ETH / 100n));
  expect((await client.tx(t)).fee).toBe(MIN);
  expect((await client.tx(w)).fee).toBe(3n * MIN);
  const batch = createBatch(seq.ctx)!;
  // Carol's fee-less withdrawal (token 1) rides along; the fees are ETH's alone.
  expect(batch.txs.map((x) => x.type)).toEqual([TxType.Withdraw, TxType.Transfer, TxType.Withdraw, TxType.Transfer]);
  expect(batch.totalFee).toBe(5n * MIN);
  expect(seq.ctx.state.accounts.get(0n)!.balance).toBe(feeBefore + 5n * MIN);
  expect(seq.ctx.state.accounts.get(1n)!.balance).toBe(2n * ETH - ETH / 4n - ETH / 10n - 4n * MIN + ETH / 100n);

  const n = Number(batch.batchNumber);
  const shown = await client.batch(n);
  expect(shown).toMatchObject({ feeAccount: 0n, totalFee: 5n * MIN });
  expect(shown.slots.map((s) => s.fee)).toEqual(["0", String(MIN), String(3n * MIN), String(MIN)]);
  expect(shown.slots.map((s) => s.hash)).toEqual([expect.any(String), t, w, b]);
  expect((await http(seq.url + `/batches/${n}`, "GET")).body).toMatchObject({ feeAccount: "0", totalFee: String(5n * MIN) });
  expect((await http(seq.url + "/batches/0", "GET")).body).toMatchObject({ feeAccount: null, totalFee: "0" });
  expect((await http(seq.url + `/txs/${w}`, "GET")).body).toMatchObject({ fee: String(3n * MIN), stage: "in_batch", batch: String(n) });
  expect((await client.account(0n)).balance).toBe(feeBefore + 5n * MIN);

  // Batch 0 (the deposits) is taken as proven; the prover proves this one for real and checks it.
  const lease0 = claimProofJob(seq.ctx.db, { worker: "w0" })!;
  expect(lease0.spec.batchNumber).toBe(0);
  completeProofJob(seq.ctx.db, lease0, {
    batchNumber: 0, publicSignals: [lease0.spec.publicInput], backend: "cpu", worker: "w0", provingMs: 1,
    proof: { pi_a: ["1", "2", "1"], pi_b: [["1", "2"], ["3", "4"], ["1", "0"]], pi_c: ["1", "2", "1"], protocol: "groth16", curve: "bn128" },
  });
  const prover = await startProverService({ db: seq.ctx.db, backend: "cpu", once: true, pollMs: 50 });
  await prover.done;
  expect(collectProofs(seq.ctx)).toBe(2);
  expect((await client.batch(n)).status).toBe("proven");
  expect((await client.tx(t)).stage).toBe("proven");
  expect(String(((await client.batch(n)).proofJob)?.status)).toBe("proven");
}, 300_000);
