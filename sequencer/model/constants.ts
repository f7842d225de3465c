// Protocol constants shared by the TypeScript model, the circuit generator and the contract tooling.
// Every number here is fixed by docs/PROTOCOL.md; changing one changes the protocol, not an implementation detail.

/** BN254 scalar field modulus `r`: every Poseidon input, tree node and signal lives in [0, r). */
export { R as SNARK_FIELD } from "../../core/bn254.js";

/** Bits of an account index; also the largest tree depth. */
export const INDEX_BITS = 24;
/** Bits of a token id (0 is ETH). */
export const TOKEN_BITS = 32;
/** Bits of an L1 (Ethereum) address. */
export const ADDRESS_BITS = 160;
/** Bits of a balance or deposit amount: every balance stays below 2^128. */
export const BALANCE_BITS = 128;
/** Bits of an account nonce. */
export const NONCE_BITS = 40;
/** Bits of an L1 chain id (an input of the rollup's domain). */
export const CHAIN_ID_BITS = 64;
/**
 * Bits of the rollup's domain: the top 112 bits of sha256(chainId (8 bytes) ‖ rollup address (20 bytes)).
 * Signatures and the public data bind it, so nothing signed or proven for one deployment is valid on another.
 */
export const DOMAIN_BITS = 112;
/** Bits of the u32 quantities: batch number, queue indices, fee account. */
export const U32_BITS = 32;
/** Bits of a batch number. */
export const BATCH_NUMBER_BITS = U32_BITS;
/** Bits of an L1 queue index (`queueStart`, `queueEnd`). */
export const QUEUE_INDEX_BITS = U32_BITS;
/** Bits of the fee account field of the public data. */
export const FEE_ACCOUNT_BITS = U32_BITS;

/** Bytes of one batch slot in the data-availability encoding. */
export const TX_BYTES = 12;
/** Bits of one batch slot (`8 * TX_BYTES`). */
export const TX_BITS = 96;
/** Bits of the type tag at the top of a slot. */
export const TX_TYPE_BITS = 3;

/** Largest tree depth (index bits); depths are even because the tree is quaternary. */
export const MAX_DEPTH = 24;

/** Slot type tag (bits 0–2 of a slot). */
export enum TxType {
  Noop = 0,
  Deposit = 1,
  Transfer = 2,
  Withdraw = 3,
  ForcedExit = 4,
  /** An L1 request consumed without effect because it cannot be applied; a deposit is refunded on L1. */
  Rejected = 5,
}

/** Kind of an L1 queue entry (the low 2 bits of its first hashed field). */
export enum L1Kind {
  CreateDeposit = 1,
  TopUp = 2,
  ForcedExit = 3,
}

/** `2^bits` as a bigint. */
export function pow2(bits: number): bigint {
  return 1n << BigInt(bits);
}

/** True when `value` is an integer in `[0, 2^bits)`. */
export function fitsBits(value: bigint, bits: number): boolean {
  return value >= 0n && value < pow2(bits);
}
