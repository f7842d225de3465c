// Batch slots (PROTOCOL.md "Transactions and their data-availability encoding"): the transaction types,
// their exact 12-byte encoding, and the EdDSA message that binds a transfer or withdrawal to its nonce
// and to the rollup's domain (chain id and contract). Decoding is strict so that one byte string never means two different batches.

import { DOMAIN_BITS, INDEX_BITS, NONCE_BITS, TX_BITS, TX_BYTES, TxType, pow2 } from "./constants.js";
import { AmountOutOfRangeError, FeeOutOfRangeError, InvalidTxError, assertBits } from "./errors.js";
import {
  FLOAT13, FLOAT32, FLOAT56, FLOAT69, decodeFloat, encodeFloat, isRepresentable, pow10, unpackFloat, type FloatFormat,
} from "./float.js";
import { sign, verify, type PrivateKey, type PublicKey, type Signature } from "./keys.js";
import { beToBigint, bigintToBeBytes } from "../../core/bytes.js";

/** An empty slot. */
export interface NoopTx {
  type: TxType.Noop;
}

/** Applies the next L1 queue entry (create-deposit or top-up); amount and key come from the queue. */
export interface DepositTx {
  type: TxType.Deposit;
  index: bigint;
}

/** The encoded part of a transfer: what the slot carries. */
export interface TransferData {
  type: TxType.Transfer;
  from: bigint;
  to: bigint;
  /** Float32-representable. */
  amount: bigint;
  /** Float13-representable; paid to the batch's fee account. */
  fee: bigint;
}

/** A transfer as signed by the owner of `from`. */
export interface TransferTx extends TransferData {
  /** `from`'s current nonce (not in the slot, but in the signed message). */
  nonce: bigint;
  sig?: Signature;
}

/** The encoded part of a withdrawal. */
export interface WithdrawData {
  type: TxType.Withdraw;
  from: bigint;
  /** Float56-representable; paid on L1 to the account's ethAddr. */
  amount: bigint;
  /** Float13-representable. */
  fee: bigint;
}

/** A withdrawal as signed by the owner of `from`. */
export interface WithdrawTx extends WithdrawData {
  nonce: bigint;
  sig?: Signature;
}

/**
 * Applies the next L1 queue entry, a forced exit: `amount = m·10^exponent` is what is paid out, both
 * from {@link forcedExitFloat} of the balance.
 */
export interface ForcedExitTx {
  type: TxType.ForcedExit;
  index: bigint;
  amount: bigint;
  /**
   * The slot's Float69 exponent. Not implied by `amount`: the balance 2^64 pays 2^64 − 6 with e = 1
   * (m = ⌊2^64/10⌋), whereas the balance 2^64 − 6 pays the same amount with e = 0.
   */
  exponent: number;
}

/**
 * Consumes the next L1 queue entry without effect, because it cannot be applied (a create-deposit
 * whose key is not on the curve, a top-up that would take a balance to 2^128, a top-up or forced exit
 * of an account whose create was itself rejected). The contract refunds what the entry deposited.
 */
export interface RejectedTx {
  type: TxType.Rejected;
  /** The entry's account index. */
  index: bigint;
}

/** Any transaction as the sequencer holds it. */
export type Tx = NoopTx | DepositTx | TransferTx | WithdrawTx | ForcedExitTx | RejectedTx;

/** What a slot alone determines: signed transactions lose their nonce and signature. */
export type DecodedTx = NoopTx | DepositTx | TransferData | WithdrawData | ForcedExitTx | RejectedTx;

/** Transactions that carry an EdDSA signature. */
export type SignedTx = TransferTx | WithdrawTx;

// Bit offsets from the least significant end of the 96-bit slot integer (bit 0 of PROTOCOL.md is the MSB).
const SHIFT_TYPE = 93n;
const SHIFT_A = 69n; // index / from: bits 3–26
const SHIFT_TO = 45n; // bits 27–50
const SHIFT_AMOUNT = 13n; // transfer Float32 bits 51–82, withdraw Float56 bits 27–82
const INDEX_MASK = pow2(INDEX_BITS) - 1n;

