/**
 * `zkr up` (what `npm start` runs): the whole rollup on this machine. Starts anvil with the
 * contracts on insecure dev keys (`zkr devnet`'s launch), the sequencer (API, batcher, L1 watcher
 * and submitter) on a fresh SQLite database, and the prover service as a child process on the
 * same database; prints where everything is and runs until Ctrl-C. `--demo` then runs a deposit →
 * transfer → withdraw → claim through it and prints each stage.
 *
 * By default the chain is not kept between runs, so neither is the sequencer's database: both start
 * empty. With `--keep` both stay in the folder (anvil's state file, the database) and the next
 * `zkr up --keep` resumes them, after a clean stop or a crash: the sequencer and the prover pick up
 * every batch and transaction where they were.
 */
import type { Command } from "commander";
import { descriptionOf } from "./index.js";
import fs from "node:fs";
import path from "node:path";
import writeFileAtomic from "write-file-atomic";
import type { Sequencer } from "../../sequencer/sequencer.js";
import type { TxView } from "../../sequencer/client.js";
import { DEVNET_DIR, SEQUENCER_FILE, type DevnetDeployment, type UpEndpoints } from "../../contracts/devnet-files.js";
import { int } from "./options.js";

// Everything else is imported where it runs, so that `zkr up --help` answers without loading
// ethers, the sequencer or the circuits (test/cli.compiled.test.ts holds the time).


/**
 * Writes sequencer.json: mode 0600 whatever the umask (it names this user's processes and files;
 * nothing in it is for others), and atomically, so a wallet never reads half of it.
 */
export function writeEndpointsFile(file: string, endpoints: UpEndpoints): void {
  writeFileAtomic.sync(file, JSON.stringify(endpoints, null, 2) + "\n", { mode: 0o600 });
}

interface UpOptions {
  txs: number;
  depth: number;
  port: number;
  apiPort: number;
  batchWait: number;
  demo?: boolean;
  exitAfterDemo?: boolean;
  verbose?: boolean;
  out: string;
  keep?: boolean;
  fresh?: boolean;
  provers: number;
}

const stamp = () => new Date().toISOString().slice(11, 19);

