// Attacks that try to jam the L1 queue (docs/SECURITY.md "The L1 queue"): a request the batch cannot
// consume stops the rollup for good (queue entries are consumed in order), then exodus follows.
//
// 3. A create-deposit whose key (Ax, Ay) is off the BabyJubJub curve: circomlib's EdDSA verifier
//    computes with the key even when disabled, and for such keys no witness existed.
// 4. A top-up that takes a balance to 2^128 or beyond: the circuit's Num2Bits(128) failed.
// 6. Accounts for free: zero-value create-deposits filled the tree for the price of gas.
//
// Each request must now be consumed: applied when it can be, else rejected (state unchanged, deposit
// refunded on L1), and the circuit decides which, not the operator. Shown in the model and the
// circuit (witnesses for both readings of every slot), then on anvil with real proofs: the batch
// verifies and the depositors claim their refunds.

import { devKeys, type DevKeys } from "../circuits/devkeys.js";
import { releaseSnarkjs } from "../circuits/witness.js";
import path from "node:path";
import { applyBatch, type RollupWitnessInputs } from "../sequencer/model/batch.js";
import { babyjubOnCurve } from "../sequencer/model/babyjub.js";
import { L1Kind, TxType, pow2 } from "../sequencer/model/constants.js";
import { BalanceOverflowError, InvalidKeyError, UnknownAccountError } from "../sequencer/model/errors.js";
import { encodeTx, signTx, txDataToBigint } from "../sequencer/model/tx.js";
import { startChain, type ChainWorld } from "./helpers/chain.js";
import { loadCircuit, txLine, type TestCircuit } from "./helpers/circuit.js";
import { rng } from "../bench/fixtures/rng.js";
import { Scenario, user } from "../bench/fixtures/scenario.js";
import { feedL1, tmpDir } from "./helpers/sequencer.js";
import { createDeposit, offlineConfig } from "../bench/fixtures/seed.js";
import { Sequencer } from "../sequencer/sequencer.js";
import { sqliteProofQueue } from "../sequencer/proofs.js";
import { createBatch } from "../sequencer/batcher.js";
import { L1Queue } from "../sequencer/model/queue.js";
import { syncFromL1 } from "../sequencer/sync.js";

const CONFIG = { txs: 4, depth: 8 };
const ETH = 10n ** 18n;
const MAX_BALANCE = pow2(128) - 1n;
const log = (l: string) => process.stderr.write(`  ${l}\n`);

/** Off-curve pairs as an attacker picks them: random field elements (seeded). */
function offCurveKeys(n: number): Array<[bigint, bigint]> {
  const r = rng(99);
  const keys: Array<[bigint, bigint]> = [];
  while (keys.length < n) {
    const k: [bigint, bigint] = [r.bigint(253), r.bigint(253)];
    if (!babyjubOnCurve(k)) keys.push(k);
  }
  return keys;
}

const VALIDITY = "isL1 * (isRejected - invalid) === 0";

const asInput = (w: RollupWitnessInputs) => w as unknown as Record<string, unknown>;

/** The witness with slot `slot` re-typed (its other inputs as they are). */
function retyped(w: RollupWitnessInputs, slot: number, type: TxType, index: bigint): RollupWitnessInputs {
  const f = structuredClone(w);
  f.txData[slot] = txDataToBigint(encodeTx(type === TxType.Rejected ? { type, index } : { type: TxType.Deposit, index }));
  return f;
}

