// The sequencer as a process: `node --import tsx sequencer/main.ts <config.json>`.
// Prints one JSON line `{ "listening": url }` on stdout once the API listens; SIGINT/SIGTERM stop
// it gracefully; a fatal error exits with status 2. Used by `zkr up` and by the crash tests, which
// kill it with SIGKILL and start it again on the same database.

import fs from "node:fs";
import { DEFAULTS, defaultVerifyThreads, type SequencerConfig } from "./config.js";
import { Sequencer } from "./sequencer.js";
import { sqliteProofQueue } from "./proofs.js";
import { listeningLine } from "./process.js";

/** The JSON form of a config: bigints as decimal strings; missing tuning takes the defaults. */
export type SequencerConfigJson = Omit<SequencerConfig, "chainId" | "feeAccount" | "batchMaxWaitMs" | "maxUnprovenBatches" | "maxMempool" | "tickMs" | "api" | "l1"> & {
  chainId: string | number;
  feeAccount?: string | number;
  batchMaxWaitMs?: number;
  maxUnprovenBatches?: number;
  maxMempool?: number;
  tickMs?: number;
  api?: Partial<SequencerConfig["api"]>;
  l1?: Pick<NonNullable<SequencerConfig["l1"]>, "rpcUrl" | "deployBlock" | "operatorKey"> & Partial<NonNullable<SequencerConfig["l1"]>>;
};

/** Reads a config from its JSON form. */
export function configFromJson(j: SequencerConfigJson): SequencerConfig {
  return {
    dbPath: j.dbPath,
    chainId: BigInt(j.chainId),
    rollup: j.rollup,
    slots: j.slots,
    depth: j.depth,
    feeAccount: j.feeAccount === undefined || j.feeAccount === null ? undefined : BigInt(j.feeAccount),
    batchMaxWaitMs: j.batchMaxWaitMs ?? DEFAULTS.batchMaxWaitMs,
    maxUnprovenBatches: j.maxUnprovenBatches ?? DEFAULTS.maxUnprovenBatches,
    maxMempool: j.maxMempool ?? DEFAULTS.maxMempool,
    tickMs: j.tickMs ?? DEFAULTS.tickMs,
    verifyThreads: j.verifyThreads ?? defaultVerifyThreads(),
    api: { ...DEFAULTS.api, ...j.api },
    l1: j.l1 && { ...DEFAULTS.l1, ...j.l1 },
  };
}

/** The JSON form of a config. */
export function configToJson(c: SequencerConfig): SequencerConfigJson {
  return { ...c, chainId: c.chainId.toString(), feeAccount: c.feeAccount?.toString() };
}

async function main(): Promise<void> {
  const file = process.argv[2];
  if (!file) throw new Error("usage: sequencer/main.ts <config.json>");
  const config = configFromJson(JSON.parse(fs.readFileSync(file, "utf8")) as SequencerConfigJson);
  const s = await Sequencer.start(config, { proofs: sqliteProofQueue, onFatal: () => process.exit(2) });
  process.stdout.write(listeningLine(s.url));
  const stop = () => void s.stop().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

if (process.argv[1] && /sequencer[/\\]main\.ts$/.test(process.argv[1])) {
  main().catch((e: Error) => {
    process.stderr.write(`sequencer: ${e.stack ?? e.message}\n`);
    process.exit(1);
  });
}
