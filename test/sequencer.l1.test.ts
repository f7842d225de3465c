// The sequencer's L1 side against anvil: the watcher acts only on logs with the configured
// confirmations (2 here), and the submitter replaces a stuck submitBatch (mining paused) with the
// same nonce and higher fees; once mining resumes exactly one of them lands and the batch is
// verified after its confirmations. Reorganisations deeper than the confirmations (anvil's
// snapshot and revert): a verified batch whose blocks are gone is sent again and verified again;
// a deposit gone from L1 that batches consumed makes those batches again without it.

import fs from "node:fs";
import path from "node:path";
import type { JsonRpcProvider } from "ethers";
import { launchDevnet, type LaunchedDevnet } from "../contracts/devnet.js";
import { rollupAt } from "../contracts/deploy.js";
import { devnetProvider } from "../contracts/provider.js";
import { Sequencer } from "../sequencer/sequencer.js";
import { sqliteProofQueue } from "../sequencer/proofs.js";
import { DEVNET_L1 } from "../sequencer/config.js";
import { getMeta, openDatabase } from "../sequencer/db.js";
import { ZkrWallet, devnetAccountKey } from "../sequencer/wallet.js";
import { startProverService, type ProverService } from "../prover/service/service.js";
import { releaseSnarkjs } from "../circuits/witness.js";
import { user } from "../bench/fixtures/scenario.js";
import { SequencerClient } from "../sequencer/client.js";
import { tmpDir } from "./helpers/sequencer.js";
import { until } from "./helpers/wait.js";

const lines: string[] = [];
const log = (l: string) => {
  lines.push(l);
  process.stderr.write(`  ${l}\n`);
};
let fatal: Error | undefined;
let dir: string;
let devnet: LaunchedDevnet;
let provider: JsonRpcProvider;
let seq: Sequencer;
let prover: ProverService;


/** Transactions the operator's account sent while the devnet came up (deployments, its test token), before any batch. */
let devnetTxs: number;

beforeAll(async () => {
  dir = tmpDir("zkr-l1-");
  devnet = await launchDevnet({ txs: 4, depth: 8, port: 0, out: dir, log });
  provider = devnetProvider(devnet.deployment.rpcUrl);
  devnetTxs = await provider.getTransactionCount(devnet.deployment.operator);
  const d = devnet.deployment;
  const dbPath = path.join(dir, "sequencer.db");
  seq = await Sequencer.start({
    dbPath, chainId: BigInt(d.chainId), rollup: d.addresses.rollup, slots: 4, depth: 8, batchMaxWaitMs: 200, maxUnprovenBatches: 8, maxMempool: 1000, tickMs: 50,
    api: { host: "127.0.0.1", port: 0 },
    l1: { ...DEVNET_L1, rpcUrl: d.rpcUrl, deployBlock: d.deployBlock, operatorKey: devnetAccountKey(0), pollMs: 100, confirmations: 2, stuckTxMs: 1500 },
  }, { proofs: sqliteProofQueue, log, onFatal: (e) => (fatal = e) });
  prover = await startProverService({ db: dbPath, backend: "cpu", warm: [{ txs: 4, depth: 8 }], pollMs: 100, log });
});

