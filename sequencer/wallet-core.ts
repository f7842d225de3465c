// The wallet library, as the CLI (`zkr wallet …`, through ./wallet.ts, which adds its file), the
// demo, the tests and the browser app (web/app) use it: a BabyJubJub key (L2: signs transfers and
// withdrawals) and an Ethereum key (L1: deposits, claims, forced exits), amounts and fees as a
// wallet states them before signing. Nothing here touches a file or a Node-only module, so one
// source serves Node and the browser.

import { Contract, HDNodeWallet, isError, Wallet as EthWallet, ZeroAddress, formatEther, getBytes, type ContractRunner, type ContractTransactionResponse, type Provider, type Signer } from "ethers";
import { publicKey, type PrivateKey, type PublicKey } from "./model/keys.js";
import { TxType } from "./model/constants.js";
import { FLOAT13, FLOAT32, FLOAT56, roundDownToFloat, roundUpToFloat } from "./model/float.js";
import { signTx, type TransferTx, type WithdrawTx } from "./model/tx.js";
import type { Signature } from "./model/keys.js";
import { ZkrError } from "../core/errors.js";
import { Rollup__factory, type Rollup } from "../contracts/types/index.js";
import { ApiError, type SequencerClient } from "./client.js";

/** anvil's well-known development mnemonic: its accounts hold 10,000 ETH each on a devnet. */
export const DEVNET_MNEMONIC = "test test test test test test test test test test test junk";

/** The private key of anvil's development account `i` (0 deploys and operates the devnet rollup). */
export function devnetAccountKey(i: number): string {
  return HDNodeWallet.fromPhrase(DEVNET_MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).privateKey;
}

/** What the wallet file holds. */
export interface WalletFile {
  version: 1;
  /** BabyJubJub private key, 32 bytes hex. */
  l2Key: string;
  /** Ethereum private key, 0x-hex. */
  l1Key: string;
}

export class WalletError extends ZkrError {
  override name = "WalletError" as const;
}

/**
 * An amount of wei as the wallet shows it: in ETH, with the exact wei after it where the ETH
 * figure alone could hide a difference (errors, roundings): `0.5 ETH (500000000000000000 wei)`.
 */
export function ethAmount(wei: bigint, opts: { wei?: boolean } = {}): string {
  return `${formatEther(wei)} ETH${opts.wei === false ? "" : ` (${wei} wei)`}`;
}

/** How a token's amounts are written: its symbol, its decimals, and the name of its smallest unit. */
export interface TokenUnits {
  symbol: string;
  decimals: number;
  /** The smallest unit's name (`wei` for ETH); "units" when not given. */
  unit?: string;
}

/** A token of the rollup: ETH (id 0) or a registered ERC-20, as {@link registeredTokens} reads it. */
export interface TokenInfo extends TokenUnits {
  id: bigint;
  /** The ERC-20's address; the zero address for ETH. */
  address: string;
}

/** Token 0: ETH, in wei. */
export const ETH_TOKEN: TokenInfo = Object.freeze({ id: 0n, address: ZeroAddress, symbol: "ETH", decimals: 18, unit: "wei" });

/** The largest amount there can be, in any token: balances stay below 2^128 units. */
export const MAX_AMOUNT = (1n << 128n) - 1n;

/**
 * `units` as a decimal number of a token of `decimals` decimals, exactly: at least one digit after
 * the point, as formatEther writes (`12.5`, `1.0`); a token without decimals in whole units.
 */
export function formatTokenUnits(units: bigint, decimals: number): string {
  const sign = units < 0n ? "-" : "";
  const digits = (units < 0n ? -units : units).toString();
  if (decimals === 0) return sign + digits;
  const padded = digits.padStart(decimals + 1, "0");
  return `${sign}${padded.slice(0, -decimals)}.${padded.slice(-decimals).replace(/0+$/, "") || "0"}`;
}

/**
 * An amount of a token as the wallet shows it, with the exact units after it where the figure
 * alone could hide a difference: `12.5 zUSD (12500000 units)`; for ETH ({@link ETH_TOKEN}) what
 * {@link ethAmount} writes.
 */
