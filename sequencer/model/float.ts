// Decimal floating-point formats of the data-availability encoding (PROTOCOL.md "FloatN"): a 5-bit
// exponent e over an (N−5)-bit mantissa m meaning m·10^e. They keep amounts short on L1 at the cost
// of exactness, so wallets round down and the model refuses any amount that would not survive a round trip.

import { BALANCE_BITS, pow2 } from "./constants.js";
import { AmountOutOfRangeError, FieldRangeError, bitsRange } from "./errors.js";

/** A decimal float format: `e` (expBits, most significant) then `m` (mantBits); value `m·10^e`. */
export interface FloatFormat {
  /** Name used in messages, e.g. `Float32`. */
  readonly name: string;
  /** Exponent bits; 5 in every protocol format. */
  readonly expBits: 5;
  /** Mantissa bits. */
  readonly mantBits: number;
}

/** Transfer amounts. */
export const FLOAT32: FloatFormat = { name: "Float32", expBits: 5, mantBits: 27 };
/** Fees. */
export const FLOAT13: FloatFormat = { name: "Float13", expBits: 5, mantBits: 8 };
/** Withdrawal amounts. */
export const FLOAT56: FloatFormat = { name: "Float56", expBits: 5, mantBits: 51 };
/** Forced-exit amounts. */
export const FLOAT69: FloatFormat = { name: "Float69", expBits: 5, mantBits: 64 };

const POW10: readonly bigint[] = Array.from({ length: 32 }, (_, e) => 10n ** BigInt(e));

/** `10^e` for `e < 32`. */
export function pow10(e: number): bigint {
  return POW10[e];
}

/** Mantissa and exponent of a packed float. */
export interface FloatParts {
  mantissa: bigint;
  exponent: number;
}

function describe(fmt: FloatFormat): string {
  return `a value representable as ${fmt.name} (m·10^e with m < 2^${fmt.mantBits}, e < ${1 << fmt.expBits})`;
}

/** Canonical parts of `value` (smallest exponent), or undefined if it has none. */
function split(fmt: FloatFormat, value: bigint): FloatParts | undefined {
  if (typeof value !== "bigint" || value < 0n) return undefined;
  const limit = pow2(fmt.mantBits);
  const exps = 1 << fmt.expBits;
  for (let e = 0; e < exps; e++) {
    // The smallest exponent whose mantissa fits is the canonical one; once 10^e stops dividing, no larger e can.
    if (e > 0 && value % POW10[e] !== 0n) return undefined;
    const m = value / POW10[e];
    if (m < limit) return { mantissa: m, exponent: e };
  }
  return undefined;
}

/** True when `value` is exactly `m·10^e` for some `m < 2^mantBits`, `e < 32`. */
export function isRepresentable(fmt: FloatFormat, value: bigint): boolean {
  return split(fmt, value) !== undefined;
}

/**
 * Packs `value` as `e << mantBits | m` with the smallest exponent (the canonical encoding).
 * @param field Names the value in the error, e.g. `"transfer.amount"`.
 * @throws AmountOutOfRangeError if `value` is negative or not exactly representable.
 */
export function encodeFloat(fmt: FloatFormat, value: bigint, field?: string): bigint {
  const parts = split(fmt, value);
  if (!parts) throw new AmountOutOfRangeError({ field, value, expected: describe(fmt) });
  return (BigInt(parts.exponent) << BigInt(fmt.mantBits)) | parts.mantissa;
}

/**
 * Splits a packed float into mantissa and exponent. Any packing is accepted, canonical or not, as the
 * circuit only computes `m·10^e`.
 * @throws FieldRangeError if `packed` has more than `expBits + mantBits` bits.
 */
export function unpackFloat(fmt: FloatFormat, packed: bigint): FloatParts {
  const bits = fmt.expBits + fmt.mantBits;
  if (typeof packed !== "bigint" || packed < 0n || packed >= pow2(bits)) {
    throw new FieldRangeError({ field: `packed ${fmt.name}`, value: packed, expected: bitsRange(bits) });
  }
  return { mantissa: packed & (pow2(fmt.mantBits) - 1n), exponent: Number(packed >> BigInt(fmt.mantBits)) };
}

