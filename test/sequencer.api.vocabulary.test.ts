// One vocabulary for the whole API (sequencer/api/types.ts): every route the router serves is
// walked, on a sequencer holding accounts, pending, batched, dropped and verified transactions, a
// proven and a failed proof job; every JSON body it answers, refusals included, holds no JSON
// number (integers are decimal strings), and every root or hash is 0x and 64 hex digits. The
// routes come from the router itself, so a new one is walked too, or the test says what sample it
// lacks. Then the client reads the same bodies back into bigints and numbers. The operator's
// route is walked with and without its token.

import fs from "node:fs";
import path from "node:path";
import { L1Kind, TxType } from "../sequencer/model/constants.js";
import { L1Queue } from "../sequencer/model/queue.js";
import { signTx } from "../sequencer/model/tx.js";
import { txToJson } from "../sequencer/codec.js";
import { createBatch } from "../sequencer/batcher.js";
import { collectProofs, type Sequencer } from "../sequencer/sequencer.js";
import { ApiError, SequencerClient } from "../sequencer/client.js";
import { WalletError, inEth } from "../sequencer/wallet.js";
import { formatEther } from "ethers";
import { claimProofJob, completeProofJob, failProofJob } from "../prover/service/sqlite-queue.js";
import { TEST_DOMAIN, user } from "../bench/fixtures/scenario.js";
import { createDeposit, offlineConfig } from "../bench/fixtures/seed.js";
import { feedL1, http, startOffline, tmpDir, verifyOnL1 } from "./helpers/sequencer.js";
import { hex32 } from "../core/bytes.js";
import type { RouteInfo } from "../sequencer/api/http.js";
import crypto from "node:crypto";

const ETH = 10n ** 18n;
const op = user("operator");
const alice = user("alice");
const bob = user("bob");

let dir: string;
let seq: Sequencer;
const mirror = new L1Queue();
const hashes: Record<string, string> = {};
const TOKEN = crypto.randomBytes(32).toString("hex");

/** Fields whose values are roots or hashes: named so, or known to hold one. */
const HASH_FIELD = /(root|hash)$/i;
const HASH_VALUED = new Set(["l1Tx", "publicInput"]);
const HEX32 = /^0x[0-9a-f]{64}$/;

/** Every breach of the vocabulary in a JSON value, as `where: what`; and the fields seen. */
function breaches(v: unknown, where: string, seen: Set<string>, out: string[] = []): string[] {
  if (typeof v === "number") out.push(`${where}: the JSON number ${v}, a decimal string expected`);
  else if (typeof v === "string" && /^[0-9]+$/.test(v) && !/^(0|[1-9][0-9]*)$/.test(v)) out.push(`${where}: ${JSON.stringify(v)} has a leading zero`);
  else if (Array.isArray(v)) v.forEach((x, i) => breaches(x, `${where}[${i}]`, seen, out));
  else if (typeof v === "object" && v !== null) {
    for (const [k, x] of Object.entries(v)) {
      seen.add(k);
      if ((HASH_FIELD.test(k) || HASH_VALUED.has(k)) && x !== null && !(typeof x === "string" && HEX32.test(x))) {
        out.push(`${where}.${k}: 0x and 64 hex digits expected, got ${JSON.stringify(x)}`);
      }
      breaches(x, `${where}.${k}`, seen, out);
    }
  }
  return out;
}