export function tokenAmount(units: bigint, token: TokenUnits, opts: { units?: boolean } = {}): string {
  return `${formatTokenUnits(units, token.decimals)} ${token.symbol}${opts.units === false ? "" : ` (${units} ${token.unit ?? "units"})`}`;
}

/**
 * Reads an amount a user typed (`12.5`, `.5`, `7`) in the token's units, exactly. Zeros past the
 * token's decimals are fine; other digits there are refused, never rounded.
 * @param what names the value in errors (`amount`, `fee`).
 * @throws WalletError for anything but a plain non-negative decimal number (no exponent, sign,
 * separator or hex), more decimals than the token has, or {@link MAX_AMOUNT} units or more.
 */
export function parseTokenAmount(text: string, token: TokenUnits, what = "amount"): bigint {
  const s = text.trim();
  const m = /^(-?)(?:([0-9]+)(?:\.([0-9]*))?|\.([0-9]+))$/.exec(s);
  if (!m) throw new WalletError(`${what}: a decimal number of ${token.symbol} expected (like 12.5), got ${JSON.stringify(text)}`);
  if (m[1]) throw new WalletError(`${what}: a non-negative amount of ${token.symbol} expected, got ${s}`);
  const whole = m[2] ?? "0";
  const fraction = (m[3] ?? m[4] ?? "").replace(/0+$/, "");
  if (fraction.length > token.decimals) {
    throw new WalletError(token.decimals === 0
      ? `${what}: a whole number expected (${token.symbol} has no decimals), got ${s}`
      : `${what}: at most ${token.decimals} decimals expected (${token.symbol} has ${token.decimals}), got ${s}`);
  }
  const units = BigInt(whole + fraction.padEnd(token.decimals, "0"));
  if (units > MAX_AMOUNT) throw new WalletError(`${what}: at most ${tokenAmount(MAX_AMOUNT, token)} expected (balances stay below 2^128 ${token.unit ?? "units"}), got ${s}`);
  return units;
}

/**
 * A refusal from the sequencer whose message quotes amounts (`data`: wei) as the wallet says it,
 * in ETH; any other error as it came. The wallet's amounts are ETH, so its errors are too.
 */
export function inEth(err: unknown): unknown {
  return inToken(err, ETH_TOKEN);
}

/**
 * A refusal from the sequencer whose message quotes amounts (`data`: the account's units) in the
 * account's token, as the wallet states its amounts; any other error as it came.
 */
export function inToken(err: unknown, token: TokenUnits): unknown {
  if (!(err instanceof ApiError) || !err.data) return err;
  const d = err.data;
  const units = (k: string) => BigInt(d[k]);
  const amount = (x: bigint, units = true) => tokenAmount(x, token, { units });
  if (err.code === "insufficient_balance" && d.required !== undefined && d.balance !== undefined) {
    const pending = d.pending !== undefined ? units("pending") : 0n;
    const spendable = units("balance") - pending;
    const why = pending > 0n ? `: its balance ${amount(units("balance"), false)} less ${amount(pending, false)} pending` : "";
    return new WalletError(`insufficient balance: account ${d.account} can spend ${amount(spendable)}${why}; this transaction needs ${amount(units("required"))} (amount and fee)`, { cause: err });
  }
  if (err.code === "fee_too_low" && d.field !== undefined && d.value !== undefined && d.minimum !== undefined) {
    return new WalletError(`${d.field}: at least ${amount(units("minimum"))} (the sequencer's minimum) expected, got ${amount(units("value"))}`, { cause: err });
  }
  if (d.field !== undefined && d.value !== undefined && /amount|fee/.test(d.field)) {
    return new WalletError(`${d.field}: ${d.expected ?? "another value"} expected, got ${amount(units("value"))}`, { cause: err });
  }
  return err;
}

/** Rounds an amount down to what a slot can carry, for transfers, withdrawals and fees. */
export function roundAmount(kind: "transfer" | "withdraw" | "fee", amount: bigint): bigint {
  return roundDownToFloat(kind === "transfer" ? FLOAT32 : kind === "withdraw" ? FLOAT56 : FLOAT13, amount);
}