function packFee(field: string, fee: bigint): bigint {
  // Checked here so that a bad fee is reported as a fee, not as an amount.
  if (!isRepresentable(FLOAT13, fee)) {
    throw new FeeOutOfRangeError({ field, value: fee, expected: `a value representable as Float13 (m·10^e with m < 2^8, e < 32)` });
  }
  return encodeFloat(FLOAT13, fee, field);
}

/** Packs `amount` as `m·10^exponent` with the given exponent (not necessarily the canonical one). */
function packWithExponent(fmt: FloatFormat, amount: bigint, exponent: number, field: string): bigint {
  const expected = `an amount m·10^${exponent} with m < 2^${fmt.mantBits}`;
  if (!Number.isInteger(exponent) || exponent < 0 || exponent >= 1 << fmt.expBits) {
    throw new InvalidTxError({ reason: `${field} exponent: an integer in [0, ${1 << fmt.expBits}) expected (take it from forcedExitFloat), got ${String(exponent)}` });
  }
  if (typeof amount !== "bigint" || amount < 0n || amount % pow10(exponent) !== 0n || amount / pow10(exponent) >= pow2(fmt.mantBits)) {
    throw new AmountOutOfRangeError({ field, value: amount, expected });
  }
  return (BigInt(exponent) << BigInt(fmt.mantBits)) | (amount / pow10(exponent));
}

/** Slot integer (96 bits) of a transaction. */
function txToBigint(tx: DecodedTx): bigint {
  switch (tx.type) {
    case TxType.Noop:
      return 0n;
    case TxType.Deposit:
      assertBits("deposit.index", tx.index, INDEX_BITS);
      return (1n << SHIFT_TYPE) | (tx.index << SHIFT_A);
    case TxType.Transfer: {
      assertBits("transfer.from", tx.from, INDEX_BITS);
      assertBits("transfer.to", tx.to, INDEX_BITS);
      if (tx.from === tx.to) throw new InvalidTxError({ reason: `transfer to a different account expected, got from = to = ${tx.from}` });
      const amount = encodeFloat(FLOAT32, tx.amount, "transfer.amount");
      const fee = packFee("transfer.fee", tx.fee);
      return (2n << SHIFT_TYPE) | (tx.from << SHIFT_A) | (tx.to << SHIFT_TO) | (amount << SHIFT_AMOUNT) | fee;
    }
    case TxType.Withdraw: {
      assertBits("withdraw.from", tx.from, INDEX_BITS);
      const amount = encodeFloat(FLOAT56, tx.amount, "withdraw.amount");
      const fee = packFee("withdraw.fee", tx.fee);
      return (3n << SHIFT_TYPE) | (tx.from << SHIFT_A) | (amount << SHIFT_AMOUNT) | fee;
    }
    case TxType.ForcedExit: {
      assertBits("forcedExit.index", tx.index, INDEX_BITS);
      return (4n << SHIFT_TYPE) | (tx.index << SHIFT_A) | packWithExponent(FLOAT69, tx.amount, tx.exponent, "forcedExit.amount");
    }
    case TxType.Rejected:
      assertBits("rejected.index", tx.index, INDEX_BITS);
      return (5n << SHIFT_TYPE) | (tx.index << SHIFT_A);
    default: {
      const type: unknown = (tx as { type: unknown }).type;
      throw new InvalidTxError({ reason: `tx type 0..5 expected, got ${String(type)}` });
    }
  }
}

/** 12 big-endian bytes of a 96-bit integer. */
function bigintToTxData(data: bigint): Uint8Array {
  return bigintToBeBytes(data, TX_BYTES);
}