/** deposit → transfer → withdraw → claim through the running rollup, printing each stage. */
export async function runDemo(dep: DevnetDeployment, apiUrl: string, say: (l: string) => void = console.log): Promise<void> {
  const [{ formatEther, parseEther }, { devnetProvider }, { SequencerClient }, { ZkrWallet, devnetAccountKey }, { randomPrivateKey }] = await Promise.all([
    import("ethers"), import("../../contracts/provider.js"), import("../../sequencer/client.js"), import("../../sequencer/wallet.js"), import("../../sequencer/model/keys.js"),
  ]);
  const provider = devnetProvider(dep.rpcUrl);
  const client = new SequencerClient(apiUrl);
  const rollup = dep.addresses.rollup;
  const file = (l1: number) => ({ version: 1 as const, l2Key: Buffer.from(randomPrivateKey()).toString("hex"), l1Key: devnetAccountKey(l1) });
  const alice = new ZkrWallet(file(1), provider);
  const bob = new ZkrWallet(file(2), provider);
  const t0 = Date.now();
  const at = () => `[${((Date.now() - t0) / 1000).toFixed(1).padStart(5)} s]`;
  let printed = Promise.resolve();
  /** Why a batch waits for its proof: the single prover takes batches in order. */
  const whyWaiting = async (batch: number): Promise<string> => {
    if (batch === 0) return "";
    const prev = (await client.batch(batch - 1).catch(() => undefined)) as { proofJob?: { status?: string } | null } | undefined;
    const status = prev?.proofJob?.status;
    return status === "queued" || status === "proving" ? ` (its proof waits for batch ${batch - 1}'s, ${status})` : "";
  };
  const follow = (what: string, hash: string) =>
    client.waitFor(hash, "verified", {
      timeoutMs: 300_000,
      pollMs: 100,
      onStage: (t: TxView) => {
        const line = `${at()} ${what}: ${t.stage}${t.stage === "in_batch" || t.stage === "proving" ? ` ${t.batch}` : ""}${t.l1Tx && t.stage === "submitted" ? ` (L1 tx ${t.l1Tx.slice(0, 12)}…)` : ""}${t.verifiedBlock && t.stage === "verified" ? ` on L1 (block ${t.verifiedBlock})` : ""}`;
        // In order: a line that waits for its explanation holds back the lines after it.
        printed = printed.then(async () => say(t.stage === "in_batch" && t.batch !== undefined ? line + (await whyWaiting(Number(t.batch)).catch(() => "")) : line));
      },
    });
  try {
    say(`demo: alice (L1 ${alice.l1.address}) and bob (L1 ${bob.l1.address}), fresh L2 keys`);
    const da = await alice.deposit(rollup, parseEther("1"));
    say(`${at()} alice deposits 1 ETH on L1 (tx ${da.txHash.slice(0, 12)}…): L2 account ${da.index}`);
    const db = await bob.deposit(rollup, parseEther("0.5"));
    say(`${at()} bob deposits 0.5 ETH on L1 (tx ${db.txHash.slice(0, 12)}…): L2 account ${db.index}`);
    while ((await client.accountsOf(bob.pk)).length === 0) await new Promise((r) => setTimeout(r, 200));
    say(`${at()} both deposits are in a batch; the accounts exist on L2`);

    const t = await client.submit(await alice.signTransfer(client, da.index, db.index, parseEther("0.25")));
    say(`${at()} alice → bob 0.25 ETH (L2 transfer ${t.slice(0, 12)}…): pending`);
    const w = await client.submit(await alice.signWithdraw(client, da.index, parseEther("0.1")));
    say(`${at()} alice withdraws 0.1 ETH (L2 withdrawal ${w.slice(0, 12)}…): pending`);
    await Promise.all([follow("transfer  ", t), follow("withdrawal", w)]);
    await printed;

    const before = await provider.getBalance(alice.l1.address);
    const c = await alice.claim(rollup);
    const fee = (await provider.getTransactionReceipt(c.txHash))!.fee;
    const after = await provider.getBalance(alice.l1.address);
    say(`${at()} alice claims ${formatEther(c.amount)} ETH on L1 (tx ${c.txHash.slice(0, 12)}…): L1 balance +${formatEther(after - before + fee)} ETH before gas`);
    for (const [name, wlt, i] of [["alice", alice, da.index], ["bob", bob, db.index]] as const) {
      const a = await client.account(i);
      say(`${name}: L2 account ${i} holds ${formatEther(a.balance)} ETH (nonce ${a.nonce}); L1 claimable ${formatEther(await wlt.claimable(rollup))} ETH`);
    }
    say(`demo done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  } finally {
    provider.destroy();
  }
}

export function registerUp(program: Command): void {
  program
    .command("up")
    .description(descriptionOf("up"))
    .option("--txs <n>", "transactions per batch", int("txs"), 4)
    .option("--depth <d>", "account-index bits of the state tree", int("depth"), 8)
    .option("--port <port>", "anvil's port (0: any free port)", int("port"), 8545)
    .option("--api-port <port>", "the sequencer API's port (0: any free port)", int("api-port"), 8080)
    .option("--batch-wait <ms>", "longest wait before a partial batch is made", int("batch-wait"), 1000)
    .option("--provers <k>", "prover processes: k batches proved at once, each prover with its share of the cores", int("provers"), 1)
    .option("--demo", "then run deposit → transfer → withdraw → claim and print each stage")
    .option("--exit-after-demo", "with --demo: stop everything when the demo is done")
    .option("--verbose", "print every prover line")
    .option("--out <dir>", "directory of deployment.json, sequencer.json and the database", DEVNET_DIR)
    .option("--keep", "keep the chain and the database in --out when stopped, and resume them if kept there (also after a crash)")
    .option("--fresh", "discard a kept chain and database in --out first")
    .action(async (o: UpOptions) => {
      const [{ progressBars }, { DEV_KEYS_WARNING }, { launchDevnet }, { Sequencer }, { sqliteProofQueue }, { DEFAULTS, DEVNET_L1, defaultVerifyThreads }, { devnetAccountKey }, { UpProvers }] = await Promise.all([
        import("./progress.js"), import("../../circuits/devkeys.js"), import("../../contracts/devnet.js"), import("../../sequencer/sequencer.js"),
        import("../../sequencer/proofs.js"), import("../../sequencer/config.js"), import("../../sequencer/wallet.js"), import("./up-provers.js"),
      ]);
      const bars = progressBars();
      const say = (l: string) => bars.log(`${stamp()} ${l}`);
      process.stderr.write(DEV_KEYS_WARNING + "\n");
      say(`devnet: dev keys, contracts and anvil for rollup_${o.txs}x${o.depth}`);
      const out = path.resolve(o.out);
      const devnet = await launchDevnet({ txs: o.txs, depth: o.depth, port: o.port, out, command: "zkr up", keep: o.keep, fresh: o.fresh, log: (l) => say(`devnet     ${l}`), progress: bars.progress }).finally(() => bars.stop());
      const dep = devnet.deployment;
      const dbPath = path.join(out, "sequencer.db");
      // A new chain needs a new database; a resumed one continues its own.
      if (!devnet.resumed) for (const f of [dbPath, `${dbPath}-wal`, `${dbPath}-shm`]) fs.rmSync(f, { force: true });
      const endpointsFile = path.join(out, SEQUENCER_FILE);

      let seq: Sequencer | undefined;
      let provers: InstanceType<typeof UpProvers> | undefined;
      let stopping: Promise<void> | undefined;
      const stop = () =>
        (stopping ??= (async () => {
          await provers?.stop();
          await seq?.stop();
          fs.rmSync(endpointsFile, { force: true });
          // The chain goes with anvil, so the database that follows it goes too (as the banner says).
          if (!o.keep) for (const f of [dbPath, `${dbPath}-wal`, `${dbPath}-shm`]) fs.rmSync(f, { force: true });
          await devnet.stop();
        })());
      let fatal: ((e: Error) => void) | undefined;
      const failed = new Promise<Error>((resolve) => (fatal = resolve));
      try {
        seq = await Sequencer.start(
          {
            dbPath, chainId: BigInt(dep.chainId), rollup: dep.addresses.rollup, slots: o.txs, depth: o.depth,
            batchMaxWaitMs: o.batchWait, maxUnprovenBatches: DEFAULTS.maxUnprovenBatches, maxMempool: DEFAULTS.maxMempool, tickMs: DEFAULTS.tickMs,
            api: { host: "127.0.0.1", port: o.apiPort }, verifyThreads: defaultVerifyThreads(),
            l1: { ...DEVNET_L1, rpcUrl: dep.rpcUrl, deployBlock: dep.deployBlock, operatorKey: devnetAccountKey(0) },
          },
          { proofs: sqliteProofQueue, log: (l) => say(`sequencer  ${l}`), onFatal: (e) => fatal?.(e) },
        );
        const apiUrl = seq.url;
        const endpoints = (pids: number[]): UpEndpoints => ({ apiUrl, dbPath, proverPids: pids, pid: process.pid });
        provers = new UpProvers({
          dbPath, circuit: `${o.txs}x${o.depth}`, count: o.provers, verbose: !!o.verbose, say,
          onFatal: (e) => fatal?.(e),
          onChange: (pids) => { if (!stopping) writeEndpointsFile(endpointsFile, endpoints(pids)); },
        });
        provers.start();
        writeEndpointsFile(endpointsFile, endpoints(provers.pids));
        devnet.claim.setEndpoints({ API: seq.url, database: dbPath });
      } catch (e) {
        await stop();
        throw e;
      }

      const rel = (f: string) => (path.relative(process.cwd(), f).startsWith("..") ? f : path.relative(process.cwd(), f) || f);
      console.log("");
      console.log(`zkr is running (rollup_${o.txs}x${o.depth}, insecure dev keys)`);
      console.log(`  L1 RPC:       ${dep.rpcUrl} (anvil, chain id ${dep.chainId})`);
      console.log(`  rollup:       ${dep.addresses.rollup}`);
      console.log(`  verifier:     ${dep.addresses.verifier}`);
      console.log(`  operator:     ${dep.operator} (anvil account 0)`);
      console.log(`  sequencer:    ${seq.url}  (GET /health, /info, /accounts/:i, /txs/:hash, /batches/:n; POST /txs)`);
      console.log(`  database:     ${rel(dbPath)}`);
      const threads = `${provers.threads} thread${provers.threads === 1 ? "" : "s"}`;
      if (o.provers === 1) console.log(`  prover:       pid ${provers.pids[0]} (zkr prover --db ${rel(dbPath)}, cpu backend, ${threads})`);
      else console.log(`  provers:      ${o.provers}, pids ${provers.pids.join(", ")} (zkr prover --db ${rel(dbPath)}, cpu backend, ${threads} each; ${o.provers} batches proved at once)`);
      console.log(`  deployment:   ${rel(devnet.file)}`);
      console.log(`  try:          npx zkr wallet create && npx zkr wallet deposit 1 && npx zkr wallet balance`);
      if (devnet.resumed) console.log(`resumed:      the chain and the database kept in ${rel(out)}`);
      console.log(o.keep ? `Ctrl-C stops everything (the chain and the database stay in ${rel(out)}; 'zkr up --keep' resumes them).` : "Ctrl-C stops everything (the chain and the database are not kept; --keep keeps them).");
      console.log("");

      const signalled = new Promise<void>((resolve) => {
        process.once("SIGINT", () => resolve());
        process.once("SIGTERM", () => resolve());
      });
      let error: Error | undefined;
      try {
        if (o.demo) {
          const demo = runDemo(dep, seq.url);
          const r = await Promise.race([demo.then(() => "done" as const), failed, signalled.then(() => "signal" as const)]);
          if (r instanceof Error) throw r;
          if (r === "signal" || o.exitAfterDemo) return;
        }
        const r = await Promise.race([failed, signalled]);
        if (r instanceof Error) throw r;
      } catch (e) {
        error = e as Error;
      } finally {
        say("stopping");
        await stop();
      }
      if (error) throw error;
    });
}