afterAll(async () => {
  await prover?.stop({ release: true });
  await seq?.stop();
  await releaseSnarkjs();
  provider?.destroy();
  await devnet?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test("logs count only with 2 confirmations; a stuck submitBatch is replaced with the same nonce; one lands", async () => {
  const d = devnet.deployment;
  const alice = new ZkrWallet({ version: 1, l2Key: Buffer.from(user("alice").sk).toString("hex"), l1Key: devnetAccountKey(1) }, provider);
  const dep = await alice.deposit(d.addresses.rollup, 10n ** 18n);
  await new Promise((r) => setTimeout(r, 1000));
  expect(seq.ctx.queue.length).toBe(0); // 0 confirmations so far
  await provider.send("anvil_mine", ["0x1"]);
  await new Promise((r) => setTimeout(r, 1000));
  expect(seq.ctx.queue.length).toBe(0); // 1
  await provider.send("anvil_mine", ["0x1"]);
  await until("the deposit to be read", () => seq.ctx.queue.length === 1); // 2
  expect(Number(seq.watcher!.lastBlock)).toBe(dep.block);

  // Batch 0 is made and proven while mining is paused: its submitBatch cannot be mined.
  await provider.send("evm_setAutomine", [false]);
  const attempts = () => seq.ctx.db.prepare("SELECT attempt, nonce, max_fee, priority_fee, tx_hash FROM submissions WHERE batch = 0 ORDER BY attempt").all() as Array<{ attempt: number; nonce: number; max_fee: string; priority_fee: string; tx_hash: string }>;
  await until("a replacement", () => attempts().length >= 2, 180_000);
  const [first, second] = attempts();
  expect(second.nonce).toBe(first.nonce);
  expect(BigInt(second.max_fee)).toBeGreaterThan((BigInt(first.max_fee) * 112n) / 100n);
  expect(BigInt(second.priority_fee)).toBeGreaterThan((BigInt(first.priority_fee) * 112n) / 100n);
  expect(await rollupAt(d.addresses.rollup, provider).batchNumber()).toBe(0n);

  await provider.send("evm_setAutomine", [true]);
  await provider.send("anvil_mine", ["0x1"]);
  await until("batch 0 mined", () => (seq.ctx.db.prepare("SELECT status FROM batches WHERE number = 0").get() as { status: string }).status === "submitted");
  const mined = await Promise.all(attempts().map((a) => provider.getTransactionReceipt(a.tx_hash)));
  expect(mined.filter((r) => r !== null)).toHaveLength(1);
  expect(await rollupAt(d.addresses.rollup, provider).batchNumber()).toBe(1n);
  expect(await provider.getTransactionCount(d.operator)).toBe(devnetTxs + 1); // the devnet's own, and one submitBatch
  // Verified only once its log has 2 confirmations.
  await new Promise((r) => setTimeout(r, 600));
  expect((seq.ctx.db.prepare("SELECT status FROM batches WHERE number = 0").get() as { status: string }).status).toBe("submitted");
  await provider.send("anvil_mine", ["0x2"]);
  await until("batch 0 verified", () => (seq.ctx.db.prepare("SELECT status FROM batches WHERE number = 0").get() as { status: string }).status === "verified");
  // The gas of the attempt that landed, from its receipt; when L1 verified it. The dashboard's L1:
  // the head the watcher read, the confirmations, the contract's exodus limit.
  const landed = mined.find((r) => r !== null)!;
  expect(seq.ctx.db.prepare("SELECT gas_used, verified_at IS NOT NULL AS at FROM batches WHERE number = 0").get()).toEqual({ gas_used: Number(landed.gasUsed), at: 1 });
  const o = await new SequencerClient(seq.url).operator();
  expect(o.l1).toMatchObject({ confirmations: 2, exodusBlocks: Number(await rollupAt(d.addresses.rollup, provider).exodusBlocks()), pendingRequests: 0, oldestPending: null });
  expect(o.l1.headBlock).toBeGreaterThanOrEqual(landed.blockNumber + 2);
  expect(o.lastVerified).toMatchObject({ batch: 0, block: landed.blockNumber });
});

test("a sequencer configured for another chain, or for an address that is not this rollup, stops before touching L1", async () => {
  const d = devnet.deployment;
  const start = async (over: { chainId?: bigint; rollup?: string; depth?: number }) => {
    const dbPath = path.join(tmpDir("zkr-l1-wrong-"), "sequencer.db");
    let fatal: Error | undefined;
    const s = await Sequencer.start({
      dbPath, chainId: over.chainId ?? BigInt(d.chainId), rollup: over.rollup ?? d.addresses.rollup, slots: 4, depth: over.depth ?? 8,
      batchMaxWaitMs: 200, maxUnprovenBatches: 8, maxMempool: 1000, tickMs: 50, api: { host: "127.0.0.1", port: 0 },
      l1: { ...DEVNET_L1, rpcUrl: d.rpcUrl, deployBlock: d.deployBlock, operatorKey: devnetAccountKey(0), pollMs: 100 },
    }, { proofs: sqliteProofQueue, log: () => {}, onFatal: (e) => (fatal = e) });
    await until("the sequencer to stop", () => fatal !== undefined, 60_000);
    await s.stop();
    // Stopped before its first poll: no block read, nothing submitted.
    const db = openDatabase(dbPath);
    expect(getMeta(db, "l1_block")).toBeUndefined();
    expect(db.prepare("SELECT COUNT(*) AS n FROM submissions").get()).toEqual({ n: 0 });
    db.close();
    return fatal!.message;
  };
  expect(await start({ chainId: 1n })).toMatch(/L1: chain 1 configured, the node at .* serves chain 31337/);
  expect(await start({ rollup: d.addresses.verifier })).toMatch(/L1: the contract at 0x[0-9a-fA-F]{40} is not a zkr rollup \(configured: domain \d+, depth 8, 4 slots\)/);
  expect(await start({ depth: 16 })).toMatch(/L1: the contract at 0x[0-9a-fA-F]{40} is not this rollup \(domain \d+, depth 8, 4 slots; configured: domain \d+, depth 16, 4 slots\)/);
  expect(await start({ rollup: "0x000000000000000000000000000000000000dEaD" })).toMatch(/L1: no contract at 0x000000000000000000000000000000000000dEaD on chain 31337/);
});

const status = (n: number) => (seq.ctx.db.prepare("SELECT status FROM batches WHERE number = ?").get(n) as { status: string } | undefined)?.status;
const mine = (n: number) => provider.send("anvil_mine", ["0x" + n.toString(16)]);

test("a reorganisation deeper than the confirmations that takes a verified batch's blocks: rewound, sent again, verified again", async () => {
  const d = devnet.deployment;
  const carol = new ZkrWallet({ version: 1, l2Key: Buffer.from(user("carol").sk).toString("hex"), l1Key: devnetAccountKey(3) }, provider);
  await carol.deposit(d.addresses.rollup, 10n ** 17n);
  // The deposit confirmed and batched; its submitBatch waits in the pool (mining paused).
  await provider.send("evm_setAutomine", [false]);
  await mine(2);
  await until("batch 1 sent", () => status(1) === "submitting", 180_000);
  const snap = await provider.send("evm_snapshot", []);
  await mine(3);
  await until("batch 1 verified", () => status(1) === "verified", 60_000);
  const before = seq.ctx.db.prepare("SELECT verified_block FROM batches WHERE number = 1").get() as { verified_block: number };
  expect(await rollupAt(d.addresses.rollup, provider).batchNumber()).toBe(2n);

  // L1 goes back to before batch 1's submission was mined: 3 blocks, deeper than 2 confirmations.
  await provider.send("evm_revert", [snap]);
  await provider.send("evm_setAutomine", [true]);
  expect(await rollupAt(d.addresses.rollup, provider).batchNumber()).toBe(1n);
  await until("the reorganisation seen", () => lines.some((l) => l.startsWith("L1 reorganised:")), 60_000);
  const seen = lines.find((l) => l.startsWith("L1 reorganised:"))!;
  expect(seen).toMatch(/^L1 reorganised: block \d+ is no longer on the chain; rewound to block \d+ \(0 L1 request\(s\) to read again, 1 batch\(es\) no longer verified, 1 to send again\)$/);
  expect(status(1)).not.toBe("verified");
  // Sent again (the same signed bytes, or a replacement with the same nonce), mined, confirmed.
  await until("batch 1 verified again", async () => {
    await mine(1);
    return status(1) === "verified";
  }, 180_000);
  expect(await rollupAt(d.addresses.rollup, provider).batchNumber()).toBe(2n);
  const after = seq.ctx.db.prepare("SELECT verified_block, gas_used, l1_tx FROM batches WHERE number = 1").get() as { verified_block: number; gas_used: number | null; l1_tx: string };
  expect(after.verified_block).toBeGreaterThanOrEqual(before.verified_block - 3);
  // The gas of the transaction on the chain as it is now (the orphaned receipt's was forgotten).
  expect(after.gas_used).toBe(Number((await provider.getTransactionReceipt(after.l1_tx))!.gasUsed));
  // every block the watcher keeps is the chain's
  for (const b of seq.ctx.db.prepare("SELECT number, hash FROM l1_blocks").all() as { number: number; hash: string }[]) {
    expect({ block: b.number, hash: (await provider.getBlock(b.number))?.hash }).toEqual({ block: b.number, hash: b.hash });
  }
  expect(fatal).toBeUndefined();
});

test("a reorganisation that mines the same deposit again at the same position: the batch that consumed it stands, sent again and verified", async () => {
  const d = devnet.deployment;
  const rollup = rollupAt(d.addresses.rollup, provider);
  const erin = new ZkrWallet({ version: 1, l2Key: Buffer.from(user("erin").sk).toString("hex"), l1Key: devnetAccountKey(5) }, provider);
  const snap = await provider.send("evm_snapshot", []);
  const dep = await erin.deposit(d.addresses.rollup, 10n ** 17n);
  const raw = (await provider.send("eth_getRawTransactionByHash", [dep.txHash])) as string;
  const position = Number((seq.ctx.db.prepare("SELECT MAX(position) AS p FROM l1_requests").get() as { p: number | null }).p ?? -1) + 1;
  await until("the deposit's batch verified", async () => {
    await mine(1);
    const b = seq.ctx.db.prepare("SELECT number, status FROM batches WHERE queue_end > ? ORDER BY number LIMIT 1").get(position) as { number: number; status: string } | undefined;
    return b?.status === "verified";
  }, 180_000);
  const batch = seq.ctx.db.prepare("SELECT number, new_root FROM batches WHERE queue_end > ? ORDER BY number LIMIT 1").get(position) as { number: number; new_root: string };
  const heard = lines.length;

  // The chain forgets the deposit and the batch, then mines the same signed deposit again.
  await provider.send("evm_revert", [snap]);
  await provider.broadcastTransaction(raw);
  await until("L1 read again, the batch standing and verified again", async () => {
    await mine(1);
    return lines.slice(heard).some((l) => l.includes("every L1 request the batches consumed is back where it was")) && status(batch.number) === "verified";
  }, 180_000);
  expect(lines.slice(heard).some((l) => l.includes("undone"))).toBe(false);
  const after = seq.ctx.db.prepare("SELECT number, new_root FROM batches WHERE number = ?").get(batch.number) as { number: number; new_root: string };
  expect(after).toEqual(batch);
  expect((await new SequencerClient(seq.url).accountsOf(user("erin").pk)).map((a) => a.index)).toEqual([dep.index]);
  expect(await rollup.stateRoot()).toBe(seq.ctx.state.root);
  expect(fatal).toBeUndefined();
});

test("a deposit gone from L1 in a deep reorganisation, after batches consumed it: those batches are made again without it; the L2 transfers in them are proved once, the one that needed the deposit dropped", async () => {
  const d = devnet.deployment;
  const client = new SequencerClient(seq.url);
  const rollup = rollupAt(d.addresses.rollup, provider);
  const alice = new ZkrWallet({ version: 1, l2Key: Buffer.from(user("alice").sk).toString("hex"), l1Key: devnetAccountKey(1) }, provider);
  const dave = new ZkrWallet({ version: 1, l2Key: Buffer.from(user("dave").sk).toString("hex"), l1Key: devnetAccountKey(4) }, provider);
  const aliceBefore = (await client.account(0n)).balance;
  const snap = await provider.send("evm_snapshot", []);
  const dep = await dave.deposit(d.addresses.rollup, 10n ** 17n);
  await mine(2);
  await until("a batch made from dave's deposit", async () => (await client.account(dep.index).then(() => true, () => false)), 60_000);
  const depBatch = (seq.ctx.db.prepare("SELECT MAX(number) AS n FROM batches").get() as { n: number }).n;
  // Two transfers in a later batch: alice → carol, and dave → alice from the account the deposit made.
  const t1 = await client.submit(await alice.signTransfer(client, 0n, 1n, 10n ** 15n));
  const t2 = await client.submit(await dave.signTransfer(client, dep.index, 0n, 10n ** 15n));
  await until("both transfers in a batch after it", async () => (await Promise.all([t1, t2].map((h) => client.tx(h)))).every((t) => (t.batch ?? 0) > depBatch), 60_000);
  const fee1 = (await client.tx(t1)).fee;

  // L1 loses the deposit: back to before it, then 3 new blocks (deeper than 2 confirmations).
  await provider.send("evm_revert", [snap]);
  // Nothing is batched or sent until L1 is read again as far as before; then batches 2 on are undone.
  await until("L1 read again and the batches undone", async () => {
    await mine(1);
    return lines.some((l) => l.startsWith("L1 read again") && l.includes("undone"));
  }, 120_000);
  expect(lines.filter((l) => l.startsWith("L1 reorganised:")).at(-1)).toMatch(/\(1 L1 request\(s\) to read again, \d+ batch\(es\) no longer verified, \d+ to send again; 1 of them consumed by batches: no batch is made or sent until L1 is read again up to block \d+\)$/);
  expect(lines.find((l) => l.startsWith("L1 read again") && l.includes("undone"))).toMatch(/^L1 read again up to block \d+: L1 request 3 is not what batch \d+ consumed; batches \d+–\d+ undone \(from their undo records\), their 2 L2 transaction\(s\) back in the mempool, 1 dropped \(they name an account a lost deposit made\); batches are made again$/);

  // alice's transfer is made again into a batch L1 verifies; dave's cannot be: his account is gone.
  await until("alice's transfer verified again", async () => {
    await mine(1);
    return (await client.tx(t1)).stage === "verified";
  }, 180_000);
  const again = await client.tx(t2);
  expect(again.stage).toBe("dropped");
  expect(again.reason).toBe(`L1 reorganised: account ${dep.index} was made by a deposit the new chain does not hold as it was; sign again once it exists`);
  await expect(client.account(dep.index)).rejects.toThrow(/404/);
  expect((await client.account(0n)).balance).toBe(aliceBefore - 10n ** 15n - fee1);
  // L1 and the sequencer agree: every batch verified, the same root.
  await until("every batch verified", async () => {
    await mine(1);
    return (seq.ctx.db.prepare("SELECT COUNT(*) AS n FROM batches WHERE status != 'verified'").get() as { n: number }).n === 0;
  }, 180_000);
  expect(await rollup.batchNumber()).toBe(seq.ctx.state.batchNumber);
  expect(await rollup.stateRoot()).toBe(seq.ctx.state.root);
  expect(fatal).toBeUndefined();
});
