// The rollup circuit against the TypeScript model: witnesses built by the model for random valid
// batches satisfy every constraint and produce the model's public input; invalid transactions,
// forged public inputs and moved leaves make witness generation or the constraint check fail at
// the constraint that guards them.

import { releaseSnarkjs } from "../circuits/witness.js";
import { applyBatch, encodePublicData, hashPublicData, type BatchResult, type RollupWitnessInputs } from "../sequencer/model/batch.js";
import { TxType } from "../sequencer/model/constants.js";
import { encodeTx, signTx, txDataToBigint, type SignedTx, type Tx } from "../sequencer/model/tx.js";
import { loadCircuit, txLine, type TestCircuit } from "./helpers/circuit.js";
import { rng } from "../bench/fixtures/rng.js";
import { Scenario, user } from "../bench/fixtures/scenario.js";

const DEPTH = 8;
const SLOTS = 4;
const ETH = 0n;
const TOKEN = 1n;


function input(w: RollupWitnessInputs): Record<string, unknown> {
  return w as unknown as Record<string, unknown>;
}

let circuit: TestCircuit;

beforeAll(async () => {
  circuit = await loadCircuit({ txs: SLOTS, depth: DEPTH });
});

afterAll(async () => {
  await releaseSnarkjs();
});

/**
 * A world with accounts: 0 operator (ETH), 1 alice (ETH), 2 bob (ETH), 3 carol (TOKEN),
 * 4 dave (TOKEN), created and funded by a first batch.
 */
function world(): Scenario {
  const s = new Scenario(DEPTH);
  const first = [
    s.create(user("operator"), ETH, 0n),
    s.create(user("alice"), ETH, 10n ** 18n),
    s.create(user("bob"), ETH, 5n * 10n ** 17n),
    s.create(user("carol"), TOKEN, 10n ** 9n),
  ];
  applyBatch(s.state, first, s.queue);
  applyBatch(s.state, [s.create(user("dave"), TOKEN, 77n)], s.queue, { slots: SLOTS });
  return s;
}

/** The model's batch on a copy of the state (the scenario stays as it was). */
function probe(s: Scenario, txs: Tx[], feeAccount?: bigint): BatchResult {
  return applyBatch(s.state.clone(), txs, s.queue, { slots: SLOTS, feeAccount });
}

/** Puts a (re)signed transaction's data and signature into slot `i` of a witness input. */
function substitute(w: RollupWitnessInputs, i: number, tx: SignedTx): RollupWitnessInputs {
  const out = structuredClone(w);
  out.txData[i] = txDataToBigint(encodeTx(tx));
  out.sigR8x[i] = tx.sig!.r8x;
  out.sigR8y[i] = tx.sig!.r8y;
  out.sigS[i] = tx.sig!.s;
  return out;
}

