// Typed errors of the zkr model, in the style of viem: a short human message plus structured fields,
// so callers (sequencer, CLI, tests) can branch on `instanceof`/`name` and report the offending values.

import { SNARK_FIELD, fitsBits } from "./constants.js";
import { ZkrError, type ZkrErrorOptions } from "../../core/errors.js";

/** Describes where an account error happened, e.g. `transfer from`, `deposit to`. */
interface AccountContext {
  /** Account index the error is about. */
  account: bigint;
  /** Operation and direction, e.g. `"transfer from"`; the message then reads `transfer from account 5: …`. */
  op?: string;
}

function subject(c: AccountContext): string {
  return c.op ? `${c.op} account ${c.account}` : `account ${c.account}`;
}

/** Formats `[0, 2^bits)` for messages. */
export function bitsRange(bits: number): string {
  return `[0, 2^${bits})`;
}

/** The EdDSA signature of a transaction does not verify against the sender's key. */
export class BadSignatureError extends ZkrError {
  override name = "BadSignatureError" as const;
  readonly account: bigint;
  readonly op: string | undefined;
  constructor(p: AccountContext, options?: ZkrErrorOptions) {
    super(`${subject(p)}: signature expected to verify against the account's key, it does not`, options);
    this.account = p.account;
    this.op = p.op;
  }
}

/** A signed transaction carries a nonce other than the account's current one. */
export class WrongNonceError extends ZkrError {
  override name = "WrongNonceError" as const;
  readonly account: bigint;
  readonly op: string | undefined;
  readonly expected: bigint;
  readonly got: bigint;
  constructor(p: AccountContext & { expected: bigint; got: bigint }, options?: ZkrErrorOptions) {
    super(`${subject(p)}: nonce ${p.expected} expected, got ${p.got}${p.got < p.expected ? " (already used)" : ""}`, options);
    this.account = p.account;
    this.op = p.op;
    this.expected = p.expected;
    this.got = p.got;
  }
}

/** A debit (amount + fee, or a forced exit) exceeds the balance (less what is already promised). */
export class InsufficientBalanceError extends ZkrError {
  override name = "InsufficientBalanceError" as const;
  readonly account: bigint;
  readonly op: string | undefined;
  readonly balance: bigint;
  readonly required: bigint;
  /** Debits of the account's pending transactions (a mempool's), not spendable; 0 in a batch. */
  readonly pending: bigint;
  constructor(p: AccountContext & { balance: bigint; required: bigint; pending?: bigint }, options?: ZkrErrorOptions) {
    const pending = p.pending ?? 0n;
    const got = pending > 0n ? `${p.balance - pending} (${p.balance} less ${pending} pending)` : `${p.balance}`;
    super(`${subject(p)}: balance of at least ${p.required} expected, got ${got}`, options);
    this.account = p.account;
    this.op = p.op;
    this.balance = p.balance;
    this.required = p.required;
    this.pending = pending;
  }
}

/** A credit would take a balance to 2^128 or beyond. */
export class BalanceOverflowError extends ZkrError {
  override name = "BalanceOverflowError" as const;
  readonly account: bigint;
  readonly op: string | undefined;
  readonly balance: bigint;
  readonly added: bigint;
  constructor(p: AccountContext & { balance: bigint; added: bigint }, options?: ZkrErrorOptions) {
    super(`${subject(p)}: balance below 2^128 expected, got ${p.balance} + ${p.added} = ${p.balance + p.added}`, options);
    this.account = p.account;
    this.op = p.op;
    this.balance = p.balance;
    this.added = p.added;
  }
}

/** An amount is out of its range or not representable in its float format. */
export class AmountOutOfRangeError extends ZkrError {
  override name = "AmountOutOfRangeError" as const;
  /** Which amount, e.g. `"amount"`, `"transfer.amount"`, `"deposit amount"`. */
  readonly field: string;
  readonly value: bigint;
  /** What was expected, e.g. `a value representable as Float32 (m < 2^27, e < 32)`. */
  readonly expected: string;
  constructor(p: { field?: string; value: bigint; expected: string }, options?: ZkrErrorOptions) {
    const field = p.field ?? "amount";
    super(`${field}: ${p.expected} expected, got ${p.value}`, options);
    this.field = field;
    this.value = p.value;
    this.expected = p.expected;
  }
}

/**
 * Why a fee is refused: not representable as Float13 (`"format"`), or nonzero where it must be 0
 * because no account collects fees (`"no fee account"`) or the fee account holds another token
 * (`"fee token"`).
 */
export type FeeRule = "format" | "no fee account" | "fee token";

/** A fee is not representable as Float13, or is nonzero where it must be 0. */
export class FeeOutOfRangeError extends ZkrError {
  override name = "FeeOutOfRangeError" as const;
  readonly field: string;
  readonly value: bigint;
  readonly expected: string;
  readonly rule: FeeRule;
  constructor(p: { field?: string; value: bigint; expected: string; rule?: FeeRule }, options?: ZkrErrorOptions) {
    const field = p.field ?? "fee";
    super(`${field}: ${p.expected} expected, got ${p.value}`, options);
    this.field = field;
    this.value = p.value;
    this.expected = p.expected;
    this.rule = p.rule ?? "format";
  }
}

/** A transaction or request names an account whose leaf is empty (or beyond `nextAccountIndex`). */
export class UnknownAccountError extends ZkrError {
  override name = "UnknownAccountError" as const;
  readonly account: bigint;
  readonly op: string | undefined;
  constructor(p: AccountContext, options?: ZkrErrorOptions) {
    super(`${subject(p)}: an existing account expected, got an empty leaf`, options);
    this.account = p.account;
    this.op = p.op;
  }
}