/**
 * The 12-byte slot of a transaction (nonce and signature are not part of it).
 * Transfer and withdrawal amounts and fees use the canonical (smallest-exponent) split; a forced exit
 * uses its own `exponent`.
 * @throws FieldRangeError for an index ≥ 2^24; AmountOutOfRangeError / FeeOutOfRangeError
 * for values not representable in the slot's float format; InvalidTxError for a self-transfer, an unknown type or a bad
 * forced-exit exponent.
 */
export function encodeTx(tx: DecodedTx): Uint8Array {
  return bigintToTxData(txToBigint(tx));
}

/**
 * A slot's 96 bits as a big-endian integer (the `data` of the signature message).
 * @throws InvalidTxError unless `bytes` is exactly 12 bytes.
 */
export function txDataToBigint(bytes: Uint8Array): bigint {
  if (!(bytes instanceof Uint8Array) || bytes.length !== TX_BYTES) {
    throw new InvalidTxError({ reason: `${TX_BYTES} bytes expected, got ${bytes instanceof Uint8Array ? bytes.length : typeof bytes}` });
  }
  return beToBigint(bytes);
}

function field(data: bigint, shift: bigint, bits: number): bigint {
  return (data >> shift) & (pow2(bits) - 1n);
}

function unusedMustBeZero(data: bigint, bits: bigint, what: string, bytes: Uint8Array): void {
  if ((data & ((1n << bits) - 1n)) !== 0n) {
    throw new InvalidTxError({ reason: `zero in the ${bits} unused low bits of a ${what} expected, got nonzero bits`, data: bytes });
  }
}

/**
 * Parses a 12-byte slot. Transfer and withdrawal floats may use any exponent/mantissa split (the slot
 * means m·10^e either way), so re-encoding such a slot gives the canonical split, which can differ from
 * the input bytes; forced exits keep their exponent and round-trip exactly.
 * @throws InvalidTxError for a wrong length, an unknown type, nonzero unused bits or a self-transfer.
 */
export function decodeTx(bytes: Uint8Array): DecodedTx {
  const data = txDataToBigint(bytes);
  const type = Number(data >> SHIFT_TYPE);
  const a = (data >> SHIFT_A) & INDEX_MASK;
  switch (type) {
    case TxType.Noop:
      if (data !== 0n) throw new InvalidTxError({ reason: "an all-zero noop expected, got nonzero bits", data: bytes });
      return { type: TxType.Noop };
    case TxType.Deposit:
      unusedMustBeZero(data, SHIFT_A, "deposit", bytes);
      return { type: TxType.Deposit, index: a };
    case TxType.Transfer: {
      const to = (data >> SHIFT_TO) & INDEX_MASK;
      if (a === to) throw new InvalidTxError({ reason: `transfer to a different account expected, got from = to = ${a}`, data: bytes });
      return {
        type: TxType.Transfer,
        from: a,
        to,
        amount: decodeFloat(FLOAT32, field(data, SHIFT_AMOUNT, 32)),
        fee: decodeFloat(FLOAT13, field(data, 0n, 13)),
      };
    }
    case TxType.Withdraw:
      return {
        type: TxType.Withdraw,
        from: a,
        amount: decodeFloat(FLOAT56, field(data, SHIFT_AMOUNT, 56)),
        fee: decodeFloat(FLOAT13, field(data, 0n, 13)),
      };
    case TxType.ForcedExit: {
      const { mantissa, exponent } = unpackFloat(FLOAT69, field(data, 0n, 69));
      return { type: TxType.ForcedExit, index: a, amount: mantissa * pow10(exponent), exponent };
    }
    case TxType.Rejected:
      unusedMustBeZero(data, SHIFT_A, "rejected L1 request", bytes);
      return { type: TxType.Rejected, index: a };
    default:
      throw new InvalidTxError({ reason: `tx type 0..5 expected, got ${type}`, data: bytes });
  }
}

/**
 * The field element signed for a transfer or withdrawal: `data + 2^96·nonce + 2^136·domain`, where
 * `domain` is the rollup's ({@link rollupDomain}: chain id and contract address).
 * @throws as {@link encodeTx}; FieldRangeError for a nonce ≥ 2^40 or a domain ≥ 2^112.
 */
