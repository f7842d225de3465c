// A client of the sequencer's HTTP API, for the wallet, the demo, the benchmark and the tests.
// The API writes every integer as a decimal string and every root or hash as 0x-hex
// (api/types.ts); the client hands its callers values to compute with: bigint for what the model
// keeps as bigint (indices, amounts, nonces, roots), number for counts, batch and block numbers.

import type { Signature } from "./model/keys.js";
import type { SignedTx } from "./model/tx.js";
import { txToJson } from "./codec.js";
import { ZkrError } from "../core/errors.js";
import type {
  AccountHistoryJson, AccountJson, AccountL1RequestJson, AccountsJson, BatchBaseJson, BatchJson, BatchPageJson, BatchSummaryJson, ErrorJson, HealthJson, InfoJson,
  L1RequestStage, OperatorJson, ProofJobJson, RetriedJson, SlotJson, SubmittedJson, TxStage, TxStatusJson,
} from "./api/types.js";

export type { L1RequestStage, TxStage } from "./api/types.js";

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
  /** The L1 JSON-RPC URL a browser may use, when the operator published one. */
  l1Rpc: string | null;
  /** A local devnet (anvil, insecure dev keys). */
  devnet: boolean;
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

/** What a batch's page entry and its full view share, as the client returns it. */
export interface BatchBaseView {
  number: number; status: BatchJson["status"]; oldRoot: bigint; newRoot: bigint; queueStart: number; queueEnd: number;
  /** The account credited with the batch's fees; null when it collected none. */
  feeAccount: bigint | null;
  /** The sum of its transactions' fees (0 when none). */
  totalFee: bigint;
  createdAt: string; provenAt: string | null;
  l1Tx: string | null; l1Block: number | null; verifiedBlock: number | null; verifiedAt: string | null;
  /** Gas its submitBatch used; null until its receipt was seen. */
  gasUsed: bigint | null;
  error: string | null; proofJob: ProofJobView | null;
}

/** A batch as the client returns it (its slots as the API decodes them, fields as decimal strings). */
export interface BatchView extends BatchBaseView {
  publicInput: bigint; txData: string; slots: SlotJson[];
}

/** A batch of a page (`batches()`): its slots counted by type. */
export interface BatchSummaryView extends BatchBaseView {
  txs: number; l2Txs: number; transfers: number; withdrawals: number; deposits: number; forcedExits: number; rejected: number;
}

/** A page of batches, newest first; `next`: the `before` of the following page, null at the end. */
export interface BatchPageView {
  batches: BatchSummaryView[];
  next: number | null;
}

/** An L2 transaction in an account's history. */
export interface AccountTxView extends TxView {
  kind: "l2"; direction: "out" | "in"; receivedAt: string;
}

/** An L1 request in an account's history. */
export interface AccountL1RequestView {
  kind: "l1"; position: number; type: AccountL1RequestJson["type"]; tokenId: bigint;
  /** What it deposits; for a forced exit, what its batch paid out (null until then). */
  amount: bigint | null;
  ethAddr: string; l1Tx: string; l1Block: number; seenAt: string; stage: L1RequestStage;
  batch: number | null; slot: number | null; outcome: AccountL1RequestJson["outcome"];
}

/** A page of an account's history, newest first; `next`: an opaque cursor for `before`, null at the end. */
export interface AccountHistoryView {
  account: bigint;
  items: Array<AccountTxView | AccountL1RequestView>;
  next: string | null;
}