beforeAll(async () => {
  dir = tmpDir("zkr-seq-vocab-");
  seq = await startOffline(offlineConfig(path.join(dir, "seq.db"), { api: { host: "127.0.0.1", port: 0, operatorToken: TOKEN } })); // account 0 collects fees
  // Batch 0: three deposits, no fee. Batch 1: a transfer with a fee and a withdrawal.
  feedL1(seq, mirror, [createDeposit(0n, op.pk, op.ethAddr, 0n), createDeposit(1n, alice.pk, alice.ethAddr, 2n * ETH), createDeposit(2n, bob.pk, bob.ethAddr, ETH)]);
  createBatch(seq.ctx);
  const post = async (tx: Parameters<typeof txToJson>[0]) => {
    const r = await http(seq.url + "/txs", "POST", JSON.stringify(txToJson(tx)));
    expect(r.status).toBe(202);
    return r.body.hash as string;
  };
  hashes.batched = await post(signTx({ type: TxType.Transfer, from: 1n, to: 2n, amount: ETH / 2n, fee: 100n, nonce: 0n }, alice.sk, TEST_DOMAIN));
  hashes.withdrawn = await post(signTx({ type: TxType.Withdraw, from: 1n, amount: ETH / 10n, fee: 0n, nonce: 1n }, alice.sk, TEST_DOMAIN));
  createBatch(seq.ctx);
  // Batch 0's job proven (and collected), then batch 0 verified on L1; batch 1's job failed for good.
  const lease0 = claimProofJob(seq.ctx.db, { worker: "w0" })!;
  completeProofJob(seq.ctx.db, lease0, {
    batchNumber: 0, publicSignals: [lease0.spec.publicInput], backend: "cpu", worker: "w0", provingMs: 1234,
    proof: { pi_a: ["1", "2", "1"], pi_b: [["1", "2"], ["3", "4"], ["1", "0"]], pi_c: ["1", "2", "1"], protocol: "groth16", curve: "bn128" },
  });
  expect(collectProofs(seq.ctx)).toBe(1);
  verifyOnL1(seq, 0, 2);
  failProofJob(seq.ctx.db, claimProofJob(seq.ctx.db, { worker: "w1" })!, "witness: assertion failed", { permanent: true });
  // Batch 2: bob's forced exit, which drops his pending transfer.
  hashes.dropped = await post(signTx({ type: TxType.Transfer, from: 2n, to: 1n, amount: ETH / 10n, fee: 0n, nonce: 0n }, bob.sk, TEST_DOMAIN));
  feedL1(seq, mirror, [{ kind: L1Kind.ForcedExit, index: 2n, tokenId: 0n, ethAddr: bob.ethAddr }], 3);
  createBatch(seq.ctx);
  // Its job fails for good too: the walk's retry (with the token) queues it again, as it was.
  expect(failProofJob(seq.ctx.db, claimProofJob(seq.ctx.db, { worker: "w2" })!, "out of memory", { permanent: true })).toBe("failed");
  // And one that waits.
  hashes.pending = await post(signTx({ type: TxType.Transfer, from: 1n, to: 0n, amount: ETH / 100n, fee: 0n, nonce: 2n }, alice.sk, TEST_DOMAIN));
});

