/**
 * What each `zkr wallet` subcommand does; scripts/commands/wallet.ts registers them and their
 * options and loads this file only when one runs.
 */
import fs from "node:fs";
import path from "node:path";
import { devnetProvider } from "../../contracts/provider.js";
import { ApiError, SequencerClient, type AccountView, type TxView } from "../../sequencer/client.js";
import {
  ETH_TOKEN, WalletError, ZkrWallet, createWalletFile, devnetAccountKey, feeLine, formatTokenUnits, inToken, parseTokenAmount, quoteFee, readWalletFile,
  registeredTokens, roundAmount, tokenAmount, type TokenInfo,
} from "../../sequencer/wallet.js";
import { SecretError, privateKeyHex, readPrivateFile } from "../../sequencer/secrets.js";
import { SEQUENCER_FILE, type DevnetDeployment, type UpEndpoints } from "../../contracts/devnet-files.js";

export interface Common { wallet: string; deployment: string; api?: string; from?: string }

/** What `transfer` and `withdraw` take besides the amount: the fee in the account's token, or the sequencer's minimum. */
interface Paying { fee?: string }

/** What `deposit` and `claim` take: the token, by id or symbol (default ETH). */
export interface InToken { token?: string }

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

/** Parses an amount of `token` ("0.5") into its units, rounded down to what the slot carries. */
function amountOf(kind: "transfer" | "withdraw", s: string, token: TokenInfo): bigint {
  const units = parseTokenAmount(s, token);
  const r = roundAmount(kind, units);
  if (r !== units) console.error(`note: ${s} ${token.symbol} is not representable in a ${kind} slot; sending ${tokenAmount(r, token)}`);
  return r;
}

/** The token `spec` names among the rollup's: an id or a symbol (any case); ETH when none is given. */
function tokenBy(tokens: readonly TokenInfo[], spec: string | undefined): TokenInfo {
  if (spec === undefined) return ETH_TOKEN;
  const byId = /^[0-9]+$/.test(spec) ? tokens.filter((t) => t.id === BigInt(spec)) : [];
  const found = byId.length > 0 ? byId : tokens.filter((t) => t.symbol.toLowerCase() === spec.toLowerCase());
  if (found.length === 1) return found[0];
  const known = tokens.map((t) => `${t.id} ${t.symbol}`).join(", ");
  if (found.length > 1) throw new WalletError(`--token: ${spec} names tokens ${found.map((t) => t.id).join(" and ")}: give the id (${known})`);
  throw new WalletError(`--token: one of the rollup's tokens expected (${known}), got ${spec}`);
}

