// The routes a browser app needs (explorer, wallet, operator's dashboard), each attacked: pages of
// batches, an account's history, the accounts of an L1 address, the operator's view, the operator's
// retry of a failed proof job (a bearer token compared in constant time), the app's static files
// (nothing outside its folder), and what /info tells a browser. A sequencer without L1: L1
// requests are fed as the watcher records them, proof jobs are claimed and completed through the
// provers' queue functions, and one batch goes through the real submitter against a stub provider
// (its receipt's gas is recorded).

import crypto from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { getAddress, type Provider } from "ethers";
import { L1Kind, TxType } from "../sequencer/model/constants.js";
import { L1Queue } from "../sequencer/model/queue.js";
import { signTx } from "../sequencer/model/tx.js";
import { txToJson } from "../sequencer/codec.js";
import { createBatch } from "../sequencer/batcher.js";
import { collectProofs, type Sequencer } from "../sequencer/sequencer.js";
import { createApi } from "../sequencer/api/index.js";
import { SequencerClient, ApiError } from "../sequencer/client.js";
import { L1Submitter } from "../sequencer/l1/submitter.js";
import { DEVNET_L1 } from "../sequencer/config.js";
import { claimProofJob, completeProofJob, failProofJob } from "../prover/service/sqlite-queue.js";
import { getProofJob } from "../core/jobs/table.js";
import { TEST_DOMAIN, user } from "../bench/fixtures/scenario.js";
import { createDeposit, offlineConfig } from "../bench/fixtures/seed.js";
import { databaseFingerprint, feedL1, http, startOffline, tmpDir, verifyOnL1 } from "./helpers/sequencer.js";

const ETH = 10n ** 18n;
const op = user("operator");
const alice = user("alice");
const bob = user("bob");
const carol = user("carol");
const TOKEN = crypto.randomBytes(32).toString("hex");
const PUBLIC_RPC = "http://127.0.0.1:8545";
const CSP = `default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' ${PUBLIC_RPC}; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'`;
const SECRET = "not to be served";

let dir: string;
let appDir: string;
/** With the app, an operator token and a public L1 RPC. */
let seq: Sequencer;
/** With none of them. */
let plain: Sequencer;
const mirror = new L1Queue();
const h: Record<string, string> = {};
/** The L1 transaction of batch 1's submission, whose receipt the stub provider serves. */
const SUBMIT_TX = "0x" + "5b".repeat(32);

const tick = () => new Promise((r) => setTimeout(r, 3)); // distinct milliseconds between steps
const get = async (p: string, s = seq) => http(s.url + p, "GET");

async function post(tx: Parameters<typeof txToJson>[0]) {
  const r = await http(seq.url + "/txs", "POST", JSON.stringify(txToJson(tx)));
  expect(r.status).toBe(202);
  await tick();
  return r.body.hash as string;
}
const transfer = (from: bigint, to: bigint, amount: bigint, nonce: bigint, sk: typeof alice.sk, fee = 0n) =>
  signTx({ type: TxType.Transfer, from, to, amount, fee, nonce }, sk, TEST_DOMAIN);

interface Raw { status: number; headers: Record<string, string>; text: string }

/** A request as written, over a socket: fetch would normalise `..` and escapes before sending. */
function raw(method: string, target: string, s = seq): Promise<Raw> {
  const { port, address } = s.server.address() as net.AddressInfo;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect(port, address, () => socket.write(`${method} ${target} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n`));
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("error", reject);
    socket.on("close", () => {
      const all = Buffer.concat(chunks).toString("utf8");
      const split = all.indexOf("\r\n\r\n");
      const [statusLine, ...lines] = all.slice(0, split).split("\r\n");
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]));
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine)![1]), headers, text: all.slice(split + 4) });
    });
  });
}

