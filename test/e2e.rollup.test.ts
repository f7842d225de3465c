// The rollup end to end on anvil: the sequencer (API, batcher, L1 watcher and submitter) with the
// prover service (CPU, 4×8 dev keys) on one SQLite database, and two users with their own L1
// accounts. Deposits from both, transfers both ways, a withdrawal and its claim, a forced exit and
// its claim; each transaction goes pending → in batch → proven → submitted → verified on L1, and
// `zkr sync` rebuilds from L1 alone the root that the contract and the sequencer hold. The
// devnet's ERC-20 (zUSD, token 1) the same way: deposits, a transfer that pays no fee, a
// withdrawal claimed in the token, and the wallet CLI speaking zUSD for a zUSD account.

import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { Contract, type JsonRpcProvider } from "ethers";
import { launchDevnet, type LaunchedDevnet } from "../contracts/devnet.js";
import { rollupAt } from "../contracts/deploy.js";
import { devnetProvider } from "../contracts/provider.js";
import { Sequencer } from "../sequencer/sequencer.js";
import { sqliteProofQueue } from "../sequencer/proofs.js";
import { DEVNET_L1, type SequencerConfig } from "../sequencer/config.js";
import { SequencerClient, type TxView } from "../sequencer/client.js";
import { ZkrWallet, devnetAccountKey, quoteFee, readWalletFile } from "../sequencer/wallet.js";
import { syncFromL1, writeSyncedDatabase } from "../sequencer/sync.js";
import { getMeta } from "../sequencer/db.js";
import { startProverService, type ProverService } from "../prover/service/service.js";
import { releaseSnarkjs } from "../circuits/witness.js";
import { user } from "../bench/fixtures/scenario.js";
import { tmpDir } from "./helpers/sequencer.js";
import { until } from "./helpers/wait.js";
import { hex32 } from "../core/bytes.js";

const ETH = 10n ** 18n;
const log = (l: string) => process.stderr.write(`  ${l}\n`);
let dir: string;
let devnet: LaunchedDevnet;
let provider: JsonRpcProvider;
let seq: Sequencer;
let config: SequencerConfig;
let prover: ProverService;
let client: SequencerClient;
let alice: ZkrWallet;
let bob: ZkrWallet;
let rollup: string;
const idx: Record<string, bigint> = {};
const seen: Record<string, string[]> = {};

/** Runs the zkr CLI; resolves with its stdout and stderr. */
function zkrRun(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return promisify(execFile)(process.execPath, [path.join("bin", "zkr.js"), ...args], { cwd: path.resolve(".") });
}

/** Runs the zkr CLI; resolves with its stdout. */
async function zkr(...args: string[]): Promise<string> {
  return (await zkrRun(...args)).stdout;
}

const walletOf = (name: string, l1: number) =>
  new ZkrWallet({ version: 1, l2Key: Buffer.from(user(name).sk).toString("hex"), l1Key: devnetAccountKey(l1) }, provider);

/** Waits until the transaction is verified on L1, recording every stage seen on the way. */
async function verified(hash: string): Promise<TxView> {
  seen[hash] = [];
  return client.waitFor(hash, "verified", { timeoutMs: 180_000, pollMs: 50, onStage: (t) => seen[hash].push(t.stage) });
}