/** The fee a transaction pays, as {@link quoteFee} sets it. */
export interface FeeQuote {
  /** What the transaction pays (wei): a fee slot's value. */
  fee: bigint;
  /** The sequencer's minimum for the sender's token (0 when it sets none). */
  minimum: bigint;
  /** The account the fee goes to; null when no account collects fees (the fee is then 0). */
  feeAccount: bigint | null;
  /** Set when the fee asked for is not a fee slot's value: what was asked, before rounding down. */
  requested?: bigint;
}

/**
 * The fee of a transaction from account `from`: `requested` rounded down to what a fee slot
 * carries (Float13), as amounts are; by default the sequencer's minimum for the account's token
 * (`/info`), rounded up to a fee slot's value so that it meets it. A fee is paid in the account's
 * token, and only the fee account's token can pay one: an account of another token pays 0 unless
 * the sequencer sets a minimum for its token. `token` (the account's; default ETH) writes the
 * amounts of the errors.
 * @throws WalletError when the fee (rounded) is below the sequencer's minimum, before anything is signed.
 */
export async function quoteFee(client: SequencerClient, from: bigint, requested?: bigint, token: TokenUnits = ETH_TOKEN): Promise<FeeQuote> {
  const [acct, info] = await Promise.all([client.account(from), client.info()]);
  const amount = (x: bigint, units = true) => tokenAmount(x, token, { units });
  const minimum = info.minFees.get(acct.tokenId) ?? 0n;
  const fee = requested === undefined ? roundUpToFloat(FLOAT13, minimum) : roundAmount("fee", requested);
  const rounded = requested !== undefined && fee !== requested ? `, ${amount(requested, false)} rounded down to a fee slot's value` : "";
  if (fee < minimum) throw new WalletError(`fee: at least ${amount(minimum)} (the sequencer's minimum) expected, got ${amount(fee)}${rounded}`);
  // What the sequencer would refuse (bad_fee) is refused here, before signing.
  if (fee > 0n && (info.feeAccount === null || (info.feeToken !== null && info.feeToken !== acct.tokenId))) {
    const why = info.feeAccount === null ? "no account collects fees" : `fees are collected in token ${info.feeToken}, account ${from} holds token ${acct.tokenId}`;
    throw new WalletError(`fee: 0 expected (${why}), got ${amount(fee)}${requested === undefined ? " (the sequencer's minimum for this token, which it cannot pay)" : rounded}`);
  }
  return { fee, minimum, feeAccount: info.feeAccount, ...(rounded ? { requested } : {}) };
}

/**
 * How a wallet states a fee before it signs: `fee 0.0001 ETH (100000000000000 wei) to account 0,
 * the sequencer's minimum`; `token` is the paying account's (default ETH).
 */
export function feeLine(q: FeeQuote, token: TokenUnits = ETH_TOKEN): string {
  if (q.fee === 0n) return `fee 0 ${token.symbol} (${q.feeAccount === null ? "no account collects fees" : "the sequencer sets no minimum"})`;
  const why = q.requested !== undefined ? `, ${tokenAmount(q.requested, token, { units: false })} rounded down to a fee slot's value` : q.fee === q.minimum ? ", the sequencer's minimum" : "";
  return `fee ${tokenAmount(q.fee, token)} to account ${q.feeAccount}${why}`;
}

/** The ERC-20 calls the wallet makes: metadata (optional in ERC-20), balance, allowance, approval. */
const ERC20_ABI = [
  "function symbol() view returns (string)",
  "function decimals() view returns (uint8)",
  "function balanceOf(address owner) view returns (uint256)",
  "function allowance(address owner, address spender) view returns (uint256)",
  "function approve(address spender, uint256 amount) returns (bool)",
] as const;

/** An ERC-20 at `address`, with the calls the wallet makes. */
function erc20(address: string, runner: ContractRunner): Contract {
  return new Contract(address, ERC20_ABI, runner);
}

/**
 * The rollup's tokens, read from L1: ETH (id 0) and each registered ERC-20 (`tokenCount`,
 * `tokenAddress`), with its `symbol()` and `decimals()`. Both are optional in ERC-20: a token
 * without them is listed as `#<id>` with 0 decimals, its amounts then shown in units, exactly.
 */
