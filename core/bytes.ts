/**
 * Integers ↔ bytes: the one place zkr converts between bigints and byte strings. Little-endian is
 * the layout of field elements in snarkjs's files and of the prover's buffers; big-endian is
 * the layout of the rollup's public data (transaction slots, header fields, SHA-256 inputs).
 */

/** Little-endian bytes `[offset, offset + length)` → bigint (by default one 32-byte field element). */
export function leToBigint(bytes: Uint8Array, offset = 0, length = 32): bigint {
  let v = 0n;
  for (let i = offset + length - 1; i >= offset; i--) v = (v << 8n) | BigInt(bytes[i]);
  return v;
}

/** Writes `value` as `length` little-endian bytes at `offset` (bits above 8·length are dropped). */
export function bigintToLe(value: bigint, out: Uint8Array, offset = 0, length = 32): void {
  let v = value;
  for (let i = 0; i < length; i++) {
    out[offset + i] = Number(v & 0xffn);
    v >>= 8n;
  }
}

/** `value` as `length` new little-endian bytes. */
export function bigintToLeBytes(value: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  bigintToLe(value, out, 0, length);
  return out;
}

/** Big-endian bytes → bigint. */
export function beToBigint(bytes: Uint8Array): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

/** `value` as `length` new big-endian bytes (bits above 8·length are dropped). */
export function bigintToBeBytes(value: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let v = value;
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/**
 * A 32-byte word as text: `0x` and 64 lower-case hex digits, zero-padded. The one way zkr writes
 * roots and hashes for people and for the API (`zkr sync`, `/health`, `/batches/:n`).
 * @throws RangeError for a value outside [0, 2^256).
 */
export function hex32(value: bigint): string {
  if (value < 0n || value >> 256n !== 0n) throw new RangeError(`hex32: a value in [0, 2^256) expected, got ${value}`);
  return "0x" + value.toString(16).padStart(64, "0");
}