describe("model and circuit: every L1 request is consumed, applied or rejected, and the circuit decides which", () => {
  let circuit: TestCircuit;
  beforeAll(async () => {
    circuit = await loadCircuit(CONFIG);
  });

  test("off-curve create-deposits (finding 3) are consumed as rejected with the top-up and forced exit of their index; the batch has a witness", async () => {
    const s = new Scenario(CONFIG.depth);
    const mallory = user("mallory");
    applyBatch(s.state, [s.create(user("operator"), 0n, 0n)], s.queue, { slots: CONFIG.txs });
    for (const [ax, ay] of offCurveKeys(2)) {
      const index = s.queue.nextAccountIndex;
      s.queue.append({ kind: L1Kind.CreateDeposit, index, tokenId: 0n, ethAddr: mallory.ethAddr, amount: ETH, ax, ay });
      s.queue.append({ kind: L1Kind.TopUp, index, tokenId: 0n, ethAddr: mallory.ethAddr, amount: 5n });
      s.queue.append({ kind: L1Kind.ForcedExit, index, tokenId: 0n, ethAddr: mallory.ethAddr });
      const alice = s.create(user(`alice-${index}`), 0n, ETH);
      const rootBefore = s.state.root;
      const res = applyBatch(s.state, [
        { type: TxType.Deposit, index }, { type: TxType.Deposit, index }, { type: TxType.ForcedExit, index, amount: 0n, exponent: 0 }, alice,
      ], s.queue, { slots: CONFIG.txs });
      expect(res.txs.map((t) => t.type)).toEqual([TxType.Rejected, TxType.Rejected, TxType.Rejected, TxType.Deposit]);
      expect(res.rejected.map((r) => r.reason.constructor)).toEqual([InvalidKeyError, UnknownAccountError, UnknownAccountError]);
      expect(s.state.account(index)).toBeUndefined();
      expect(s.state.account(alice.index)!.balance).toBe(ETH);
      expect(res.oldRoot).toBe(rootBefore);

      const witness = await circuit.witness(asInput(res.witnessInputs));
      expect(witness[circuit.signal("main.publicInput")]).toBe(res.publicInput);
      expect(await circuit.check(witness)).toBe(true);
      // The operator cannot choose otherwise: the create applied instead, or alice's valid create rejected.
      const applied = retyped(res.witnessInputs, 0, TxType.Deposit, index);
      applied.aEmpty[0] = 1n;
      applied.aAx[0] = applied.l1Ax[0];
      applied.aAy[0] = applied.l1Ay[0];
      applied.aEthAddr[0] = applied.l1EthAddr[0];
      await expect(circuit.witness(asInput(applied))).rejects.toThrow(txLine(VALIDITY));
      await expect(circuit.witness(asInput(retyped(res.witnessInputs, 3, TxType.Rejected, alice.index)))).rejects.toThrow(txLine(VALIDITY));
    }
  });

  test("a top-up past 2^128 (finding 4) is consumed as rejected; one that fits exactly is applied, and neither can be read the other way", async () => {
    const s = new Scenario(CONFIG.depth);
    const dave = s.create(user("dave"), 1n, MAX_BALANCE - 100n);
    applyBatch(s.state, [dave], s.queue, { slots: CONFIG.txs });
    const over = s.topUp(dave.index, 101n);
    const fits = s.topUp(dave.index, 100n);
    const res = applyBatch(s.state, [over, fits], s.queue, { slots: CONFIG.txs });
    expect(res.txs.slice(0, 2)).toEqual([{ type: TxType.Rejected, index: dave.index }, { type: TxType.Deposit, index: dave.index }]);
    expect(res.rejected).toHaveLength(1);
    expect(res.rejected[0].reason).toBeInstanceOf(BalanceOverflowError);
    expect(s.state.account(dave.index)!.balance).toBe(MAX_BALANCE);

    const witness = await circuit.witness(asInput(res.witnessInputs));
    expect(witness[circuit.signal("main.publicInput")]).toBe(res.publicInput);
    expect(await circuit.check(witness)).toBe(true);
    // Applying the overflowing top-up has no witness; rejecting the one that fits is refused.
    await expect(circuit.witness(asInput(retyped(res.witnessInputs, 0, TxType.Deposit, dave.index)))).rejects.toThrow();
    await expect(circuit.witness(asInput(retyped(res.witnessInputs, 1, TxType.Rejected, dave.index)))).rejects.toThrow(txLine(VALIDITY));
  });
});

