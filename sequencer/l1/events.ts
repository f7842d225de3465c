// Reading the rollup contract's logs: the L1 requests (deposits, forced exits) and the verified
// batches, parsed into the model's types. Shared by the watcher and by `zkr sync`.

import type { Provider } from "ethers";
import { L1Kind } from "../model/constants.js";
import type { L1Request } from "../model/queue.js";
import { Rollup__factory } from "../../contracts/types/index.js";

const iface = Rollup__factory.createInterface();
const L1_REQUEST = iface.getEvent("L1Request").topicHash;
const BATCH_VERIFIED = iface.getEvent("BatchVerified").topicHash;

/** An L1Request log. */
export interface L1RequestLog {
  kind: "l1Request";
  position: number;
  request: L1Request;
  queueHash: bigint;
  block: number;
  blockHash: string;
  txHash: string;
  logIndex: number;
}

/** A BatchVerified log. */
export interface BatchVerifiedLog {
  kind: "batchVerified";
  batchNumber: number;
  oldRoot: bigint;
  newRoot: bigint;
  queueStart: number;
  queueEnd: number;
  feeAccount: number;
  txData: Uint8Array;
  block: number;
  blockHash: string;
  txHash: string;
  logIndex: number;
}

export type RollupLog = L1RequestLog | BatchVerifiedLog;

/** The L1 request an L1Request event describes. */
export function requestOf(kind: number, index: bigint, tokenId: bigint, ethAddr: string, amount: bigint, ax: bigint, ay: bigint): L1Request {
  const base = { index, tokenId, ethAddr: BigInt(ethAddr) };
  if (kind === L1Kind.CreateDeposit) return { kind: L1Kind.CreateDeposit, ...base, amount, ax, ay };
  if (kind === L1Kind.TopUp) return { kind: L1Kind.TopUp, ...base, amount };
  return { kind: L1Kind.ForcedExit, ...base };
}

/** L1Request and BatchVerified logs of `rollup` in blocks [from, to], in chain order. */
export async function readRollupLogs(provider: Provider, rollup: string, from: number, to: number): Promise<RollupLog[]> {
  const logs = await provider.getLogs({ address: rollup, fromBlock: from, toBlock: to, topics: [[L1_REQUEST, BATCH_VERIFIED]] });
  const out: RollupLog[] = [];
  for (const log of logs) {
    const parsed = iface.parseLog({ topics: [...log.topics], data: log.data });
    if (!parsed) continue;
    const a = parsed.args;
    const where = { block: log.blockNumber, blockHash: log.blockHash, txHash: log.transactionHash, logIndex: log.index };
    if (parsed.name === "L1Request") {
      out.push({
        kind: "l1Request",
        position: Number(a.position),
        request: requestOf(Number(a.kind), a.accountIndex as bigint, a.tokenId as bigint, a.ethAddr as string, a.amount as bigint, a.ax as bigint, a.ay as bigint),
        queueHash: a.queueHash as bigint,
        ...where,
      });
    } else if (parsed.name === "BatchVerified") {
      out.push({
        kind: "batchVerified",
        batchNumber: Number(a.batchNumber),
        oldRoot: a.oldRoot as bigint,
        newRoot: a.newRoot as bigint,
        queueStart: Number(a.queueStart),
        queueEnd: Number(a.queueEnd),
        feeAccount: Number(a.feeAccount),
        txData: Uint8Array.from(Buffer.from((a.txData as string).slice(2), "hex")),
        ...where,
      });
    }
  }
  out.sort((x, y) => x.block - y.block || x.logIndex - y.logIndex);
  return out;
}
