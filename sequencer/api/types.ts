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
//     as `/info` has when no account collects fees;
//   - lists are pages, newest first: `?before=&limit=` (limit 1–100, default 20) and `next`, the
//     `before` of the following page, null on the last one.
//
// The one non-integer number, `/operator`'s `intakePerSecond`, is a decimal string with two
// fraction digits ("12.35").

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

/** `GET /accounts?ax=&ay=` and `GET /accounts?ethAddr=`. */
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
  /** The sender's token, which `amount` and `fee` are in; absent when its account no longer exists. */
  tokenId?: DecimalString;
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
  /** The token of the slot's account (`from` or `index`), which its amount and fee are in. */
  tokenId?: DecimalString;
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

/** What a batch's page entry (`GET /batches`) and its full view (`GET /batches/:number`) share. */
export interface BatchBaseJson {
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
  createdAt: string;
  provenAt: string | null;
  l1Tx: Hex32 | null;
  l1Block: DecimalString | null;
  verifiedBlock: DecimalString | null;
  /** When this sequencer read its BatchVerified log; null before, and for batches restored by `zkr sync`. */
  verifiedAt: string | null;
  /** Gas its submitBatch used (from the receipt); null until a receipt was seen. */
  gasUsed: DecimalString | null;
  error: string | null;
  proofJob: ProofJobJson | null;
}

/** `GET /batches/:number`. */
export interface BatchJson extends BatchBaseJson {
  publicInput: Hex32;
  txData: string;
  slots: SlotJson[];
}

/** One batch of `GET /batches`: its slots counted by type rather than decoded. */
export interface BatchSummaryJson extends BatchBaseJson {
  /** Slots that are not padding. */
  txs: DecimalString;
  /** Transfers and withdrawals (`transfers` + `withdrawals`). */
  l2Txs: DecimalString;
  transfers: DecimalString;
  withdrawals: DecimalString;
  /** Deposits and top-ups applied. */
  deposits: DecimalString;
  forcedExits: DecimalString;
  /** L1 requests consumed without effect (a deposit refunded on L1). */
  rejected: DecimalString;
}

/** `GET /batches?before=&limit=`: newest first; `before` is an exclusive batch number. */
export interface BatchPageJson {
  batches: BatchSummaryJson[];
  /** The `before` of the next (older) page; null when this page reaches batch 0. */
  next: DecimalString | null;
}

/** An L2 transaction in an account's history: its `GET /txs/:hash` view, and the account's side. */
export interface AccountTxJson extends TxStatusJson {
  kind: "l2";
  /** `out`: the account sent it (and paid its fee); `in`: a transfer to it. */
  direction: "out" | "in";
  receivedAt: string;
}

/** The stage of an L1 request: `queued` until a batch consumes it, then its batch's stage. */
export type L1RequestStage = "queued" | Exclude<TxStage, "pending" | "dropped">;

/** An L1 request (the contract's queue) in an account's history. */
export interface AccountL1RequestJson {
  kind: "l1";
  /** Its position in the L1 queue. */
  position: DecimalString;
  /** `deposit` creates the account; `top_up` adds to it; `forced_exit` withdraws all of it to `ethAddr`. */
  type: "deposit" | "top_up" | "forced_exit";
  tokenId: DecimalString;
  /** What it deposits; for a forced exit, what its batch paid out (null until then). */
  amount: DecimalString | null;
  /** The L1 address that sent it (a forced exit pays to it). */
  ethAddr: string;
  l1Tx: Hex32;
  l1Block: DecimalString;
  /** When this sequencer read it from L1. */
  seenAt: string;
  stage: L1RequestStage;
  /** The batch that consumed it and its slot there; null while queued. */
  batch: DecimalString | null;
  slot: DecimalString | null;
  /** `rejected`: consumed without effect (an invalid request; a deposit is refunded on L1); null while queued. */
  outcome: "applied" | "rejected" | null;
}

/**
 * `GET /accounts/:index/txs?before=&limit=`: the account's L2 transactions (sent or received;
 * pending, batched or dropped) and L1 requests, newest first by the time this sequencer received
 * or read them (ties: L2 before L1, then the later one first). `before`/`next` is an opaque cursor.
 */