/** What `/operator` says, as the client returns it (see OperatorJson in api/types.ts). */
export interface OperatorView {
  time: string;
  proofJobs: Array<{
    batch: number; status: ProofJobJson["status"]; attempts: number; maxAttempts: number; worker: string | null; lastError: string | null;
    backend: string | null; provingMs: number | null; fallbackFrom: string | null; createdAt: string; updatedAt: string; provenAt: string | null; leaseExpiresAt: string | null;
  }>;
  provers: Array<{ worker: string; backend: string | null; lastSeen: string; proven: number; proving: number; failed: number }>;
  mempool: { pending: number; acceptedLastMinute: number; intakePerSecond: number };
  l1: {
    headBlock: number | null; confirmedBlock: number | null; confirmations: number | null; queueLength: number; queueConsumed: number; pendingRequests: number;
    oldestPending: { position: number; block: number; ageBlocks: number | null } | null; exodusBlocks: number | null; exodusBlocksLeft: number | null;
  };
  lastVerified: { batch: number; block: number | null; verifiedAt: string | null; msSince: number | null } | null;
  series: { provingMs: Array<{ batch: number; provingMs: number }>; verifiedPerMinute: Array<{ minute: string; txs: number; l2Txs: number }> };
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

function batchBaseView(b: BatchBaseJson): BatchBaseView {
  const j = b.proofJob;
  return {
    number: num("number", b.number), status: b.status, oldRoot: word("oldRoot", b.oldRoot), newRoot: word("newRoot", b.newRoot),
    queueStart: num("queueStart", b.queueStart), queueEnd: num("queueEnd", b.queueEnd), feeAccount: orNull(b.feeAccount, (x) => big("feeAccount", x)),
    totalFee: big("totalFee", b.totalFee), createdAt: b.createdAt, provenAt: b.provenAt,
    l1Tx: b.l1Tx, l1Block: orNull(b.l1Block, (x) => num("l1Block", x)), verifiedBlock: orNull(b.verifiedBlock, (x) => num("verifiedBlock", x)),
    verifiedAt: b.verifiedAt, gasUsed: orNull(b.gasUsed, (x) => big("gasUsed", x)), error: b.error,
    proofJob: j && {
      status: j.status, attempts: num("attempts", j.attempts), maxAttempts: num("maxAttempts", j.maxAttempts), worker: j.worker, lastError: j.lastError,
      ...(j.backend !== undefined ? { backend: j.backend } : {}),
      ...(j.provingMs !== undefined ? { provingMs: num("provingMs", j.provingMs) } : {}),
      ...(j.fallbackFrom !== undefined ? { fallbackFrom: j.fallbackFrom } : {}),
    },
  };
}

function batchView(b: BatchJson): BatchView {
  return { ...batchBaseView(b), publicInput: word("publicInput", b.publicInput), txData: b.txData, slots: b.slots };
}

function batchSummaryView(b: BatchSummaryJson): BatchSummaryView {
  return {
    ...batchBaseView(b), txs: num("txs", b.txs), l2Txs: num("l2Txs", b.l2Txs), transfers: num("transfers", b.transfers), withdrawals: num("withdrawals", b.withdrawals),
    deposits: num("deposits", b.deposits), forcedExits: num("forcedExits", b.forcedExits), rejected: num("rejected", b.rejected),
  };
}

function historyView(h: AccountHistoryJson): AccountHistoryView {
  return {
    account: big("account", h.account),
    items: h.items.map((i): AccountTxView | AccountL1RequestView => {
      if (i.kind === "l2") {
        const { kind, direction, receivedAt, ...tx } = i;
        return { ...txView(tx), kind, direction, receivedAt };
      }
      return {
        kind: "l1", position: num("position", i.position), type: i.type, tokenId: big("tokenId", i.tokenId), amount: orNull(i.amount, (x) => big("amount", x)),
        ethAddr: i.ethAddr, l1Tx: i.l1Tx, l1Block: num("l1Block", i.l1Block), seenAt: i.seenAt, stage: i.stage,
        batch: orNull(i.batch, (x) => num("batch", x)), slot: orNull(i.slot, (x) => num("slot", x)), outcome: i.outcome,
      };
    }),
    next: h.next,
  };
}

function operatorView(o: OperatorJson): OperatorView {
  const n = (field: string) => (x: unknown) => num(field, x);
  if (!/^(0|[1-9][0-9]*)\.[0-9]{2}$/.test(o.mempool.intakePerSecond)) throw new ApiResponseError(`intakePerSecond: a decimal with two fraction digits expected, got ${JSON.stringify(o.mempool.intakePerSecond)}`);
  const l1 = o.l1;
  return {
    time: o.time,
    proofJobs: o.proofJobs.map((j) => ({
      ...j, batch: num("batch", j.batch), attempts: num("attempts", j.attempts), maxAttempts: num("maxAttempts", j.maxAttempts), provingMs: orNull(j.provingMs, n("provingMs")),
    })),
    provers: o.provers.map((p) => ({ ...p, proven: num("proven", p.proven), proving: num("proving", p.proving), failed: num("failed", p.failed) })),
    mempool: { pending: num("pending", o.mempool.pending), acceptedLastMinute: num("acceptedLastMinute", o.mempool.acceptedLastMinute), intakePerSecond: Number(o.mempool.intakePerSecond) },
    l1: {
      headBlock: orNull(l1.headBlock, n("headBlock")), confirmedBlock: orNull(l1.confirmedBlock, n("confirmedBlock")), confirmations: orNull(l1.confirmations, n("confirmations")),
      queueLength: num("queueLength", l1.queueLength), queueConsumed: num("queueConsumed", l1.queueConsumed), pendingRequests: num("pendingRequests", l1.pendingRequests),
      oldestPending: l1.oldestPending && { position: num("position", l1.oldestPending.position), block: num("block", l1.oldestPending.block), ageBlocks: orNull(l1.oldestPending.ageBlocks, n("ageBlocks")) },
      exodusBlocks: orNull(l1.exodusBlocks, n("exodusBlocks")), exodusBlocksLeft: orNull(l1.exodusBlocksLeft, n("exodusBlocksLeft")),
    },
    lastVerified: o.lastVerified && {
      batch: num("batch", o.lastVerified.batch), block: orNull(o.lastVerified.block, n("block")), verifiedAt: o.lastVerified.verifiedAt, msSince: orNull(o.lastVerified.msSince, n("msSince")),
    },
    series: {
      provingMs: o.series.provingMs.map((p) => ({ batch: num("batch", p.batch), provingMs: num("provingMs", p.provingMs) })),
      verifiedPerMinute: o.series.verifiedPerMinute.map((m) => ({ minute: m.minute, txs: num("txs", m.txs), l2Txs: num("l2Txs", m.l2Txs) })),
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
    l1Rpc: i.l1Rpc, devnet: i.devnet,
  };
}

/** A page's query (`?before=…&limit=…`), absent values left out. */
function query(o: Record<string, string | number | undefined>): string {
  const q = Object.entries(o).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`);
  return q.length > 0 ? `?${q.join("&")}` : "";
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
  private async call<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const res = await fetch(this.url + path, {
        method,
        headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
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
  /** A page of batches, newest first: those numbered below `before` (default: all), at most `limit` (default 20, at most 100). */
  async batches(opts: { before?: number; limit?: number } = {}): Promise<BatchPageView> {
    const p = await this.call<BatchPageJson>("GET", `/batches${query(opts)}`);
    return { batches: p.batches.map(batchSummaryView), next: orNull(p.next, (x) => num("next", x)) };
  }
  /** A page of an account's history (L2 transactions and L1 requests), newest first; `before`: a page's `next`. */
  async accountHistory(index: bigint | number, opts: { before?: string; limit?: number } = {}): Promise<AccountHistoryView> {
    return historyView(await this.call<AccountHistoryJson>("GET", `/accounts/${index}/txs${query(opts)}`));
  }
  /** The accounts whose L1 address is `ethAddr` (any case). */
  async accountsByEthAddr(ethAddr: string): Promise<AccountView[]> {
    return (await this.call<AccountsJson>("GET", `/accounts?ethAddr=${encodeURIComponent(ethAddr)}`)).accounts.map(accountView);
  }
  /** What the operator's dashboard shows. */
  async operator(): Promise<OperatorView> { return operatorView(await this.call<OperatorJson>("GET", "/operator")); }
  /** Queues a failed proof job again (the operator's token, as `zkr up` wrote it into sequencer.json). */
  async retryProof(batch: number, token: string): Promise<{ batch: number; status: "queued" }> {
    const r = await this.call<RetriedJson>("POST", `/proofs/${batch}/retry`, {}, { authorization: `Bearer ${token}` });
    return { batch: num("batch", r.batch), status: r.status };
  }

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
