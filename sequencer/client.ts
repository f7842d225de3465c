// A client of the sequencer's HTTP API, for the wallet, the demo, the benchmark and the tests.
// The API writes every integer as a decimal string and every root or hash as 0x-hex
// (api/types.ts); the client hands its callers values to compute with: bigint for what the model
// keeps as bigint (indices, amounts, nonces, roots), number for counts, batch and block numbers.

import type { Signature } from "./model/keys.js";
import type { SignedTx } from "./model/tx.js";
import { txToJson } from "./codec.js";
import { ZkrError } from "../core/errors.js";
import type {
  AccountJson, AccountsJson, BatchJson, ErrorJson, HealthJson, InfoJson, ProofJobJson, SlotJson, SubmittedJson, TxStage, TxStatusJson,
} from "./api/types.js";

export type { TxStage } from "./api/types.js";

/** An account as the client returns it. */
export interface AccountView {
  index: bigint; ax: bigint; ay: bigint; ethAddr: string; tokenId: bigint; balance: bigint; nonce: bigint;
  pendingTxs: number; nextNonce: bigint; spendable: bigint;
}

/** A transaction's status as the client returns it. */
export interface TxView {
  hash: string; type: "transfer" | "withdraw"; from: bigint; to?: bigint; amount: bigint; fee: bigint; nonce: bigint;
  stage: TxStage;
  batch?: number; slot?: number; l1Tx?: string; l1Block?: number; verifiedBlock?: number; reason?: string;
}

/** What `/info` says. */
export interface InfoView {
  chainId: bigint; domain: bigint; slots: number; depth: number;
  /** The account that collects fees; null when none does. */
  feeAccount: bigint | null;
  /** The fee account's token, the only one fees can be paid in; null until the account exists. */
  feeToken: bigint | null;
  /** The least fee the mempool admits, by token id (a token not listed: none). */
  minFees: Map<bigint, bigint>;
  rollup: string; batchMaxWaitMs: number; maxMempool: number;
}

/** What `/health` says. */
export interface HealthView {
  ok: boolean; root: bigint; nextBatch: number; queueConsumed: number; queueLength: number; mempool: number;
  batches: Record<BatchJson["status"], number>; proofJobs: Record<ProofJobJson["status"], number>;
  failedProofJobs: Array<{ batch: number; error: string | null }>;
  l1Block: number | null; operator?: string | null; l1Error?: string | null;
}

/** A batch's proof job as the client returns it. */
export interface ProofJobView {
  status: ProofJobJson["status"]; attempts: number; maxAttempts: number; worker: string | null; lastError: string | null;
  backend?: string; provingMs?: number; fallbackFrom?: string;
}

/** A batch as the client returns it (its slots as the API decodes them, fields as decimal strings). */
export interface BatchView {
  number: number; status: BatchJson["status"]; oldRoot: bigint; newRoot: bigint; queueStart: number; queueEnd: number;
  /** The account credited with the batch's fees; null when it collected none. */
  feeAccount: bigint | null;
  /** The sum of its transactions' fees (0 when none). */
  totalFee: bigint;
  publicInput: bigint; txData: string; slots: SlotJson[]; createdAt: string; provenAt: string | null;
  l1Tx: string | null; l1Block: number | null; verifiedBlock: number | null; error: string | null; proofJob: ProofJobView | null;
}

/**
 * The API refused a request. `data`: the values its message quotes (amounts in wei), when it quotes
 * any; `retryAfter`: the seconds its `Retry-After` header asked for (a 503), when it sent one.
 */
export class ApiError extends ZkrError {
  override name = "ApiError" as const;
  constructor(readonly status: number, readonly code: string, message: string, readonly data?: ErrorJson["data"], readonly retryAfter?: number) {
    super(`${status} ${code}: ${message}`);
  }
}

/** The sequencer answered something the API's vocabulary does not allow. */
export class ApiResponseError extends ZkrError {
  override name = "ApiResponseError" as const;
}

const ORDER = ["pending", "in_batch", "proving", "proven", "submitted", "verified"] as const;

