/**
 * The task module of bench/api.ts's signing (core/pool.ts): signs each account's transfers, nonces
 * in order. Signing is slow and not what that benchmark measures, so it runs on every core first.
 */
import { TxType } from "../sequencer/model/constants.js";
import { privateKeyFromSeed } from "../sequencer/model/keys.js";
import { signTx } from "../sequencer/model/tx.js";
import { rollupDomain } from "../sequencer/model/domain.js";
import { txToJson, type TxJson } from "../sequencer/codec.js";

export const CHAIN_ID = 31337n;
/** No chain here: the domain of chain 31337 and a placeholder rollup address. */
export const TEST_ROLLUP = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
export const TEST_DOMAIN = rollupDomain(CHAIN_ID, TEST_ROLLUP);
export const seedOf = (i: number) => `zkr-bench-api-${i}`;

/** Transfers from account `from` to `to`, one per nonce. */
export interface SignJob { from: number; to: number; nonces: number[] }

export interface SignedTransfer { from: number; nonce: number; json: TxJson }

export default function signTask(jobs: SignJob[]): SignedTransfer[] {
  const out: SignedTransfer[] = [];
  for (const j of jobs) {
    const sk = privateKeyFromSeed(seedOf(j.from));
    for (const n of j.nonces) {
      const amount = BigInt(1000 + (n % 7));
      out.push({ from: j.from, nonce: n, json: txToJson(signTx({ type: TxType.Transfer, from: BigInt(j.from), to: BigInt(j.to), amount, fee: 0n, nonce: BigInt(n) }, sk, TEST_DOMAIN)) });
    }
  }
  return out;
}