test("the sequencer batches what cannot apply as rejected, says why, and goes on with the queue", async () => {
  const logs: string[] = [];
  const config = { ...offlineConfig(path.join(tmpDir("zkr-attack-queue-"), "seq.db")), feeAccount: undefined };
  const seq = await Sequencer.start(config, { proofs: sqliteProofQueue, log: (l) => logs.push(l) });
  try {
    const [ax, ay] = offCurveKeys(1)[0];
    const alice = user("alice");
    feedL1(seq, new L1Queue(), [
      { kind: L1Kind.CreateDeposit, index: 0n, tokenId: 0n, ethAddr: 7n, amount: ETH, ax, ay },
      { kind: L1Kind.TopUp, index: 0n, tokenId: 0n, ethAddr: 8n, amount: 5n },
      createDeposit(1n, alice.pk, alice.ethAddr, MAX_BALANCE),
      { kind: L1Kind.TopUp, index: 1n, tokenId: 0n, ethAddr: 9n, amount: 1n },
    ]);
    const res = createBatch(seq.ctx)!;
    expect(res.txs.map((t) => t.type)).toEqual([TxType.Rejected, TxType.Rejected, TxType.Deposit, TxType.Rejected]);
    expect(seq.ctx.state.queueNext).toBe(4n);
    expect(seq.ctx.state.account(0n)).toBeUndefined();
    expect(seq.ctx.state.account(1n)!.balance).toBe(MAX_BALANCE);
    expect(logs.filter((l) => /L1 request \d+ rejected, its deposit is refunded on L1/.test(l))).toHaveLength(3);
  } finally {
    await seq.stop();
  }
});