describe(`rollup circuit (${SLOTS} txs, depth ${DEPTH})`, () => {
  test("random valid batches of every type satisfy the circuit and give the model's public input", async () => {
    const seen = new Set<TxType>();
    for (const seed of [1, 2, 3]) {
      const s = world();
      const r = rng(seed);
      for (let b = 0; b < 4; b++) {
        const txs = s.randomTxs(r, SLOTS, ETH);
        const res = applyBatch(s.state, txs, s.queue, { slots: SLOTS, feeAccount: 0n });
        res.txs.forEach((t) => seen.add(t.type));
        const w = await circuit.witness(input(res.witnessInputs));
        expect(w[circuit.signal("main.publicInput")]).toBe(res.publicInput);
        expect(res.newRoot).toBe(s.state.root);
        // The full constraint check is slow (seconds); one batch per seed is enough for it.
        if (b === 3) expect(await circuit.check(w)).toBe(true);
      }
    }
    expect([...seen].sort()).toEqual([TxType.Noop, TxType.Deposit, TxType.Transfer, TxType.Withdraw, TxType.ForcedExit]);
  });

  test("a forged public input fails the constraint check", async () => {
    const s = world();
    const res = probe(s, [s.transfer(1n, 2n, 1000n, 3n)], 0n);
    const w = await circuit.witness(input(res.witnessInputs));
    expect(await circuit.check(w)).toBe(true);
    const forged = [...w];
    forged[circuit.signal("main.publicInput")] = res.publicInput + 1n;
    expect(await circuit.check(forged)).toBe(false);
  });

  test("a bad signature is rejected", async () => {
    const s = world();
    const res = probe(s, [s.transfer(1n, 2n, 1000n)]);
    const tampered = structuredClone(res.witnessInputs);
    tampered.sigS[0] += 1n;
    await expect(circuit.witness(input(tampered))).rejects.toThrow(/EdDSAPoseidonVerifier/);
    // A valid signature by someone else's key.
    const other = signTx({ type: TxType.Transfer, from: 1n, to: 2n, amount: 1000n, fee: 0n, nonce: 0n }, user("bob").sk, s.domain);
    await expect(circuit.witness(input(substitute(res.witnessInputs, 0, other)))).rejects.toThrow(/EdDSAPoseidonVerifier/);
  });

  test("a wrong nonce is rejected (the signed message binds the account's nonce)", async () => {
    const s = world();
    const res = probe(s, [s.transfer(1n, 2n, 1000n)]);
    const replay = signTx({ type: TxType.Transfer, from: 1n, to: 2n, amount: 1000n, fee: 0n, nonce: 1n }, user("alice").sk, s.domain);
    await expect(circuit.witness(input(substitute(res.witnessInputs, 0, replay)))).rejects.toThrow(/EdDSAPoseidonVerifier/);
  });

  test("spending more than the balance is rejected", async () => {
    const s = world();
    const res = probe(s, [s.transfer(1n, 2n, 1000n)]);
    const tooMuch = signTx({ type: TxType.Transfer, from: 1n, to: 2n, amount: 2n * 10n ** 18n, fee: 0n, nonce: 0n }, user("alice").sk, s.domain);
    await expect(circuit.witness(input(substitute(res.witnessInputs, 0, tooMuch)))).rejects.toThrow(txLine("newBalanceABits.in <== newBalanceA"));
    // Amount fits but amount + fee does not.
    const withFee = signTx({ type: TxType.Withdraw, from: 2n, amount: 5n * 10n ** 17n, fee: 1n, nonce: 0n }, user("bob").sk, s.domain);
    const w2 = probe(s, [s.withdraw(2n, 10n ** 17n, 1n)], 0n).witnessInputs;
    await expect(circuit.witness(input(substitute(w2, 0, withFee)))).rejects.toThrow(txLine("newBalanceABits.in <== newBalanceA"));
  });

  test("an amount out of range is rejected: the largest float, and a receiver pushed past 2^128", async () => {
    const s = world();
    const res = probe(s, [s.transfer(1n, 2n, 1000n)]);
    const huge = (2n ** 27n - 1n) * 10n ** 31n;
    const tx = signTx({ type: TxType.Transfer, from: 1n, to: 2n, amount: huge, fee: 0n, nonce: 0n }, user("alice").sk, s.domain);
    await expect(circuit.witness(input(substitute(res.witnessInputs, 0, tx)))).rejects.toThrow(txLine("newBalanceABits.in <== newBalanceA"));

    // dave (TOKEN) receives a top-up to 2^128 - 1; carol then sends him 1.
    const rich = world();
    applyBatch(rich.state, [rich.topUp(4n, 2n ** 128n - 1n - 77n)], rich.queue, { slots: SLOTS });
    const ok = probe(rich, [rich.transfer(3n, 4n, 0n)]);
    const over = signTx({ type: TxType.Transfer, from: 3n, to: 4n, amount: 1n, fee: 0n, nonce: 0n }, user("carol").sk, rich.domain);
    await expect(circuit.witness(input(substitute(ok.witnessInputs, 0, over)))).rejects.toThrow(txLine("newBalanceBBits.in <== newBalanceB"));
  });

  test("a fee in a token other than the fee account's is rejected", async () => {
    const s = world();
    const res = probe(s, [s.transfer(3n, 4n, 10n)], 0n);
    const feeInToken = signTx({ type: TxType.Transfer, from: 3n, to: 4n, amount: 10n, fee: 5n, nonce: 0n }, user("carol").sk, s.domain);
    await expect(circuit.witness(input(substitute(res.witnessInputs, 0, feeInToken)))).rejects.toThrow(txLine("fee * (1 - sameFeeToken.out) === 0"));
  });

  test("a transfer to an unknown account, and a leaf moved to another index, are rejected", async () => {
    const s = world();
    const res = probe(s, [s.transfer(1n, 2n, 1000n)]);
    // to = 9: an empty leaf. Honest siblings of index 9, account fields of nothing.
    const toEmpty = signTx({ type: TxType.Transfer, from: 1n, to: 9n, amount: 1000n, fee: 0n, nonce: 0n }, user("alice").sk, s.domain);
    const w1 = substitute(res.witnessInputs, 0, toEmpty);
    const afterA = s.state.clone();
    applyBatch(afterA, [s.withdraw(1n, 1000n, 0n, 0n)], s.queue, { slots: SLOTS });
    w1.bSiblings[0] = afterA.tree.proof(9n).siblings;
    for (const k of ["bAx", "bAy", "bEthAddr", "bToken", "bBalance", "bNonce"] as const) w1[k][0] = 0n;
    await expect(circuit.witness(input(w1))).rejects.toThrow(/QuadTreeStep_\d+ line: \d+/);
    // bob's leaf and siblings, claimed at index 6 instead of 2.
    const moved = signTx({ type: TxType.Transfer, from: 1n, to: 6n, amount: 1000n, fee: 0n, nonce: 0n }, user("alice").sk, s.domain);
    await expect(circuit.witness(input(substitute(res.witnessInputs, 0, moved)))).rejects.toThrow(/QuadTreeStep_\d+ line: \d+/);
  });

  test("a transfer between accounts of different tokens is rejected", async () => {
    const s = world();
    const res = probe(s, [s.transfer(1n, 2n, 1000n)]);
    // carol (TOKEN) as the receiver, with her real leaf and siblings.
    const tx = signTx({ type: TxType.Transfer, from: 1n, to: 3n, amount: 1000n, fee: 0n, nonce: 0n }, user("alice").sk, s.domain);
    const w = substitute(res.witnessInputs, 0, tx);
    const afterA = s.state.clone();
    applyBatch(afterA, [s.withdraw(1n, 1000n, 0n, 0n)], s.queue, { slots: SLOTS });
    const carol = afterA.account(3n)!;
    w.bAx[0] = carol.ax; w.bAy[0] = carol.ay; w.bEthAddr[0] = carol.ethAddr;
    w.bToken[0] = carol.tokenId; w.bBalance[0] = carol.balance; w.bNonce[0] = carol.nonce;
    w.bSiblings[0] = afterA.tree.proof(3n).siblings;
    await expect(circuit.witness(input(w))).rejects.toThrow(txLine("isTransfer * (bToken - aToken) === 0"));
  });

  test("consuming the L1 queue out of order yields a public input the contract never accepts", async () => {
    const s = world();
    const first = s.topUp(1n, 5n);
    const second = s.topUp(2n, 7n);
    const honest = probe(s, [first, second]);
    // Skip the first entry: apply the second one in slot 0, starting from the same queue position.
    const w = structuredClone(honest.witnessInputs);
    const req = s.queue.at(s.state.queueNext + 1n);
    const bob = s.state.account(2n)!;
    w.txData[0] = txDataToBigint(encodeTx(second));
    w.aAx[0] = bob.ax; w.aAy[0] = bob.ay; w.aEthAddr[0] = bob.ethAddr; w.aToken[0] = bob.tokenId;
    w.aBalance[0] = bob.balance; w.aNonce[0] = bob.nonce;
    w.aSiblings[0] = s.state.tree.proof(2n).siblings;
    w.l1Amount[0] = req.kind === 2 ? req.amount : 0n;
    w.l1EthAddr[0] = req.ethAddr;
    for (let i = 1; i < SLOTS; i++) w.txData[i] = 0n;
    for (const k of ["aAx", "aAy", "aEthAddr", "aToken", "aBalance", "aNonce", "aEmpty", "l1Kind", "l1Amount", "l1EthAddr", "l1Token"] as const) {
      for (let i = 1; i < SLOTS; i++) w[k][i] = 0n;
    }
    const forged = await circuit.witness(input(w));
    // What the contract hashes for this calldata: the same roots and slots, but its own queue hash
    // after queueStart + 1 entries, which commits to the first entry, not the second.
    const after = s.state.clone();
    after.setAccount(2n, { ...bob, balance: bob.balance + 7n });
    const txData = new Uint8Array(12 * SLOTS);
    txData.set(encodeTx(second), 0);
    const contractView = hashPublicData(encodePublicData({
      oldRoot: s.state.root, newRoot: after.root,
      queueHashBefore: s.queue.hashAt(s.state.queueNext), queueHashAfter: s.queue.hashAt(s.state.queueNext + 1n),
      domain: s.domain, batchNumber: s.state.batchNumber,
      queueStart: s.state.queueNext, queueEnd: s.state.queueNext + 1n, feeAccount: 0n, txData,
    })).publicInput;
    const pub = circuit.signal("main.publicInput");
    expect(forged[pub]).not.toBe(contractView);
    expect(await circuit.check(forged)).toBe(true); // internally consistent…
    const pinned = [...forged];
    pinned[pub] = contractView;
    expect(await circuit.check(pinned)).toBe(false); // …but not for the public input the contract computes
  });
});