/** A decimal integer string → bigint. @throws ApiResponseError for anything else (a JSON number too). */
function big(field: string, v: unknown): bigint {
  if (typeof v !== "string" || !/^(0|[1-9][0-9]*)$/.test(v)) throw new ApiResponseError(`${field}: a decimal integer string expected, got ${JSON.stringify(v)}`);
  return BigInt(v);
}
/** A decimal integer string → number, for counts and numbers that stay below 2^53. */
function num(field: string, v: unknown): number {
  const n = big(field, v);
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw new ApiResponseError(`${field}: a value below 2^53 expected, got ${n}`);
  return Number(n);
}
/** 0x and 64 hex digits → bigint. */
function word(field: string, v: unknown): bigint {
  if (typeof v !== "string" || !/^0x[0-9a-f]{64}$/.test(v)) throw new ApiResponseError(`${field}: 0x and 64 hex digits expected, got ${JSON.stringify(v)}`);
  return BigInt(v);
}
const opt = <T>(v: unknown, parse: (v: unknown) => T): T | undefined => (v === undefined ? undefined : parse(v));
const orNull = <T>(v: unknown, parse: (v: unknown) => T): T | null => (v === null ? null : parse(v));
function countsOf<K extends string>(field: string, o: Record<K, string>): Record<K, number> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, num(`${field}.${k}`, v)])) as Record<K, number>;
}

function accountView(a: AccountJson): AccountView {
  return {
    index: big("index", a.index), ax: big("ax", a.ax), ay: big("ay", a.ay), ethAddr: a.ethAddr, tokenId: big("tokenId", a.tokenId),
    balance: big("balance", a.balance), nonce: big("nonce", a.nonce), pendingTxs: num("pendingTxs", a.pendingTxs),
    nextNonce: big("nextNonce", a.nextNonce), spendable: big("spendable", a.spendable),
  };
}

function txView(t: TxStatusJson): TxView {
  const v: TxView = {
    hash: t.hash, type: t.type, from: big("from", t.from), to: opt(t.to, (x) => big("to", x)), amount: big("amount", t.amount), fee: big("fee", t.fee),
    nonce: big("nonce", t.nonce), stage: t.stage, reason: t.reason, batch: opt(t.batch, (x) => num("batch", x)), slot: opt(t.slot, (x) => num("slot", x)),
    l1Tx: t.l1Tx, l1Block: opt(t.l1Block, (x) => num("l1Block", x)), verifiedBlock: opt(t.verifiedBlock, (x) => num("verifiedBlock", x)),
  };
  // Absent stays absent (`"to" in v` means a transfer).
  for (const k of Object.keys(v) as Array<keyof TxView>) if (v[k] === undefined) delete v[k];
  return v;
}

function batchView(b: BatchJson): BatchView {
  const j = b.proofJob;
  return {
    number: num("number", b.number), status: b.status, oldRoot: word("oldRoot", b.oldRoot), newRoot: word("newRoot", b.newRoot),
    queueStart: num("queueStart", b.queueStart), queueEnd: num("queueEnd", b.queueEnd), feeAccount: orNull(b.feeAccount, (x) => big("feeAccount", x)),
    totalFee: big("totalFee", b.totalFee),
    publicInput: word("publicInput", b.publicInput), txData: b.txData, slots: b.slots, createdAt: b.createdAt, provenAt: b.provenAt,
    l1Tx: b.l1Tx, l1Block: orNull(b.l1Block, (x) => num("l1Block", x)), verifiedBlock: orNull(b.verifiedBlock, (x) => num("verifiedBlock", x)), error: b.error,
    proofJob: j && {
      status: j.status, attempts: num("attempts", j.attempts), maxAttempts: num("maxAttempts", j.maxAttempts), worker: j.worker, lastError: j.lastError,
      ...(j.backend !== undefined ? { backend: j.backend } : {}),
      ...(j.provingMs !== undefined ? { provingMs: num("provingMs", j.provingMs) } : {}),
      ...(j.fallbackFrom !== undefined ? { fallbackFrom: j.fallbackFrom } : {}),
    },
  };
}

function healthView(h: HealthJson): HealthView {
  return {
    ok: h.ok, root: word("root", h.root), nextBatch: num("nextBatch", h.nextBatch), queueConsumed: num("queueConsumed", h.queueConsumed),
    queueLength: num("queueLength", h.queueLength), mempool: num("mempool", h.mempool),
    batches: countsOf("batches", h.batches), proofJobs: countsOf("proofJobs", h.proofJobs),
    failedProofJobs: (h.failedProofJobs ?? []).map((f) => ({ batch: num("failedProofJobs.batch", f.batch), error: f.error })),
    l1Block: orNull(h.l1Block, (x) => num("l1Block", x)),
    ...(h.operator !== undefined ? { operator: h.operator } : {}),
    ...(h.l1Error !== undefined ? { l1Error: h.l1Error } : {}),
  };
}

function infoView(i: InfoJson): InfoView {
  return {
    chainId: big("chainId", i.chainId), domain: big("domain", i.domain), slots: num("slots", i.slots), depth: num("depth", i.depth),
    feeAccount: orNull(i.feeAccount, (x) => big("feeAccount", x)), feeToken: orNull(i.feeToken, (x) => big("feeToken", x)),
    minFees: new Map(Object.entries(i.minFees).map(([t, v]) => [big("minFees token", t), big(`minFees.${t}`, v)])),
    rollup: i.rollup, batchMaxWaitMs: num("batchMaxWaitMs", i.batchMaxWaitMs), maxMempool: num("maxMempool", i.maxMempool),
  };
}