describe("on anvil with real proofs: rejected requests are verified and refunded, and the rollup goes on", () => {
  let keys: DevKeys;
  let w: ChainWorld;
  const [mallory, bob, alice] = ["mallory", "bob", "alice"].map(user);
  const MALLORY = 1, BOB = 2, CAROL = 3, ALICE = 4;

  beforeAll(async () => {
    keys = await devKeys(CONFIG, { log });
    // RollupHarness accepts an off-curve key at request time, as the contract did before: the
    // circuit's guard must hold on its own.
    w = await startChain({ verifier: keys, harness: true });
  });

  afterAll(async () => {
    await w?.stop();
    await releaseSnarkjs();
  });

  test("the real contract refuses off-curve keys and zero-fee creates at request time (findings 3 and 6)", async () => {
    const real = await startChain({ verifier: "mock" });
    try {
      const fee = real.dep.createFee;
      const [ax, ay] = offCurveKeys(1)[0];
      expect(await real.revert(real.as(MALLORY).deposit(ax, ay, { value: ETH + fee }))).toBe("KeyNotOnCurve");
      // Free accounts are gone: a create pays the fee (0 or 1 wei short is refused), and the fee
      // goes to the operator once a batch consumes the request.
      expect(fee).toBeGreaterThan(0n);
      expect(await real.revert(real.as(MALLORY).deposit(mallory.pk[0], mallory.pk[1], { value: 0n }))).toBe("WrongCreateFee");
      expect(await real.revert(real.as(MALLORY).deposit(mallory.pk[0], mallory.pk[1], { value: fee - 1n }))).toBe("WrongCreateFee");
      expect(await real.revert(real.as(MALLORY).depositToken(1, 0n, mallory.pk[0], mallory.pk[1]))).toBe("WrongCreateFee");
      await (await real.as(MALLORY).deposit(mallory.pk[0], mallory.pk[1], { value: fee })).wait(); // an empty account, paid for
      await real.submit([{ type: TxType.Deposit, index: 0n }]);
      expect(await real.rollup.pending(real.addr[0], 0)).toBe(fee);
      expect(real.state.account(0n)!.balance).toBe(0n);
    } finally {
      await real.stop();
    }
  });

  test("an off-curve create and an overflowing top-up are proven, verified on chain and refunded; later requests go on", async () => {
    const fee = w.dep.createFee;
    const [ax, ay] = offCurveKeys(1)[0];
    // Position 0: mallory's off-curve create with 1 ETH; 1: bob's token account of 2^128 − 5;
    // 2: carol tops bob's account up by 10 (past 2^128); 3: alice's ordinary create.
    await (await w.as(MALLORY).deposit(ax, ay, { value: ETH + fee })).wait();
    await (await w.tokenAs(BOB).mint(w.addr[BOB], MAX_BALANCE - 4n)).wait();
    await (await w.tokenAs(BOB).approve(w.dep.addresses.rollup, MAX_BALANCE)).wait();
    await (await w.as(BOB).depositToken(1, MAX_BALANCE - 4n, bob.pk[0], bob.pk[1], { value: fee })).wait();
    await (await w.tokenAs(CAROL).mint(w.addr[CAROL], 10n)).wait();
    await (await w.tokenAs(CAROL).approve(w.dep.addresses.rollup, 10n)).wait();
    await (await w.as(CAROL).topUpToken(1, 10n)).wait();
    await (await w.as(ALICE).deposit(alice.pk[0], alice.pk[1], { value: 2n * ETH + fee })).wait();

    const b0 = await w.submit([0n, 1n, 1n, 2n].map((index) => ({ type: TxType.Deposit, index })));
    expect(b0.txs.map((t) => t.type)).toEqual([TxType.Rejected, TxType.Deposit, TxType.Rejected, TxType.Deposit]);
    const refunds = (await w.rollup.queryFilter(w.rollup.filters.DepositRefunded())).map((e) => [Number(e.args.position), e.args.ethAddr, Number(e.args.tokenId), e.args.amount]);
    expect(refunds).toEqual([[0, w.addr[MALLORY], 0, ETH], [2, w.addr[CAROL], 1, 10n]]);
    expect(await w.rollup.queueConsumed()).toBe(4n);

    // Both depositors claim their refunds.
    const before = await w.provider.getBalance(w.addr[MALLORY]);
    const r = (await (await w.as(MALLORY).claim(0)).wait())!;
    expect((await w.provider.getBalance(w.addr[MALLORY])) - before + r.fee).toBe(ETH);
    await (await w.as(CAROL).claim(1)).wait();
    expect(await w.token.balanceOf(w.addr[CAROL])).toBe(10n);
    // The operator has the three creation fees (the rejected create's too: it took a slot).
    expect(await w.rollup.pending(w.addr[0], 0)).toBe(3n * fee);

    // The rollup goes on: mallory's forced exit of her never-created account is consumed as
    // rejected (nothing to pay), beside alice's withdrawal, in the next proven batch.
    await (await w.as(MALLORY).forcedExit(0)).wait();
    const wd = signTx({ type: TxType.Withdraw, from: 2n, amount: ETH / 2n, fee: 0n, nonce: 0n }, alice.sk, w.state.domain);
    const b1 = await w.submit([{ type: TxType.ForcedExit, index: 0n, amount: 0n, exponent: 0 }, wd]);
    expect(b1.txs[0]).toEqual({ type: TxType.Rejected, index: 0n });
    expect(await w.rollup.pending(w.addr[MALLORY], 0)).toBe(0n);
    expect(await w.rollup.pending(w.addr[ALICE], 0)).toBe(ETH / 2n);
    expect(await w.rollup.batchNumber()).toBe(2n);

    // L1 alone rebuilds the same state, rejected slots included.
    const synced = await syncFromL1({ provider: w.provider, rollupAddress: w.dep.addresses.rollup, fromBlock: w.dep.blockNumber });
    expect(synced.matches).toBe(true);
    expect(synced.state.root).toBe(w.state.root);
    expect(synced.verified.flatMap((v) => v.result.rejected.map((r) => Number(r.position)))).toEqual([0, 2, 4]);
  });
});
