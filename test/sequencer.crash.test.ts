// Crash safety: the sequencer runs as a child process and is killed with SIGKILL at fault points
// (ZKR_CRASH_AT, see sequencer/context.ts): inside the transaction that creates a batch, after a
// submitBatch is recorded but before it is broadcast, and after it is broadcast but before its
// receipt is seen. Each time it is started again on the same database. In the end no accepted
// transaction is lost, none is applied twice, every batch went to L1 exactly once (the operator's
// nonce counts its transactions), and the roots of the sequencer, the contract and `zkr sync`
// agree. The prover service runs beside it on the same database, as it would in production.

import type { ChildProcess } from "node:child_process";
import { spawnSequencer } from "../sequencer/process.js";
import fs from "node:fs";
import path from "node:path";
import type { JsonRpcProvider } from "ethers";
import { launchDevnet, type LaunchedDevnet } from "../contracts/devnet.js";
import { rollupAt } from "../contracts/deploy.js";
import { devnetProvider } from "../contracts/provider.js";
import { SequencerClient } from "../sequencer/client.js";
import { ZkrWallet, devnetAccountKey } from "../sequencer/wallet.js";
import { syncFromL1 } from "../sequencer/sync.js";
import { openDatabase } from "../sequencer/db.js";
import { decodeBatchData } from "../sequencer/model/tx.js";
import { TxType } from "../sequencer/model/constants.js";
import { signTx } from "../sequencer/model/tx.js";
import { startProverService, type ProverService } from "../prover/service/service.js";
import { releaseSnarkjs } from "../circuits/witness.js";
import { user } from "../bench/fixtures/scenario.js";
import { rollupDomain } from "../sequencer/model/domain.js";
import { tmpDir } from "./helpers/sequencer.js";
import { until } from "./helpers/wait.js";

const ETH = 10n ** 18n;
const log = (l: string) => process.stderr.write(`  ${l}\n`);
let dir: string;
let devnet: LaunchedDevnet;
let provider: JsonRpcProvider;
let prover: ProverService;
let configFile: string;
let dbPath: string;
let child: ChildProcess | undefined;
let client: SequencerClient;
const accepted: string[] = [];

/** Starts the sequencer process; resolves with its API client once it listens. */
async function startSequencer(crashAt?: string): Promise<{ proc: ChildProcess; exited: Promise<NodeJS.Signals | number | null> }> {
  const { proc, url } = await spawnSequencer(configFile, { env: { ...process.env, ...(crashAt ? { ZKR_CRASH_AT: crashAt } : {}) } });
  child = proc;
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) resolve(proc.signalCode ?? proc.exitCode);
    else proc.once("exit", (code, signal) => resolve(signal ?? code));
  });
  proc.stderr!.on("data", (c: Buffer) => { for (const l of c.toString().split("\n")) if (l.trim()) log(`[seq ${proc.pid}${crashAt ? ` ${crashAt}` : ""}] ${l.replace(/^sequencer {2}/, "")}`); });
  client = new SequencerClient(url);
  return { proc, exited };
}