/** How a {@link SequencerClient} meets a busy sequencer (503 with `Retry-After`). */
export interface ClientOptions {
  /** Retries of a request answered 503 with a `Retry-After` (default 3); 0 turns them off. */
  retries?: number;
  /**
   * The longest `Retry-After` the client waits for, in ms (default 30 s): a longer one fails at
   * once, its ApiError carrying `retryAfter`, rather than hold the caller for it.
   */
  maxRetryWaitMs?: number;
  /** Called before each wait, e.g. to tell a user (the wallet does). */
  onRetry?: (e: ApiError, waitMs: number, attempt: number) => void;
  /** How to wait (tests replace it). Default: a timer. */
  sleep?: (ms: number) => Promise<void>;
}

/** `Retry-After` in seconds, when it is the delta-seconds form (an HTTP date is not honoured). */
function retryAfterOf(res: Response): number | undefined {
  const v = res.headers.get("retry-after");
  return v !== null && /^[0-9]{1,9}$/.test(v.trim()) ? Number(v.trim()) : undefined;
}

export class SequencerClient {
  private readonly retries: number;
  private readonly maxRetryWaitMs: number;

  constructor(readonly url: string, private readonly opts: ClientOptions = {}) {
    this.retries = opts.retries ?? 3;
    this.maxRetryWaitMs = opts.maxRetryWaitMs ?? 30_000;
  }

  /**
   * One request. A 503 with `Retry-After` (a full mempool: nothing was stored, so asking again is
   * safe, even for a POST) is retried after the time it names, at most `retries` times and never
   * for longer than `maxRetryWaitMs` a time; then its ApiError is thrown.
   */
  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const res = await fetch(this.url + path, {
        method,
        headers: body === undefined ? undefined : { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const json = (await res.json()) as T & Partial<ErrorJson>;
      if (res.ok) return json;
      const retryAfter = res.status === 503 ? retryAfterOf(res) : undefined;
      const err = new ApiError(res.status, json.error ?? "error", json.message ?? res.statusText, json.data, retryAfter);
      if (retryAfter === undefined || attempt > this.retries || retryAfter * 1000 > this.maxRetryWaitMs) throw err;
      const waitMs = retryAfter * 1000;
      this.opts.onRetry?.(err, waitMs, attempt);
      await (this.opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms))))(waitMs);
    }
  }

  async info(): Promise<InfoView> { return infoView(await this.call<InfoJson>("GET", "/info")); }
  async health(): Promise<HealthView> { return healthView(await this.call<HealthJson>("GET", "/health")); }
  async account(index: bigint | number): Promise<AccountView> { return accountView(await this.call<AccountJson>("GET", `/accounts/${index}`)); }
  async accountsOf(pk: readonly [bigint, bigint]): Promise<AccountView[]> {
    return (await this.call<AccountsJson>("GET", `/accounts?ax=${pk[0]}&ay=${pk[1]}`)).accounts.map(accountView);
  }
  async tx(hash: string): Promise<TxView> { return txView(await this.call<TxStatusJson>("GET", `/txs/${hash}`)); }
  async batch(n: number): Promise<BatchView> { return batchView(await this.call<BatchJson>("GET", `/batches/${n}`)); }

  /** Submits a signed transaction; resolves to its hash once the sequencer stored it. */
  async submit(tx: SignedTx & { sig: Signature }): Promise<string> {
    return (await this.call<SubmittedJson>("POST", "/txs", txToJson(tx))).hash;
  }

  /**
   * Polls a transaction until it reaches `stage` (or a later one); calls `onStage` at each new stage.
   * @throws ApiError when it is dropped; Error on timeout.
   */
  async waitFor(hash: string, stage: (typeof ORDER)[number], opts: { timeoutMs?: number; pollMs?: number; onStage?: (t: TxView) => void } = {}): Promise<TxView> {
    const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
    let last = "";
    for (;;) {
      const t = await this.tx(hash);
      if (t.stage !== last) {
        last = t.stage;
        opts.onStage?.(t);
      }
      if (t.stage === "dropped") throw new ApiError(409, "dropped", `transaction ${hash} was dropped: ${t.reason}`);
      if (ORDER.indexOf(t.stage) >= ORDER.indexOf(stage)) return t;
      if (Date.now() > deadline) throw new Error(`transaction ${hash}: stage ${stage} expected within ${opts.timeoutMs ?? 120_000} ms, still ${t.stage}`);
      await new Promise((r) => setTimeout(r, opts.pollMs ?? 200));
    }
  }
}