export function signatureMessage(tx: SignedTx, domain: bigint): bigint {
  assertBits("nonce", tx.nonce, NONCE_BITS);
  assertBits("domain", domain, DOMAIN_BITS);
  return txToBigint(tx) + (tx.nonce << BigInt(TX_BITS)) + (domain << BigInt(TX_BITS + NONCE_BITS));
}

/** A copy of `tx` with its signature under `sk` for the rollup `domain`. @throws as {@link signatureMessage}. */
export function signTx<T extends SignedTx>(tx: T, sk: PrivateKey, domain: bigint): T & { sig: Signature } {
  return { ...tx, sig: sign(sk, signatureMessage(tx, domain)) };
}

/**
 * True when `tx.sig` is a valid signature of `tx` under `pk` for the rollup `domain`; false when absent or invalid.
 * @throws as {@link signatureMessage} for a malformed tx (a caller bug rather than a bad signature).
 */
export function verifyTxSignature(tx: SignedTx, pk: PublicKey, domain: bigint): boolean {
  if (tx.sig === undefined) return false;
  return verify(signatureMessage(tx, domain), tx.sig, pk);
}

/** Concatenated slots of a batch (`12 · txs.length` bytes). @throws as {@link encodeTx}. */
export function encodeBatchData(txs: readonly DecodedTx[]): Uint8Array {
  const out = new Uint8Array(TX_BYTES * txs.length);
  txs.forEach((tx, i) => out.set(encodeTx(tx), i * TX_BYTES));
  return out;
}

/** Slots of a batch. @throws InvalidTxError for a length not a multiple of 12, or any invalid slot. */
export function decodeBatchData(bytes: Uint8Array): DecodedTx[] {
  if (!(bytes instanceof Uint8Array) || bytes.length % TX_BYTES !== 0) {
    throw new InvalidTxError({ reason: `a multiple of ${TX_BYTES} bytes expected, got ${bytes instanceof Uint8Array ? bytes.length : typeof bytes}` });
  }
  const txs: DecodedTx[] = [];
  for (let off = 0; off < bytes.length; off += TX_BYTES) {
    const slot = bytes.slice(off, off + TX_BYTES);
    try {
      txs.push(decodeTx(slot));
    } catch (e) {
      if (e instanceof InvalidTxError) throw new InvalidTxError({ reason: `slot ${off / TX_BYTES}: ${e.reason}`, data: slot }, { cause: e });
      throw e;
    }
  }
  return txs;
}

/**
 * The type of each slot of a batch's data, read from its tag alone (the top bits of the slot's
 * first byte, big-endian): a cheap count for lists and charts, with no check of the other fields
 * (decodeBatchData checks them).
 */
export function slotTypes(bytes: Uint8Array): TxType[] {
  if (!(bytes instanceof Uint8Array) || bytes.length % TX_BYTES !== 0) {
    throw new InvalidTxError({ reason: `a multiple of ${TX_BYTES} bytes expected, got ${bytes instanceof Uint8Array ? bytes.length : typeof bytes}` });
  }
  const shift = Number(SHIFT_TYPE) - 8 * (TX_BYTES - 1);
  const out: TxType[] = [];
  for (let off = 0; off < bytes.length; off += TX_BYTES) out.push((bytes[off] >> shift) as TxType);
  return out;
}

/** The float format of each amount field, for callers that round amounts before building a tx. */
export const AMOUNT_FORMAT: Readonly<Record<TxType.Transfer | TxType.Withdraw | TxType.ForcedExit, FloatFormat>> = {
  [TxType.Transfer]: FLOAT32,
  [TxType.Withdraw]: FLOAT56,
  [TxType.ForcedExit]: FLOAT69,
};

/** The float format of fees. */
export const FEE_FORMAT: FloatFormat = FLOAT13;
