// The sequencer as a process: `node --import tsx sequencer/main.ts <config.json>`.
// Prints one JSON line `{ "listening": url }` on stdout once the API listens; SIGINT/SIGTERM stop
// it gracefully; a fatal error exits with status 2. Used by `zkr up` and by the crash tests, which
// kill it with SIGKILL and start it again on the same database.
//
// The operator's private key (`l1.operatorKey`) comes from the config file only if no one but its
// owner can read it (mode 0600), or from the environment variable ZKR_OPERATOR_KEY, never from
// the command line; a config that breaks this is refused with a message and exit status 1. So is
// one that holds the API's operator token (`api.operatorToken`) and that others may read.

import { DEFAULTS, DEVNET_L1, defaultVerifyThreads, type SequencerConfig } from "./config.js";
import { Sequencer } from "./sequencer.js";
import { sqliteProofQueue } from "./proofs.js";
import { listeningLine } from "./process.js";
import { SecretError, parsePrivateJson, privateKeyHex, readFileAndMode } from "./secrets.js";
import { ZkrError } from "../core/errors.js";
import { minFeesFromJson } from "./fees.js";

/** Environment variable that may hold the operator's key instead of the config file. */
export const OPERATOR_KEY_ENV = "ZKR_OPERATOR_KEY";

/** The JSON form of a config: bigints as decimal strings; missing tuning takes the defaults. */
export type SequencerConfigJson = Omit<SequencerConfig, "chainId" | "feeAccount" | "minFees" | "batchMaxWaitMs" | "maxUnprovenBatches" | "maxMempool" | "tickMs" | "api" | "l1"> & {
  chainId: string | number;
  feeAccount?: string | number;
  /** `{ "<token id>": "<least fee, wei>" }`. */
  minFees?: Record<string, string | number>;
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
    minFees: minFeesFromJson(j.minFees),
    batchMaxWaitMs: j.batchMaxWaitMs ?? DEFAULTS.batchMaxWaitMs,
    maxUnprovenBatches: j.maxUnprovenBatches ?? DEFAULTS.maxUnprovenBatches,
    maxMempool: j.maxMempool ?? DEFAULTS.maxMempool,
    tickMs: j.tickMs ?? DEFAULTS.tickMs,
    verifyThreads: j.verifyThreads ?? defaultVerifyThreads(),
    api: { ...DEFAULTS.api, ...j.api },
    l1: j.l1 && { ...(j.l1.devnet ? DEVNET_L1 : DEFAULTS.l1), ...j.l1 },
  };
}

/** The JSON form of a config. */
export function configToJson(c: SequencerConfig): SequencerConfigJson {
  return {
    ...c, chainId: c.chainId.toString(), feeAccount: c.feeAccount?.toString(),
    minFees: c.minFees && Object.fromEntries(Object.entries(c.minFees).map(([t, v]) => [t, v.toString()])),
  };
}

/**
 * Reads a config file. With an L1, the operator's key is either in the file, which then must be
 * readable by its owner only (mode 0600), or in the environment's ZKR_OPERATOR_KEY; not both. A
 * file that holds the API's operator token must be readable by its owner only too.
 * @throws SecretError naming what is wrong, never quoting the key.
 */
export function loadConfigFile(file: string, env: NodeJS.ProcessEnv = process.env): SequencerConfig {
  const { text, notPrivate } = readFileAndMode(file, "config");
  const j = parsePrivateJson(text, `config ${file}`) as Omit<SequencerConfigJson, "l1"> & { l1?: Omit<NonNullable<SequencerConfigJson["l1"]>, "operatorKey"> & { operatorKey?: unknown } };
  if (j.api?.operatorToken !== undefined && notPrivate) throw new SecretError(`api.operatorToken in ${file}: a config only its owner may read expected; ${notPrivate.message}`);
  if (j.l1) {
    const fromEnv = env[OPERATOR_KEY_ENV];
    let key: string;
    if (j.l1.operatorKey !== undefined) {
      if (fromEnv !== undefined) throw new SecretError(`operator key: one source expected, got both l1.operatorKey in ${file} and ${OPERATOR_KEY_ENV}`);
      if (notPrivate) throw notPrivate;
      key = privateKeyHex(typeof j.l1.operatorKey === "string" ? j.l1.operatorKey : "", `l1.operatorKey in ${file}`);
    } else {
      if (fromEnv === undefined) throw new SecretError(`operator key: l1.operatorKey in ${file} (mode 0600) or ${OPERATOR_KEY_ENV} expected, got neither`);
      key = privateKeyHex(fromEnv, OPERATOR_KEY_ENV);
    }
    return configFromJson({ ...j, l1: { ...j.l1, operatorKey: key } });
  }
  return configFromJson(j as SequencerConfigJson);
}

async function main(): Promise<void> {
  const file = process.argv[2];
  if (!file) throw new Error("usage: sequencer/main.ts <config.json>");
  const config = loadConfigFile(file);
  const s = await Sequencer.start(config, { proofs: sqliteProofQueue, onFatal: () => process.exit(2) });
  process.stdout.write(listeningLine(s.url));
  const stop = () => void s.stop().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

if (process.argv[1] && /sequencer[/\\]main\.ts$/.test(process.argv[1])) {
  main().catch((e: Error) => {
    process.stderr.write(`sequencer: ${e instanceof ZkrError ? e.message : e.stack ?? e.message}\n`);
    process.exit(1);
  });
}