beforeAll(async () => {
  dir = tmpDir("zkr-api-explorer-");
  // The app: its files, a dotfile, a symlink inside and two out of it; a secret beside it.
  appDir = path.join(dir, "app");
  fs.mkdirSync(path.join(appDir, "assets"), { recursive: true });
  const files: Record<string, string> = {
    "index.html": "<!doctype html><title>zkr</title>", "assets/index-Ab12Cd.js": "console.log(1)", "assets/index-Ef34.css": "body{}",
    "logo.svg": "<svg/>", "icon.png": "png", "prover.wasm": "wasm", "config.json": "{}", "assets/index-Ab12Cd.js.map": "{}",
    "assets/font.woff2": "woff2", ".env": SECRET, "assets/.hidden.js": SECRET,
  };
  for (const [f, text] of Object.entries(files)) fs.writeFileSync(path.join(appDir, f), text);
  fs.writeFileSync(path.join(dir, "secret.txt"), SECRET);
  fs.symlinkSync(path.join(dir, "secret.txt"), path.join(appDir, "leak.txt"));
  fs.symlinkSync(dir, path.join(appDir, "outside"));
  fs.symlinkSync(path.join(appDir, "assets", "index-Ab12Cd.js"), path.join(appDir, "alias.js"));

  seq = await startOffline(offlineConfig(path.join(dir, "seq.db"), { api: { host: "127.0.0.1", port: 0, appDir, operatorToken: TOKEN, publicL1Rpc: PUBLIC_RPC } }));
  plain = await startOffline(offlineConfig(path.join(dir, "plain.db")));

  // Queue 0–3: accounts 0 (operator, fees), 1 alice, 2 bob, 3 carol → batch 0.
  feedL1(seq, mirror, [createDeposit(0n, op.pk, op.ethAddr, 0n), createDeposit(1n, alice.pk, alice.ethAddr, 2n * ETH), createDeposit(2n, bob.pk, bob.ethAddr, ETH), createDeposit(3n, carol.pk, carol.ethAddr, ETH)], 1);
  expect(createBatch(seq.ctx)?.batchNumber).toBe(0n);
  await tick();
  // Batch 1: two transfers and a withdrawal.
  h.a2b = await post(transfer(1n, 2n, ETH / 2n, 0n, alice.sk, 100n));
  h.b2a = await post(transfer(2n, 1n, ETH / 10n, 0n, bob.sk));
  h.aw = await post(signTx({ type: TxType.Withdraw, from: 1n, amount: ETH / 10n, fee: 0n, nonce: 1n }, alice.sk, TEST_DOMAIN));
  expect(createBatch(seq.ctx)?.batchNumber).toBe(1n);
  await tick();
  // Queue 4, 5: a top-up of alice's account, and a second account of hers (token 1) → batch 2.
  feedL1(seq, mirror, [{ kind: L1Kind.TopUp, index: 1n, tokenId: 0n, ethAddr: alice.ethAddr, amount: ETH }, createDeposit(4n, alice.pk, alice.ethAddr, 5n * ETH, 1n)], 2);
  expect(createBatch(seq.ctx)?.batchNumber).toBe(2n);
  await tick();
  h.a2c = await post(transfer(1n, 3n, ETH / 5n, 2n, alice.sk));
  expect(createBatch(seq.ctx)?.batchNumber).toBe(3n);
  h.c2a = await post(transfer(3n, 1n, (3n * ETH) / 10n, 0n, carol.sk));
  expect(createBatch(seq.ctx)?.batchNumber).toBe(4n);
  await tick();
  // Queue 6: carol's forced exit → batch 5.
  feedL1(seq, mirror, [{ kind: L1Kind.ForcedExit, index: 3n, tokenId: 0n, ethAddr: carol.ethAddr }], 3);
  expect(createBatch(seq.ctx)?.batchNumber).toBe(5n);
  await tick();
  // Pending: a transfer, and queue 7, a top-up of alice's.
  h.pending = await post(transfer(1n, 2n, ETH / 100n, 3n, alice.sk));
  feedL1(seq, mirror, [{ kind: L1Kind.TopUp, index: 1n, tokenId: 0n, ethAddr: alice.ethAddr, amount: ETH / 2n }], 4);

  // Proofs: 0 by gpu-a, 1 by cpu-b; 2 failed for good (gpu-a); 3 proving (cpu-b); 4, 5 queued.
  const db = seq.ctx.db;
  const proof = { pi_a: ["1", "2", "1"], pi_b: [["1", "2"], ["3", "4"], ["1", "0"]], pi_c: ["1", "2", "1"], protocol: "groth16", curve: "bn128" };
  for (const [worker, backend, provingMs] of [["gpu-a", "webgpu", 1500], ["cpu-b", "cpu", 4000]] as const) {
    const l = claimProofJob(db, { worker })!;
    completeProofJob(db, l, { batchNumber: l.spec.batchNumber, publicSignals: [l.spec.publicInput], backend, worker, provingMs, proof });
  }
  expect(failProofJob(db, claimProofJob(db, { worker: "gpu-a" })!, "witness: assertion failed", { permanent: true })).toBe("failed");
  expect(claimProofJob(db, { worker: "cpu-b" })!.spec.batchNumber).toBe(3);
  expect(collectProofs(seq.ctx)).toBe(2);
  verifyOnL1(seq, 0, 5, 345_678n);
  // Batch 1 was sent (a recorded submission); the submitter sees its receipt.
  db.prepare("UPDATE batches SET status = 'submitting', l1_tx = ? WHERE number = 1").run(SUBMIT_TX);
  db.prepare("INSERT INTO submissions (batch, attempt, nonce, tx_hash, raw, max_fee, priority_fee, gas_limit, sent_at) VALUES (1, 0, 0, ?, '0x', '1', '1', '900000', ?)").run(SUBMIT_TX, Date.now());
  const stub = { getTransactionReceipt: async (hash: string) => (hash === SUBMIT_TX ? { status: 1, blockNumber: 7, gasUsed: 234_567n } : null) } as unknown as Provider;
  expect(await new L1Submitter(seq.ctx, stub, { ...DEVNET_L1, rpcUrl: "", deployBlock: 0, operatorKey: "0x" + "11".repeat(32) }).step()).toBe(true);
});

