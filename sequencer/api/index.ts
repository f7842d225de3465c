// The sequencer's HTTP API: routes → handlers (one file each).
//
//   POST /txs                 submit a signed transfer or withdrawal → 202 { hash }
//   GET  /txs/:hash           a transaction and its stage
//   GET  /accounts/:index     an account
//   GET  /accounts?ax=&ay=    the accounts of a public key
//   GET  /batches/:number     a batch
//   GET  /health, GET /info   liveness and counters; chain id and circuit
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
import { getBatch } from "./get-batch.js";
import { health, info } from "./health.js";

/** The API on `ctx`: its server, and the router it serves (`router.list()` names every route). */
export function createApi(ctx: SequencerContext, extraHealth: () => Partial<HealthExtraJson> = () => ({})): { server: http.Server; router: Router } {
  const router = new Router()
    .add("POST", "/txs", (r) => submitTx(ctx, r))
    .add("GET", "/txs/:hash", (r) => getTx(ctx, r))
    .add("GET", "/accounts", (r) => findAccounts(ctx, r), ["ax", "ay"])
    .add("GET", "/accounts/:index", (r) => getAccount(ctx, r))
    .add("GET", "/batches/:number", (r) => getBatch(ctx, r))
    .add("GET", "/health", () => health(ctx, extraHealth))
    .add("GET", "/info", () => info(ctx));
  return { server: createHttpServer(router, ctx.log), router };
}
