/**
 * `zkr up` (what `npm start` runs): the whole rollup on this machine. Starts anvil with the
 * contracts on insecure dev keys (`zkr devnet`'s launch), the sequencer (API, batcher, L1 watcher
 * and submitter) on a fresh SQLite database, and the prover service as a child process on the
 * same database; prints where everything is and runs until Ctrl-C. `--demo` then runs a deposit →
 * transfer → withdraw → claim through it and prints each stage.
 *
 * Fees are real on the devnet: before the sequencer starts, the operator (anvil's account 0)
 * deposits nothing but the creation fee into a new L2 account of its own, account 0 of a new chain,
 * which the batcher credits with every batch's fees; its wallet file is written beside
 * deployment.json. The mempool refuses a transfer or withdrawal below `--min-fee` (ETH), and the
 * wallet pays that minimum by default. A full mempool (`--max-mempool`) answers 503 with
 * Retry-After.
 *
 * The sequencer serves the browser app (explorer, wallet, operator's dashboard) from build/app
 * when it is built, on the API's origin. Each start makes a new operator token, which the API
 * requires for operator actions: written into sequencer.json (0600) and printed in the dashboard's
 * URL, after the '#' (the browser never sends it to a server).
 *
 * By default the chain is not kept between runs, so neither is the sequencer's database: both start
 * empty. With `--keep` both stay in the folder (anvil's state file, the database) and the next
 * `zkr up --keep` resumes them, after a clean stop or a crash: the sequencer and the prover pick up
 * every batch and transaction where they were.
 */
import type { Command } from "commander";
import { descriptionOf } from "./index.js";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import writeFileAtomic from "write-file-atomic";
import type { Sequencer } from "../../sequencer/sequencer.js";
import type { TxView } from "../../sequencer/client.js";
import { DEVNET_DIR, OPERATOR_WALLET_FILE, SEQUENCER_FILE, type DevnetDeployment, type UpEndpoints } from "../../contracts/devnet-files.js";
import { DEFAULTS } from "../../sequencer/config.js";
import { int } from "./options.js";
import { APP_OUT as APP_DIR } from "../web/app.js";

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
  /** ETH, as typed. */
  minFee: string;
  maxMempool: number;
  demo?: boolean;
  exitAfterDemo?: boolean;
  verbose?: boolean;
  out: string;
  keep?: boolean;
  fresh?: boolean;
  provers: number;
}

const stamp = () => new Date().toISOString().slice(11, 19);

/** The devnet's least fee of a transfer or withdrawal, in ETH: what the wallet pays by default. */
const DEVNET_MIN_FEE = "0.0001";

/**
 * Makes sure the operator's fee account exists: on a new chain, the operator deposits nothing but
 * the creation fee into an L2 account whose key is derived from its L1 key (sequencer/wallet.ts
 * feeAccountKey), before the sequencer starts, and deployment.json records its index. A kept chain
 * resumes with the recorded one. Returns its index, or undefined for a chain kept before zkr up
 * made fee accounts (making one now could take a nonce the submitter has signed with).
 */
async function ensureFeeAccount(devnet: { deployment: DevnetDeployment; file: string; resumed: boolean }, operatorKey: string): Promise<bigint | undefined> {
  const dep = devnet.deployment;
  if (dep.feeAccount !== undefined) return BigInt(dep.feeAccount);
  if (devnet.resumed) return undefined;
  const [{ devnetProvider }, { ZkrWallet, feeAccountKey }] = await Promise.all([import("../../contracts/provider.js"), import("../../sequencer/wallet.js")]);
  const provider = devnetProvider(dep.rpcUrl);
  try {
    const operator = new ZkrWallet({ version: 1, l2Key: Buffer.from(feeAccountKey(operatorKey)).toString("hex"), l1Key: operatorKey }, provider);
    const { index } = await operator.deposit(dep.addresses.rollup, 0n);
    dep.feeAccount = Number(index);
    writeFileAtomic.sync(devnet.file, JSON.stringify(dep, null, 2) + "\n");
    return index;
  } finally {
    provider.destroy();
  }
}

