// GET /operator: what the operator's dashboard shows, read-only and public: the last proof jobs and
// the provers that hold or held them; the mempool's depth and intake; L1 (head, confirmed block,
// the queue and how long its oldest request has waited, against the contract's exodus limit); the
// last verified batch; and two series for charts: the proving step's duration per batch, and the
// transactions of batches verified per minute (from the batches' verification times and their
// slots' tags). Nothing secret: no lease token, no circuit input, no proof.
//
// Cost: index reads only for the jobs and provers (core/jobs/table.ts: none walks a job's input);
// the verified batches of the last 30 minutes, newest first, their slots' tags read.

import { proofJobSummaries } from "../../core/jobs/table.js";
import { slotTypes } from "../model/tx.js";
import { TxType } from "../model/constants.js";
import { getMeta } from "../db.js";
import type { SequencerContext } from "../context.js";
import type { ApiResponse } from "./http.js";
import type { OperatorJson, OperatorProofJobJson, ProverJson } from "./types.js";
import { decimalOrNull, timeOrNull } from "./get-batch.js";

/** What the running sequencer knows of L1 beyond the database: the head the watcher last read, and the contract's exodus limit. */
export interface OperatorL1 {
  headBlock: number | null;
  exodusBlocks: bigint | null;
}

const RECENT_JOBS = 50;
const PROVERS = 100;
const SERIES_JOBS = 100;
const SERIES_MINUTES = 30;

const L2: ReadonlySet<TxType> = new Set([TxType.Transfer, TxType.Withdraw]);

export function operator(ctx: SequencerContext, l1: () => OperatorL1): ApiResponse {
  const { db } = ctx;
  const now = Date.now();
  const iso = (ms: number) => new Date(ms).toISOString();

  const proofJobs = proofJobSummaries(db, { last: RECENT_JOBS }).map((j): OperatorProofJobJson => ({
    batch: String(j.batchNumber), status: j.status, attempts: String(j.attempts), maxAttempts: String(j.maxAttempts), worker: j.worker, lastError: j.lastError,
    backend: j.backend, provingMs: decimalOrNull(j.provingMs), fallbackFrom: j.fallbackFrom,
    createdAt: iso(j.createdAt), updatedAt: iso(j.updatedAt), provenAt: timeOrNull(j.provenAt), leaseExpiresAt: j.status === "proving" ? timeOrNull(j.leaseExpiresAt) : null,
  }));

  const backendOf = db.prepare("SELECT backend FROM proof_jobs WHERE worker = ? AND status = 'proven' ORDER BY updated_at DESC LIMIT 1");
  const provers = (db.prepare(
    `SELECT worker, MAX(updated_at) AS last_seen, SUM(status = 'proven') AS proven, SUM(status = 'proving') AS proving, SUM(status = 'failed') AS failed
     FROM proof_jobs WHERE worker IS NOT NULL GROUP BY worker ORDER BY last_seen DESC, worker LIMIT ?`,
  ).all(PROVERS) as Array<{ worker: string; last_seen: number; proven: number; proving: number; failed: number }>).map((p): ProverJson => ({
    worker: p.worker, backend: (backendOf.get(p.worker) as { backend: string | null } | undefined)?.backend ?? null, lastSeen: iso(p.last_seen),
    proven: String(p.proven), proving: String(p.proving), failed: String(p.failed),
  }));

  const accepted = ctx.mempool.intake.count(now);
  const { headBlock, exodusBlocks } = l1();
  const queueLength = ctx.queue.length;
  const consumed = Number(ctx.state.queueNext);
  const oldest = consumed < queueLength ? (db.prepare("SELECT position, block FROM l1_requests WHERE position = ?").get(consumed) as { position: number; block: number } | undefined) : undefined;
  const age = oldest && headBlock !== null ? Math.max(0, headBlock - oldest.block) : null;
  // The contract lets anyone activate exodus once the oldest request has waited more than exodusBlocks blocks.
  const left = age !== null && exodusBlocks !== null ? (exodusBlocks + 1n - BigInt(age) > 0n ? exodusBlocks + 1n - BigInt(age) : 0n) : null;

  const last = db.prepare("SELECT number, verified_block, verified_at FROM batches WHERE status = 'verified' ORDER BY number DESC LIMIT 1").get() as
    { number: number; verified_block: number | null; verified_at: number | null } | undefined;

  const provingMs = proofJobSummaries(db, { status: "proven", last: SERIES_JOBS }).reverse().map((j) => ({ batch: String(j.batchNumber), provingMs: String(j.provingMs) }));

  // Minutes of the wall clock, the current one last; batches verified in them, newest first until an older one.
  const minute = Math.floor(now / 60_000);
  const first = minute - SERIES_MINUTES + 1;
  const perMinute = Array.from({ length: SERIES_MINUTES }, () => ({ txs: 0, l2Txs: 0 }));
  for (const b of db.prepare("SELECT tx_data, verified_at FROM batches WHERE status = 'verified' ORDER BY number DESC").iterate() as IterableIterator<{ tx_data: Buffer; verified_at: number | null }>) {
    if (b.verified_at === null) break;
    const m = Math.floor(b.verified_at / 60_000);
    if (m < first) break;
    if (m > minute) continue; // the clock went back
    const types = slotTypes(new Uint8Array(b.tx_data));
    perMinute[m - first].txs += types.filter((t) => t !== TxType.Noop).length;
    perMinute[m - first].l2Txs += types.filter((t) => L2.has(t)).length;
  }

  const body: OperatorJson = {
    time: iso(now),
    proofJobs,
    provers,
    mempool: { pending: String(ctx.mempool.size), acceptedLastMinute: String(accepted), intakePerSecond: (accepted / 60).toFixed(2) },
    l1: {
      headBlock: decimalOrNull(headBlock), confirmedBlock: getMeta(db, "l1_block") ?? null, confirmations: ctx.config.l1 ? String(ctx.config.l1.confirmations) : null,
      queueLength: String(queueLength), queueConsumed: String(consumed), pendingRequests: String(queueLength - consumed),
      oldestPending: oldest ? { position: String(oldest.position), block: String(oldest.block), ageBlocks: decimalOrNull(age) } : null,
      exodusBlocks: exodusBlocks === null ? null : exodusBlocks.toString(), exodusBlocksLeft: left === null ? null : left.toString(),
    },
    lastVerified: last ? { batch: String(last.number), block: decimalOrNull(last.verified_block), verifiedAt: timeOrNull(last.verified_at), msSince: last.verified_at === null ? null : String(Math.max(0, now - last.verified_at)) } : null,
    series: {
      provingMs,
      verifiedPerMinute: perMinute.map((c, k) => ({ minute: iso((first + k) * 60_000), txs: String(c.txs), l2Txs: String(c.l2Txs) })),
    },
  };
  return { status: 200, body };
}
