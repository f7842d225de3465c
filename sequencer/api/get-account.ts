// GET /accounts/:index, GET /accounts?ax=…&ay=… and GET /accounts?ethAddr=0x…: an account's leaf
// (after the last created batch) and its mempool view: the nonce its next transaction must carry
// and what it can spend. An account is found by its index, by its owner's public key, or by the L1
// address that may withdraw it (the explorer's search).

import type { Account } from "../model/account.js";
import { RequestRejectedError, badRequest } from "../errors.js";
import type { SequencerContext } from "../context.js";
import type { ApiRequest, ApiResponse } from "./http.js";
import type { AccountJson, AccountsJson } from "./types.js";
import { decimalParam, quoteValue } from "./params.js";

function view(ctx: SequencerContext, index: bigint, a: Account): AccountJson {
  return {
    index: index.toString(),
    ax: a.ax.toString(),
    ay: a.ay.toString(),
    ethAddr: "0x" + a.ethAddr.toString(16).padStart(40, "0"),
    tokenId: a.tokenId.toString(),
    balance: a.balance.toString(),
    nonce: a.nonce.toString(),
    pendingTxs: ctx.mempool.pendingCount(index).toString(),
    nextNonce: ctx.mempool.nextNonce(index).toString(),
    spendable: (a.balance - ctx.mempool.pendingDebit(index)).toString(),
  };
}

export function getAccount(ctx: SequencerContext, req: ApiRequest): ApiResponse {
  const index = decimalParam("index", req.params.index, 8);
  const a = ctx.state.accounts.get(index);
  if (!a) throw new RequestRejectedError(404, "not_found", `account ${index}: an existing account expected, got an empty leaf`);
  return { status: 200, body: view(ctx, index, a) };
}

/**
 * Accounts owned by a public key (one key may hold several, e.g. one per token), or by an L1
 * address (any case in; lower case out, as every AccountJson writes it). Exactly one of the two.
 */
export function findAccounts(ctx: SequencerContext, req: ApiRequest): ApiResponse {
  const q = req.query;
  if (q.has("ethAddr") === (q.has("ax") || q.has("ay"))) {
    throw badRequest("invalid_query", `query: either ax and ay, or ethAddr expected, got ${[...q.keys()].join(" and ") || "neither"}`);
  }
  let rows: Array<{ idx: number }>;
  if (q.has("ethAddr")) {
    const v = q.get("ethAddr");
    if (v === null || !/^0x[0-9a-fA-F]{40}$/.test(v)) throw badRequest("invalid_field", `ethAddr: 0x and 40 hex digits expected, got ${quoteValue(v)}`);
    // Stored as the decimal of the address (store.ts saveAccount).
    rows = ctx.db.prepare("SELECT idx FROM accounts WHERE eth_addr = ? ORDER BY idx").all(BigInt(v).toString()) as Array<{ idx: number }>;
  } else {
    const ax = decimalParam("ax", q.get("ax"), 78);
    const ay = decimalParam("ay", q.get("ay"), 78);
    rows = ctx.db.prepare("SELECT idx FROM accounts WHERE ax = ? AND ay = ? ORDER BY idx").all(ax.toString(), ay.toString()) as Array<{ idx: number }>;
  }
  const body: AccountsJson = { accounts: rows.map((r) => view(ctx, BigInt(r.idx), ctx.state.accounts.get(BigInt(r.idx))!)) };
  return { status: 200, body };
}
