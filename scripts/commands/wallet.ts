/**
 * `zkr wallet`: a user's wallet against a running devnet (`zkr up`). The keys live in one file
 * readable by its owner only (0600): a BabyJubJub key for L2 and an Ethereum key for L1, by
 * default one of anvil's funded development accounts.
 *
 *   zkr wallet create [--l1-account 1]     new L2 key, L1 key of anvil account 1
 *   zkr wallet create --l1-key-file k.hex  … or the L1 key in a file of mode 0600 (or ZKR_L1_KEY);
 *                                          never on the command line, where others can read it
 *   zkr wallet deposit 1.5                 L1: deposit 1.5 ETH into a new L2 account
 *   zkr wallet transfer --to 3 0.25        L2: signed transfer, sent to the sequencer
 *   zkr wallet withdraw 0.1                L2: signed withdrawal
 *   zkr wallet claim                       L1: collect verified withdrawals
 *   zkr wallet exit                        L1: forced exit of the whole balance
 *   zkr wallet balance                     L2 accounts, L1 balance, claimable
 *   zkr wallet status <tx hash>            a transaction's stage
 */
import type { Command } from "commander";
import { descriptionOf } from "./index.js";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { formatEther, parseEther } from "ethers";
import { devnetProvider } from "../../contracts/provider.js";
import { ApiError, SequencerClient, type AccountView, type TxView } from "../../sequencer/client.js";
import { ZkrWallet, createWalletFile, devnetAccountKey, ethAmount, inEth, readWalletFile, roundAmount } from "../../sequencer/wallet.js";
import { SecretError, privateKeyHex, readPrivateFile } from "../../sequencer/secrets.js";
import { DEVNET_DIR, DEPLOYMENT_FILE, SEQUENCER_FILE, type DevnetDeployment, type UpEndpoints } from "../../contracts/devnet-files.js";
import { int } from "./options.js";

interface Common { wallet: string; deployment: string; api?: string; from?: string }

const DEFAULT_WALLET = process.env.ZKR_WALLET ?? path.join(os.homedir(), ".zkr", "wallet.json");

function deployment(o: Common): DevnetDeployment {
  if (!fs.existsSync(o.deployment)) throw new Error(`${o.deployment}: not found; start the devnet with 'npm start' (zkr up)`);
  return JSON.parse(fs.readFileSync(o.deployment, "utf8")) as DevnetDeployment;
}

function apiUrl(o: Common): string {
  if (o.api) return o.api;
  const f = path.join(path.dirname(o.deployment), SEQUENCER_FILE);
  if (fs.existsSync(f)) return (JSON.parse(fs.readFileSync(f, "utf8")) as UpEndpoints).apiUrl;
  return "http://127.0.0.1:8080";
}

/** The largest amount there can be: balances stay below 2^128 wei. */
const MAX_WEI = (1n << 128n) - 1n;

/** Parses an ETH amount ("0.5") into wei. */
function weiOf(what: string, s: string): bigint {
  let wei: bigint;
  try {
    wei = parseEther(s);
  } catch {
    throw new Error(`${what}: a decimal number of ETH expected, got ${JSON.stringify(s)}`);
  }
  if (wei < 0n) throw new Error(`${what}: a non-negative amount of ETH expected, got ${s} ETH`);
  if (wei > MAX_WEI) throw new Error(`${what}: at most ${ethAmount(MAX_WEI)} expected (balances stay below 2^128 wei), got ${s} ETH`);
  return wei;
}

/** Parses an ETH amount ("0.5") into wei, rounded down to what the slot carries. */
function amountOf(kind: "transfer" | "withdraw" | "fee", s: string): bigint {
  const wei = weiOf(kind === "fee" ? "fee" : "amount", s);
  const r = roundAmount(kind, wei);
  if (r !== wei) console.error(`note: ${s} ETH is not representable in a ${kind} slot; sending ${ethAmount(r)}`);
  return r;
}

async function withWallet<T>(o: Common, fn: (w: ZkrWallet, ctx: { dep: DevnetDeployment; client: SequencerClient }) => Promise<T>): Promise<T> {
  const dep = deployment(o);
  const provider = devnetProvider(dep.rpcUrl);
  try {
    const w = new ZkrWallet(readWalletFile(o.wallet), provider);
    return await fn(w, { dep, client: new SequencerClient(apiUrl(o)) });
  } finally {
    provider.destroy();
  }
}