afterAll(async () => {
  await seq?.stop();
  await plain?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A 400 with this code whose message names the parameter. */
async function bad(p: string, code: string, name: RegExp, s = seq) {
  const r = await get(p, s);
  expect({ p, status: r.status, error: r.body.error }).toEqual({ p, status: 400, error: code });
  expect(r.body.message).toMatch(name);
}

describe("GET /batches", () => {
  test("pages newest first; next is the following page's before, null at the end", async () => {
    const all = await get("/batches");
    expect(all.status).toBe(200);
    expect(all.body.batches.map((b: { number: string }) => b.number)).toEqual(["5", "4", "3", "2", "1", "0"]);
    expect(all.body.next).toBeNull();
    const pages: string[][] = [];
    for (let before: string | null | undefined; before !== null; ) {
      const r = await get(`/batches?limit=2${before === undefined ? "" : `&before=${before}`}`);
      pages.push(r.body.batches.map((b: { number: string }) => b.number));
      before = r.body.next;
    }
    expect(pages).toEqual([["5", "4"], ["3", "2"], ["1", "0"]]);
    expect((await get("/batches?before=4&limit=2")).body).toMatchObject({ next: "2" });
    expect((await get("/batches?before=3")).body.batches.map((b: { number: string }) => b.number)).toEqual(["2", "1", "0"]);
    expect((await get("/batches?before=0")).body).toEqual({ batches: [], next: null });
    expect((await get("/batches?before=1&limit=1")).body.next).toBeNull();
    expect((await get("/batches?before=4294967296&limit=100")).body.batches).toHaveLength(6);
    expect((await get("/batches", plain)).body).toEqual({ batches: [], next: null });
  });

  test("a summary: the batch's fields without its data, its slots counted, its proof job and gas", async () => {
    const page = (await get("/batches")).body.batches as Array<Record<string, unknown>>;
    const by = (n: string) => page.find((b) => b.number === n)!;
    const counts = (b: Record<string, unknown>) => [b.txs, b.l2Txs, b.transfers, b.withdrawals, b.deposits, b.forcedExits, b.rejected];
    expect(counts(by("0"))).toEqual(["4", "0", "0", "0", "4", "0", "0"]);
    expect(counts(by("1"))).toEqual(["3", "3", "2", "1", "0", "0", "0"]);
    expect(counts(by("2"))).toEqual(["2", "0", "0", "0", "2", "0", "0"]);
    expect(counts(by("5"))).toEqual(["1", "0", "0", "0", "0", "1", "0"]);
    expect(by("0")).toMatchObject({ status: "verified", gasUsed: "345678", verifiedBlock: "5", proofJob: { status: "proven", worker: "gpu-a", backend: "webgpu", provingMs: "1500" } });
    expect(by("0").verifiedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(by("1")).toMatchObject({ status: "submitted", gasUsed: "234567", l1Tx: SUBMIT_TX, l1Block: "7", totalFee: "100", feeAccount: "0", verifiedAt: null });
    expect(by("2")).toMatchObject({ status: "created", gasUsed: null, proofJob: { status: "failed", lastError: "witness: assertion failed" } });
    expect(by("3").proofJob).toMatchObject({ status: "proving", worker: "cpu-b" });
    // Everything GET /batches/:number says, but its data and slots.
    for (const s of page) {
      const { publicInput, txData, slots, ...full } = (await get(`/batches/${s.number}`)).body;
      expect([publicInput, txData, slots.length]).toEqual([expect.stringMatching(/^0x/), expect.stringMatching(/^0x/), 4]);
      const { txs, l2Txs, transfers, withdrawals, deposits, forcedExits, rejected, ...rest } = s;
      expect([txs, l2Txs, transfers, withdrawals, deposits, forcedExits, rejected].every((x) => typeof x === "string")).toBe(true);
      expect(rest).toEqual(full);
    }
  });

  test("hostile before and limit: 400 naming the parameter; repeated or unknown parameters 400 invalid_query", async () => {
    for (const v of ["x", "-1", "01", "1.5", "0x10", "1e2", "4294967297", "99999999999", "", "%201", "+1", "1%00", "٣"]) await bad(`/batches?before=${v}`, "invalid_field", /^before: /);
    for (const v of ["0", "101", "-5", "abc", "1e2", "", "020", "100000000000000000000", "2.0"]) await bad(`/batches?limit=${v}`, "invalid_field", /^limit: /);
    await bad("/batches?limit=1&limit=2", "invalid_query", /"limit" more than once/);
    await bad("/batches?offset=3", "invalid_query", /parameters before, limit expected, got "offset"/);
  });
});

describe("GET /accounts/:index/txs", () => {
  const keyOf = (i: { kind?: string; hash?: string; position?: string }) => (i.kind === "l2" ? `l2:${Object.entries(h).find(([, v]) => v === i.hash)![0]}` : `l1:${i.position}`);

  test("an account's L2 transactions, sent and received, and its L1 requests, newest first", async () => {
    const history = async (i: number) => {
      const r = await get(`/accounts/${i}/txs`);
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ account: String(i), next: null });
      return r.body.items as Array<Record<string, string>>;
    };
    const alices = await history(1);
    expect(alices.map(keyOf)).toEqual(["l1:7", "l2:pending", "l2:c2a", "l2:a2c", "l1:4", "l2:aw", "l2:b2a", "l2:a2b", "l1:1"]);
    expect((await history(2)).map(keyOf)).toEqual(["l2:pending", "l2:b2a", "l2:a2b", "l1:2"]);
    expect((await history(3)).map(keyOf)).toEqual(["l1:6", "l2:c2a", "l2:a2c", "l1:3"]);
    expect((await history(4)).map(keyOf)).toEqual(["l1:5"]);
    expect((await history(0)).map(keyOf)).toEqual(["l1:0"]); // fees credited are no transaction of its own

    // An L2 transaction: what GET /txs/:hash says, and the account's side of it.
    for (const item of alices.filter((i) => i.kind === "l2")) {
      const { kind, direction, receivedAt, ...tx } = item;
      expect(tx).toEqual((await get(`/txs/${item.hash}`)).body);
      expect([kind, direction, receivedAt]).toEqual(["l2", tx.from === "1" ? "out" : "in", expect.stringMatching(/^\d{4}-/)]);
    }
    const byKey = Object.fromEntries(alices.map((i) => [keyOf(i), i]));
    expect(byKey["l2:a2b"]).toMatchObject({ stage: "submitted", batch: "1", l1Tx: SUBMIT_TX, l1Block: "7", direction: "out", fee: "100" });
    expect(byKey["l2:a2c"]).toMatchObject({ stage: "proving", batch: "3" });
    expect(byKey["l2:pending"]).toMatchObject({ stage: "pending" });
    // L1 requests: where and when they were read, and which batch consumed them.
    const l1 = (pos: string, l1Block: string) => ({ position: pos, l1Block, l1Tx: expect.stringMatching(/^0x[0-9a-f]{64}$/), seenAt: expect.stringMatching(/^\d{4}-/) });
    expect(byKey["l1:1"]).toEqual({ kind: "l1", type: "deposit", tokenId: "0", amount: String(2n * ETH), ethAddr: "0x" + alice.ethAddr.toString(16).padStart(40, "0"), ...l1("1", "1"), stage: "verified", batch: "0", slot: "1", outcome: "applied" });
    expect(byKey["l1:4"]).toMatchObject({ type: "top_up", amount: String(ETH), ...l1("4", "2"), stage: "in_batch", batch: "2", slot: "0", outcome: "applied" });
    expect(byKey["l1:7"]).toMatchObject({ type: "top_up", amount: String(ETH / 2n), ...l1("7", "4"), stage: "queued", batch: null, slot: null, outcome: null });
    const carols = await history(3);
    // The forced exit paid out carol's balance: 1 ETH + 0.2 in − 0.3 out.
    expect(carols[0]).toMatchObject({ type: "forced_exit", amount: String((9n * ETH) / 10n), tokenId: "0", batch: "5", slot: "0", stage: "in_batch", outcome: "applied" });
    expect((await history(4))[0]).toMatchObject({ type: "deposit", tokenId: "1", amount: String(5n * ETH), batch: "2", slot: "1" });
  });

  test("pages: every limit walks the same history, nothing twice, nothing left out", async () => {
    const whole = (await get("/accounts/1/txs?limit=100")).body.items.map(keyOf);
    for (const limit of [1, 2, 3, 4, 8, 9]) {
      const seen: string[] = [];
      let pages = 0;
      for (let before: string | null | undefined; before !== null; pages++) {
        const r = await get(`/accounts/1/txs?limit=${limit}${before === undefined ? "" : `&before=${before}`}`);
        expect(r.status).toBe(200);
        expect(r.body.items.length).toBeLessThanOrEqual(limit);
        seen.push(...r.body.items.map(keyOf));
        before = r.body.next;
      }
      expect({ limit, seen }).toEqual({ limit, seen: whole });
      expect(pages).toBe(Math.ceil(whole.length / limit));
    }
  });

  test("an account that does not exist is 404; hostile indices, cursors and limits are 400", async () => {
    const nf = await get("/accounts/99/txs");
    expect([nf.status, nf.body.error]).toEqual([404, "not_found"]);
    expect((await get("/accounts/5/txs")).status).toBe(404); // a deposit for it may come; until a batch makes it, nothing
    await bad("/accounts/x/txs", "invalid_field", /^index: /);
    await bad("/accounts/-1/txs", "invalid_field", /^index: /);
    await bad("/accounts/1%2F..%2F2/txs", "invalid_field", /^index: /);
    await bad("/accounts/123456789/txs", "invalid_field", /^index: /);
    for (const v of ["x", "1", "1-l3-2", "01-l1-1", "1-l1-01", "-1-l1-1", "1-l1", "1-L1-1", "1-l1-1-", "9999999999999999-l2-1", "1-l2-1%0A", ""]) {
      await bad(`/accounts/1/txs?before=${v}`, "invalid_field", /^before: /);
    }
    for (const v of ["0", "101", "x", ""]) await bad(`/accounts/1/txs?limit=${v}`, "invalid_field", /^limit: /);
    await bad("/accounts/1/txs?before=1-l1-1&before=2-l1-1", "invalid_query", /more than once/);
  });
});

describe("GET /accounts?ethAddr=", () => {
  test("the accounts of an L1 address, whatever its case; none is an empty list", async () => {
    const lower = "0x" + alice.ethAddr.toString(16).padStart(40, "0");
    for (const a of [lower, getAddress(lower), "0x" + lower.slice(2).toUpperCase()]) {
      const r = await get(`/accounts?ethAddr=${a}`);
      expect(r.body.accounts.map((x: { index: string }) => x.index)).toEqual(["1", "4"]);
      expect(r.body.accounts.every((x: { ethAddr: string }) => x.ethAddr === lower)).toBe(true);
    }
    expect((await get(`/accounts?ethAddr=0x${"00".repeat(19)}99`)).body).toEqual({ accounts: [] });
    expect((await get(`/accounts/1`)).body).toEqual((await get(`/accounts?ethAddr=${lower}`)).body.accounts[0]);
  });

  test("exactly one form, ax and ay or ethAddr; hostile addresses are 400", async () => {
    const a = "0x" + alice.ethAddr.toString(16).padStart(40, "0");
    await bad(`/accounts?ax=${alice.pk[0]}&ay=${alice.pk[1]}&ethAddr=${a}`, "invalid_query", /ax and ay, or ethAddr/);
    await bad(`/accounts?ax=${alice.pk[0]}&ethAddr=${a}`, "invalid_query", /ax and ay, or ethAddr/);
    await bad("/accounts", "invalid_query", /ax and ay, or ethAddr/);
    for (const v of ["0x123", "xyz", "0x" + "g".repeat(40), "", a.slice(2), a + "00", "0X" + a.slice(2), a + "%00", "%20" + a]) {
      await bad(`/accounts?ethAddr=${v}`, "invalid_field", /^ethAddr: 0x and 40 hex digits expected/);
    }
  });
});

describe("GET /operator", () => {
  test("proof jobs, provers, intake, L1 and series, and nothing secret", async () => {
    const r = await get("/operator");
    expect(r.status).toBe(200);
    const o = r.body;
    expect(o.proofJobs.map((j: { batch: string; status: string }) => `${j.batch}:${j.status}`)).toEqual(["5:queued", "4:queued", "3:proving", "2:failed", "1:proven", "0:proven"]);
    expect(o.proofJobs[5]).toEqual({
      batch: "0", status: "proven", attempts: "1", maxAttempts: "3", worker: "gpu-a", lastError: null, backend: "webgpu", provingMs: "1500", fallbackFrom: null,
      createdAt: expect.any(String), updatedAt: expect.any(String), provenAt: expect.any(String), leaseExpiresAt: null,
    });
    expect(o.proofJobs[2]).toMatchObject({ worker: "cpu-b", leaseExpiresAt: expect.stringMatching(/^\d{4}-/), backend: null, provingMs: null });
    expect(o.provers).toEqual([
      { worker: "cpu-b", backend: "cpu", lastSeen: expect.any(String), proven: "1", proving: "1", failed: "0" },
      { worker: "gpu-a", backend: "webgpu", lastSeen: expect.any(String), proven: "1", proving: "0", failed: "1" },
    ]);
    expect(o.mempool).toEqual({ pending: "1", acceptedLastMinute: "6", intakePerSecond: "0.10" });
    expect(o.l1).toEqual({
      headBlock: null, confirmedBlock: "5", confirmations: null, queueLength: "8", queueConsumed: "7", pendingRequests: "1",
      oldestPending: { position: "7", block: "4", ageBlocks: null }, exodusBlocks: null, exodusBlocksLeft: null,
    });
    expect(o.lastVerified).toEqual({ batch: "0", block: "5", verifiedAt: expect.stringMatching(/^\d{4}-/), msSince: expect.stringMatching(/^(0|[1-9][0-9]*)$/) });
    expect(o.series.provingMs).toEqual([{ batch: "0", provingMs: "1500" }, { batch: "1", provingMs: "4000" }]);
    expect(o.series.verifiedPerMinute).toHaveLength(30);
    expect(o.series.verifiedPerMinute.at(-1)).toMatchObject({ txs: "4", l2Txs: "0" });
    expect(o.series.verifiedPerMinute.slice(0, 29).every((m: { txs: string }) => m.txs === "0")).toBe(true);
    const minutes = o.series.verifiedPerMinute.map((m: { minute: string }) => Date.parse(m.minute));
    expect(minutes.every((t: number, i: number) => t % 60_000 === 0 && (i === 0 || t - minutes[i - 1] === 60_000))).toBe(true);
    // No lease token, no circuit input, no proof, no operator token.
    const text = JSON.stringify(o);
    const leases = seq.ctx.db.prepare("SELECT lease_token FROM proof_jobs WHERE lease_token IS NOT NULL").all() as Array<{ lease_token: string }>;
    expect(leases.length).toBe(1);
    for (const s of [TOKEN, ...leases.map((l) => l.lease_token), "pi_a", "input"]) expect(text).not.toContain(s);
  });

  test("with L1: the head the watcher read, the oldest request's age and the blocks left before exodus", async () => {
    let head = 8;
    const api = createApi(seq.ctx, undefined, { l1: () => ({ headBlock: head, exodusBlocks: 5n }) });
    await new Promise<void>((resolve) => api.server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(api.server.address() as net.AddressInfo).port}`;
    try {
      expect((await http(url + "/operator", "GET")).body.l1).toMatchObject({ headBlock: "8", oldestPending: { position: "7", block: "4", ageBlocks: "4" }, exodusBlocks: "5", exodusBlocksLeft: "2" });
      head = 20; // waited 16 > 5 blocks: anyone may switch the contract to exodus
      expect((await http(url + "/operator", "GET")).body.l1).toMatchObject({ oldestPending: { ageBlocks: "16" }, exodusBlocksLeft: "0" });
    } finally {
      await new Promise((resolve) => api.server.close(resolve));
    }
  });

  test("it takes no parameters and no other method", async () => {
    await bad("/operator?token=x", "invalid_query", /no parameters expected/);
    expect((await http(seq.url + "/operator", "POST", "{}")).status).toBe(405);
  });
});

describe("POST /proofs/:batch/retry", () => {
  const retry = (batch: string, auth?: string, s = seq, body = "{}") =>
    http(s.url + `/proofs/${batch}/retry`, "POST", body, { "content-type": "application/json", ...(auth === undefined ? {} : { authorization: auth }) });

  /** A refusal that changes nothing and echoes no token. */
  async function refused(p: Promise<{ status: number; body: any }>, status: number, code: string, s = seq) {
    const before = databaseFingerprint(s.ctx.db);
    const r = await p;
    expect({ status: r.status, error: r.body.error }).toEqual({ status, error: code });
    expect(JSON.stringify(r.body)).not.toContain(TOKEN);
    expect(databaseFingerprint(s.ctx.db)).toBe(before);
    return r;
  }

  test("without a token configured: 403 operator_actions_disabled, whatever is sent", async () => {
    await refused(retry("2", `Bearer ${TOKEN}`, plain), 403, "operator_actions_disabled", plain);
    await refused(retry("2", undefined, plain), 403, "operator_actions_disabled", plain);
  });

  test("a missing or wrong token: 401 unauthorized with WWW-Authenticate, before the batch is even read", async () => {
    const other = crypto.randomBytes(32).toString("hex");
    for (const auth of [undefined, "", "Bearer", "Bearer ", `Bearer ${other}`, `Bearer ${TOKEN.slice(0, 63)}`, `Bearer ${TOKEN}0`, `Bearer ${TOKEN.toUpperCase()}`, `Basic ${Buffer.from(`x:${TOKEN}`).toString("base64")}`, `${TOKEN}`, `Bearer ${TOKEN.slice(0, 32)}`, `Bearer ${"é".repeat(32)}`]) {
      const res = await fetch(seq.url + "/proofs/2/retry", { method: "POST", body: "{}", headers: { "content-type": "application/json", ...(auth === undefined ? {} : { authorization: auth }) } });
      const body = (await res.json()) as { error: string; message: string };
      expect({ auth, status: res.status, error: body.error }).toEqual({ auth, status: 401, error: "unauthorized" });
      expect(res.headers.get("www-authenticate")).toBe("Bearer");
      expect(JSON.stringify(body)).not.toContain(TOKEN.slice(0, 16));
    }
    await refused(retry("x", `Bearer ${other}`), 401, "unauthorized");
    await refused(retry("99", undefined), 401, "unauthorized");
    expect(getProofJob(seq.ctx.db, 2)).toMatchObject({ status: "failed" });
  });

  test("with the token: 400 bad batch or body, 404 no job, 409 not failed, 200 queued again with fresh attempts", async () => {
    const auth = `Bearer ${TOKEN}`;
    for (const b of ["x", "-1", "01", "1.5", "99999999999", "4294967296", "%20"]) await refused(retry(b, auth), 400, "invalid_field");
    await refused(retry("2", auth, seq, '{"batch":"3"}'), 400, "invalid_field");
    await refused(retry("2", auth, seq, "[]"), 400, "invalid_field");
    await refused(retry("99", auth), 404, "not_found");
    for (const b of ["0", "3", "4"]) expect((await refused(retry(b, auth), 409, "not_failed")).body.message).toMatch(/(proven|proving|queued)/);
    const ok = await retry("2", `bearer ${TOKEN}`); // the scheme is case-insensitive
    expect([ok.status, ok.body]).toEqual([200, { batch: "2", status: "queued" }]);
    expect(getProofJob(seq.ctx.db, 2)).toMatchObject({ status: "queued", attempts: 0, worker: null });
    await refused(retry("2", auth), 409, "not_failed");
    expect((await http(seq.url + "/proofs/2/retry", "GET")).status).toBe(405);
    // Failed again, for the tests after this one.
    failProofJob(seq.ctx.db, claimProofJob(seq.ctx.db, { worker: "gpu-a" })!, "witness: assertion failed", { permanent: true });
  });
});

describe("the app's static files", () => {
  test("/ and /app redirect to /app/; files with their types, caching and security headers", async () => {
    for (const [m, p] of [["GET", "/"], ["HEAD", "/"], ["GET", "/app"]]) {
      const r = await raw(m, p);
      expect([r.status, r.headers.location]).toEqual([302, "/app/"]);
    }
    const index = await raw("GET", "/app/");
    expect([index.status, index.text, index.headers["content-type"], index.headers["cache-control"]]).toEqual([200, "<!doctype html><title>zkr</title>", "text/html; charset=utf-8", "no-cache"]);
    expect(index.headers).toMatchObject({ "x-content-type-options": "nosniff", "referrer-policy": "no-referrer", "content-security-policy": CSP });
    const types: Record<string, string> = {
      "/app/assets/index-Ab12Cd.js": "text/javascript; charset=utf-8", "/app/assets/index-Ef34.css": "text/css; charset=utf-8", "/app/logo.svg": "image/svg+xml",
      "/app/icon.png": "image/png", "/app/prover.wasm": "application/wasm", "/app/config.json": "application/json; charset=utf-8",
      "/app/assets/index-Ab12Cd.js.map": "application/json; charset=utf-8", "/app/assets/font.woff2": "font/woff2", "/app/alias.js": "text/javascript; charset=utf-8",
    };
    for (const [p, type] of Object.entries(types)) {
      const r = await raw("GET", p);
      expect({ p, status: r.status, type: r.headers["content-type"], nosniff: r.headers["x-content-type-options"] }).toEqual({ p, status: 200, type, nosniff: "nosniff" });
      expect(r.headers["cache-control"]).toBe(p.startsWith("/app/assets/") ? "public, max-age=31536000, immutable" : "no-cache");
    }
    const head = await raw("HEAD", "/app/assets/index-Ab12Cd.js");
    expect([head.status, head.headers["content-length"], head.text]).toEqual([200, "14", ""]);
    const post = await raw("POST", "/app/");
    expect([post.status, post.headers.allow, JSON.parse(post.text).error]).toEqual([405, "GET, HEAD", "method_not_allowed"]);
  });

  test("an app route without a file is index.html (client-side routing); a missing file is 404", async () => {
    for (const p of ["/app/accounts/5", "/app/operator", "/app/batches/3/", "/app/x?y=1"]) {
      const r = await raw("GET", p);
      expect({ p, status: r.status, text: r.text, cache: r.headers["cache-control"] }).toEqual({ p, status: 200, text: "<!doctype html><title>zkr</title>", cache: "no-cache" });
    }
    for (const p of ["/app/missing.js", "/app/assets/index-0000.css"]) {
      const r = await raw("GET", p);
      expect([r.status, JSON.parse(r.text).error]).toEqual([404, "not_found"]);
    }
  });

  test("nothing outside the folder, no dotfile: traversal in every spelling, absolute paths, symlinks out", async () => {
    const targets = [
      "/app/../secret.txt", "/app/%2e%2e/secret.txt", "/app/%2E%2E/secret.txt", "/app/..%2fsecret.txt", "/app/..%2Fsecret.txt", "/app/%2e%2e%2fsecret.txt",
      "/app/assets/..%2f..%2fsecret.txt", "/app/assets/../../secret.txt", "/app/..%5csecret.txt", "/app/%5c..%5csecret.txt", "/app/.%2e/secret.txt",
      "/app/%2fetc%2fpasswd", "/app//etc/passwd", `/app/${encodeURIComponent(path.join(dir, "secret.txt"))}`, `/app/${path.join(dir, "secret.txt")}`,
      "/app/leak.txt", "/app/outside/secret.txt", "/app/outside", "/app/.env", "/app/%2eenv", "/app/assets/.hidden.js", "/app/./index.html",
      "/app/%00.js", "/app/index.html%00.js", "http://x/app/%2e%2e/secret.txt", "/app/..", "/app/.", "/app/..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
    ];
    for (const t of targets) {
      const r = await raw("GET", t);
      expect({ t, refused: r.status === 404 || r.status === 400 }).toEqual({ t, refused: true });
      expect(r.text).not.toContain(SECRET);
      expect(r.text).not.toContain("root:");
      expect(r.headers["content-type"]).toMatch(/^application\/json/);
    }
  });

  test("without appDir, / and /app/… are 404 as before", async () => {
    for (const p of ["/", "/app", "/app/", "/app/index.html", "/app/accounts/5"]) {
      const r = await raw("GET", p, plain);
      expect({ p, status: r.status, error: JSON.parse(r.text).error }).toEqual({ p, status: 404, error: "not_found" });
    }
  });

  test("an app folder not built yet: its files are 404, the API still answers", async () => {
    const api = createApi(plain.ctx, undefined, { appDir: path.join(dir, "no-such-app") });
    await new Promise<void>((resolve) => api.server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(api.server.address() as net.AddressInfo).port}`;
    try {
      for (const p of ["/app/", "/app/accounts/1", "/app/x.js"]) expect((await http(url + p, "GET")).status).toBe(404);
      expect((await http(url + "/health", "GET")).status).toBe(200);
    } finally {
      await new Promise((resolve) => api.server.close(resolve));
    }
  });
});

describe("GET /info for a browser", () => {
  test("l1Rpc only when published, devnet as configured; the sequencer's own RPC URL never", async () => {
    expect((await get("/info")).body).toMatchObject({ l1Rpc: PUBLIC_RPC, devnet: false });
    expect((await get("/info", plain)).body).toMatchObject({ l1Rpc: null, devnet: false });
    const privateRpc = "https://eth.example/v3/s3cr3t-api-key";
    const ctx = { ...plain.ctx, config: { ...plain.ctx.config, l1: { ...DEVNET_L1, rpcUrl: privateRpc, deployBlock: 0, operatorKey: "0x" + "11".repeat(32) } } };
    const api = createApi(ctx, undefined, {});
    await new Promise<void>((resolve) => api.server.listen(0, "127.0.0.1", resolve));
    try {
      const res = await fetch(`http://127.0.0.1:${(api.server.address() as net.AddressInfo).port}/info`);
      const text = await res.text();
      expect(JSON.parse(text)).toMatchObject({ l1Rpc: null, devnet: true });
      expect(text).not.toContain("s3cr3t");
    } finally {
      await new Promise((resolve) => api.server.close(resolve));
    }
  });

  test("createApi refuses a weak operator token and an L1 RPC that is no http(s) URL", () => {
    for (const operatorToken of ["", "abc", TOKEN.slice(2), TOKEN.toUpperCase(), TOKEN + "00"]) {
      expect(() => createApi(plain.ctx, undefined, { operatorToken })).toThrow(/operatorToken: 64 lower-case hex digits/);
    }
    for (const publicL1Rpc of ["javascript:alert(1)", "not a url", "http://x; script-src *", "http://x;y/", "http://a,b:1/", "file:///etc/passwd"]) {
      const ctx = { ...plain.ctx, config: { ...plain.ctx.config, api: { ...plain.ctx.config.api, publicL1Rpc } } };
      expect(() => createApi(ctx, undefined, {})).toThrow(/publicL1Rpc: an http\(s\) or ws\(s\) URL expected/);
    }
  });
});

test("the client reads the new routes back into numbers and bigints", async () => {
  const c = new SequencerClient(seq.url);
  const page = await c.batches({ limit: 2 });
  expect(page.batches.map((b) => b.number)).toEqual([5, 4]);
  expect(page.next).toBe(4);
  const b1 = (await c.batches({ before: 2, limit: 1 })).batches[0];
  expect(b1).toMatchObject({ number: 1, l2Txs: 3, totalFee: 100n, gasUsed: 234_567n, l1Block: 7, proofJob: { provingMs: 4000 } });
  expect((await c.batch(0)).gasUsed).toBe(345_678n);
  const history = await c.accountHistory(1n, { limit: 3 });
  expect(history.items.map((i) => i.kind)).toEqual(["l1", "l2", "l2"]);
  expect(history.items[0]).toMatchObject({ kind: "l1", position: 7, amount: ETH / 2n, stage: "queued", batch: null });
  expect(history.items[1]).toMatchObject({ kind: "l2", from: 1n, to: 2n, amount: ETH / 100n, direction: "out" });
  const rest = await c.accountHistory(1n, { before: history.next!, limit: 100 });
  expect(rest.items).toHaveLength(6);
  expect(rest.next).toBeNull();
  expect((await c.accountsByEthAddr(getAddress("0x" + alice.ethAddr.toString(16).padStart(40, "0")))).map((a) => a.index)).toEqual([1n, 4n]);
  const o = await c.operator();
  expect(o.mempool).toEqual({ pending: 1, acceptedLastMinute: expect.any(Number), intakePerSecond: expect.any(Number) });
  expect(o.proofJobs[0]).toMatchObject({ batch: 5, status: "queued" });
  expect(o.series.provingMs).toEqual([{ batch: 0, provingMs: 1500 }, { batch: 1, provingMs: 4000 }]);
  expect(await c.info()).toMatchObject({ l1Rpc: PUBLIC_RPC, devnet: false });
  const err = await c.retryProof(2, "0".repeat(64)).catch((e: unknown) => e);
  expect([(err as ApiError).status, (err as ApiError).code]).toEqual([401, "unauthorized"]);
  expect(await c.retryProof(2, TOKEN)).toEqual({ batch: 2, status: "queued" });
});
