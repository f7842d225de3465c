// The mempool's admission groups: transactions that arrive while a group's signatures are verified
// are checked on arrival and stored together. One whose account is gone by the time its group is
// verified (batches undone after an L1 reorganisation, sequencer/l1/watcher.ts) is refused alone,
// 422 unknown_account, nothing stored for it; the others in its group are stored.

import fs from "node:fs";
import path from "node:path";
import { TxType } from "../sequencer/model/constants.js";
import { L1Queue } from "../sequencer/model/queue.js";
import { signTx } from "../sequencer/model/tx.js";
import { createBatch } from "../sequencer/batcher.js";
import type { Sequencer } from "../sequencer/sequencer.js";
import { RequestRejectedError } from "../sequencer/errors.js";
import { TEST_DOMAIN, user } from "../bench/fixtures/scenario.js";
import { createDeposit, offlineConfig } from "../bench/fixtures/seed.js";
import { feedL1, startOffline, tmpDir } from "./helpers/sequencer.js";

const ETH = 10n ** 18n;
const alice = user("alice");
const bob = user("bob");
let dir: string;
let seq: Sequencer;

beforeAll(async () => {
  dir = tmpDir("zkr-seq-mempool-");
  seq = await startOffline(offlineConfig(path.join(dir, "seq.db")));
  feedL1(seq, new L1Queue(), [createDeposit(0n, user("operator").pk, 1n, 0n), createDeposit(1n, alice.pk, alice.ethAddr, ETH), createDeposit(2n, bob.pk, bob.ethAddr, ETH)]);
  createBatch(seq.ctx);
});

afterAll(async () => {
  await seq?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test("a transaction whose account is gone before its group is verified is refused alone (unknown_account); the rest of the group is stored", async () => {
  const m = seq.ctx.mempool;
  const fromAlice = signTx({ type: TxType.Transfer, from: 1n, to: 0n, amount: 1000n, fee: 0n, nonce: m.nextNonce(1n) }, alice.sk, TEST_DOMAIN);
  const fromBob = signTx({ type: TxType.Transfer, from: 2n, to: 1n, amount: 1000n, fee: 0n, nonce: m.nextNonce(2n) }, bob.sk, TEST_DOMAIN);
  // Both pass the check on arrival and wait for the same group.
  const a = m.admitAsync(fromAlice);
  const b = m.admitAsync(fromBob);
  // Before the group is verified, bob's account disappears from the state (as an undone batch can make it).
  const bobAccount = seq.ctx.state.accounts.get(2n)!;
  seq.ctx.state.accounts.delete(2n);
  try {
    const [ra, rb] = await Promise.allSettled([a, b]);
    expect(ra.status).toBe("fulfilled");
    expect(rb.status).toBe("rejected");
    const err = (rb as PromiseRejectedResult).reason as RequestRejectedError;
    expect(err).toBeInstanceOf(RequestRejectedError);
    expect({ status: err.status, code: err.code }).toEqual({ status: 422, code: "unknown_account" });
    const rows = seq.ctx.db.prepare("SELECT from_idx FROM txs WHERE status = 'pending'").all() as { from_idx: number }[];
    expect(rows).toEqual([{ from_idx: 1 }]);
    expect(m.size).toBe(1);
  } finally {
    seq.ctx.state.accounts.set(2n, bobAccount);
  }
});
