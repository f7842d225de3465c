// Account leaves of the state tree (PROTOCOL.md "State"): the six fields and their Poseidon hash.
// Width checks live here so that every leaf that reaches the tree fits the circuit's range checks.

import { ADDRESS_BITS, BALANCE_BITS, NONCE_BITS, TOKEN_BITS } from "./constants.js";
import { assertBits, assertFieldElement } from "./errors.js";
import { poseidon } from "./poseidon.js";

/** One account: owner key, withdrawal address, token, balance and nonce. */
export interface Account {
  /** Owner's BabyJubJub public key, x coordinate. */
  ax: bigint;
  /** Owner's BabyJubJub public key, y coordinate. */
  ay: bigint;
  /** The only L1 address that receives this account's withdrawals and may force its exit (160 bits). */
  ethAddr: bigint;
  /** Token held (32 bits; 0 is ETH). */
  tokenId: bigint;
  /** Balance in base units, `< 2^128`. */
  balance: bigint;
  /** Number of signed transactions so far, `< 2^40`. */
  nonce: bigint;
}

/** The value of an empty leaf. */
export const EMPTY_LEAF = 0n;

/**
 * Checks every field's width.
 * @throws FieldRangeError naming the first field out of range.
 */
export function validateAccount(a: Account): void {
  assertFieldElement("account.ax", a.ax);
  assertFieldElement("account.ay", a.ay);
  assertBits("account.ethAddr", a.ethAddr, ADDRESS_BITS);
  assertBits("account.tokenId", a.tokenId, TOKEN_BITS);
  assertBits("account.balance", a.balance, BALANCE_BITS);
  assertBits("account.nonce", a.nonce, NONCE_BITS);
}

/**
 * Leaf hash `Poseidon(Ax, Ay, ethAddr, tokenId, balance, nonce)`.
 * @throws FieldRangeError if a field is out of its width.
 */
export function leafHash(a: Account): bigint {
  validateAccount(a);
  return poseidon([a.ax, a.ay, a.ethAddr, a.tokenId, a.balance, a.nonce]);
}