export async function registeredTokens(runner: ContractRunner, rollupAddress: string): Promise<TokenInfo[]> {
  const rollup = Rollup__factory.connect(rollupAddress, runner);
  const count = await rollup.tokenCount();
  const ids = Array.from({ length: Number(count) - 1 }, (_, i) => BigInt(i + 1));
  return [ETH_TOKEN, ...(await Promise.all(ids.map(async (id) => readToken(runner, id, await rollup.tokenAddress(id)))))];
}

/** The ERC-20 at `address`, registered as `id`: its symbol and decimals, or `#<id>` and 0 where it has none. */
async function readToken(runner: ContractRunner, id: bigint, address: string): Promise<TokenInfo> {
  const t = erc20(address, runner);
  // Only a token that lacks the function (the call reverts or returns nothing) falls back: a
  // timeout or a refused request must not turn zUSD into "0 decimals" and its amounts 10^6 times off.
  const absent = <T>(fallback: T) => (e: unknown): T => {
    if (isError(e, "CALL_EXCEPTION") || isError(e, "BAD_DATA")) return fallback;
    throw e;
  };
  const [symbol, decimals] = await Promise.all([
    (t.symbol() as Promise<string>).catch(absent(`#${id}`)),
    (t.decimals() as Promise<bigint>).then(Number, absent(0)),
  ]);
  return { id, address, symbol, decimals };
}

/** What a deposit returns once mined: the new account and the L1 request that makes it. */
export interface Deposited {
  /** The new account's index. */
  index: bigint;
  txHash: string;
  block: number;
  /** Wei paid for the account's creation, besides the amount. */
  createFee: bigint;
  /** The amount the L1 queue records (for a fee-on-transfer token: what arrived). */
  amount: bigint;
}

/** The L1 request a mined deposit queued. */
function queued(rollup: Rollup, receipt: { hash: string; blockNumber: number; logs: ReadonlyArray<{ topics: ReadonlyArray<string>; data: string }> }, what: string): Omit<Deposited, "createFee"> {
  for (const l of receipt.logs) {
    const p = rollup.interface.parseLog(l);
    if (p?.name === "L1Request") return { index: p.args.accountIndex as bigint, txHash: receipt.hash, block: receipt.blockNumber, amount: p.args.amount as bigint };
  }
  throw new WalletError(`${what} ${receipt.hash}: no L1Request log`);
}

/** An L1 signer whose address is known without asking (ethers' Wallet, and the JsonRpcSigner a BrowserProvider gives). */
export type L1Signer = Signer & { readonly address: string };

/** A loaded wallet bound to a chain. */
export class ZkrWallet {
  readonly sk: PrivateKey;
  readonly pk: PublicKey;
  /** What signs on L1: the file's key, or a signer the caller gives (a browser's injected provider). */
  readonly l1: L1Signer;

  /** From a wallet file's keys, or from an L2 key and a signer for L1 (`l1`, with its provider). */
  constructor(keys: WalletFile | { l2Key: string; l1: L1Signer }, provider?: Provider) {
    this.sk = getBytes("0x" + keys.l2Key);
    this.pk = publicKey(this.sk);
    this.l1 = "l1" in keys ? keys.l1 : new EthWallet(keys.l1Key, provider);
  }

  rollup(address: string): Rollup {
    return Rollup__factory.connect(address, this.l1);
  }