/** Value `m·10^e` of a packed float. @throws FieldRangeError if `packed` is too wide. */
export function decodeFloat(fmt: FloatFormat, packed: bigint): bigint {
  const { mantissa, exponent } = unpackFloat(fmt, packed);
  return mantissa * POW10[exponent];
}

/** Largest representable value of the format. */
export function maxFloat(fmt: FloatFormat): bigint {
  return (pow2(fmt.mantBits) - 1n) * POW10[(1 << fmt.expBits) - 1];
}

/**
 * Largest representable value `≤ value`: what a wallet should offer when asked to send `value`.
 * @throws AmountOutOfRangeError for a negative value.
 */
export function roundDownToFloat(fmt: FloatFormat, value: bigint): bigint {
  if (value < 0n) throw new AmountOutOfRangeError({ value, expected: "a non-negative amount" });
  const maxM = pow2(fmt.mantBits) - 1n;
  let best = 0n;
  // Not just the first exponent that fits: a capped mantissa one exponent lower can be larger
  // (Float13: 2560 → 2550 = 255·10, not 2500 = 25·100).
  for (let e = 0; e < 1 << fmt.expBits; e++) {
    let m = value / POW10[e];
    if (m > maxM) m = maxM;
    const v = m * POW10[e];
    if (v > best) best = v;
  }
  return best;
}

/**
 * Smallest representable value `≥ value`: what a wallet pays when it must meet a minimum (a fee).
 * For each exponent the least multiple of `10^e` not below `value` is `⌈value/10^e⌉·10^e`, which
 * grows with `e`, so the first exponent whose mantissa fits gives the answer.
 * @throws AmountOutOfRangeError for a negative value, or one above the format's largest.
 */
export function roundUpToFloat(fmt: FloatFormat, value: bigint): bigint {
  if (value < 0n || value > maxFloat(fmt)) {
    throw new AmountOutOfRangeError({ value, expected: `a non-negative amount of at most ${maxFloat(fmt)} (the largest ${fmt.name})` });
  }
  const limit = pow2(fmt.mantBits);
  for (let e = 0; e < 1 << fmt.expBits; e++) {
    const m = (value + POW10[e] - 1n) / POW10[e];
    if (m < limit) return m * POW10[e];
  }
  // Not reached: at the largest exponent the mantissa of any value ≤ maxFloat fits.
  throw new AmountOutOfRangeError({ value, expected: `at most ${maxFloat(fmt)}` });
}

/** Result of {@link forcedExitFloat}. */
export interface ForcedExitAmount {
  /** `e << 64 | m` as it goes into the slot (Float69). */
  packed: bigint;
  /** `m·10^e`, what is paid out and debited. */
  amount: bigint;
  mantissa: bigint;
  exponent: number;
}

const FORCED_EXIT_MANTISSA_LIMIT = pow2(64);

/**
 * The forced-exit payout of a balance `B`: `m < 2^64` with the smallest `e` such that `m = ⌊B/10^e⌋`
 * fits, so `amount = m·10^e ≤ B` and `B − amount < 10^e`. Exact for `B < 2^64`.
 *
 * "Smallest exponent" means: `e = 0`, or `⌊B/10^(e−1)⌋ ≥ 2^64`, i.e. `10·B ≥ 2^64·10^e`, which is
 * what the circuit checks. The mantissa `⌊2^64/10⌋` with `e ≥ 1` (e.g. `B = 2^64`) is where `m·10^e`
 * has a smaller canonical exponent, so a forced-exit slot keeps the exponent from here rather than
 * re-deriving it from `amount`.
 * @throws FieldRangeError unless `0 ≤ B < 2^128`.
 */
export function forcedExitFloat(balance: bigint): ForcedExitAmount {
  if (typeof balance !== "bigint" || balance < 0n || balance >= pow2(BALANCE_BITS)) {
    throw new FieldRangeError({ field: "forced-exit balance", value: balance, expected: bitsRange(BALANCE_BITS) });
  }
  let e = 0;
  while (balance / POW10[e] >= FORCED_EXIT_MANTISSA_LIMIT) e++;
  const mantissa = balance / POW10[e];
  return { packed: (BigInt(e) << 64n) | mantissa, amount: mantissa * POW10[e], mantissa, exponent: e };
}
