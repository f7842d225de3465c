/**
 * What each `zkr wallet` subcommand does; scripts/commands/wallet.ts registers them and their
 * options and loads this file only when one runs.
 */
import fs from "node:fs";
import path from "node:path";
import { formatEther, parseEther } from "ethers";
import { devnetProvider } from "../../contracts/provider.js";
import { ApiError, SequencerClient, type AccountView, type TxView } from "../../sequencer/client.js";
import { ZkrWallet, createWalletFile, devnetAccountKey, ethAmount, feeLine, inEth, quoteFee, readWalletFile, roundAmount } from "../../sequencer/wallet.js";
import { SecretError, privateKeyHex, readPrivateFile } from "../../sequencer/secrets.js";
import { SEQUENCER_FILE, type DevnetDeployment, type UpEndpoints } from "../../contracts/devnet-files.js";

export interface Common { wallet: string; deployment: string; api?: string; from?: string }

/** What `transfer` and `withdraw` take besides the amount: the fee in ETH, or the sequencer's minimum. */
interface Paying { fee?: string }

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
function amountOf(kind: "transfer" | "withdraw", s: string): bigint {
  const wei = weiOf("amount", s);
  const r = roundAmount(kind, wei);
  if (r !== wei) console.error(`note: ${s} ETH is not representable in a ${kind} slot; sending ${ethAmount(r)}`);
  return r;
}

async function withWallet<T>(o: Common, fn: (w: ZkrWallet, ctx: { dep: DevnetDeployment; client: SequencerClient }) => Promise<T>): Promise<T> {
  const dep = deployment(o);
  const provider = devnetProvider(dep.rpcUrl);
  try {
    const w = new ZkrWallet(readWalletFile(o.wallet), provider);
    return await fn(w, { dep, client: walletClient(apiUrl(o)) });
  } finally {
    provider.destroy();
  }
}

/** Times the wallet asks a busy sequencer (503 with Retry-After, e.g. a full mempool) again. */
const RETRIES = 3;

/** The wallet's client: a busy sequencer's 503 + Retry-After is waited out, a bounded number of times, and said. */
function walletClient(url: string): SequencerClient {
  return new SequencerClient(url, {
    retries: RETRIES,
    onRetry: (e, ms, attempt) => console.error(`note: the sequencer is busy (${e.code}); retrying in ${ms / 1000} s (retry ${attempt} of ${RETRIES})`),
  });
}

/**
 * The fee of a transaction from `from`, stated before anything is signed: `--fee` rounded down to
 * a fee slot's value as amounts are, or by default the sequencer's minimum.
 */
async function feeOf(client: SequencerClient, from: bigint, o: Paying): Promise<bigint> {
  const q = await quoteFee(client, from, o.fee === undefined ? undefined : weiOf("fee", o.fee));
  console.log(feeLine(q));
  return q.fee;
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

/** `zkr wallet create` */
export function create(o: Common & { l1Account: number; l1KeyFile?: string }): void {
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
    }

/** `zkr wallet deposit <eth>` */
export function deposit(eth: string, o: Common & { wait: boolean }): Promise<void> {
  return withWallet(o, async (w, { dep, client }) => {
        const r = await w.deposit(dep.addresses.rollup, weiOf("amount", eth));
        console.log(`deposit of ${eth} ETH (plus the ${formatEther(r.createFee)} ETH account creation fee): L1 tx ${r.txHash} (block ${r.block})`);
        if (!o.wait) {
          console.log(`L2 account ${r.index} once the sequencer batches it`);
          return;
        }
        const a = await waitForAccount(client, r.index);
        console.log(`L2 account ${r.index}: ${formatEther(a.balance)} ETH (in a batch; 'zkr wallet balance' shows it)`);
      });
}

/** `zkr wallet transfer <eth> --to <index>` */
export function transfer(eth: string, o: Common & Paying & { to: string }): Promise<void> {
  return withWallet(o, async (w, { client }) => {
        const from = await fromIndex(o, w, client);
        const amount = amountOf("transfer", eth);
        const tx = await w.signTransfer(client, from, BigInt(o.to), amount, await feeOf(client, from, o));
        const hash = await client.submit(tx).catch((e: unknown) => { throw inEth(e); });
        console.log(`transfer ${from} → ${o.to}: ${hash} (pending; 'zkr wallet status ${hash}')`);
      });
}

/** `zkr wallet withdraw <eth>` */
export function withdraw(eth: string, o: Common & Paying): Promise<void> {
  return withWallet(o, async (w, { client }) => {
        const from = await fromIndex(o, w, client);
        const amount = amountOf("withdraw", eth);
        const tx = await w.signWithdraw(client, from, amount, await feeOf(client, from, o));
        const hash = await client.submit(tx).catch((e: unknown) => { throw inEth(e); });
        console.log(`withdrawal from ${from}: ${hash} (claim it on L1 once verified)`);
      });
}

/** `zkr wallet claim` */
export function claim(o: Common): Promise<void> {
  return withWallet(o, async (w, { dep }) => {
        const r = await w.claim(dep.addresses.rollup);
        console.log(`claimed ${formatEther(r.amount)} ETH to ${w.l1.address}: L1 tx ${r.txHash}`);
      });
}

/** `zkr wallet exit` */
export function exitAccount(o: Common): Promise<void> {
  return withWallet(o, async (w, { dep, client }) => {
        const from = await fromIndex(o, w, client);
        const tx = await w.forcedExit(dep.addresses.rollup, from);
        console.log(`forced exit of account ${from} queued on L1: ${tx}; 'zkr wallet claim' once its batch is verified`);
      });
}

/** `zkr wallet balance` */
export function balance(o: Common): Promise<void> {
  return withWallet(o, async (w, { dep, client }) => {
        const accounts = await client.accountsOf(w.pk);
        for (const a of accounts) {
          console.log(`L2 account ${a.index}: ${formatEther(a.balance)} ETH (spendable ${formatEther(a.spendable)}, nonce ${a.nonce}, ${a.pendingTxs} pending)`);
        }
        if (accounts.length === 0) console.log("no L2 account yet");
        const l1 = await w.l1.provider!.getBalance(w.l1.address);
        console.log(`L1 ${w.l1.address}: ${formatEther(l1)} ETH, claimable ${formatEther(await w.claimable(dep.addresses.rollup))} ETH`);
      });
}

/** `zkr wallet status <hash>` */
export async function status(hash: string, o: Common & { wait?: boolean }): Promise<void> {
      const client = new SequencerClient(apiUrl(o));
      const line = (t: TxView) => {
        const where = t.batch !== undefined ? ` (batch ${t.batch}${t.l1Tx ? `, L1 tx ${t.l1Tx}` : ""}${t.verifiedBlock ? `, block ${t.verifiedBlock}` : ""})` : "";
        const fee = t.fee > 0n ? ` (fee ${formatEther(t.fee)} ETH)` : "";
        console.log(`${t.hash}: ${t.type} ${formatEther(t.amount)} ETH${fee} from ${t.from}${t.to !== undefined ? ` to ${t.to}` : ""}: ${t.stage}${where}${t.reason ? `: ${t.reason}` : ""}`);
      };
      if (o.wait) await client.waitFor(hash, "verified", { timeoutMs: WAIT_MS, pollMs: 500, onStage: line });
      else line(await client.tx(hash));
    }