/** The account holds a different token than the operation requires. */
export class WrongTokenError extends ZkrError {
  override name = "WrongTokenError" as const;
  readonly account: bigint;
  readonly op: string | undefined;
  readonly expected: bigint;
  readonly got: bigint;
  constructor(p: AccountContext & { expected: bigint; got: bigint }, options?: ZkrErrorOptions) {
    super(`${subject(p)}: token ${p.expected} expected, got ${p.got}`, options);
    this.account = p.account;
    this.op = p.op;
    this.expected = p.expected;
    this.got = p.got;
  }
}

/** The account's L1 address differs from the one a request names (forced exit). */
export class WrongAddressError extends ZkrError {
  override name = "WrongAddressError" as const;
  readonly account: bigint;
  readonly op: string | undefined;
  readonly expected: bigint;
  readonly got: bigint;
  constructor(p: AccountContext & { expected: bigint; got: bigint }, options?: ZkrErrorOptions) {
    const hex = (a: bigint) => `0x${a.toString(16).padStart(40, "0")}`;
    super(`${subject(p)}: L1 address ${hex(p.expected)} expected, got ${hex(p.got)}`, options);
    this.account = p.account;
    this.op = p.op;
    this.expected = p.expected;
    this.got = p.got;
  }
}

/** L1 queue entries consumed or appended out of order (position, account index, running hash). */
export class QueueOrderError extends ZkrError {
  override name = "QueueOrderError" as const;
  /** What is out of order, e.g. `"queue position"`, `"create-deposit index"`. */
  readonly what: string;
  readonly expected: bigint;
  readonly got: bigint;
  constructor(p: { what: string; expected: bigint; got: bigint }, options?: ZkrErrorOptions) {
    super(`${p.what}: ${p.expected} expected, got ${p.got}`, options);
    this.what = p.what;
    this.expected = p.expected;
    this.got = p.got;
  }
}

/** Malformed slot encoding, unknown type, nonzero unused bits, or a self-transfer. */
export class InvalidTxError extends ZkrError {
  override name = "InvalidTxError" as const;
  readonly reason: string;
  /** The offending bytes, when the error came from decoding. */
  readonly data: Uint8Array | undefined;
  constructor(p: { reason: string; data?: Uint8Array }, options: ZkrErrorOptions = {}) {
    const details = options.details ?? (p.data ? `data 0x${Buffer.from(p.data).toString("hex")}` : undefined);
    super(`invalid tx: ${p.reason}`, { ...options, details });
    this.reason = p.reason;
    this.data = p.data;
  }
}

/** A create-deposit targets a leaf that is already occupied. */
export class AccountExistsError extends ZkrError {
  override name = "AccountExistsError" as const;
  readonly account: bigint;
  readonly op: string | undefined;
  constructor(p: AccountContext, options?: ZkrErrorOptions) {
    super(`${subject(p)}: an empty leaf expected, got an existing account`, options);
    this.account = p.account;
    this.op = p.op;
  }
}

/** A BabyJubJub public key that is not a point of the curve: no signature can ever verify under it. */
export class InvalidKeyError extends ZkrError {
  override name = "InvalidKeyError" as const;
  readonly ax: bigint;
  readonly ay: bigint;
  constructor(p: { ax: bigint; ay: bigint; op?: string }, options?: ZkrErrorOptions) {
    super(`${p.op ? p.op + ": " : ""}a BabyJubJub public key on the curve expected, got (${p.ax}, ${p.ay})`, options);
    this.ax = p.ax;
    this.ay = p.ay;
  }
}

/** Bad tree depth, index out of range, or a malformed Merkle proof. */
export class TreeError extends ZkrError {
  override name = "TreeError" as const;
  readonly reason: string;
  readonly index: bigint | undefined;
  readonly depth: number | undefined;
  constructor(p: { reason: string; index?: bigint; depth?: number }, options?: ZkrErrorOptions) {
    super(`tree: ${p.reason}`, options);
    this.reason = p.reason;
    this.index = p.index;
    this.depth = p.depth;
  }
}

/** A value does not fit its protocol width (address, token id, nonce, index, field element…). */
export class FieldRangeError extends ZkrError {
  override name = "FieldRangeError" as const;
  /** Which value, e.g. `"ethAddr"`, `"transfer.to"`. */
  readonly field: string;
  readonly value: bigint;
  /** The accepted range, e.g. `[0, 2^160)`. */
  readonly expected: string;
  constructor(p: { field: string; value: bigint; expected: string }, options?: ZkrErrorOptions) {
    super(`${p.field}: a value in ${p.expected} expected, got ${p.value}`, options);
    this.field = p.field;
    this.value = p.value;
    this.expected = p.expected;
  }
}

/** Throws {@link FieldRangeError} unless `value` is in `[0, 2^bits)`. */
export function assertBits(field: string, value: bigint, bits: number): void {
  if (!fitsBits(value, bits)) throw new FieldRangeError({ field, value, expected: bitsRange(bits) });
}

/** Throws {@link FieldRangeError} unless `value` is a canonical field element, `[0, r)`. */
export function assertFieldElement(field: string, value: bigint): void {
  if (value < 0n || value >= SNARK_FIELD) throw new FieldRangeError({ field, value, expected: "[0, r)" });
}