  /** The rollup's tokens, ETH first ({@link registeredTokens}). */
  async tokens(rollupAddress: string): Promise<TokenInfo[]> {
    return registeredTokens(this.#provider("tokens"), rollupAddress);
  }

  /**
   * Deposits `amount` wei of ETH into a new account owned by this wallet's keys, paying the
   * contract's creation fee on top. Returns its index once mined, and the amount queued.
   */
  async deposit(rollupAddress: string, amount: bigint): Promise<Deposited> {
    const rollup = this.rollup(rollupAddress);
    const createFee = await rollup.createFee();
    if (this.l1.provider) {
      const have = await this.l1.provider.getBalance(this.l1.address);
      if (have < amount + createFee) {
        throw new WalletError(`deposit: an L1 balance of at least ${ethAmount(amount + createFee)} expected (${ethAmount(amount, { wei: false })} and the ${ethAmount(createFee, { wei: false })} account fee, before gas), ${this.l1.address} holds ${ethAmount(have)}`);
      }
    }
    const receipt = (await (await rollup.deposit(this.pk[0], this.pk[1], { value: amount + createFee })).wait())!;
    return { ...queued(rollup, receipt, "deposit"), createFee };
  }

  /**
   * Deposits `amount` units of token `tokenId` into a new account of that token owned by this
   * wallet's keys, paying the contract's creation fee in ETH. First, before anything is sent, it
   * checks that the token is registered and that this L1 address holds the amount and the fee;
   * then it approves the rollup for exactly `amount` when the allowance is short of it (an approval
   * sets the allowance, it does not add to it; one that covers the amount already is used as it
   * is) and deposits. Token 0 is ETH: {@link deposit}. Returns the account's index once mined and
   * the amount queued, which for a fee-on-transfer token is what arrived.
   * @throws WalletError for an unknown token, 2^128 units or more, or an L1 balance short of the
   * amount or of the fee, with nothing sent.
   */
  async depositToken(rollupAddress: string, tokenId: bigint, amount: bigint): Promise<Deposited> {
    if (tokenId === 0n) return this.deposit(rollupAddress, amount);
    const rollup = this.rollup(rollupAddress);
    const token = await this.#token(rollup, tokenId, "deposit");
    const createFee = await rollup.createFee();
    const provider = this.#provider("deposit");
    await this.#checkTokenBalance(token, amount, "deposit");
    const eth = await provider.getBalance(this.l1.address);
    if (eth < createFee) throw new WalletError(`deposit: an L1 balance of at least ${ethAmount(createFee)} expected for the account creation fee (before gas), ${this.l1.address} holds ${ethAmount(eth)}`);
    await this.#approve(token, rollupAddress, amount);
    const receipt = (await (await rollup.depositToken(tokenId, amount, this.pk[0], this.pk[1], { value: createFee })).wait())!;
    return { ...queued(rollup, receipt, "deposit"), createFee };
  }

  /** Adds ETH to an existing account. */
  async topUp(rollupAddress: string, index: bigint, amount: bigint): Promise<string> {
    const r = (await (await this.rollup(rollupAddress).topUp(index, { value: amount })).wait())!;
    return r.hash;
  }

  /**
   * Adds `amount` units of account `index`'s token to it (anyone may top up any account); the
   * same checks and approval as {@link depositToken}, and an account of ETH is topped up in ETH.
   * Returns the L1 transaction's hash once mined.
   * @throws WalletError for an unknown account, a zero amount, or an L1 balance short of it, with nothing sent.
   */
  async topUpToken(rollupAddress: string, index: bigint, amount: bigint): Promise<string> {
    const rollup = this.rollup(rollupAddress);
    const next = await rollup.nextAccountIndex();
    if (index >= next) throw new WalletError(`top-up: account ${index} does not exist on the rollup (${next === 0n ? "it has no accounts yet" : `it has accounts 0–${next - 1n}`})`);
    const [, tokenId] = await rollup.accounts(index);
    const token = await this.#token(rollup, tokenId, "top-up");
    if (amount === 0n) throw new WalletError(`top-up: a positive amount expected, got ${tokenAmount(0n, token)}`);
    await this.#checkTokenBalance(token, amount, "top-up");
    if (tokenId === 0n) return this.topUp(rollupAddress, index, amount);
    await this.#approve(token, rollupAddress, amount);
    return (await (await rollup.topUpToken(index, amount)).wait())!.hash;
  }

  /** What this wallet's L1 address holds of `token` (ETH or a registered ERC-20), in its units. */
  async l1Balance(token: Pick<TokenInfo, "id" | "address">, what = "L1 balance"): Promise<bigint> {
    const provider = this.#provider(what);
    return token.id === 0n ? provider.getBalance(this.l1.address) : ((await erc20(token.address, provider).balanceOf(this.l1.address)) as bigint);
  }

  #provider(what: string): Provider {
    if (!this.l1.provider) throw new WalletError(`${what}: the wallet has no L1 provider`);
    return this.l1.provider;
  }

