// The wallet library, as the CLI (`zkr wallet …`, through ./wallet.ts, which adds its file), the
// demo, the tests and the browser app (web/app) use it: a BabyJubJub key (L2: signs transfers and
// withdrawals) and an Ethereum key (L1: deposits, claims, forced exits), amounts and fees as a
// wallet states them before signing. Nothing here touches a file or a Node-only module, so one
// source serves Node and the browser.

import { HDNodeWallet, Wallet as EthWallet, formatEther, getBytes, type Provider } from "ethers";
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

/**
 * A refusal from the sequencer whose message quotes amounts (`data`: wei) as the wallet says it,
 * in ETH; any other error as it came. The wallet's amounts are ETH, so its errors are too.
 */
export function inEth(err: unknown): unknown {
  if (!(err instanceof ApiError) || !err.data) return err;
  const d = err.data;
  const wei = (k: string) => BigInt(d[k]);
  if (err.code === "insufficient_balance" && d.required !== undefined && d.balance !== undefined) {
    const pending = d.pending !== undefined ? wei("pending") : 0n;
    const spendable = wei("balance") - pending;
    const why = pending > 0n ? `: its balance ${ethAmount(wei("balance"), { wei: false })} less ${ethAmount(pending, { wei: false })} pending` : "";
    return new WalletError(`insufficient balance: account ${d.account} can spend ${ethAmount(spendable)}${why}; this transaction needs ${ethAmount(wei("required"))} (amount and fee)`, { cause: err });
  }
  if (err.code === "fee_too_low" && d.field !== undefined && d.value !== undefined && d.minimum !== undefined) {
    return new WalletError(`${d.field}: at least ${ethAmount(wei("minimum"))} (the sequencer's minimum) expected, got ${ethAmount(wei("value"))}`, { cause: err });
  }
  if (d.field !== undefined && d.value !== undefined && /amount|fee/.test(d.field)) {
    return new WalletError(`${d.field}: ${d.expected ?? "another value"} expected, got ${ethAmount(wei("value"))}`, { cause: err });
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
 * (`/info`), rounded up to a fee slot's value so that it meets it.
 * @throws WalletError when the fee (rounded) is below the sequencer's minimum, before anything is signed.
 */
export async function quoteFee(client: SequencerClient, from: bigint, requested?: bigint): Promise<FeeQuote> {
  const [acct, info] = await Promise.all([client.account(from), client.info()]);
  const minimum = info.minFees.get(acct.tokenId) ?? 0n;
  const fee = requested === undefined ? roundUpToFloat(FLOAT13, minimum) : roundAmount("fee", requested);
  const rounded = requested !== undefined && fee !== requested ? `, ${ethAmount(requested, { wei: false })} rounded down to a fee slot's value` : "";
  if (fee < minimum) throw new WalletError(`fee: at least ${ethAmount(minimum)} (the sequencer's minimum) expected, got ${ethAmount(fee)}${rounded}`);
  // What the sequencer would refuse (bad_fee) is refused here, before signing.
  if (fee > 0n && (info.feeAccount === null || (info.feeToken !== null && info.feeToken !== acct.tokenId))) {
    const why = info.feeAccount === null ? "no account collects fees" : `fees are collected in token ${info.feeToken}, account ${from} holds token ${acct.tokenId}`;
    throw new WalletError(`fee: 0 expected (${why}), got ${ethAmount(fee)}${requested === undefined ? " (the sequencer's minimum for this token, which it cannot pay)" : rounded}`);
  }
  return { fee, minimum, feeAccount: info.feeAccount, ...(rounded ? { requested } : {}) };
}

/** How a wallet states a fee before it signs: `fee 0.0001 ETH (100000000000000 wei) to account 0, the sequencer's minimum`. */
export function feeLine(q: FeeQuote): string {
  if (q.fee === 0n) return q.feeAccount === null ? "fee 0 ETH (no account collects fees)" : "fee 0 ETH (the sequencer sets no minimum)";
  const why = q.requested !== undefined ? `, ${ethAmount(q.requested, { wei: false })} rounded down to a fee slot's value` : q.fee === q.minimum ? ", the sequencer's minimum" : "";
  return `fee ${ethAmount(q.fee)} to account ${q.feeAccount}${why}`;
}

/** A loaded wallet bound to a chain. */
export class ZkrWallet {
  readonly sk: PrivateKey;
  readonly pk: PublicKey;
  readonly l1: EthWallet;

  constructor(file: WalletFile, provider?: Provider) {
    this.sk = getBytes("0x" + file.l2Key);
    this.pk = publicKey(this.sk);
    this.l1 = new EthWallet(file.l1Key, provider);
  }

  rollup(address: string): Rollup {
    return Rollup__factory.connect(address, this.l1);
  }

  /**
   * Deposits `amount` wei of ETH into a new account owned by this wallet's keys, paying the
   * contract's creation fee on top. Returns its index once mined.
   */
  async deposit(rollupAddress: string, amount: bigint): Promise<{ index: bigint; txHash: string; block: number; createFee: bigint }> {
    const rollup = this.rollup(rollupAddress);
    const createFee = await rollup.createFee();
    if (this.l1.provider) {
      const have = await this.l1.provider.getBalance(this.l1.address);
      if (have < amount + createFee) {
        throw new WalletError(`deposit: an L1 balance of at least ${ethAmount(amount + createFee)} expected (${ethAmount(amount, { wei: false })} and the ${ethAmount(createFee, { wei: false })} account fee, before gas), ${this.l1.address} holds ${ethAmount(have)}`);
      }
    }
    const receipt = (await (await rollup.deposit(this.pk[0], this.pk[1], { value: amount + createFee })).wait())!;
    for (const l of receipt.logs) {
      const p = rollup.interface.parseLog(l);
      if (p?.name === "L1Request") return { index: p.args.accountIndex as bigint, txHash: receipt.hash, block: receipt.blockNumber, createFee };
    }
    throw new WalletError(`deposit ${receipt.hash}: no L1Request log`);
  }

  /** Adds ETH to an existing account. */
  async topUp(rollupAddress: string, index: bigint, amount: bigint): Promise<string> {
    const r = (await (await this.rollup(rollupAddress).topUp(index, { value: amount })).wait())!;
    return r.hash;
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
