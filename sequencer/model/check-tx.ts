// The rules a signed transfer or withdrawal must meet against the accounts (docs/PROTOCOL.md
// "State transition of a batch"), in the order a batch checks them, each broken rule a typed
// error (errors.ts). Written once: applyBatch checks every L2 slot with it; the sequencer's
// mempool checks what it admits with it (against the state plus the sender's pending
// transactions), and its batcher what it picks.

import type { Account } from "./account.js";
import { TxType } from "./constants.js";
import { BadSignatureError, FeeOutOfRangeError, InsufficientBalanceError, UnknownAccountError, WrongNonceError, WrongTokenError } from "./errors.js";
import { verify } from "./keys.js";
import { encodeTx, signatureMessage, type SignedTx } from "./tx.js";

/** What a signed transaction is checked against besides the accounts. */
export interface SignedTxContext {
  /** The account that collects fees; without one a fee must be 0. */
  feeAccount?: bigint;
  /**
   * The fee account's token, when known: a fee in another token is refused here. A batch checks
   * it after its last slot instead ({@link checkFeeToken}), since the batch may create the account.
   */
  feeToken?: bigint;
  /** The nonce the transaction must carry (default: the sender's). A mempool counts its pending transactions in. */
  nonce?: bigint;
  /** Amount + fee of the sender's pending transactions, which its balance must cover too (default 0). */
  pending?: bigint;
  /** The rollup's domain, to check the signature against; without it the signature is left to the caller. */
  domain?: bigint;
}

/** The two accounts of a checked transaction. */
export interface SignedTxAccounts {
  from: Account;
  /** The receiver of a transfer. */
  to: Account | undefined;
}

function opOf(tx: SignedTx): "transfer" | "withdraw" {
  return tx.type === TxType.Transfer ? "transfer" : "withdraw";
}

/**
 * Checks a signed transfer or withdrawal: its encoding (widths, float formats, no self-transfer),
 * that its accounts exist and hold the same token, its fee, its nonce, its signature (with
 * `domain`) and that the balance covers amount + fee.
 * @throws the typed error of the first rule broken: InvalidTxError, AmountOutOfRangeError,
 *   FeeOutOfRangeError, FieldRangeError, UnknownAccountError, WrongTokenError, WrongNonceError,
 *   BadSignatureError, InsufficientBalanceError.
 */
export function checkSignedTx(account: (index: bigint) => Account | undefined, tx: SignedTx, c: SignedTxContext = {}): SignedTxAccounts {
  const op = `${opOf(tx)} from`;
  encodeTx(tx);
  const from = account(tx.from);
  if (!from) throw new UnknownAccountError({ account: tx.from, op });
  let to: Account | undefined;
  if (tx.type === TxType.Transfer) {
    to = account(tx.to);
    if (!to) throw new UnknownAccountError({ account: tx.to, op: "transfer to" });
    if (to.tokenId !== from.tokenId) throw new WrongTokenError({ account: tx.to, op: "transfer to", expected: from.tokenId, got: to.tokenId });
  }
  if (tx.fee > 0n) {
    if (c.feeAccount === undefined) throw new FeeOutOfRangeError({ field: `${opOf(tx)} fee`, value: tx.fee, expected: "0 (no account collects fees)", rule: "no fee account" });
    if (c.feeToken !== undefined) checkFeeToken(tx, from.tokenId, c.feeToken);
  }
  const nonce = c.nonce ?? from.nonce;
  if (tx.nonce !== nonce) throw new WrongNonceError({ account: tx.from, op, expected: nonce, got: tx.nonce });
  if (c.domain !== undefined && (!tx.sig || !verify(signatureMessage(tx, c.domain), tx.sig, [from.ax, from.ay]))) {
    throw new BadSignatureError({ account: tx.from, op });
  }
  const debit = tx.amount + tx.fee;
  if (from.balance - (c.pending ?? 0n) < debit) throw new InsufficientBalanceError({ account: tx.from, op, balance: from.balance, required: debit, pending: c.pending });
  return { from, to };
}

/** Checks that the fee of `tx`, paid in `token`, goes to a fee account of the same token. @throws FeeOutOfRangeError */
export function checkFeeToken(tx: Pick<SignedTx, "type" | "from" | "fee">, token: bigint, feeToken: bigint): void {
  if (tx.fee > 0n && token !== feeToken) {
    throw new FeeOutOfRangeError({
      field: `${opOf(tx as SignedTx)} fee`,
      value: tx.fee,
      expected: `0 (fees are collected in token ${feeToken}, account ${tx.from} holds token ${token})`,
      rule: "fee token",
    });
  }
}