/** The token of token id `id`, read from L1 (ETH without asking). */
async function tokenOfId(runner: Parameters<typeof registeredTokens>[0], rollup: string, id: bigint): Promise<TokenInfo> {
  if (id === 0n) return ETH_TOKEN;
  const t = (await registeredTokens(runner, rollup)).find((x) => x.id === id);
  if (!t) throw new WalletError(`token ${id}: not registered on the rollup at ${rollup}`);
  return t;
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
 * The fee of a transaction from `from`, in its token, stated before anything is signed: `--fee`
 * rounded down to a fee slot's value as amounts are, or by default the sequencer's minimum.
 */
async function feeOf(client: SequencerClient, from: bigint, o: Paying, token: TokenInfo): Promise<bigint> {
  const q = await quoteFee(client, from, o.fee === undefined ? undefined : parseTokenAmount(o.fee, token, "fee"), token);
  console.log(feeLine(q, token));
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
  if (accounts.length === 0) throw new Error("this wallet has no L2 account yet: 'zkr wallet deposit <amount>' first (it appears once its batch is made)");
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

/** `zkr wallet deposit <amount> [--token <id|symbol>]` */
export function deposit(text: string, o: Common & InToken & { wait: boolean }): Promise<void> {
  return withWallet(o, async (w, { dep, client }) => {
        const token = o.token === undefined ? ETH_TOKEN : tokenBy(await w.tokens(dep.addresses.rollup), o.token);
        const amount = parseTokenAmount(text, token);
        const r = await w.depositToken(dep.addresses.rollup, token.id, amount);
        const into = token.id === 0n ? "" : ` into an account of token ${token.id}`;
        console.log(`deposit of ${tokenAmount(amount, token, { units: false })}${into} (plus the ${tokenAmount(r.createFee, ETH_TOKEN, { units: false })} account creation fee): L1 tx ${r.txHash} (block ${r.block})`);
        if (r.amount !== amount) console.log(`note: ${tokenAmount(r.amount, token)} arrived (the token keeps a share of each transfer)`);
        if (!o.wait) {
          console.log(`L2 account ${r.index} once the sequencer batches it`);
          return;
        }
        const a = await waitForAccount(client, r.index);
        console.log(`L2 account ${r.index}: ${tokenAmount(a.balance, token, { units: false })} (in a batch; 'zkr wallet balance' shows it)`);
      });
}

/** The token of L2 account `index`: its amounts and fees are in it. */
async function accountToken(w: ZkrWallet, dep: DevnetDeployment, client: SequencerClient, index: bigint): Promise<TokenInfo> {
  return tokenOfId(w.l1.provider!, dep.addresses.rollup, (await client.account(index)).tokenId);
}

/** `zkr wallet transfer <amount> --to <index>`: the amount and the fee in the sending account's token. */
export function transfer(text: string, o: Common & Paying & { to: string }): Promise<void> {
  return withWallet(o, async (w, { dep, client }) => {
        const from = await fromIndex(o, w, client);
        const token = await accountToken(w, dep, client, from);
        const amount = amountOf("transfer", text, token);
        const tx = await w.signTransfer(client, from, BigInt(o.to), amount, await feeOf(client, from, o, token));
        const hash = await client.submit(tx).catch((e: unknown) => { throw inToken(e, token); });
        console.log(`transfer ${from} → ${o.to}: ${hash} (pending; 'zkr wallet status ${hash}')`);
      });
}

/** `zkr wallet withdraw <amount>`: in the account's token. */
export function withdraw(text: string, o: Common & Paying): Promise<void> {
  return withWallet(o, async (w, { dep, client }) => {
        const from = await fromIndex(o, w, client);
        const token = await accountToken(w, dep, client, from);
        const amount = amountOf("withdraw", text, token);
        const tx = await w.signWithdraw(client, from, amount, await feeOf(client, from, o, token));
        const hash = await client.submit(tx).catch((e: unknown) => { throw inToken(e, token); });
        console.log(`withdrawal from ${from}: ${hash} (claim it on L1 once verified${token.id === 0n ? "" : `: 'zkr wallet claim --token ${token.symbol}'`})`);
      });
}

/** `zkr wallet claim [--token <id|symbol>]` */
export function claim(o: Common & InToken): Promise<void> {
  return withWallet(o, async (w, { dep }) => {
        const token = o.token === undefined ? ETH_TOKEN : tokenBy(await w.tokens(dep.addresses.rollup), o.token);
        const r = await w.claim(dep.addresses.rollup, token.id);
        console.log(`claimed ${tokenAmount(r.amount, token, { units: false })} to ${w.l1.address}: L1 tx ${r.txHash}`);
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

/**
 * `zkr wallet balance`: each L2 account in its token; then the L1 address's ETH and each
 * registered token it holds or can claim.
 */
export function balance(o: Common): Promise<void> {
  return withWallet(o, async (w, { dep, client }) => {
        const rollup = dep.addresses.rollup;
        const [accounts, tokens] = await Promise.all([client.accountsOf(w.pk), w.tokens(rollup)]);
        const tokenOf = (id: bigint): TokenInfo => tokens.find((t) => t.id === id) ?? { id, address: "", symbol: `#${id}`, decimals: 0 };
        for (const a of accounts) {
          const t = tokenOf(a.tokenId);
          console.log(`L2 account ${a.index}: ${tokenAmount(a.balance, t, { units: false })} (spendable ${formatTokenUnits(a.spendable, t.decimals)}, nonce ${a.nonce}, ${a.pendingTxs} pending)`);
        }
        if (accounts.length === 0) console.log("no L2 account yet");
        for (const t of tokens) {
          const [held, claimable] = await Promise.all([w.l1Balance(t), w.claimable(rollup, t.id)]);
          if (t.id !== 0n && held === 0n && claimable === 0n) continue;
          console.log(`L1 ${w.l1.address}: ${tokenAmount(held, t, { units: false })}, claimable ${tokenAmount(claimable, t, { units: false })}`);
        }
      });
}

/** `zkr wallet status <hash>`: amounts in the sending account's token. */
export async function status(hash: string, o: Common & { wait?: boolean }): Promise<void> {
      const client = new SequencerClient(apiUrl(o));
      const first = await client.tx(hash);
      const tokenId = (await client.account(first.from)).tokenId;
      const token = tokenId === 0n ? ETH_TOKEN : await l1Token(o, tokenId);
      const line = (t: TxView) => {
        const where = t.batch !== undefined ? ` (batch ${t.batch}${t.l1Tx ? `, L1 tx ${t.l1Tx}` : ""}${t.verifiedBlock ? `, block ${t.verifiedBlock}` : ""})` : "";
        const fee = t.fee > 0n ? ` (fee ${tokenAmount(t.fee, token, { units: false })})` : "";
        console.log(`${t.hash}: ${t.type} ${tokenAmount(t.amount, token, { units: false })}${fee} from ${t.from}${t.to !== undefined ? ` to ${t.to}` : ""}: ${t.stage}${where}${t.reason ? `: ${t.reason}` : ""}`);
      };
      if (o.wait) await client.waitFor(hash, "verified", { timeoutMs: WAIT_MS, pollMs: 500, onStage: line });
      else line(first);
    }

/** Token `id` of the devnet's rollup, read from L1 through the deployment's RPC URL. */
async function l1Token(o: Common, id: bigint): Promise<TokenInfo> {
  const dep = deployment(o);
  const provider = devnetProvider(dep.rpcUrl);
  try {
    return await tokenOfId(provider, dep.addresses.rollup, id);
  } finally {
    provider.destroy();
  }
}
