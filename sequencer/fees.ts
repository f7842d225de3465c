// The sequencer's fee policy: the least fee its mempool admits, per token. The protocol itself only
// asks that a fee be paid in the fee account's token and that the balance cover amount + fee
// (sequencer/model/check-tx.ts, and the circuit); what an operator charges is its own choice, made
// here and stated by `/info` (`minFees`) so that wallets can pay it.
//
// Refuse below a minimum rather than order by fee. The mempool admits only an account's next nonce
// and batches in arrival order, so every admitted transaction is batchable; ordering by fee would
// have to keep an account's transactions in nonce order behind its cheapest one and would starve
// low fees under load, for little gain while batches are made every `batchMaxWaitMs` anyway. A
// minimum prices the cheapest spam (a slot and a share of a proof) at the door, answers at once
// with a code a wallet can act on (422 `fee_too_low`, the minimum in `data`), and stores nothing.

import { TxType } from "./model/constants.js";
import type { SignedTx } from "./model/tx.js";
import type { SequencerConfig } from "./config.js";
import { RequestRejectedError } from "./errors.js";

/** The least fee the mempool admits from an account of `tokenId` (0 when the config sets none). */
export function minFee(config: Pick<SequencerConfig, "minFees">, tokenId: bigint): bigint {
  return config.minFees?.[tokenId.toString()] ?? 0n;
}

/**
 * Checks that `tx`, from an account of `tokenId`, pays at least the sequencer's minimum fee.
 * @throws RequestRejectedError 422 `fee_too_low`, with `data` `{ field, value, expected, minimum, token }` (wei).
 */
export function checkMinFee(config: Pick<SequencerConfig, "minFees">, tx: SignedTx, tokenId: bigint): void {
  const minimum = minFee(config, tokenId);
  if (tx.fee >= minimum) return;
  const field = `${tx.type === TxType.Transfer ? "transfer" : "withdraw"} fee`;
  const expected = `at least ${minimum} (this sequencer's minimum fee in token ${tokenId})`;
  throw new RequestRejectedError(422, "fee_too_low", `${field}: ${expected} expected, got ${tx.fee}`, {
    data: { field, value: tx.fee.toString(), expected, minimum: minimum.toString(), token: tokenId.toString() },
  });
}

/**
 * Reads a `minFees` map from its JSON form (`{ "<token id>": "<wei>" }`, values as decimal strings
 * or safe integers). @throws Error naming the bad entry.
 */
export function minFeesFromJson(j: unknown): Record<string, bigint> {
  if (j === undefined || j === null) return {};
  if (typeof j !== "object" || Array.isArray(j)) throw new Error(`minFees: an object { "<token id>": "<minimum fee>" } expected, got ${JSON.stringify(j)}`);
  const out: Record<string, bigint> = {};
  for (const [k, v] of Object.entries(j as Record<string, unknown>)) {
    if (!/^(0|[1-9][0-9]{0,9})$/.test(k)) throw new Error(`minFees: token ids as decimal strings expected, got ${JSON.stringify(k)}`);
    const ok = (typeof v === "string" && /^(0|[1-9][0-9]{0,38})$/.test(v)) || (typeof v === "number" && Number.isSafeInteger(v) && v >= 0);
    if (!ok) throw new Error(`minFees["${k}"]: a non-negative integer (wei, as a decimal string) expected, got ${JSON.stringify(v)}`);
    out[k] = BigInt(v as string | number);
  }
  return out;
}