afterAll(async () => {
  await seq?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * Values for each `:param`, query parameter, request body and header set the routes may take: good
 * ones and bad ones. A query sample `undefined` leaves the parameter out of that request.
 */
function samples(): {
  params: Record<string, string[]>; query: Record<string, Array<string | undefined>>; bodies: Record<string, string[]>; headers: Record<string, Array<Record<string, string>>>;
} {
  const next = seq.ctx.mempool.nextNonce(1n);
  const signed = (amount: bigint, nonce: bigint) => txToJson(signTx({ type: TxType.Transfer, from: 1n, to: 0n, amount, fee: 0n, nonce }, alice.sk, TEST_DOMAIN));
  const tx = (amount: bigint, nonce = next) => JSON.stringify(signed(amount, nonce));
  return {
    params: {
      hash: [...Object.values(hashes), "0x" + "ab".repeat(32), "nothex"],
      index: ["0", "1", "2", "99", "x"],
      number: ["0", "1", "2", "9", "x"],
      // failed (retried), proven, none, not a number; batch 1's job stays failed for the tests below
      batch: ["2", "0", "9", "x"],
    },
    query: {
      // by key, by key (none), bad key, by L1 address, bad address, both forms
      ax: [String(alice.pk[0]), "1", "x", undefined, undefined, "1"],
      ay: [String(alice.pk[1]), "1", "1", undefined, undefined, "1"],
      ethAddr: [undefined, undefined, undefined, "0x" + alice.ethAddr.toString(16).padStart(40, "0"), "0x12", "0x" + "00".repeat(20)],
      // a page, the first page, bad values
      before: ["2", undefined, "x", "0", "1-l2-1"],
      limit: [undefined, "1", "2", "101", "5"],
    },
    bodies: {
      // accepted; more than the balance (its refusal quotes amounts); not a slot's amount; not JSON
      "POST /txs": [tx(ETH / 1000n), tx(100n * ETH, next + 1n), JSON.stringify({ ...signed(1n, next + 1n), amount: String(234567891n * 10n ** 9n) }), "{"],
      "POST /proofs/:batch/retry": ["{}", "[]"],
    },
    headers: {
      "POST /proofs/:batch/retry": [{ authorization: `Bearer ${TOKEN}` }, {}, { authorization: `Bearer ${"0".repeat(64)}` }],
    },
  };
}

/** The requests that walk one route: every sample of its parameters, each body for its method, each header set. */
function requestsOf(r: RouteInfo, s: ReturnType<typeof samples>): Array<{ target: string; body?: string; headers?: Record<string, string> }> {
  let targets = [r.path];
  for (const p of r.params) {
    if (!s.params[p]) throw new Error(`${r.method} ${r.path}: no sample values for :${p}; add them to samples()`);
    targets = targets.flatMap((t) => s.params[p].map((v) => t.replace(`:${p}`, encodeURIComponent(v))));
  }
  if (r.query.length > 0) {
    const n = Math.max(...r.query.map((q) => s.query[q]?.length ?? 0));
    for (const q of r.query) if (!s.query[q]) throw new Error(`${r.method} ${r.path}: no sample values for ?${q}=; add them to samples()`);
    targets = targets.flatMap((t) => Array.from({ length: n }, (_, i) => {
      const q = r.query.map((q) => [q, s.query[q][i % s.query[q].length]] as const).filter(([, v]) => v !== undefined);
      return q.length > 0 ? `${t}?${q.map(([k, v]) => `${k}=${v}`).join("&")}` : t;
    }));
  }
  const key = `${r.method} ${r.path}`;
  const headers = s.headers[key] ?? [{}];
  if (r.method === "GET") return targets.flatMap((target) => headers.map((h) => ({ target, headers: h })));
  const bodies = s.bodies[key];
  if (!bodies) throw new Error(`${key}: no sample bodies; add them to samples()`);
  return targets.flatMap((target) => bodies.flatMap((body) => headers.map((h) => ({ target, body, headers: { "content-type": "application/json", ...h } }))));
}

test("every route's every answer: integers as decimal strings, roots and hashes as 0x and 64 hex digits", async () => {
  const routes = seq.router.list();
  expect(routes.length).toBeGreaterThanOrEqual(7);
  const s = samples();
  const seen = new Set<string>();
  const found: string[] = [];
  const statuses: Record<string, number[]> = {};
  for (const r of routes) {
    const key = `${r.method} ${r.path}`;
    statuses[key] = [];
    for (const { target, body, headers } of requestsOf(r, s)) {
      const res = await http(seq.url + target, r.method, body, headers);
      statuses[key].push(res.status);
      expect(typeof res.body).toBe("object"); // JSON, refusals too
      breaches(res.body, `${r.method} ${target}`, seen, found);
    }
  }
  expect(found).toEqual([]);
  // Each route answered at least one request with success, and one with a refusal.
  for (const [key, st] of Object.entries(statuses)) {
    if (key === "GET /health" || key === "GET /info" || key === "GET /operator") continue; // nothing to refuse
    expect({ key, ok: st.some((x) => x < 300), refused: st.some((x) => x >= 400) }).toEqual({ key, ok: true, refused: true });
  }
  expect(statuses["GET /health"]).toEqual([200]);
  // The walk met every kind of field the rule is about (it checks something).
  for (const k of ["root", "oldRoot", "newRoot", "hash", "l1Tx", "publicInput", "provingMs", "exponent", "failedProofJobs", "data", "feeAccount", "totalFee", "fee", "minFees",
    "gasUsed", "next", "items", "position", "proofJobs", "provers", "verifiedPerMinute", "oldestPending"]) expect(seen).toContain(k);
  // The walk retried batch 2's failed job with the token, and nothing else.
  expect(statuses["POST /proofs/:batch/retry"].filter((x) => x === 200)).toHaveLength(1);
});

test("the README's API table names every route the router serves", () => {
  const readme = fs.readFileSync(path.join(import.meta.dirname, "..", "README.md"), "utf8");
  for (const r of seq.router.list()) {
    const name = `${r.method} ${r.path}${r.query.length > 0 ? `?${r.query.map((q) => `${q}=`).join("&")}` : ""}`;
    expect(readme).toContain(`\`${name}\``);
  }
});

test("feeAccount means one thing everywhere: the fee account's index, or null when there is none", async () => {
  const get = async (p: string) => (await http(seq.url + p, "GET")).body;
  expect((await get("/info")).feeAccount).toBe("0");
  expect((await get("/batches/0")).feeAccount).toBeNull(); // deposits only: no fee collected
  expect((await get("/batches/1")).feeAccount).toBe("0"); // the transfer's 100 wei
  expect([(await get("/batches/0")).totalFee, (await get("/batches/1")).totalFee]).toEqual(["0", "100"]);
  expect((await get("/info")).feeToken).toBe("0");
  const noFees = await startOffline(offlineConfig(path.join(dir, "nofee.db"), { feeAccount: undefined }));
  try {
    expect((await http(noFees.url + "/info", "GET")).body).toMatchObject({ feeAccount: null, feeToken: null, minFees: {} });
  } finally {
    await noFees.stop();
  }
});

test("the client reads the vocabulary back: bigints for indices, amounts, nonces and roots; numbers for counts and blocks", async () => {
  const client = new SequencerClient(seq.url);
  const info = await client.info();
  expect(info).toMatchObject({ chainId: 31337n, domain: TEST_DOMAIN, slots: 4, depth: 8, feeAccount: 0n, feeToken: 0n, minFees: new Map() });
  const health = await client.health();
  expect(health).toMatchObject({ ok: false, root: seq.ctx.state.root, nextBatch: 3, queueLength: 4, queueConsumed: 4, mempool: seq.ctx.mempool.size, l1Block: 3 });
  expect(health.failedProofJobs).toEqual([{ batch: 1, error: "witness: assertion failed" }]);
  expect(health.batches).toEqual({ created: 2, proven: 0, submitting: 0, submitted: 0, verified: 1 });
  const a = await client.account(1n);
  expect(a).toMatchObject({
    index: 1n, balance: 2n * ETH - ETH / 2n - 100n - ETH / 10n, nonce: 2n, nextNonce: seq.ctx.mempool.nextNonce(1n),
    pendingTxs: Number(seq.ctx.mempool.pendingCount(1n)), spendable: a.balance - seq.ctx.mempool.pendingDebit(1n),
  });
  expect(a.pendingTxs).toBeGreaterThan(0);
  expect((await client.tx(hashes.batched))).toMatchObject({ from: 1n, to: 2n, amount: ETH / 2n, fee: 100n, nonce: 0n, stage: "in_batch", batch: 1, slot: 0 });
  expect((await client.tx(hashes.withdrawn))).not.toHaveProperty("to");
  const b0 = await client.batch(0);
  expect(b0).toMatchObject({ number: 0, status: "verified", feeAccount: null, l1Block: 2, verifiedBlock: 2, proofJob: { status: "proven", attempts: 1, provingMs: 1234 } });
  expect(b0.l1Tx).toMatch(/^0x[0-9a-f]{64}$/);
  const b1 = await client.batch(1);
  expect(b1).toMatchObject({ number: 1, oldRoot: b0.newRoot, feeAccount: 0n, totalFee: 100n, queueStart: 3, queueEnd: 3 });
  expect(b0.totalFee).toBe(0n);
  expect(hex32(b1.publicInput)).toBe(hex32(BigInt((seq.ctx.db.prepare("SELECT public_input FROM batches WHERE number = 1").get() as { public_input: string }).public_input)));
  expect((await client.batch(2)).newRoot).toBe(seq.ctx.state.root);
});

test("the wallet shows the sequencer's refusals in ETH, from the amounts they carry in wei", async () => {
  const client = new SequencerClient(seq.url);
  const nonce = seq.ctx.mempool.nextNonce(1n);
  const spendable = seq.ctx.state.accounts.get(1n)!.balance - seq.ctx.mempool.pendingDebit(1n);
  const err = await client.submit(signTx({ type: TxType.Transfer, from: 1n, to: 0n, amount: 100n * ETH, fee: 0n, nonce }, alice.sk, TEST_DOMAIN)).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ApiError);
  expect((err as ApiError).data).toMatchObject({ account: "1", required: String(100n * ETH) });
  const shown = inEth(err) as Error;
  expect(shown).toBeInstanceOf(WalletError);
  expect(shown.message).toBe(
    `insufficient balance: account 1 can spend ${formatEther(spendable)} ETH (${spendable} wei): its balance ${formatEther(spendable + seq.ctx.mempool.pendingDebit(1n))} ETH ` +
      `less ${formatEther(seq.ctx.mempool.pendingDebit(1n))} ETH pending; this transaction needs 100.0 ETH (100000000000000000000 wei) (amount and fee)`,
  );
  // A fee where no account collects fees: the fee in ETH, and what was expected.
  const noFees = await startOffline(offlineConfig(path.join(dir, "nofee2.db"), { feeAccount: undefined }));
  try {
    feedL1(noFees, new L1Queue(), [createDeposit(0n, alice.pk, alice.ethAddr, ETH)]);
    createBatch(noFees.ctx);
    const e2 = await new SequencerClient(noFees.url).submit(signTx({ type: TxType.Withdraw, from: 0n, amount: ETH / 10n, fee: 10n ** 15n, nonce: 0n }, alice.sk, TEST_DOMAIN)).catch((e: unknown) => e);
    expect((e2 as ApiError).code).toBe("bad_fee");
    expect((inEth(e2) as Error).message).toBe("withdraw fee: 0 (no account collects fees) expected, got 0.001 ETH (1000000000000000 wei)");
  } finally {
    await noFees.stop();
  }
  // A refusal that quotes no amount is left as it came.
  const dup = await client.submit(signTx({ type: TxType.Transfer, from: 1n, to: 0n, amount: 1n, fee: 0n, nonce: nonce - 1n }, alice.sk, TEST_DOMAIN)).catch((e: unknown) => e);
  expect(inEth(dup)).toBe(dup);
});