describe("forced exits in the circuit", () => {
  /** alice's balance set to `balance` by a top-up, then her forced exit queued. */
  function exitWorld(balance: bigint): Scenario {
    const s = world();
    applyBatch(s.state, [s.topUp(1n, balance - 10n ** 18n)], s.queue, { slots: SLOTS });
    s.forcedExit(1n);
    return s;
  }

  test("balances of 2^64 and beyond exit with the smallest exponent and pass the circuit", async () => {
    for (const balance of [2n ** 64n, 2n ** 64n + 3n, 2n ** 128n - 1n]) {
      const s = exitWorld(balance);
      const res = probe(s, [{ type: TxType.ForcedExit, index: 1n, amount: 0n, exponent: 0 }]);
      const exit = res.txs[0] as Tx & { type: TxType.ForcedExit };
      expect(exit.exponent).toBeGreaterThan(0);
      expect(balance - exit.amount).toBeLessThan(10n ** BigInt(exit.exponent));
      const w = await circuit.witness(input(res.witnessInputs));
      expect(w[circuit.signal("main.publicInput")]).toBe(res.publicInput);
    }
  });

  /** The witness of alice's honest forced exit with the slot's Float69 replaced by `m·10^e`. */
  async function forge(balance: bigint, m: bigint, e: bigint): Promise<bigint[]> {
    const s = exitWorld(balance);
    const res = probe(s, [{ type: TxType.ForcedExit, index: 1n, amount: 0n, exponent: 0 }]);
    const w = structuredClone(res.witnessInputs);
    w.txData[0] = (4n << 93n) | (1n << 69n) | (e << 64n) | m;
    w.aBalance[0] = balance;
    return circuit.witness(input(w));
  }

  test("an operator cannot pay out less: a zero payout, a larger exponent, or a short mantissa are rejected", async () => {
    // Paying nothing: m = 0 with the largest exponent leaves the whole balance "below 10^31".
    await expect(forge(10n ** 18n, 0n, 31n)).rejects.toThrow(txLine("exitMinimalBits.in <== exitMinimal"));
    // 2^64 - 1 is exact with e = 0; e = 1 would keep 5 units back.
    await expect(forge(2n ** 64n - 1n, (2n ** 64n - 1n) / 10n, 1n)).rejects.toThrow(txLine("exitMinimalBits.in <== exitMinimal"));
    // Right exponent, mantissa one short: more than 10^e stays behind.
    await expect(forge(2n ** 70n, 2n ** 70n / 100n - 1n, 2n)).rejects.toThrow(txLine("exitRestBits.in <== exitRest"));
  });
});
