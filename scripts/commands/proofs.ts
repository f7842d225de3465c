/**
 * `zkr proofs`: the operator's view of the proof jobs in a sequencer's database, and the way to
 * unblock the chain when one failed for good (a batch that cannot be proven holds every later
 * batch back from L1). `retry` gives a failed job fresh attempts; a `zkr prover` on the same
 * database, or on Redis behind the sequencer's bridge, takes it again.
 */
import type { Command } from "commander";
import { descriptionOf } from "./index.js";
import fs from "node:fs";
import path from "node:path";
import { PROOF_JOB_STATUSES, type ProofJob, type ProofJobStatus } from "../../core/jobs/types.js";
import { DEVNET_DIR } from "../../contracts/devnet-files.js";
import { int } from "./options.js";

const DEFAULT_DB = path.join(DEVNET_DIR, "sequencer.db");

/** The job table (SQLite), loaded by the subcommand that runs, not by --help. */
const table = () => import("../../core/jobs/table.js");

async function openExisting(file: string) {
  if (!fs.existsSync(file)) throw new Error(`${file}: no such database (a sequencer writes it: 'zkr up' puts it under --out; pass --db)`);
  return (await table()).openProofJobDb(file);
}

function line(j: ProofJob): string {
  const took = j.result ? ` proving ${(j.result.provingMs / 1000).toFixed(2)} s on ${j.result.backend}${j.result.fallbackFrom ? ` (after ${j.result.fallbackFrom})` : ""}` : "";
  const who = j.worker ? ` by ${j.worker}` : "";
  const err = j.lastError ? `\n      last error: ${j.lastError}` : "";
  return `batch ${String(j.batchNumber).padStart(5)}  ${j.status.padEnd(7)}  ${j.circuit.txs}x${j.circuit.depth}  attempts ${j.attempts}/${j.maxAttempts}${who}${took}${err}`;
}

export function registerProofs(program: Command): void {
  const proofs = program.command("proofs").description(descriptionOf("proofs"));

  proofs
    .command("list", { isDefault: true })
    .description("the jobs, in batch order, with status, attempts, worker and last error")
    .option("--db <file>", "the sequencer's SQLite database", DEFAULT_DB)
    .option("--status <s>", `only jobs in this status (${PROOF_JOB_STATUSES.join(", ")})`)
    .option("--last <n>", "only the last n jobs", int("last"), 20)
    .action(async (o: { db: string; status?: string; last: number }) => {
      if (o.status && !PROOF_JOB_STATUSES.includes(o.status as ProofJobStatus)) throw new Error(`--status: one of ${PROOF_JOB_STATUSES.join(", ")} expected, got ${JSON.stringify(o.status)}`);
      const { failedProofJobs, listProofJobs } = await table();
      const db = await openExisting(o.db);
      try {
        const jobs = listProofJobs(db, { status: o.status as ProofJobStatus | undefined, last: o.last });
        if (jobs.length === 0) console.log(o.status ? `no ${o.status} proof jobs` : "no proof jobs yet");
        for (const j of jobs) console.log(line(j));
        const failed = failedProofJobs(db);
        if (failed.length > 0) console.log(`\n${failed.length} failed for good (batches ${failed.map((j) => j.batchNumber).join(", ")}): later batches wait behind them; fix the cause, then 'zkr proofs retry ${failed[0].batchNumber}'`);
      } finally {
        db.close();
      }
    });

  proofs
    .command("retry")
    .description("give failed jobs fresh attempts (after fixing what made them fail)")
    .argument("<batch...>", "batch numbers")
    .option("--db <file>", "the sequencer's SQLite database", DEFAULT_DB)
    .action(async (batches: string[], o: { db: string }) => {
      const numbers = batches.map((b) => {
        if (!/^(0|[1-9][0-9]{0,9})$/.test(b)) throw new Error(`batch: a batch number expected, got ${JSON.stringify(b)}`);
        return Number(b);
      });
      const { getProofJob, retryProofJob } = await table();
      const db = await openExisting(o.db);
      try {
        let refused = 0;
        for (const n of numbers) {
          if (retryProofJob(db, n)) {
            console.log(`batch ${n}: queued again with fresh attempts`);
            continue;
          }
          refused++;
          const j = getProofJob(db, n);
          console.error(`batch ${n}: ${j ? `not failed (it is ${j.status}); left as it is` : "no proof job"}`);
        }
        if (refused > 0) process.exitCode = 1;
      } finally {
        db.close();
      }
    });
}
