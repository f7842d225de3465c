// The sequencer's HTTP API: routes → handlers (one file each).
//
//   POST /txs                        submit a signed transfer or withdrawal → 202 { hash }
//   GET  /txs/:hash                  a transaction and its stage
//   GET  /accounts/:index            an account
//   GET  /accounts?ax=&ay=           the accounts of a public key
//   GET  /accounts?ethAddr=          the accounts of an L1 address
//   GET  /accounts/:index/txs        an account's history: L2 transactions and L1 requests, paged
//   GET  /batches?before=&limit=     a page of batches, newest first, slots counted
//   GET  /batches/:number            a batch
//   GET  /operator                   the operator's dashboard: proof jobs, provers, intake, L1, series
//   POST /proofs/:batch/retry        a failed proof job queued again (operator's bearer token)
//   GET  /health, GET /info          liveness and counters; chain id, circuit, public L1 RPC
//   GET  /, GET /app/…               the browser app's files, when an app folder is given
//
// Bodies follow one vocabulary (./types.ts): integers as decimal strings, roots and hashes as
// 0x and 64 hex digits, null for what is absent.

import type http from "node:http";
import type { SequencerContext } from "../context.js";
import { Router, createHttpServer } from "./http.js";
import type { HealthExtraJson } from "./types.js";
import { submitTx } from "./submit-tx.js";
import { getTx } from "./get-tx.js";
import { findAccounts, getAccount } from "./get-account.js";
import { getAccountTxs } from "./get-account-txs.js";
import { getBatch } from "./get-batch.js";
import { listBatches } from "./list-batches.js";
import { health, info } from "./health.js";
import { operator, type OperatorL1 } from "./operator.js";
import { retryProof } from "./retry-proof.js";
import { OPERATOR_TOKEN } from "./operator-auth.js";
import { AppFiles, connectOrigin } from "./app-files.js";
import { ApiConfigError } from "../errors.js";

/** What the API serves besides the routes on `ctx`, and what it knows beyond the database. */
export interface ApiOptions {
  /** The browser app's built files, served under /app/ (see ./app-files.ts). Absent: `/` and `/app/…` are 404. */
  appDir?: string;
  /** The operator's secret: 64 lower-case hex digits. Absent: operator actions answer 403. */
  operatorToken?: string;
  /** Origins the app may connect to besides this one (the public L1 RPC's, `config.api.publicL1Rpc`, is added). */
  connectSrc?: readonly string[];
  /** L1 as the running sequencer reads it, for GET /operator. Absent: unknown (null). */
  l1?: () => OperatorL1;
}

/**
 * The API on `ctx`: its server, and the router it serves (`router.list()` names every route).
 * @throws ApiConfigError for a weak operator token, or a public L1 RPC or origin that is no http(s) or ws(s) URL.
 */
export function createApi(ctx: SequencerContext, extraHealth: () => Partial<HealthExtraJson> = () => ({}), opts: ApiOptions = {}): { server: http.Server; router: Router } {
  const token = opts.operatorToken;
  if (token !== undefined && !OPERATOR_TOKEN.test(token)) {
    throw new ApiConfigError(`operatorToken: 64 lower-case hex digits expected (32 random bytes), got ${token.length} characters that are not`);
  }
  const publicRpc = ctx.config.api.publicL1Rpc;
  const connectSrc = [...(publicRpc === undefined ? [] : [connectOrigin("publicL1Rpc", publicRpc)]), ...(opts.connectSrc ?? []).map((o) => connectOrigin("connectSrc", o))];
  const l1 = opts.l1 ?? (() => ({ headBlock: null, exodusBlocks: null }));
  const router = new Router()
    .add("POST", "/txs", (r) => submitTx(ctx, r))
    .add("GET", "/txs/:hash", (r) => getTx(ctx, r))
    .add("GET", "/accounts", (r) => findAccounts(ctx, r), ["ax", "ay", "ethAddr"])
    .add("GET", "/accounts/:index", (r) => getAccount(ctx, r))
    .add("GET", "/accounts/:index/txs", (r) => getAccountTxs(ctx, r), ["before", "limit"])
    .add("GET", "/batches", (r) => listBatches(ctx, r), ["before", "limit"])
    .add("GET", "/batches/:number", (r) => getBatch(ctx, r))
    .add("GET", "/operator", () => operator(ctx, l1))
    .add("POST", "/proofs/:batch/retry", (r) => retryProof(ctx, token, r))
    .add("GET", "/health", () => health(ctx, extraHealth))
    .add("GET", "/info", () => info(ctx));
  const files = opts.appDir === undefined ? undefined : new AppFiles(opts.appDir, connectSrc);
  return { server: createHttpServer(router, ctx.log, files), router };
}