/** How long the wallet waits for the rollup (a deposit to be batched, a transaction to be verified). */
const WAIT_MS = 10 * 60_000;

/** Waits until the sequencer has account `index` (its deposit batched); says so once if that takes a while. */
async function waitForAccount(client: SequencerClient, index: bigint): Promise<AccountView> {
  const deadline = Date.now() + WAIT_MS;
  let told = false;
  for (;;) {
    try {
      return await client.account(index);
    } catch (e) {
      if (!(e instanceof ApiError) || e.status !== 404) throw e;
    }
    if (Date.now() > deadline) throw new Error(`L2 account ${index}: not made within ${WAIT_MS / 60_000} minutes; is the sequencer running? ('zkr wallet balance' shows it once it is)`);
    if (!told) console.error(`waiting for the sequencer to batch the deposit…`);
    told = true;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** The wallet's L2 account: --from, or the first one its key owns. */
async function fromIndex(o: Common, w: ZkrWallet, client: SequencerClient): Promise<bigint> {
  if (o.from !== undefined) return BigInt(o.from);
  const accounts = await client.accountsOf(w.pk);
  if (accounts.length === 0) throw new Error("this wallet has no L2 account yet: 'zkr wallet deposit <ETH>' first (it appears once its batch is made)");
  return accounts[0].index;
}

function common(c: Command): Command {
  return c
    .option("--wallet <file>", "wallet file (0600)", DEFAULT_WALLET)
    .option("--deployment <file>", "the devnet's deployment.json", path.join(DEVNET_DIR, DEPLOYMENT_FILE))
    .option("--api <url>", "the sequencer's API (default: from zkr up's sequencer.json)");
}

export function registerWallet(program: Command): void {
  const wallet = program.command("wallet").description(descriptionOf("wallet"));

  common(wallet.command("create").description("make a new wallet file (0600): a fresh L2 key and a funded devnet L1 key"))
    .option("--l1-account <n>", "anvil development account for L1 (0 is the operator)", int("l1-account"), 1)
    .option("--l1-key-file <file>", "a file (mode 0600) holding an Ethereum private key, instead of a development account; or set ZKR_L1_KEY")
    .action((o: Common & { l1Account: number; l1KeyFile?: string }) => {
      const env = process.env.ZKR_L1_KEY;
      if (o.l1KeyFile !== undefined && env !== undefined) throw new SecretError("L1 key: one source expected, got both --l1-key-file and ZKR_L1_KEY");
      const l1Key =
        o.l1KeyFile !== undefined ? privateKeyHex(readPrivateFile(o.l1KeyFile, "L1 key file"), `L1 key file ${o.l1KeyFile}`)
        : env !== undefined ? privateKeyHex(env, "ZKR_L1_KEY")
        : devnetAccountKey(o.l1Account);
      const w = new ZkrWallet(createWalletFile(o.wallet, l1Key));
      console.log(`wallet:     ${o.wallet} (mode 0600)`);
      console.log(`L2 key:     (${w.pk[0]}, ${w.pk[1]})`);
      console.log(`L1 address: ${w.l1.address}`);
    });

  common(wallet.command("deposit").description("L1: deposit ETH into a new L2 account, and wait until the sequencer has made it").argument("<eth>", "amount in ETH"))
    .option("--no-wait", "return once the L1 transaction is mined, before the account exists on L2")
    .action((eth: string, o: Common & { wait: boolean }) =>
      withWallet(o, async (w, { dep, client }) => {
        const r = await w.deposit(dep.addresses.rollup, weiOf("amount", eth));
        console.log(`deposit of ${eth} ETH (plus the ${formatEther(r.createFee)} ETH account creation fee): L1 tx ${r.txHash} (block ${r.block})`);
        if (!o.wait) {
          console.log(`L2 account ${r.index} once the sequencer batches it`);
          return;
        }
        const a = await waitForAccount(client, r.index);
        console.log(`L2 account ${r.index}: ${formatEther(a.balance)} ETH (in a batch; 'zkr wallet balance' shows it)`);
      }));

  common(wallet.command("transfer").description("L2: send ETH to another account").argument("<eth>", "amount in ETH"))
    .requiredOption("--to <index>", "receiving account")
    .option("--from <index>", "sending account (default: the wallet's first)")
    .option("--fee <eth>", "fee to the operator", "0")
    .action((eth: string, o: Common & { to: string; fee: string }) =>
      withWallet(o, async (w, { client }) => {
        const from = await fromIndex(o, w, client);
        const tx = await w.signTransfer(client, from, BigInt(o.to), amountOf("transfer", eth), amountOf("fee", o.fee));
        const hash = await client.submit(tx).catch((e: unknown) => { throw inEth(e); });
        console.log(`transfer ${from} → ${o.to}: ${hash} (pending; 'zkr wallet status ${hash}')`);
      }));

  common(wallet.command("withdraw").description("L2: withdraw ETH to the account's L1 address (then 'claim')").argument("<eth>", "amount in ETH"))
    .option("--from <index>", "account (default: the wallet's first)")
    .option("--fee <eth>", "fee to the operator", "0")
    .action((eth: string, o: Common & { fee: string }) =>
      withWallet(o, async (w, { client }) => {
        const from = await fromIndex(o, w, client);
        const tx = await w.signWithdraw(client, from, amountOf("withdraw", eth), amountOf("fee", o.fee));
        const hash = await client.submit(tx).catch((e: unknown) => { throw inEth(e); });
        console.log(`withdrawal from ${from}: ${hash} (claim it on L1 once verified)`);
      }));

  common(wallet.command("claim").description("L1: collect the withdrawals verified batches credited"))
    .action((o: Common) =>
      withWallet(o, async (w, { dep }) => {
        const r = await w.claim(dep.addresses.rollup);
        console.log(`claimed ${formatEther(r.amount)} ETH to ${w.l1.address}: L1 tx ${r.txHash}`);
      }));

  common(wallet.command("exit").description("L1: force the exit of an account's whole balance (when the operator ignores withdrawals)"))
    .option("--from <index>", "account (default: the wallet's first)")
    .action((o: Common) =>
      withWallet(o, async (w, { dep, client }) => {
        const from = await fromIndex(o, w, client);
        const tx = await w.forcedExit(dep.addresses.rollup, from);
        console.log(`forced exit of account ${from} queued on L1: ${tx}; 'zkr wallet claim' once its batch is verified`);
      }));

  common(wallet.command("balance").description("the wallet's L2 accounts, L1 balance and claimable withdrawals"))
    .action((o: Common) =>
      withWallet(o, async (w, { dep, client }) => {
        const accounts = await client.accountsOf(w.pk);
        for (const a of accounts) {
          console.log(`L2 account ${a.index}: ${formatEther(a.balance)} ETH (spendable ${formatEther(a.spendable)}, nonce ${a.nonce}, ${a.pendingTxs} pending)`);
        }
        if (accounts.length === 0) console.log("no L2 account yet");
        const l1 = await w.l1.provider!.getBalance(w.l1.address);
        console.log(`L1 ${w.l1.address}: ${formatEther(l1)} ETH, claimable ${formatEther(await w.claimable(dep.addresses.rollup))} ETH`);
      }));

  common(wallet.command("status").description("a transaction's stage: pending → in batch → proving → proven → submitted → verified").argument("<hash>", "transaction hash"))
    .option("--wait", "follow it, a line per stage, until it is verified on L1 (or dropped)")
    .action(async (hash: string, o: Common & { wait?: boolean }) => {
      const client = new SequencerClient(apiUrl(o));
      const line = (t: TxView) => {
        const where = t.batch !== undefined ? ` (batch ${t.batch}${t.l1Tx ? `, L1 tx ${t.l1Tx}` : ""}${t.verifiedBlock ? `, block ${t.verifiedBlock}` : ""})` : "";
        const fee = t.fee > 0n ? ` (fee ${formatEther(t.fee)} ETH)` : "";
        console.log(`${t.hash}: ${t.type} ${formatEther(t.amount)} ETH${fee} from ${t.from}${t.to !== undefined ? ` to ${t.to}` : ""}: ${t.stage}${where}${t.reason ? `: ${t.reason}` : ""}`);
      };
      if (o.wait) await client.waitFor(hash, "verified", { timeoutMs: WAIT_MS, pollMs: 500, onStage: line });
      else line(await client.tx(hash));
    });
}
