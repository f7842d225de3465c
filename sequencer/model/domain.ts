// The rollup's domain (docs/PROTOCOL.md "Domain"): one number that names a deployment, derived from
// the chain id and the rollup contract's address. Signatures and the public data bind it, so a
// transfer signed or a batch proven for one zkr deployment is worth nothing on another.

import { createHash } from "node:crypto";
import { ADDRESS_BITS, CHAIN_ID_BITS, DOMAIN_BITS } from "./constants.js";
import { assertBits } from "./errors.js";

/**
 * `⌊sha256(chainId as 8 bytes ‖ rollup address as 20 bytes) / 2^144⌋`: the hash's top 112 bits, as
 * the contract computes it (`Rollup.domain()`).
 * @throws FieldRangeError for a chain id ≥ 2^64 or an address ≥ 2^160.
 */
export function rollupDomain(chainId: bigint, rollup: bigint | string): bigint {
  const address = typeof rollup === "string" ? BigInt(rollup) : rollup;
  assertBits("chainId", chainId, CHAIN_ID_BITS);
  assertBits("rollup address", address, ADDRESS_BITS);
  const bytes = Buffer.from(chainId.toString(16).padStart(16, "0") + address.toString(16).padStart(40, "0"), "hex");
  const digest = BigInt("0x" + createHash("sha256").update(bytes).digest("hex"));
  return digest >> BigInt(256 - DOMAIN_BITS);
}