  /** Token `tokenId` of the rollup, which must be registered; ETH for 0. */
  async #token(rollup: Rollup, tokenId: bigint, what: string): Promise<TokenInfo> {
    if (tokenId === 0n) return ETH_TOKEN;
    const count = await rollup.tokenCount();
    if (tokenId < 0n || tokenId >= count) throw new WalletError(`${what}: token ${tokenId} is not registered on the rollup (it has tokens 0–${count - 1n}; 0 is ETH)`);
    return readToken(this.#provider(what), tokenId, await rollup.tokenAddress(tokenId));
  }

  /** Refuses, before anything is sent, an amount the protocol cannot carry or this L1 address does not hold. */
  async #checkTokenBalance(token: TokenInfo, amount: bigint, what: string): Promise<void> {
    if (amount < 0n) throw new WalletError(`${what}: a non-negative amount expected, got ${tokenAmount(amount, token)}`);
    if (amount > MAX_AMOUNT) throw new WalletError(`${what}: at most ${tokenAmount(MAX_AMOUNT, token)} expected (balances stay below 2^128 ${token.unit ?? "units"}), got ${tokenAmount(amount, token, { units: false })}`);
    const have = await this.l1Balance(token, what);
    if (have < amount) throw new WalletError(`${what}: an L1 balance of at least ${tokenAmount(amount, token)} expected, ${this.l1.address} holds ${tokenAmount(have, token)}`);
  }

  /** Sets the rollup's allowance to `amount` unless it covers it already. */
  async #approve(token: TokenInfo, spender: string, amount: bigint): Promise<void> {
    const t = erc20(token.address, this.l1);
    if (((await t.allowance(this.l1.address, spender)) as bigint) >= amount) return;
    const r = await ((await t.approve(spender, amount)) as ContractTransactionResponse).wait();
    if (r?.status !== 1) throw new WalletError(`approve of ${tokenAmount(amount, token)} for the rollup: the L1 transaction ${r?.hash} failed`);
  }

  /** Asks L1 to pay out the account's whole balance (only its L1 address may). */
  async forcedExit(rollupAddress: string, index: bigint): Promise<string> {
    const r = (await (await this.rollup(rollupAddress).forcedExit(index)).wait())!;
    return r.hash;
  }

  /** What verified withdrawals credited to this wallet's L1 address, not yet claimed. */
  async claimable(rollupAddress: string, tokenId = 0n): Promise<bigint> {
    return this.rollup(rollupAddress).pending(this.l1.address, tokenId);
  }

  /** Claims the credited withdrawals. */
  async claim(rollupAddress: string, tokenId = 0n): Promise<{ amount: bigint; txHash: string }> {
    const amount = await this.claimable(rollupAddress, tokenId);
    if (amount === 0n) throw new WalletError(`claim: nothing credited to ${this.l1.address} in token ${tokenId}`);
    const r = (await (await this.rollup(rollupAddress).claim(tokenId)).wait())!;
    return { amount, txHash: r.hash };
  }

  /**
   * Signs a transfer with the account's next nonce (asked from the sequencer). `fee` (wei) must be
   * a fee slot's value ({@link quoteFee} gives one); by default the sequencer's minimum.
   */
  async signTransfer(client: SequencerClient, from: bigint, to: bigint, amount: bigint, fee?: bigint): Promise<TransferTx & { sig: Signature }> {
    const [acct, info, paid] = await Promise.all([client.account(from), client.info(), fee ?? quoteFee(client, from).then((q) => q.fee)]);
    return signTx({ type: TxType.Transfer, from, to, amount, fee: paid, nonce: acct.nextNonce }, this.sk, info.domain);
  }

  /** Signs a withdrawal with the account's next nonce; `fee` as for {@link signTransfer}. */
  async signWithdraw(client: SequencerClient, from: bigint, amount: bigint, fee?: bigint): Promise<WithdrawTx & { sig: Signature }> {
    const [acct, info, paid] = await Promise.all([client.account(from), client.info(), fee ?? quoteFee(client, from).then((q) => q.fee)]);
    return signTx({ type: TxType.Withdraw, from, amount, fee: paid, nonce: acct.nextNonce }, this.sk, info.domain);
  }
}