/** Reads the sequencer's database from outside (as an operator would after a crash). */
function inspect<T>(fn: (db: ReturnType<typeof openDatabase>) => T): T {
  const db = openDatabase(dbPath);
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

const batchStatus = (n: number) => inspect((db) => (db.prepare("SELECT status FROM batches WHERE number = ?").get(n) as { status: string } | undefined)?.status);

/** Transactions the operator's account sent while the devnet came up (deployments, its test token), before any batch. */
let devnetTxs: number;

beforeAll(async () => {
  dir = tmpDir("zkr-crash-");
  devnet = await launchDevnet({ txs: 4, depth: 8, port: 0, out: dir, log });
  provider = devnetProvider(devnet.deployment.rpcUrl);
  devnetTxs = await provider.getTransactionCount(devnet.deployment.operator);
  dbPath = path.join(dir, "sequencer.db");
  configFile = path.join(dir, "sequencer.json");
  const d = devnet.deployment;
  fs.writeFileSync(configFile, JSON.stringify({
    dbPath, chainId: d.chainId, rollup: d.addresses.rollup, slots: 4, depth: 8, batchMaxWaitMs: 400, tickMs: 50, api: { host: "127.0.0.1", port: 0 },
    l1: { devnet: true, rpcUrl: d.rpcUrl, deployBlock: d.deployBlock, operatorKey: devnetAccountKey(0), pollMs: 100 },
  }), { mode: 0o600 }); // it holds the operator's key: the sequencer refuses it readable by others
  // The schema exists before the prover opens the file.
  inspect(() => undefined);
  prover = await startProverService({ db: dbPath, backend: "cpu", warm: [{ txs: 4, depth: 8 }], pollMs: 100, log });
});

afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  await prover?.stop({ release: true });
  await releaseSnarkjs();
  provider?.destroy();
  await devnet?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test("killed while creating a batch, while submitting it, and before broadcasting: nothing lost, nothing twice", async () => {
  const d = devnet.deployment;
  const rollup = d.addresses.rollup;
  const wallet = (name: string, l1: number) => new ZkrWallet({ version: 1, l2Key: Buffer.from(user(name).sk).toString("hex"), l1Key: devnetAccountKey(l1) }, provider);
  const alice = wallet("alice", 1);
  const bob = wallet("bob", 2);
  const domain = rollupDomain(BigInt(d.chainId), rollup);

  // 1. Deposits make batch 0; batch 1 (transfers) kills the process inside its transaction.
  let s = await startSequencer("batch:before-commit@1");
  await alice.deposit(rollup, 2n * ETH);
  await bob.deposit(rollup, ETH);
  await until("accounts on L2", async () => (await client.accountsOf(bob.pk)).length === 1);
  const txs = [
    signTx({ type: TxType.Transfer, from: 0n, to: 1n, amount: 3n * 10n ** 17n, fee: 0n, nonce: 0n }, alice.sk, domain),
    signTx({ type: TxType.Transfer, from: 1n, to: 0n, amount: 10n ** 17n, fee: 0n, nonce: 0n }, bob.sk, domain),
    signTx({ type: TxType.Transfer, from: 0n, to: 1n, amount: 2n * 10n ** 17n, fee: 0n, nonce: 1n }, alice.sk, domain),
  ];
  for (const tx of txs) accepted.push(await client.submit(tx));
  expect(await s.exited).toBe("SIGKILL");
  expect(batchStatus(1)).toBeUndefined();
  expect(inspect((db) => db.prepare("SELECT COUNT(*) AS n FROM proof_jobs WHERE batch_number = 1").get())).toEqual({ n: 0 });
  expect(inspect((db) => db.prepare("SELECT COUNT(*) AS n FROM txs WHERE status = 'pending'").get())).toEqual({ n: 3 });

  // 2. Restarted: batch 1 is made from the same mempool, proven, and the process dies right
  //    after broadcasting its submitBatch.
  s = await startSequencer("submit:after-broadcast@1");
  expect(await s.exited).toBe("SIGKILL");
  expect(batchStatus(1)).toBe("submitting");

  // 3. Restarted: it finds the receipt instead of sending again. A withdrawal makes batch 2,
  //    which is recorded but killed before its broadcast.
  s = await startSequencer("submit:before-broadcast@2");
  await until("batch 1 verified", () => batchStatus(1) === "verified");
  accepted.push(await client.submit(signTx({ type: TxType.Withdraw, from: 0n, amount: 5n * 10n ** 17n, fee: 0n, nonce: 2n }, alice.sk, domain)));
  expect(await s.exited).toBe("SIGKILL");
  expect(batchStatus(2)).toBe("submitting");
  const onChainBefore = await rollupAt(rollup, provider).batchNumber();
  expect(onChainBefore).toBe(2n);

  // 4. Restarted: the recorded transaction is broadcast (same bytes, same nonce) and verified.
  s = await startSequencer();
  await until("batch 2 verified", () => batchStatus(2) === "verified");
  for (const h of accepted) expect((await client.tx(h)).stage).toBe("verified");
  const health = await client.health();
  child!.kill("SIGTERM");
  expect(await s.exited).toBe(0);

  // Nothing lost, nothing twice: each accepted transaction is in exactly one slot of one batch,
  // and the batches' slots hold exactly them.
  const rows = inspect((db) => db.prepare("SELECT hash, status, batch, slot, type, from_idx FROM txs ORDER BY id").all() as Array<{ hash: string; status: string; batch: number; slot: number; type: number; from_idx: number }>);
  expect(rows.map((r) => r.hash)).toEqual(accepted);
  expect(rows.every((r) => r.status === "batched")).toBe(true);
  const batches = inspect((db) => db.prepare("SELECT number, tx_data, status FROM batches ORDER BY number").all() as Array<{ number: number; tx_data: Buffer; status: string }>);
  expect(batches.map((b) => b.status)).toEqual(["verified", "verified", "verified"]);
  const signedSlots = batches.flatMap((b) => decodeBatchData(new Uint8Array(b.tx_data)).map((t, slot) => ({ batch: b.number, slot, t })).filter((x) => x.t.type === TxType.Transfer || x.t.type === TxType.Withdraw));
  expect(signedSlots.map((x) => `${x.batch}:${x.slot}`).sort()).toEqual(rows.map((r) => `${r.batch}:${r.slot}`).sort());

  // Every batch went to L1 once: the devnet's own transactions, then one submitBatch per batch.
  expect(await provider.getTransactionCount(d.operator)).toBe(devnetTxs + batches.length);
  const r = await syncFromL1({ provider, rollupAddress: rollup, fromBlock: d.deployBlock });
  expect(r.matches).toBe(true);
  expect(health.root).toBe(r.state.root);
  expect(r.batches).toBe(3);
  expect(r.state.accounts.get(0n)!.balance).toBe(2n * ETH - 3n * 10n ** 17n + 10n ** 17n - 2n * 10n ** 17n - 5n * 10n ** 17n);
  expect(await rollupAt(rollup, provider).pending(alice.l1.address, 0)).toBe(5n * 10n ** 17n);
});