async function untilAccount(pk: readonly [bigint, bigint], n: number): Promise<bigint[]> {
  for (let i = 0; i < 600; i++) {
    const a = await client.accountsOf(pk);
    if (a.length >= n) return a.map((x) => x.index);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("account did not appear");
}

async function batchesVerified(): Promise<void> {
  for (;;) {
    const open = seq.ctx.db.prepare("SELECT COUNT(*) AS n FROM batches WHERE status != 'verified'").get() as { n: number };
    if (open.n === 0 && seq.ctx.mempool.size === 0 && Number(seq.ctx.state.queueNext) === seq.ctx.queue.length) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  dir = tmpDir("zkr-e2e-");
  devnet = await launchDevnet({ txs: 4, depth: 8, port: 0, out: dir, log });
  provider = devnetProvider(devnet.deployment.rpcUrl);
  rollup = devnet.deployment.addresses.rollup;
  const dbPath = path.join(dir, "sequencer.db");
  config = {
    dbPath, chainId: BigInt(devnet.deployment.chainId), rollup, slots: 4, depth: 8,
    batchMaxWaitMs: 300, maxUnprovenBatches: 8, maxMempool: 10_000, tickMs: 50, api: { host: "127.0.0.1", port: 0 },
    l1: { ...DEVNET_L1, rpcUrl: devnet.deployment.rpcUrl, deployBlock: devnet.deployment.deployBlock, operatorKey: devnetAccountKey(0), pollMs: 100 },
  };
  seq = await Sequencer.start(config, { proofs: sqliteProofQueue, log, onFatal: (e) => log(`FATAL ${e.message}`) });
  prover = await startProverService({ db: dbPath, backend: "cpu", warm: [{ txs: 4, depth: 8 }], pollMs: 100, log });
  client = new SequencerClient(seq.url);
  alice = walletOf("alice", 1);
  bob = walletOf("bob", 2);
});

afterAll(async () => {
  await prover?.stop({ release: true });
  await seq?.stop();
  await releaseSnarkjs();
  provider?.destroy();
  await devnet?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test("deposits from two L1 accounts become L2 accounts", async () => {
  const a = await alice.deposit(rollup, 2n * ETH);
  const b = await bob.deposit(rollup, ETH);
  expect([a.index, b.index]).toEqual([0n, 1n]);
  idx.alice = (await untilAccount(alice.pk, 1))[0];
  idx.bob = (await untilAccount(bob.pk, 1))[0];
  expect((await client.account(idx.alice)).balance).toBe(2n * ETH);
  expect((await client.account(idx.bob)).ethAddr.toLowerCase()).toBe(bob.l1.address.toLowerCase());
});

test("transfers both ways and a withdrawal reach every stage; the withdrawal is claimed on L1", async () => {
  const t1 = await client.submit(await alice.signTransfer(client, idx.alice, idx.bob, 5n * 10n ** 17n));
  const t2 = await client.submit(await bob.signTransfer(client, idx.bob, idx.alice, 2n * 10n ** 17n));
  const w = await client.submit(await alice.signWithdraw(client, idx.alice, 3n * 10n ** 17n));
  const done = await Promise.all([t1, t2, w].map(verified));
  for (const t of done) {
    expect(t.stage).toBe("verified");
    expect(t.l1Tx).toMatch(/^0x[0-9a-f]{64}$/);
  }
  // Every stage was observed in order, except that a poll can miss a short one.
  const order = ["pending", "in_batch", "proving", "proven", "submitted", "verified"];
  for (const h of [t1, t2, w]) {
    const s = seen[h];
    expect(s.map((x) => order.indexOf(x))).toEqual([...s.map((x) => order.indexOf(x))].sort());
    expect(s.filter((x) => x === "in_batch" || x === "proving")).not.toHaveLength(0); // a prover may take the batch before a poll sees it waiting
    expect(s.at(-1)).toBe("verified");
  }
  const b = await client.batch(done[2].batch!);
  expect(b).toMatchObject({ status: "verified" });
  expect(b.provenAt).not.toBeNull();
  expect((await client.account(idx.alice)).balance).toBe(2n * ETH - 5n * 10n ** 17n + 2n * 10n ** 17n - 3n * 10n ** 17n);
  expect((await client.account(idx.bob)).balance).toBe(ETH + 3n * 10n ** 17n);

  expect(await alice.claimable(rollup)).toBe(3n * 10n ** 17n);
  const before = await provider.getBalance(alice.l1.address);
  const c = await alice.claim(rollup);
  const receipt = (await provider.getTransactionReceipt(c.txHash))!;
  expect((await provider.getBalance(alice.l1.address)) - before + receipt.fee).toBe(3n * 10n ** 17n);
  await expect(alice.claim(rollup)).rejects.toThrow(/nothing credited/);
});

test("a forced exit pays bob's whole balance out on L1", async () => {
  await bob.forcedExit(rollup, idx.bob);
  for (let i = 0; i < 1800 && (await client.account(idx.bob)).balance !== 0n; i++) await new Promise((r) => setTimeout(r, 100));
  await batchesVerified();
  expect(await bob.claimable(rollup)).toBe(ETH + 3n * 10n ** 17n);
  await bob.claim(rollup);
  expect(await bob.claimable(rollup)).toBe(0n);
});

test("the wallet CLI: create (0600), deposit, balance, transfer, status", async () => {
  const file = path.join(dir, "wallet.json");
  const where = ["--wallet", file, "--deployment", devnet.file, "--api", seq.url];
  expect(await zkr("wallet", "create", "--l1-account", "3", ...where)).toMatch(/L1 address: 0x90F79bf6EB2c4f870365E785982E1f101E93b906/);
  expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  await expect(zkr("wallet", "create", ...where)).rejects.toThrow(/a new file expected, one exists/);
  // The deposit waits until the sequencer has made the account.
  expect(await zkr("wallet", "deposit", "0.5", ...where)).toMatch(/deposit of 0.5 ETH \(plus the [0-9.]+ ETH account creation fee\): L1 tx 0x[0-9a-f]{64} \(block \d+\)\nL2 account 2: 0\.5 ETH \(in a batch/);
  await untilAccount(new ZkrWallet(readWalletFile(file)).pk, 1);
  expect(await zkr("wallet", "balance", ...where)).toMatch(/L2 account 2: 0.5 ETH \(spendable 0.5, nonce 0, 0 pending\)/);
  const out = await zkr("wallet", "transfer", "--to", String(idx.alice), "0.1", ...where);
  const hash = /: (0x[0-9a-f]{64}) \(pending/.exec(out)![1];
  await verified(hash);
  expect(await zkr("wallet", "status", hash, ...where)).toMatch(new RegExp(`${hash}: transfer 0.1 ETH from 2 to ${idx.alice}: verified \\(batch \\d+, L1 tx 0x[0-9a-f]{64}, block \\d+\\)`));
  // Its errors speak ETH, the sequencer's refusals included (they carry their amounts in wei).
  await expect(zkr("wallet", "transfer", "--to", String(idx.alice), "5", ...where)).rejects.toThrow(
    /zkr: insufficient balance: account 2 can spend 0\.4 ETH \(400000000000000000 wei\); this transaction needs 5\.0 ETH \(5000000000000000000 wei\)/);
  await expect(zkr("wallet", "withdraw", "400000000000000000000", ...where)).rejects.toThrow(
    /zkr: amount: at most 340282366920938463463\.374607431768211455 ETH \(340282366920938463463374607431768211455 wei\) expected/);
  await expect(zkr("wallet", "deposit", "1000000", ...where)).rejects.toThrow(/zkr: deposit: an L1 balance of at least 1000000\.001 ETH \(1000000001000000000000000 wei\) expected/);
});

test("zUSD accounts: deposits, a transfer that pays no fee, a withdrawal claimed in zUSD; the CLI speaks zUSD", async () => {
  const USD = 10n ** 6n;
  const [zUSD] = devnet.deployment.tokens!;
  const a = await alice.depositToken(rollup, 1n, 100n * USD);
  const b = await bob.depositToken(rollup, 1n, 50n * USD);
  for (const i of [a.index, b.index]) await until(`account ${i}`, () => client.account(i).then(() => true, () => false));
  expect(await client.account(a.index)).toMatchObject({ tokenId: 1n, balance: 100n * USD });
  // Fees are paid in the fee account's token only: a zUSD account pays none.
  expect((await quoteFee(client, a.index)).fee).toBe(0n);
  const t = await client.submit(await alice.signTransfer(client, a.index, b.index, 12n * USD + USD / 2n));
  const w = await client.submit(await alice.signWithdraw(client, a.index, 20n * USD));
  for (const v of await Promise.all([t, w].map(verified))) expect(v).toMatchObject({ stage: "verified", fee: 0n });
  expect((await client.account(a.index)).balance).toBe(67n * USD + USD / 2n);
  expect((await client.account(b.index)).balance).toBe(62n * USD + USD / 2n);
  expect(await alice.claimable(rollup, 1n)).toBe(20n * USD);
  const token = new Contract(zUSD.address, ["function balanceOf(address) view returns (uint256)"], provider);
  const before = await token.balanceOf(alice.l1.address);
  await alice.claim(rollup, 1n);
  expect((await token.balanceOf(alice.l1.address)) - before).toBe(20n * USD);

  // The CLI (the wallet file of the test above: anvil account 3): amounts in the account's token.
  const file = path.join(dir, "wallet.json");
  const where = ["--wallet", file, "--deployment", devnet.file, "--api", seq.url];
  const dep = await zkr("wallet", "deposit", "10", "--token", "zusd", ...where);
  const index = /L2 account (\d+): 10\.0 zUSD \(in a batch/.exec(dep)![1];
  expect(dep).toMatch(/^deposit of 10\.0 zUSD into an account of token 1 \(plus the 0\.001 ETH account creation fee\): L1 tx 0x[0-9a-f]{64}/);
  expect(await zkr("wallet", "balance", ...where)).toMatch(new RegExp(`L2 account ${index}: 10\\.0 zUSD \\(spendable 10\\.0, nonce 0, 0 pending\\)[\\s\\S]*\nL1 0x90F79bf6EB2c4f870365E785982E1f101E93b906: 999990\\.0 zUSD, claimable 0\\.0 zUSD`));
  const sent = await zkr("wallet", "transfer", "--from", index, "--to", String(b.index), "2.5", ...where);
  expect(sent).toMatch(/^fee 0 zUSD \(no account collects fees\)\n/);
  const hash = /: (0x[0-9a-f]{64}) \(pending/.exec(sent)![1];
  const out = await zkr("wallet", "withdraw", "--from", index, "1", ...where);
  expect(out).toContain("'zkr wallet claim --token zUSD'");
  await Promise.all([hash, /withdrawal from \d+: (0x[0-9a-f]{64})/.exec(out)![1]].map(verified));
  expect(await zkr("wallet", "status", hash, ...where)).toMatch(new RegExp(`${hash}: transfer 2\\.5 zUSD from ${index} to ${b.index}: verified`));
  expect(await zkr("wallet", "claim", "--token", "1", ...where)).toMatch(/^claimed 1\.0 zUSD to 0x90F79bf6EB2c4f870365E785982E1f101E93b906: L1 tx/);
  // Refused before anything is sent, in zUSD.
  await expect(zkr("wallet", "deposit", "1.0000001", "--token", "zUSD", ...where)).rejects.toThrow(/zkr: amount: at most 6 decimals expected \(zUSD has 6\), got 1\.0000001/);
  await expect(zkr("wallet", "deposit", "1", "--token", "DAI", ...where)).rejects.toThrow(/zkr: --token: one of the rollup's tokens expected \(0 ETH, 1 zUSD\), got DAI/);
  await expect(zkr("wallet", "transfer", "--from", index, "--to", String(b.index), "100", ...where)).rejects.toThrow(
    /zkr: insufficient balance: account \d+ can spend 6\.5 zUSD \(6500000 units\); this transaction needs 100\.0 zUSD \(100000000 units\) \(amount and fee\)/);
});

test("zkr sync rebuilds from L1 alone the root the contract and the sequencer hold", async () => {
  await batchesVerified();
  const r = await syncFromL1({ provider, rollupAddress: rollup, fromBlock: devnet.deployment.deployBlock });
  expect(r.matches).toBe(true);
  expect(r.state.root).toBe(seq.ctx.state.root);
  expect(r.batches).toBe(Number(seq.ctx.state.batchNumber));
  for (const [i, a] of seq.ctx.state.accounts) expect(r.state.accounts.get(i)).toEqual(a);
  const out = await zkrRun("sync", "--deployment", devnet.file);
  expect(out.stdout).toMatch(new RegExp(`batches:     ${r.batches}[\\s\\S]*root:        ${hex32(r.state.root)}\\non-chain:    ${hex32(r.state.root)}[\\s\\S]*OK: the state rebuilt from L1 reaches the on-chain root`));
  // Each batch's root the same way as the final one: the last batch's is the state's.
  expect(out.stderr).toContain(`batch ${r.batches - 1} (block ${r.verified.at(-1)!.log.block}): root ${hex32(r.state.root)}`);
  expect(out.stderr.match(/root \S+/g)).toHaveLength(r.batches);
  for (const m of out.stderr.match(/root \S+/g)!) expect(m).toMatch(/^root 0x[0-9a-f]{64}$/);
  const verifiedCount = seq.ctx.db.prepare("SELECT COUNT(*) AS n FROM batches WHERE status = 'verified' AND verified_block IS NOT NULL").get() as { n: number };
  expect(verifiedCount.n).toBe(r.batches);
});

test("a sequencer that lost its database starts again from one zkr sync wrote, and goes on", async () => {
  const r = await syncFromL1({ provider, rollupAddress: rollup, fromBlock: devnet.deployment.deployBlock });
  const restored = path.join(dir, "restored.db");
  writeSyncedDatabase(restored, r, rollup);
  expect(() => writeSyncedDatabase(restored, r, rollup)).toThrow(/exists/);
  const before = { root: seq.ctx.state.root, next: seq.ctx.state.batchNumber, queue: seq.ctx.queue.head, nonce: seq.ctx.state.accounts.get(idx.alice)!.nonce };
  await prover.stop({ release: true });
  await seq.stop();
  seq = await Sequencer.start({ ...config, dbPath: restored }, { proofs: sqliteProofQueue, log, onFatal: (e) => log(`FATAL ${e.message}`) });
  // The batches read from L1 have no undo records: an undo reaching them replays instead.
  expect(getMeta(seq.ctx.db, "undo_from")).toBe(String(before.next));
  prover = await startProverService({ db: restored, backend: "cpu", warm: [{ txs: 4, depth: 8 }], pollMs: 100, log });
  client = new SequencerClient(seq.url);
  expect({ root: seq.ctx.state.root, next: seq.ctx.state.batchNumber, queue: seq.ctx.queue.head, nonce: seq.ctx.state.accounts.get(idx.alice)!.nonce }).toEqual(before);
  // Nonces came back from the replay: alice's next transfer is accepted and lands on L1.
  const h = await client.submit(await alice.signTransfer(client, idx.alice, 2n, 10n ** 16n));
  expect((await verified(h)).stage).toBe("verified");
  expect(await rollupAt(rollup, provider).stateRoot()).toBe(seq.ctx.state.root);
});