/** deposit → transfer → withdraw → claim through the running rollup, printing each stage. */
export async function runDemo(dep: DevnetDeployment, apiUrl: string, say: (l: string) => void = console.log): Promise<void> {
  const [{ formatEther, parseEther }, { devnetProvider }, { SequencerClient }, { ZkrWallet, devnetAccountKey, quoteFee }, { randomPrivateKey }] = await Promise.all([
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

    // The wallet's default fee: the sequencer's minimum, stated before signing.
    const { fee, feeAccount } = await quoteFee(client, da.index);
    const paying = fee > 0n ? `, fee ${formatEther(fee)} ETH to account ${feeAccount}` : "";
    const t = await client.submit(await alice.signTransfer(client, da.index, db.index, parseEther("0.25"), fee));
    say(`${at()} alice → bob 0.25 ETH${paying} (L2 transfer ${t.slice(0, 12)}…): pending`);
    const w = await client.submit(await alice.signWithdraw(client, da.index, parseEther("0.1"), fee));
    say(`${at()} alice withdraws 0.1 ETH${paying} (L2 withdrawal ${w.slice(0, 12)}…): pending`);
    await Promise.all([follow("transfer  ", t), follow("withdrawal", w)]);
    await printed;

    const before = await provider.getBalance(alice.l1.address);
    const c = await alice.claim(rollup);
    const gas = (await provider.getTransactionReceipt(c.txHash))!.fee;
    const after = await provider.getBalance(alice.l1.address);
    say(`${at()} alice claims ${formatEther(c.amount)} ETH on L1 (tx ${c.txHash.slice(0, 12)}…): L1 balance +${formatEther(after - before + gas)} ETH before gas`);
    for (const [name, wlt, i] of [["alice", alice, da.index], ["bob", bob, db.index]] as const) {
      const a = await client.account(i);
      say(`${name}: L2 account ${i} holds ${formatEther(a.balance)} ETH (nonce ${a.nonce}); L1 claimable ${formatEther(await wlt.claimable(rollup))} ETH`);
    }
    if (feeAccount !== null) say(`operator: L2 account ${feeAccount} (fees) holds ${formatEther((await client.account(feeAccount)).balance)} ETH`);
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
    .option("--provers <k>", "prover processes: k batches proved at once, each prover with its share of the cores (0: none; provers started apart take the jobs)", int("provers"), 1)
    .option("--min-fee <eth>", "least fee of a transfer or withdrawal, in ETH, paid to the operator's fee account (0: none)", DEVNET_MIN_FEE)
    .option("--max-mempool <n>", "pending transactions beyond which the API answers 503 with Retry-After", int("max-mempool"), DEFAULTS.maxMempool)
    .option("--demo", "then run deposit → transfer → withdraw → claim and print each stage")
    .option("--exit-after-demo", "with --demo: stop everything when the demo is done")
    .option("--verbose", "print every prover line")
    .option("--out <dir>", "directory of deployment.json, sequencer.json and the database", DEVNET_DIR)
    .option("--keep", "keep the chain and the database in --out when stopped, and resume them if kept there (also after a crash)")
    .option("--fresh", "discard a kept chain and database in --out first")
    .action(async (o: UpOptions) => {
      const [{ progressBars }, { DEV_KEYS_WARNING }, { launchDevnet }, { Sequencer }, { sqliteProofQueue }, { DEVNET_L1, defaultVerifyThreads }, { devnetAccountKey, createWalletFile, feeAccountKey, ethAmount }, { parseEther }, { retryAfterSeconds }, { FLOAT13, maxFloat }, { UpProvers }] = await Promise.all([
        import("./progress.js"), import("../../circuits/devkeys.js"), import("../../contracts/devnet.js"), import("../../sequencer/sequencer.js"),
        import("../../sequencer/proofs.js"), import("../../sequencer/config.js"), import("../../sequencer/wallet.js"), import("ethers"), import("../../sequencer/mempool.js"),
        import("../../sequencer/model/float.js"), import("./up-provers.js"),
      ]);
      let minFee: bigint;
      try {
        minFee = parseEther(o.minFee);
      } catch {
        throw new Error(`--min-fee: a decimal number of ETH expected, got ${JSON.stringify(o.minFee)}`);
      }
      if (minFee < 0n) throw new Error(`--min-fee: a non-negative amount of ETH expected, got ${o.minFee}`);
      // A fee slot carries at most this much (Float13): a higher minimum could never be paid.
      if (minFee > maxFloat(FLOAT13)) throw new Error(`--min-fee: at most ${ethAmount(maxFloat(FLOAT13))} expected (the largest fee a slot carries), got ${o.minFee} ETH`);
      if (o.maxMempool < 1) throw new Error(`--max-mempool: at least 1 expected, got ${o.maxMempool}`);
      const bars = progressBars();
      const say = (l: string) => bars.log(`${stamp()} ${l}`);
      process.stderr.write(DEV_KEYS_WARNING + "\n");
      say(`devnet: dev keys, contracts and anvil for rollup_${o.txs}x${o.depth}`);
      // The browser app is built (when missing or older than its sources) beside the devnet's start;
      // a failed build costs the app, not the rollup.
      const appReady = import("../web/app.js")
        .then(({ ensureApp }) => ensureApp({ out: APP_DIR, log: (l) => say(`app        ${l}`) }))
        .then(() => true, (e: Error) => {
          say(`app        not built: ${e.message.split("\n")[0]}; the API serves no app`);
          return false;
        });
      const out = path.resolve(o.out);
      const devnet = await launchDevnet({ txs: o.txs, depth: o.depth, port: o.port, out, command: "zkr up", keep: o.keep, fresh: o.fresh, log: (l) => say(`devnet     ${l}`), progress: bars.progress }).finally(() => bars.stop());
      const dep = devnet.deployment;
      const dbPath = path.join(out, "sequencer.db");
      // A new chain needs a new database; a resumed one continues its own.
      if (!devnet.resumed) for (const f of [dbPath, `${dbPath}-wal`, `${dbPath}-shm`]) fs.rmSync(f, { force: true });
      const endpointsFile = path.join(out, SEQUENCER_FILE);
      const operatorWallet = path.join(out, OPERATOR_WALLET_FILE);

      let seq: Sequencer | undefined;
      let provers: InstanceType<typeof UpProvers> | undefined;
      let stopping: Promise<void> | undefined;
      const stop = () =>
        (stopping ??= (async () => {
          await provers?.stop();
          await seq?.stop();
          fs.rmSync(endpointsFile, { force: true });
          if (!o.keep) fs.rmSync(operatorWallet, { force: true });
          // The chain goes with anvil, so the database that follows it goes too (as the banner says).
          if (!o.keep) for (const f of [dbPath, `${dbPath}-wal`, `${dbPath}-shm`]) fs.rmSync(f, { force: true });
          await devnet.stop();
        })());
      let fatal: ((e: Error) => void) | undefined;
      const failed = new Promise<Error>((resolve) => (fatal = resolve));
      let feeAccount: bigint | undefined;
      const sequencerConfig = { batchMaxWaitMs: o.batchWait, maxMempool: o.maxMempool };
      // A new secret at each start: whoever holds it may act as the operator through the API.
      const operatorToken = crypto.randomBytes(32).toString("hex");
      const appBuilt = await appReady;
      try {
        const operatorKey = devnetAccountKey(0);
        feeAccount = await ensureFeeAccount(devnet, operatorKey);
        if (feeAccount !== undefined) {
          fs.rmSync(operatorWallet, { force: true });
          createWalletFile(operatorWallet, operatorKey, feeAccountKey(operatorKey));
        } else {
          say("devnet     this kept chain has no fee account (kept before zkr up made one): fees are off; --fresh starts a chain with one");
        }
        seq = await Sequencer.start(
          {
            dbPath, chainId: BigInt(dep.chainId), rollup: dep.addresses.rollup, slots: o.txs, depth: o.depth,
            feeAccount, minFees: feeAccount !== undefined && minFee > 0n ? { "0": minFee } : {},
            ...sequencerConfig, maxUnprovenBatches: DEFAULTS.maxUnprovenBatches, tickMs: DEFAULTS.tickMs,
            // The devnet's RPC URL is this machine's anvil, no secret in it: the browser app may use it.
            api: { host: "127.0.0.1", port: o.apiPort, operatorToken, publicL1Rpc: dep.rpcUrl, ...(appBuilt ? { appDir: APP_DIR } : {}) },
            verifyThreads: defaultVerifyThreads(),
            l1: { ...DEVNET_L1, rpcUrl: dep.rpcUrl, deployBlock: dep.deployBlock, operatorKey },
          },
          { proofs: sqliteProofQueue, log: (l) => say(`sequencer  ${l}`), onFatal: (e) => fatal?.(e) },
        );
        const apiUrl = seq.url;
        const endpoints = (pids: (number | null)[]): UpEndpoints => ({ apiUrl, dbPath, proverPids: pids, pid: process.pid, operatorToken, appUrl: appBuilt ? `${apiUrl}/app/` : null });
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
      console.log(`  sequencer:    ${seq.url}  (GET /health, /info, /accounts, /txs/:hash, /batches, /operator; POST /txs, /proofs/:n/retry)`);
      if (appBuilt) {
        console.log(`  app:          ${seq.url}/app/  (explorer and wallet)`);
        console.log(`  dashboard:    ${seq.url}/app/#/operator?token=${operatorToken}`);
      } else {
        console.log(`  app:          not built (no ${rel(path.join(APP_DIR, "index.html"))}); operator token in ${rel(endpointsFile)}`);
      }
      console.log(`  database:     ${rel(dbPath)}`);
      const threads = `${provers.threads} thread${provers.threads === 1 ? "" : "s"}`;
      if (o.provers === 0) console.log(`  provers:      none of its own (--provers 0): 'zkr prover --db ${rel(dbPath)}' here, or provers through Redis, take the jobs`);
      else if (o.provers === 1) console.log(`  prover:       pid ${provers.pids[0]} (zkr prover --db ${rel(dbPath)}, cpu backend, ${threads})`);
      else console.log(`  provers:      ${o.provers}, pids ${provers.pids.join(", ")} (zkr prover --db ${rel(dbPath)}, cpu backend, ${threads} each; ${o.provers} batches proved at once)`);
      if (feeAccount !== undefined) {
        const least = minFee > 0n ? `at least ${ethAmount(minFee, { wei: false })} per transfer or withdrawal` : "no minimum";
        console.log(`  fees:         L2 account ${feeAccount}, the operator's (wallet ${rel(operatorWallet)}); ${least}`);
      } else {
        console.log(`  fees:         off (no fee account on this kept chain)`);
      }
      console.log(`  mempool:      at most ${o.maxMempool} pending transactions, then 503 with Retry-After: ${retryAfterSeconds(sequencerConfig)}`);
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
