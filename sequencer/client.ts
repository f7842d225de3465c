// A client of the sequencer's HTTP API, for the wallet, the demo, the benchmark and the tests.

import type { Signature } from "./model/keys.js";
import type { SignedTx } from "./model/tx.js";
import { txToJson } from "./codec.js";
import { ZkrError } from "../core/errors.js";

/** An account as the API returns it. */
export interface AccountView {
  index: string; ax: string; ay: string; ethAddr: string; tokenId: string; balance: string; nonce: string;
  pendingTxs: string; nextNonce: string; spendable: string;
}

/** A transaction's status as the API returns it. */
export interface TxView {
  hash: string; type: "transfer" | "withdraw"; from: number; to?: number; amount: string; fee: string; nonce: number;
  stage: "pending" | "in_batch" | "proving" | "proven" | "submitted" | "verified" | "dropped";
  batch?: number; slot?: number; l1Tx?: string; l1Block?: number; verifiedBlock?: number; reason?: string;
}

/** What `/info` says. */
export interface InfoView { chainId: string; domain: string; slots: number; depth: number; feeAccount: string | null; rollup: string; batchMaxWaitMs: number }

/** The API refused a request. */
export class ApiError extends ZkrError {
  override name = "ApiError" as const;
  constructor(readonly status: number, readonly code: string, message: string) {
    super(`${status} ${code}: ${message}`);
  }
}

const ORDER = ["pending", "in_batch", "proving", "proven", "submitted", "verified"] as const;

export class SequencerClient {
  constructor(readonly url: string) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(this.url + path, {
      method,
      headers: body === undefined ? undefined : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json()) as T & { error?: string; message?: string };
    if (!res.ok) throw new ApiError(res.status, json.error ?? "error", json.message ?? res.statusText);
    return json;
  }

  info(): Promise<InfoView> { return this.call("GET", "/info"); }
  health(): Promise<Record<string, unknown>> { return this.call("GET", "/health"); }
  account(index: bigint | number): Promise<AccountView> { return this.call("GET", `/accounts/${index}`); }
  async accountsOf(pk: readonly [bigint, bigint]): Promise<AccountView[]> {
    return (await this.call<{ accounts: AccountView[] }>("GET", `/accounts?ax=${pk[0]}&ay=${pk[1]}`)).accounts;
  }
  tx(hash: string): Promise<TxView> { return this.call("GET", `/txs/${hash}`); }
  batch(n: number): Promise<Record<string, unknown>> { return this.call("GET", `/batches/${n}`); }

  /** Submits a signed transaction; resolves to its hash once the sequencer stored it. */
  async submit(tx: SignedTx & { sig: Signature }): Promise<string> {
    return (await this.call<{ hash: string }>("POST", "/txs", txToJson(tx))).hash;
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
