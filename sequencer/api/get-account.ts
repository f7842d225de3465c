// GET /accounts/:index and GET /accounts?ax=…&ay=…: an account's leaf (after the last created
// batch) and its mempool view: the nonce its next transaction must carry and what it can spend.

import type { Account } from "../model/account.js";
import { RequestRejectedError, badRequest } from "../errors.js";
import type { SequencerContext } from "../context.js";
import type { ApiRequest, ApiResponse } from "./http.js";
import type { AccountJson, AccountsJson } from "./types.js";

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

function decimal(name: string, v: string | null | undefined, maxDigits: number): bigint {
  if (v === null || v === undefined || !/^(0|[1-9][0-9]*)$/.test(v) || v.length > maxDigits) {
    throw badRequest("invalid_field", `${name}: a decimal integer of at most ${maxDigits} digits expected, got ${JSON.stringify(v?.slice(0, 80) ?? null)}`);
  }
  return BigInt(v);
}

export function getAccount(ctx: SequencerContext, req: ApiRequest): ApiResponse {
  const index = decimal("index", req.params.index, 8);
  const a = ctx.state.accounts.get(index);
  if (!a) throw new RequestRejectedError(404, "not_found", `account ${index}: an existing account expected, got an empty leaf`);
  return { status: 200, body: view(ctx, index, a) };
}

/** Accounts owned by a public key (one key may hold several, e.g. one per token). */
export function findAccounts(ctx: SequencerContext, req: ApiRequest): ApiResponse {
  const ax = decimal("ax", req.query.get("ax"), 78);
  const ay = decimal("ay", req.query.get("ay"), 78);
  const rows = ctx.db.prepare("SELECT idx FROM accounts WHERE ax = ? AND ay = ? ORDER BY idx").all(ax.toString(), ay.toString()) as Array<{ idx: number }>;
  const body: AccountsJson = { accounts: rows.map((r) => view(ctx, BigInt(r.idx), ctx.state.accounts.get(BigInt(r.idx))!)) };
  return { status: 200, body };
}