export interface AccountHistoryJson {
  account: DecimalString;
  items: Array<AccountTxJson | AccountL1RequestJson>;
  /** The `before` of the next (older) page; null on the last page. */
  next: string | null;
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
  /** The L1 JSON-RPC URL a browser may use, when the operator published one; else null (the sequencer's own is never given). */
  l1Rpc: string | null;
  /** The sequencer runs against a local devnet (anvil, insecure dev keys). */
  devnet: boolean;
}

/** A proof job as the operator's dashboard lists it: a batch's {@link ProofJobJson} with its batch and times. */
export interface OperatorProofJobJson {
  batch: DecimalString;
  status: ProofJobJson["status"];
  attempts: DecimalString;
  maxAttempts: DecimalString;
  worker: string | null;
  lastError: string | null;
  backend: string | null;
  provingMs: DecimalString | null;
  fallbackFrom: string | null;
  createdAt: string;
  updatedAt: string;
  provenAt: string | null;
  /** While proving: when the prover's lease runs out unless renewed. */
  leaseExpiresAt: string | null;
}

/** A prover (a job's `worker`) as its jobs show it. */
export interface ProverJson {
  worker: string;
  /** The backend of its latest proven job; null before the first. */
  backend: string | null;
  /** The last change it made to a job (claim, lease renewal, result, failure). */
  lastSeen: string;
  proven: DecimalString;
  proving: DecimalString;
  failed: DecimalString;
}

/** `GET /operator`: what the operator's dashboard shows. Public and read-only: no lease tokens, no circuit inputs. */
export interface OperatorJson {
  /** When this was read (the server's clock), for ages computed from the times below. */
  time: string;
  /** The last 50 proof jobs, newest batch first. */
  proofJobs: OperatorProofJobJson[];
  /** Every worker that holds or held a job, most recently seen first (at most 100). */
  provers: ProverJson[];
  mempool: {
    pending: DecimalString;
    /** Transactions admitted (202) in the last 60 s, by this process (since its start). */
    acceptedLastMinute: DecimalString;
    /** `acceptedLastMinute` / 60, two fraction digits. */
    intakePerSecond: string;
  };
  l1: {
    /** The chain's head as the watcher last read it; null without L1 or before the first read. */
    headBlock: DecimalString | null;
    /** The last block whose logs are recorded (read with the configured confirmations). */
    confirmedBlock: DecimalString | null;
    confirmations: DecimalString | null;
    queueLength: DecimalString;
    queueConsumed: DecimalString;
    /** L1 requests read but not consumed by a batch yet. */
    pendingRequests: DecimalString;
    /** The oldest of them: its queue position, its L1 block, and how many blocks it has waited (null without a head). */
    oldestPending: { position: DecimalString; block: DecimalString; ageBlocks: DecimalString | null } | null;
    /** The contract's `exodusBlocks`, read at start; null without L1. */
    exodusBlocks: DecimalString | null;
    /** Blocks until anyone may switch the contract to exodus, counted from `headBlock` ("0": now); null when nothing waits or unknown. */
    exodusBlocksLeft: DecimalString | null;
  };
  /** The newest verified batch; null before the first. `msSince` null when its time is unknown (restored by `zkr sync`). */
  lastVerified: { batch: DecimalString; block: DecimalString | null; verifiedAt: string | null; msSince: DecimalString | null } | null;
  series: {
    /** The Groth16 proving step of the last 100 proven jobs, oldest first. */
    provingMs: Array<{ batch: DecimalString; provingMs: DecimalString }>;
    /**
     * Transactions in batches verified on L1, per minute of verification (this machine's clock),
     * the last 30 minutes, oldest first, the current minute last: `txs` every non-padding slot
     * (deposits and forced exits included), `l2Txs` transfers and withdrawals.
     */
    verifiedPerMinute: Array<{ minute: string; txs: DecimalString; l2Txs: DecimalString }>;
  };
}

/** `POST /proofs/:batch/retry`'s 200. */
export interface RetriedJson {
  batch: DecimalString;
  status: "queued";
}

/** Every refusal (4xx) and the 500. */
export interface ErrorJson {
  error: string;
  message: string;
  /** The values the message quotes, where a client may show them its own way (amounts in wei), e.g. insufficient_balance's `{ account, required, balance, pending }`. */
  data?: Record<string, DecimalString | string>;
}
