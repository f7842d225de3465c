// What every part of the sequencer shares: the database, the configuration, the in-memory state
// and queue (rebuilt from the database at start), the mempool's totals and the proof queue.

import type { Db } from "./db.js";
import type { SequencerConfig } from "./config.js";
import type { RollupState } from "./model/state.js";
import type { L1Queue } from "./model/queue.js";
import type { Mempool } from "./mempool.js";
import type { ProofQueue } from "./proofs.js";

export type Log = (line: string) => void;

export interface SequencerContext {
  db: Db;
  config: SequencerConfig;
  /** The state after the last created batch. */
  state: RollupState;
  /** The L1 queue as read from confirmed events. */
  queue: L1Queue;
  mempool: Mempool;
  proofs: ProofQueue;
  log: Log;
}

/**
 * Fault injection for the crash tests: when `ZKR_CRASH_AT` is `name`, or `name@n` and this is
 * batch `n`, the process kills itself with SIGKILL on the spot (no handlers, no flush), as a power
 * cut or an OOM kill would.
 */
export function crashPoint(name: string, batch?: number | bigint): void {
  const at = process.env.ZKR_CRASH_AT;
  if (at === undefined) return;
  if (at === name || (batch !== undefined && at === `${name}@${batch}`)) {
    process.stderr.write(`crash point ${at}: SIGKILL\n`);
    process.kill(process.pid, "SIGKILL");
  }
}
