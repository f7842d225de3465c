// The JSON of every route, as the handlers write it and sequencer/client.ts reads it: one
// vocabulary for the whole API.
//
//   - every integer is a decimal string ("0", "42"; never a JSON number, never "042"): counts,
//     indices, nonces, amounts (in wei, or the token's smallest unit), batch and block numbers,
//     durations in ms. JSON numbers lose precision past 2^53 and some integers here are 256-bit;
//     one rule for all of them spares clients from knowing which;
//   - roots, hashes and the public input are 0x and 64 lower-case hex digits (32 bytes,
//     zero-padded): `root`, `oldRoot`, `newRoot`, `hash`, `l1Tx`, `publicInput`;
//   - addresses are 0x and 40 hex digits, byte strings (`txData`) 0x-hex, times ISO 8601;
//   - an absent value is null, never 0 or "": a batch that collected no fee has `feeAccount: null`,
//     as `/info` has when no account collects fees.

/** A decimal integer: `0` or digits without a leading zero. */
export type DecimalString = string;
/** `0x` and 64 lower-case hex digits. */
export type Hex32 = string;

/** Stages a transaction goes through. */
export type TxStage = "pending" | "in_batch" | "proving" | "proven" | "submitted" | "verified" | "dropped";

/** `GET /accounts/:index`, and each of `GET /accounts?ax=&ay=`. */
export interface AccountJson {
  index: DecimalString;
  /** The owner's BabyJubJub public key (field elements, the form `?ax=&ay=` takes). */
  ax: DecimalString;
  ay: DecimalString;
  ethAddr: string;
  tokenId: DecimalString;
  balance: DecimalString;
  nonce: DecimalString;
  pendingTxs: DecimalString;
  /** The nonce the account's next transaction must carry. */
  nextNonce: DecimalString;
  /** The balance less what its pending transactions spend. */
  spendable: DecimalString;
}

/** `GET /accounts?ax=&ay=`. */
export interface AccountsJson {
  accounts: AccountJson[];
}

/** `POST /txs`'s 202. */
export interface SubmittedJson {
  hash: Hex32;
  stage: "pending";
}

/** `GET /txs/:hash`. */
export interface TxStatusJson {
  hash: Hex32;
  type: "transfer" | "withdraw";
  from: DecimalString;
  to?: DecimalString;
  amount: DecimalString;
  fee: DecimalString;
  nonce: DecimalString;
  stage: TxStage;
  /** Why it was dropped, or why its batch waits (its proof job failed for good). */
  reason?: string;
  batch?: DecimalString;
  slot?: DecimalString;
  l1Tx?: Hex32;
  l1Block?: DecimalString;
  verifiedBlock?: DecimalString;
}

/** One decoded slot of a batch: its type and the slot's fields, each a decimal string. */
export interface SlotJson {
  type: "noop" | "deposit" | "transfer" | "withdraw" | "forced_exit" | "rejected";
  /** The L2 transaction's hash (transfers and withdrawals). */
  hash?: Hex32;
  [field: string]: string | undefined;
}

/** A batch's proof job. */
export interface ProofJobJson {
  status: "queued" | "proving" | "proven" | "failed";
  attempts: DecimalString;
  maxAttempts: DecimalString;
  worker: string | null;
  lastError: string | null;
  /** Once proven: the backend, the Groth16 proving step's duration, and the backend that failed first if any. */
  backend?: string;
  provingMs?: DecimalString;
  fallbackFrom?: string;
}

/** `GET /batches/:number`. */
export interface BatchJson {
  number: DecimalString;
  status: "created" | "proven" | "submitting" | "submitted" | "verified";
  oldRoot: Hex32;
  newRoot: Hex32;
  queueStart: DecimalString;
  queueEnd: DecimalString;
  /** The account credited with the batch's fees; null when it collected none. */
  feeAccount: DecimalString | null;
  /** The sum of its transfers' and withdrawals' fees, credited to `feeAccount` ("0" when none). */
  totalFee: DecimalString;
  publicInput: Hex32;
  txData: string;
  slots: SlotJson[];
  createdAt: string;
  provenAt: string | null;
  l1Tx: Hex32 | null;
  l1Block: DecimalString | null;
  verifiedBlock: DecimalString | null;
  error: string | null;
  proofJob: ProofJobJson | null;
}

/** What the running sequencer adds to `/health`. */
export interface HealthExtraJson {
  /** The operator's L1 address; null without L1. */
  operator: string | null;
  /** The last L1 error, until the next success. */
  l1Error: string | null;
}

/** `GET /health`. */
export interface HealthJson extends Partial<HealthExtraJson> {
  ok: boolean;
  root: Hex32;
  nextBatch: DecimalString;
  queueConsumed: DecimalString;
  queueLength: DecimalString;
  mempool: DecimalString;
  /** Batches by status. */
  batches: Record<BatchJson["status"], DecimalString>;
  /** Proof jobs by status. */
  proofJobs: Record<ProofJobJson["status"], DecimalString>;
  failedProofJobs?: Array<{ batch: DecimalString; error: string | null }>;
  /** The last L1 block read; null before the first. */
  l1Block: DecimalString | null;
}

/** `GET /info`. */
export interface InfoJson {
  chainId: DecimalString;
  /** What signatures bind: the top 112 bits of sha256(chainId ‖ rollup), an integer in the signed message. */
  domain: DecimalString;
  slots: DecimalString;
  depth: DecimalString;
  /** The account that collects fees; null when none does (fees must then be 0). */
  feeAccount: DecimalString | null;
  /** The fee account's token, the only one fees can be paid in; null until the account exists. */
  feeToken: DecimalString | null;
  /**
   * The least fee the mempool admits, per token id (`{ "0": "100000000000000" }`); a token not
   * listed has none. Below it a transaction is refused with 422 `fee_too_low`.
   */
  minFees: Record<DecimalString, DecimalString>;
  rollup: string;
  batchMaxWaitMs: DecimalString;
  /** Pending transactions beyond which `POST /txs` answers 503 `mempool_full` with `Retry-After`. */
  maxMempool: DecimalString;
}

/** Every refusal (4xx) and the 500. */
export interface ErrorJson {
  error: string;
  message: string;
  /** The values the message quotes, where a client may show them its own way (amounts in wei), e.g. insufficient_balance's `{ account, required, balance, pending }`. */
  data?: Record<string, DecimalString | string>;
}
