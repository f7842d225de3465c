// applyBatch, the model's state transition (PROTOCOL.md "State transition of a batch"): every invalid
// transaction is refused with its slot and a typed cause and leaves the state exactly as it was; valid
// batches report consistent public data; and an independent replay of what L1 shows (calldata + queue),
// written straight from PROTOCOL.md, reproduces the model's roots batch after batch.

import { createHash } from "node:crypto";
import type { Account } from "../sequencer/model/account.js";
import { BatchTxError, applyBatch, type BatchOptions, type BatchResult } from "../sequencer/model/batch.js";
import { L1Kind, TxType, pow2 } from "../sequencer/model/constants.js";
import { AccountExistsError, AmountOutOfRangeError, BadSignatureError, BalanceOverflowError, FeeOutOfRangeError, InsufficientBalanceError, InvalidTxError, QueueOrderError, UnknownAccountError, WrongAddressError, WrongNonceError, WrongTokenError } from "../sequencer/model/errors.js";
import { ZkrError } from "../core/errors.js";
import { FLOAT13, FLOAT32, FLOAT56, isRepresentable } from "../sequencer/model/float.js";
import { L1Queue } from "../sequencer/model/queue.js";
import { RollupState } from "../sequencer/model/state.js";
import { decodeBatchData, signTx, type DecodedTx, type Tx } from "../sequencer/model/tx.js";
import { rng } from "../bench/fixtures/rng.js";
import { CHAIN_ID, Scenario, TEST_ROLLUP, user } from "../bench/fixtures/scenario.js";

const DEPTH = 8;
const ETH = 0n;
const TOKEN = 7n;
const R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
const HEADER_BYTES = 158;
const MAX_BALANCE = pow2(128) - 1n;

// Accounts of world(): indices in order of creation.
const OPERATOR = 0n; // ETH, 0
const ALICE = 1n; // ETH, 10^18
const BOB = 2n; // ETH, 5·10^17
const CAROL = 3n; // TOKEN, 10^9
const DAVE = 4n; // TOKEN, 77
const FEES = 5n; // ETH, 0: the fee account (a nonzero index, so that "no fee account" (0) is distinguishable)
const EMPTY = 9n; // never created

/** Six accounts created (and funded) by batch 0. */
function world(): Scenario {
  const s = new Scenario(DEPTH);
  applyBatch(
    s.state,
    [
      s.create(user("operator"), ETH, 0n),
      s.create(user("alice"), ETH, 10n ** 18n),
      s.create(user("bob"), ETH, 5n * 10n ** 17n),
      s.create(user("carol"), TOKEN, 10n ** 9n),
      s.create(user("dave"), TOKEN, 77n),
      s.create(user("fees"), ETH, 0n),
    ],
    s.queue,
  );
  return s;
}

/**
 * A state fed by a queue without the contract's account checks (requests the contract would never
 * accept): 0 alice (ETH, 1000), 1 carol (TOKEN, 500).
 */
function looseWorld(): { state: RollupState; queue: L1Queue } {
  const state = new RollupState({ depth: DEPTH, chainId: CHAIN_ID, rollup: TEST_ROLLUP });
  const queue = new L1Queue({ checkAccounts: false });
  const alice = user("alice");
  const carol = user("carol");
  queue.append({ kind: L1Kind.CreateDeposit, index: 0n, tokenId: ETH, ethAddr: alice.ethAddr, amount: 1000n, ax: alice.pk[0], ay: alice.pk[1] });
  queue.append({ kind: L1Kind.CreateDeposit, index: 1n, tokenId: TOKEN, ethAddr: carol.ethAddr, amount: 500n, ax: carol.pk[0], ay: carol.pk[1] });
  applyBatch(state, [{ type: TxType.Deposit, index: 0n }, { type: TxType.Deposit, index: 1n }], queue);
  return { state, queue };
}

interface Snapshot {
  root: bigint;
  accounts: Map<bigint, Account>;
  batchNumber: bigint;
  queueNext: bigint;
  treeSize: number;
}

function snapshot(st: RollupState): Snapshot {
  return {
    root: st.root,
    accounts: new Map([...st.accounts].map(([i, a]) => [i, { ...a }])),
    batchNumber: st.batchNumber,
    queueNext: st.queueNext,
    treeSize: st.tree.size,
  };
}

type ErrorClass<E> = abstract new (...args: never[]) => E;

/** What applyBatch threw (fails the test if it returned). */
function thrown(st: RollupState, txs: readonly Tx[], queue: L1Queue, opts?: BatchOptions): unknown {
  try {
    applyBatch(st, txs, queue, opts);
  } catch (e) {
    return e;
  }
  throw new Error("applyBatch accepted a batch that should be refused");
}

/**
 * Applies a batch whose L1 request at `slot` cannot apply: it must be consumed as a rejected slot
 * (type 5, the request's index) whose reason is a `cls`, with every account as before; the queue
 * moves on and the batch number too. Returns the reason.
 */
function expectL1Rejected<E extends ZkrError>(st: RollupState, queue: L1Queue, txs: readonly Tx[], slot: number, cls: ErrorClass<E>): E {
  const before = snapshot(st);
  const res = applyBatch(st, txs, queue);
  expect(res.txs[slot]).toEqual({ type: TxType.Rejected, index: (txs[slot] as { index: bigint }).index });
  expect(res.rejected.map((r) => r.slot)).toContain(slot);
  const r = res.rejected.find((x) => x.slot === slot)!;
  expect(r.reason).toBeInstanceOf(cls);
  expect(r.position).toBe(before.queueNext + BigInt(txs.slice(0, slot).filter((t) => t.type !== TxType.Transfer && t.type !== TxType.Withdraw && t.type !== TxType.Noop).length));
  if (txs.length === 1) {
    expect(res.newRoot).toBe(before.root);
    expect(st.accounts).toEqual(before.accounts);
  }
  expect(st.queueNext).toBe(res.queueEnd);
  return r.reason as E;
}

/**
 * Applies an invalid batch: expects a BatchTxError naming `slot` whose cause is a `cls`, and the state
 * exactly as before (root, accounts, batch number, queue position). Returns the cause.
 */
function expectRejected<E extends ZkrError>(
  st: RollupState, queue: L1Queue, txs: readonly Tx[], opts: BatchOptions | undefined, slot: number, cls: ErrorClass<E>,
): E {
  const before = snapshot(st);
  const err = thrown(st, txs, queue, opts);
  expect(err).toBeInstanceOf(BatchTxError);
  const e = err as BatchTxError;
  expect({ slot: e.slot, cause: e.cause.name }).toEqual({ slot, cause: (cls as unknown as { name: string }).name });
  expect(e.cause).toBeInstanceOf(cls);
  expect(e.message).toContain(`batch slot ${slot}: `);
  expect(snapshot(st)).toEqual(before);
  return e.cause as E;
}

/** Big-endian integer of `len` bytes at `off`. */
function be(bytes: Uint8Array, off: number, len: number): bigint {
  return BigInt("0x" + Buffer.from(bytes.subarray(off, off + len)).toString("hex"));
}

/** The header of public data, read at PROTOCOL.md's offsets. */
function readHeader(pd: Uint8Array) {
  return {
    oldRoot: be(pd, 0, 32),
    newRoot: be(pd, 32, 32),
    queueHashBefore: be(pd, 64, 32),
    queueHashAfter: be(pd, 96, 32),
    domain: be(pd, 128, 14),
    batchNumber: be(pd, 142, 4),
    queueStart: be(pd, 146, 4),
    queueEnd: be(pd, 150, 4),
    feeAccount: be(pd, 154, 4),
    txData: pd.slice(HEADER_BYTES),
  };
}

/** What a slot carries of a transaction (no nonce, no signature). */
function slotView(tx: Tx): DecodedTx {
  switch (tx.type) {
    case TxType.Noop: return { type: tx.type };
    case TxType.Deposit: return { type: tx.type, index: tx.index };
    case TxType.Transfer: return { type: tx.type, from: tx.from, to: tx.to, amount: tx.amount, fee: tx.fee };
    case TxType.Withdraw: return { type: tx.type, from: tx.from, amount: tx.amount, fee: tx.fee };
    case TxType.ForcedExit: return { type: tx.type, index: tx.index, amount: tx.amount, exponent: tx.exponent };
    case TxType.Rejected: return { type: tx.type, index: tx.index };
  }
}

const feeOf = (tx: Tx | DecodedTx): bigint => (tx.type === TxType.Transfer || tx.type === TxType.Withdraw ? tx.fee : 0n);
const isL1 = (tx: Tx | DecodedTx): boolean => tx.type === TxType.Deposit || tx.type === TxType.ForcedExit;

/**
 * Applies a valid batch and checks every field of the result against the state, the queue, the input
 * transactions and PROTOCOL.md's public-data layout.
 */
function applyChecked(st: RollupState, txs: readonly Tx[], queue: L1Queue, opts: BatchOptions = {}): BatchResult {
  const before = snapshot(st);
  const res = applyBatch(st, txs, queue, opts);
  const slots = opts.slots ?? txs.length;

  expect(res.oldRoot).toBe(before.root);
  expect(res.newRoot).toBe(st.root);
  expect(res.batchNumber).toBe(before.batchNumber);
  expect(st.batchNumber).toBe(before.batchNumber + 1n);
  expect(res.queueStart).toBe(before.queueNext);
  expect(res.queueEnd).toBe(st.queueNext);
  expect(res.queueEnd - res.queueStart).toBe(BigInt(txs.filter(isL1).length));
  expect(res.queueHashBefore).toBe(queue.hashAt(res.queueStart));
  expect(res.queueHashAfter).toBe(queue.hashAt(res.queueEnd));

  // Applied txs: the inputs padded with noops; forced exits carry their payout.
  expect(res.txs).toHaveLength(slots);
  const expected: DecodedTx[] = Array.from({ length: slots }, (_, i): DecodedTx => {
    const tx = i < txs.length ? txs[i] : ({ type: TxType.Noop } as Tx);
    if (tx.type === TxType.ForcedExit) {
      const applied = res.txs[i];
      expect(applied.type).toBe(TxType.ForcedExit);
      expect((applied as typeof tx).index).toBe(tx.index);
      return applied as DecodedTx;
    }
    return slotView(tx);
  });
  expect(res.txs.map(slotView)).toEqual(expected);
  expect(decodeBatchData(res.txData)).toEqual(expected);

  // Fees.
  const totalFee = txs.reduce((n, tx) => n + feeOf(tx), 0n);
  expect(res.totalFee).toBe(totalFee);
  expect(res.feeAccount).toBe(totalFee > 0n ? opts.feeAccount : 0n);

  // Public data: 158-byte header, then the slots.
  expect(res.publicData).toHaveLength(HEADER_BYTES + 12 * slots);
  expect(res.txData).toHaveLength(12 * slots);
  const h = readHeader(res.publicData);
  expect(h).toEqual({
    oldRoot: res.oldRoot,
    newRoot: res.newRoot,
    queueHashBefore: res.queueHashBefore,
    queueHashAfter: res.queueHashAfter,
    domain: st.domain,
    batchNumber: res.batchNumber,
    queueStart: res.queueStart,
    queueEnd: res.queueEnd,
    feeAccount: res.feeAccount,
    txData: res.txData,
  });
  const sha = createHash("sha256").update(res.publicData).digest();
  expect(Buffer.from(res.publicDataHash).equals(sha)).toBe(true);
  expect(res.publicInput).toBe(BigInt("0x" + sha.toString("hex")) % R);
  expect(res.publicInput).toBeLessThan(R);
  return res;
}

// ---------------------------------------------------------------------------------------------------
// An independent replay of PROTOCOL.md's transition from what L1 shows: the public data (header and
// slots) and the L1 queue. Decoded slots carry no nonce or signature, so nothing is checked here that
// needs them; the point is that the model's roots follow from the calldata alone.

/** PROTOCOL.md's forced-exit payout of a balance `b`: the smallest `e` with `⌊b/10^e⌋ < 2^64`. */
function specForcedExit(b: bigint): { amount: bigint; exponent: number } {
  for (let e = 0; e < 32; e++) {
    const m = b / 10n ** BigInt(e);
    if (m < 2n ** 64n) return { amount: m * 10n ** BigInt(e), exponent: e };
  }
  throw new Error(`no Float69 payout for ${b}`);
}

function replayBatch(mirror: RollupState, queue: L1Queue, publicData: Uint8Array): void {
  const h = readHeader(publicData);
  expect(h.oldRoot).toBe(mirror.root);
  expect(h.domain).toBe(mirror.domain);
  expect(h.batchNumber).toBe(mirror.batchNumber);
  expect(h.queueStart).toBe(mirror.queueNext);
  expect(h.queueHashBefore).toBe(queue.hashAt(h.queueStart));

  const get = (i: bigint): Account => {
    const a = mirror.accounts.get(i);
    if (!a) throw new Error(`replay: account ${i} is empty`);
    return { ...a };
  };
  let q = h.queueStart;
  let fees = 0n;
  for (const tx of decodeBatchData(h.txData)) {
    switch (tx.type) {
      case TxType.Noop:
        break;
      case TxType.Deposit: {
        const req = queue.at(q++);
        expect(req.index).toBe(tx.index);
        if (req.kind === L1Kind.CreateDeposit) {
          expect(mirror.accounts.has(tx.index)).toBe(false);
          mirror.setAccount(tx.index, { ax: req.ax, ay: req.ay, ethAddr: req.ethAddr, tokenId: req.tokenId, balance: req.amount, nonce: 0n });
        } else {
          if (req.kind !== L1Kind.TopUp) throw new Error(`replay: deposit slot for queue entry of kind ${req.kind}`);
          const a = get(tx.index);
          expect(a.tokenId).toBe(req.tokenId);
          mirror.setAccount(tx.index, { ...a, balance: a.balance + req.amount });
        }
        break;
      }
      case TxType.Transfer: {
        const from = get(tx.from);
        const to = get(tx.to);
        expect(to.tokenId).toBe(from.tokenId);
        mirror.setAccount(tx.from, { ...from, balance: from.balance - tx.amount - tx.fee, nonce: from.nonce + 1n });
        mirror.setAccount(tx.to, { ...to, balance: to.balance + tx.amount });
        fees += tx.fee;
        break;
      }
      case TxType.Withdraw: {
        const from = get(tx.from);
        mirror.setAccount(tx.from, { ...from, balance: from.balance - tx.amount - tx.fee, nonce: from.nonce + 1n });
        fees += tx.fee;
        break;
      }
      case TxType.ForcedExit: {
        const req = queue.at(q++);
        expect(req.kind).toBe(L1Kind.ForcedExit);
        expect(req.index).toBe(tx.index);
        const a = get(tx.index);
        expect(a.ethAddr).toBe(req.ethAddr);
        expect({ amount: tx.amount, exponent: tx.exponent }).toEqual(specForcedExit(a.balance));
        mirror.setAccount(tx.index, { ...a, balance: a.balance - tx.amount });
        break;
      }
    }
  }
  if (fees > 0n) {
    const fa = get(h.feeAccount);
    mirror.setAccount(h.feeAccount, { ...fa, balance: fa.balance + fees });
  } else {
    expect(h.feeAccount).toBe(0n);
  }
  expect(h.queueEnd).toBe(q);
  expect(h.queueHashAfter).toBe(queue.hashAt(q));
  expect(h.newRoot).toBe(mirror.root);
  mirror.batchNumber += 1n;
  mirror.queueNext = q;
}

// ---------------------------------------------------------------------------------------------------

describe("applyBatch: invalid transactions are refused with their slot and typed cause, state untouched", () => {
  test("BadSignatureError: tampered signature, tampered data, another key's signature, no signature", () => {
    const s = world();
    const ok = s.transfer(ALICE, BOB, 1000n);
    const prefix = [s.transfer(BOB, ALICE, 5n)]; // a valid tx first, so the failing slot is 1
    expectRejected(s.state, s.queue, [...prefix, { ...ok, sig: { ...ok.sig!, s: ok.sig!.s + 1n } }], undefined, 1, BadSignatureError);
    expectRejected(s.state, s.queue, [...prefix, { ...ok, sig: { ...ok.sig!, r8x: ok.sig!.r8y, r8y: ok.sig!.r8x } }], undefined, 1, BadSignatureError);
    expectRejected(s.state, s.queue, [...prefix, { ...ok, amount: 1001n }], undefined, 1, BadSignatureError);
    const byBob = signTx({ type: TxType.Transfer, from: ALICE, to: BOB, amount: 1000n, fee: 0n, nonce: 0n }, user("bob").sk, s.domain);
    const cause = expectRejected(s.state, s.queue, [...prefix, byBob], undefined, 1, BadSignatureError);
    expect(cause.account).toBe(ALICE);
    const w = s.withdraw(ALICE, 10n, 0n, 0n);
    expectRejected(s.state, s.queue, [...prefix, { ...w, sig: undefined }], undefined, 1, BadSignatureError);
    const { sig: _sig, ...unsigned } = ok;
    expectRejected(s.state, s.queue, [unsigned], undefined, 0, BadSignatureError);
    // Signed for another chain.
    const otherChain = signTx({ type: TxType.Withdraw, from: ALICE, amount: 10n, fee: 0n, nonce: 0n }, user("alice").sk, CHAIN_ID + 1n);
    expectRejected(s.state, s.queue, [otherChain], undefined, 0, BadSignatureError);
    // The untampered ones pass.
    applyChecked(s.state, [...prefix, ok], s.queue);
  });

  test("WrongNonceError: a replayed nonce, a future nonce", () => {
    const s = world();
    const first = s.transfer(ALICE, BOB, 1000n);
    applyChecked(s.state, [first], s.queue);
    expect(s.state.account(ALICE)!.nonce).toBe(1n);
    const replay = expectRejected(s.state, s.queue, [{ type: TxType.Noop }, first], undefined, 1, WrongNonceError);
    expect([replay.account, replay.expected, replay.got]).toEqual([ALICE, 1n, 0n]);
    // Replayed inside one batch: the second copy of the same signed tx.
    const again = s.withdraw(BOB, 3n);
    expectRejected(s.state, s.queue, [again, again], undefined, 1, WrongNonceError);
    s.resync();
    const future = s.withdraw(ALICE, 10n, 0n, 5n);
    const f = expectRejected(s.state, s.queue, [future], undefined, 0, WrongNonceError);
    expect([f.expected, f.got]).toEqual([1n, 5n]);
  });

  test("InsufficientBalanceError: amount + fee above the balance, also when the amount alone fits", () => {
    const s = world();
    const t = expectRejected(s.state, s.queue, [s.transfer(ALICE, BOB, 2n * 10n ** 18n)], undefined, 0, InsufficientBalanceError);
    expect([t.balance, t.required]).toEqual([10n ** 18n, 2n * 10n ** 18n]);
    s.resync();
    // bob holds exactly 5·10^17: the amount alone fits, amount + fee does not.
    const w = expectRejected(s.state, s.queue, [s.withdraw(BOB, 5n * 10n ** 17n, 1n)], { feeAccount: FEES }, 0, InsufficientBalanceError);
    expect([w.balance, w.required]).toEqual([5n * 10n ** 17n, 5n * 10n ** 17n + 1n]);
    s.resync();
    // dave holds 77 TOKEN; fees in TOKEN go to carol.
    expectRejected(s.state, s.queue, [s.transfer(DAVE, CAROL, 77n, 1n)], { feeAccount: CAROL }, 0, InsufficientBalanceError);
    s.resync();
    expectRejected(s.state, s.queue, [s.transfer(DAVE, CAROL, 78n)], undefined, 0, InsufficientBalanceError);
    s.resync();
    // Spending what an earlier slot already spent.
    expectRejected(s.state, s.queue, [s.withdraw(DAVE, 70n), s.transfer(DAVE, CAROL, 8n)], undefined, 1, InsufficientBalanceError);
    s.resync();
    // Exactly the balance is fine.
    applyChecked(s.state, [s.transfer(DAVE, CAROL, 76n, 1n)], s.queue, { feeAccount: CAROL });
    expect(s.state.account(DAVE)!.balance).toBe(0n);
  });

  test("AmountOutOfRangeError: an amount not representable as Float32 (transfer) or Float56 (withdraw)", () => {
    const s = world();
    // Unrepresentable amounts cannot be signed (the message is the slot), so these go unsigned:
    // the format is checked before the signature.
    const notF32 = 2n ** 27n + 1n; // odd, above the 27-bit mantissa
    expect(isRepresentable(FLOAT32, notF32)).toBe(false);
    expect(isRepresentable(FLOAT56, notF32)).toBe(true);
    const a = expectRejected(
      s.state, s.queue, [s.withdraw(BOB, 1n), { type: TxType.Transfer, from: ALICE, to: BOB, amount: notF32, fee: 0n, nonce: 0n }],
      undefined, 1, AmountOutOfRangeError,
    );
    expect(a.value).toBe(notF32);
    s.resync();
    const notF56 = 2n ** 51n + 1n;
    expect(isRepresentable(FLOAT56, notF56)).toBe(false);
    expectRejected(s.state, s.queue, [{ type: TxType.Withdraw, from: ALICE, amount: notF56, fee: 0n, nonce: 0n }], undefined, 0, AmountOutOfRangeError);
    // The same amount is fine for a withdrawal, whose format is wider.
    applyChecked(s.state, [s.withdraw(ALICE, notF32)], s.queue);
    expect(s.state.account(ALICE)!.balance).toBe(10n ** 18n - notF32);
  });

  test("FeeOutOfRangeError: a fee not representable as Float13; a fee without fee account; a fee in another token", () => {
    const s = world();
    expect(isRepresentable(FLOAT13, 257n)).toBe(false);
    expectRejected(
      s.state, s.queue, [{ type: TxType.Transfer, from: ALICE, to: BOB, amount: 10n, fee: 257n, nonce: 0n }], { feeAccount: FEES }, 0, FeeOutOfRangeError,
    );
    expectRejected(s.state, s.queue, [{ type: TxType.Withdraw, from: ALICE, amount: 10n, fee: 257n, nonce: 0n }], { feeAccount: FEES }, 0, FeeOutOfRangeError);
    // No fee account at all.
    expectRejected(s.state, s.queue, [s.transfer(BOB, ALICE, 10n), s.transfer(ALICE, BOB, 10n, 5n)], undefined, 1, FeeOutOfRangeError);
    s.resync();
    // TOKEN fee, ETH fee account.
    expectRejected(s.state, s.queue, [s.transfer(ALICE, BOB, 10n, 5n), s.transfer(CAROL, DAVE, 10n, 5n)], { feeAccount: FEES }, 1, FeeOutOfRangeError);
    s.resync();
    expectRejected(s.state, s.queue, [s.withdraw(CAROL, 10n, 1n)], { feeAccount: FEES }, 0, FeeOutOfRangeError);
    s.resync();
    // ETH fee, TOKEN fee account.
    expectRejected(s.state, s.queue, [s.withdraw(ALICE, 10n, 1n)], { feeAccount: DAVE }, 0, FeeOutOfRangeError);
    s.resync();
    // Fee 0 in another token is fine.
    applyChecked(s.state, [s.transfer(ALICE, BOB, 10n, 5n), s.transfer(CAROL, DAVE, 10n, 0n)], s.queue, { feeAccount: FEES });
  });

  test("UnknownAccountError: transfer to or from an empty index, withdraw from one, top-up / forced exit of one", () => {
    const s = world();
    const toEmpty = s.transfer(ALICE, EMPTY, 10n);
    expectRejected(s.state, s.queue, [s.transfer(BOB, ALICE, 1n), toEmpty], undefined, 1, UnknownAccountError);
    s.resync();
    const eve = user("eve").sk;
    const fromEmpty = signTx({ type: TxType.Transfer, from: EMPTY, to: ALICE, amount: 0n, fee: 0n, nonce: 0n }, eve, s.domain);
    const c = expectRejected(s.state, s.queue, [fromEmpty], undefined, 0, UnknownAccountError);
    expect(c.account).toBe(EMPTY);
    const wEmpty = signTx({ type: TxType.Withdraw, from: EMPTY, amount: 0n, fee: 0n, nonce: 0n }, eve, s.domain);
    expectRejected(s.state, s.queue, [wEmpty], undefined, 0, UnknownAccountError);
    // L1 requests for an empty leaf (its create was rejected) are consumed as rejected, not refused:
    // a request the batch could not consume would stop the rollup.
    const { state, queue } = looseWorld();
    queue.append({ kind: L1Kind.TopUp, index: EMPTY, tokenId: ETH, ethAddr: 1n, amount: 5n });
    expectL1Rejected(state, queue, [{ type: TxType.Deposit, index: EMPTY }], 0, UnknownAccountError);
    const loose2 = looseWorld();
    loose2.queue.append({ kind: L1Kind.ForcedExit, index: EMPTY, tokenId: ETH, ethAddr: 1n });
    expectL1Rejected(loose2.state, loose2.queue, [{ type: TxType.ForcedExit, index: EMPTY, amount: 0n, exponent: 0 }], 0, UnknownAccountError);
  });

  test("UnknownAccountError: an empty fee account (a batch-level error, thrown unwrapped)", () => {
    // The fee account is checked before any slot, so there is no failing slot: applyBatch throws the
    // UnknownAccountError itself rather than a BatchTxError.
    const s = world();
    const before = snapshot(s.state);
    const txs = [s.transfer(ALICE, BOB, 10n, 1n)];
    const err = thrown(s.state, txs, s.queue, { feeAccount: EMPTY });
    expect(err).toBeInstanceOf(UnknownAccountError);
    expect((err as UnknownAccountError).account).toBe(EMPTY);
    expect(snapshot(s.state)).toEqual(before);
  });

  // The circuit reads the fee account as it stands after the last slot, so an account created
  // earlier in the same batch collects that batch's fees, and a fee-less batch may name an account
  // that does not exist yet.
  test("a fee account created by a deposit earlier in the same batch collects that batch's fees", () => {
    const s = world();
    const txs = [s.create(user("collector"), ETH, 0n), s.transfer(ALICE, BOB, 10n, 5n)]; // collector: index 6
    const res = applyChecked(s.state, txs, s.queue, { feeAccount: 6n });
    expect(res.feeAccount).toBe(6n);
    expect(s.state.account(6n)!.balance).toBe(5n);
  });

  test("WrongTokenError: a transfer between tokens; a top-up with another token than the account's", () => {
    const s = world();
    const t = expectRejected(s.state, s.queue, [s.transfer(ALICE, CAROL, 10n)], undefined, 0, WrongTokenError);
    expect([t.account, t.expected, t.got]).toEqual([CAROL, ETH, TOKEN]);
    s.resync();
    expectRejected(s.state, s.queue, [s.transfer(ALICE, BOB, 10n), s.transfer(DAVE, BOB, 10n)], undefined, 1, WrongTokenError);

    const { state, queue } = looseWorld();
    queue.append({ kind: L1Kind.TopUp, index: 0n, tokenId: TOKEN, ethAddr: 1n, amount: 5n }); // alice holds ETH
    const w = expectRejected(state, queue, [{ type: TxType.Deposit, index: 0n }], undefined, 0, WrongTokenError);
    expect([w.expected, w.got]).toEqual([ETH, TOKEN]);
    // A forced exit request naming the wrong token.
    const loose2 = looseWorld();
    loose2.queue.append({ kind: L1Kind.ForcedExit, index: 1n, tokenId: ETH, ethAddr: user("carol").ethAddr });
    expectRejected(loose2.state, loose2.queue, [{ type: TxType.ForcedExit, index: 1n, amount: 0n, exponent: 0 }], undefined, 0, WrongTokenError);
  });

  test("QueueOrderError: another index than the next entry's; a forced exit for a deposit entry; a deposit for a forced-exit entry; an exhausted queue", () => {
    const s = world();
    const noop: Tx = { type: TxType.Noop };
    s.topUp(ALICE, 5n);
    const idx = expectRejected(s.state, s.queue, [noop, { type: TxType.Deposit, index: BOB }], undefined, 1, QueueOrderError);
    expect([idx.expected, idx.got]).toEqual([ALICE, BOB]);
    expectRejected(s.state, s.queue, [{ type: TxType.ForcedExit, index: ALICE, amount: 0n, exponent: 0 }], undefined, 0, QueueOrderError);
    // Entries are consumed in order: the first deposit takes the top-up, the second finds nothing.
    const ex = expectRejected(s.state, s.queue, [{ type: TxType.Deposit, index: ALICE }, { type: TxType.Deposit, index: ALICE }], undefined, 1, QueueOrderError);
    expect(ex.got).toBe(BigInt(s.queue.length));
    applyChecked(s.state, [{ type: TxType.Deposit, index: ALICE }], s.queue);
    // The queue is now fully consumed.
    expectRejected(s.state, s.queue, [{ type: TxType.Deposit, index: ALICE }], undefined, 0, QueueOrderError);
    expectRejected(s.state, s.queue, [{ type: TxType.ForcedExit, index: ALICE, amount: 0n, exponent: 0 }], undefined, 0, QueueOrderError);
    // A forced-exit entry consumed by a deposit slot.
    s.forcedExit(BOB);
    expectRejected(s.state, s.queue, [{ type: TxType.Deposit, index: BOB }], undefined, 0, QueueOrderError);
    // …and by a forced-exit slot for another account.
    expectRejected(s.state, s.queue, [{ type: TxType.ForcedExit, index: ALICE, amount: 0n, exponent: 0 }], undefined, 0, QueueOrderError);
  });

  test("AccountExistsError: a create-deposit to an occupied index", () => {
    const { state, queue } = looseWorld();
    const eve = user("eve");
    queue.append({ kind: L1Kind.CreateDeposit, index: 1n, tokenId: TOKEN, ethAddr: eve.ethAddr, amount: 9n, ax: eve.pk[0], ay: eve.pk[1] });
    const e = expectRejected(state, queue, [{ type: TxType.Noop }, { type: TxType.Deposit, index: 1n }], undefined, 1, AccountExistsError);
    expect(e.account).toBe(1n);
    // Twice the same new index in one queue: the second create fails after the first one applied.
    const loose2 = looseWorld();
    for (let k = 0; k < 2; k++) {
      loose2.queue.append({ kind: L1Kind.CreateDeposit, index: 2n, tokenId: ETH, ethAddr: eve.ethAddr, amount: 9n, ax: eve.pk[0], ay: eve.pk[1] });
    }
    expectRejected(loose2.state, loose2.queue, [{ type: TxType.Deposit, index: 2n }, { type: TxType.Deposit, index: 2n }], undefined, 1, AccountExistsError);
    expect(loose2.state.account(2n)).toBeUndefined();
  });

  test("BalanceOverflowError: a transfer that takes a balance to 2^128 is refused; such a top-up is consumed as rejected", () => {
    const s = world();
    s.topUp(DAVE, pow2(128) - 77n);
    const o = expectL1Rejected(s.state, s.queue, [{ type: TxType.Deposit, index: DAVE }], 0, BalanceOverflowError);
    expect([o.balance, o.added]).toEqual([77n, pow2(128) - 77n]);
    // 2^128 − 1 is the largest balance.
    const t = world();
    applyChecked(t.state, [t.topUp(DAVE, MAX_BALANCE - 77n)], t.queue);
    expect(t.state.account(DAVE)!.balance).toBe(MAX_BALANCE);
    const tr = expectRejected(t.state, t.queue, [t.transfer(CAROL, DAVE, 0n), t.transfer(CAROL, DAVE, 1n)], undefined, 1, BalanceOverflowError);
    expect(tr.account).toBe(DAVE);
    t.resync();
    expectL1Rejected(t.state, t.queue, [t.topUp(DAVE, 1n)], 0, BalanceOverflowError);
  });

  test("InvalidTxError: a self-transfer (in its slot); more txs than slots (before any slot)", () => {
    const s = world();
    const self = { type: TxType.Transfer, from: ALICE, to: ALICE, amount: 1n, fee: 0n, nonce: 0n } as const;
    expect(() => signTx(self, user("alice").sk, s.domain)).toThrow(InvalidTxError); // cannot even be signed
    expectRejected(s.state, s.queue, [s.transfer(BOB, ALICE, 1n), self], undefined, 1, InvalidTxError);
    s.resync();
    // Too many transactions is a batch-level error: no slot failed, the InvalidTxError comes unwrapped.
    const before = snapshot(s.state);
    const noop: Tx = { type: TxType.Noop };
    expect(thrown(s.state, [noop, noop, noop], s.queue, { slots: 2 })).toBeInstanceOf(InvalidTxError);
    expect(thrown(s.state, [s.withdraw(ALICE, 1n), noop, noop], s.queue, { slots: 2 })).toBeInstanceOf(InvalidTxError);
    expect(thrown(s.state, [], s.queue)).toBeInstanceOf(InvalidTxError); // a batch of no slots
    expect(snapshot(s.state)).toEqual(before);
  });

  test("WrongAddressError: a forced exit requested by another address than the account's", () => {
    const { state, queue } = looseWorld();
    queue.append({ kind: L1Kind.ForcedExit, index: 0n, tokenId: ETH, ethAddr: user("mallory").ethAddr });
    const e = expectRejected(state, queue, [{ type: TxType.ForcedExit, index: 0n, amount: 0n, exponent: 0 }], undefined, 0, WrongAddressError);
    expect([e.expected, e.got]).toEqual([user("alice").ethAddr, user("mallory").ethAddr]);
    expect(state.account(0n)!.balance).toBe(1000n);
  });
});

describe("applyBatch: a batch that fails in its last slot undoes the slots before it", () => {
  /**
   * Six valid slots that change the state in every way (a create, a top-up, transfers with fees, a
   * withdrawal, a forced exit, a transfer from the account created in this batch), then `bad(s)`.
   */
  function prefix(s: Scenario): Tx[] {
    return [
      s.create(user("erin"), ETH, 500n), // index 6
      s.topUp(BOB, 9n),
      s.transfer(ALICE, BOB, 1000n, 3n),
      s.withdraw(BOB, 10n, 2n),
      s.forcedExit(DAVE),
      s.transfer(6n, ALICE, 100n, 1n),
    ];
  }

  const cases: Array<[string, ErrorClass<ZkrError>, (s: Scenario) => Tx]> = [
    ["WrongNonceError", WrongNonceError, (s) => s.transfer(ALICE, BOB, 1n, 0n, 0n)],
    ["BadSignatureError", BadSignatureError, (s) => signTx({ type: TxType.Withdraw, from: BOB, amount: 1n, fee: 0n, nonce: 1n }, user("alice").sk, s.domain)],
    ["InsufficientBalanceError", InsufficientBalanceError, (s) => s.withdraw(6n, 400n, 0n)], // erin has 500 − 101 = 399
    ["UnknownAccountError", UnknownAccountError, (s) => s.transfer(ALICE, EMPTY, 1n)],
    ["WrongTokenError", WrongTokenError, (s) => s.transfer(CAROL, ALICE, 1n)],
    ["QueueOrderError", QueueOrderError, () => ({ type: TxType.Deposit, index: ALICE })],
    ["FeeOutOfRangeError", FeeOutOfRangeError, (s) => s.transfer(CAROL, DAVE, 1n, 1n)],
    ["InvalidTxError", InvalidTxError, () => ({ type: TxType.Transfer, from: BOB, to: BOB, amount: 1n, fee: 0n, nonce: 1n })],
    ["AccountExistsError (create-deposit of a leaf just created)", AccountExistsError, () => ({ type: TxType.Noop })],
  ];

  test.each(cases)("%s", (name, cls, bad) => {
    const s = world();
    let txs: Tx[];
    let queue = s.queue;
    let st = s.state;
    if (cls === AccountExistsError) {
      // A checkAccounts:false queue that creates index 2 twice, after valid slots.
      const w = looseWorld();
      const eve = user("eve");
      w.queue.append({ kind: L1Kind.TopUp, index: 0n, tokenId: ETH, ethAddr: 1n, amount: 1n });
      w.queue.append({ kind: L1Kind.ForcedExit, index: 1n, tokenId: TOKEN, ethAddr: user("carol").ethAddr });
      for (let k = 0; k < 2; k++) {
        w.queue.append({ kind: L1Kind.CreateDeposit, index: 2n, tokenId: ETH, ethAddr: eve.ethAddr, amount: 9n, ax: eve.pk[0], ay: eve.pk[1] });
      }
      queue = w.queue;
      st = w.state;
      // A top-up, a forced exit and the first create apply; the second create of index 2 fails.
      txs = [
        { type: TxType.Deposit, index: 0n },
        { type: TxType.ForcedExit, index: 1n, amount: 0n, exponent: 0 },
        { type: TxType.Noop },
        { type: TxType.Deposit, index: 2n },
        { type: TxType.Deposit, index: 2n },
      ];
    } else {
      txs = [...prefix(s), bad(s)];
    }
    const cause = expectRejected(st, queue, txs, { feeAccount: cls === AccountExistsError ? undefined : FEES, slots: 8 }, txs.length - 1, cls);
    expect(cause.name).toBe(name.split(" ")[0]);
    if (cls !== AccountExistsError) {
      // Erin's account, created in slot 0, is gone again; the queue was not consumed: the valid
      // slots alone still apply.
      expect(s.state.account(6n)).toBeUndefined();
      const res = applyChecked(s.state, txs.slice(0, -1), s.queue, { feeAccount: FEES, slots: 8 });
      expect(res.queueEnd - res.queueStart).toBe(3n);
      expect(s.state.account(FEES)!.balance).toBe(6n);
      expect(s.state.account(6n)!.balance).toBe(399n);
    }
  });

  test("an overflowing fee credit (after the last slot) undoes the whole batch", () => {
    const s = world();
    applyChecked(s.state, [s.topUp(FEES, MAX_BALANCE)], s.queue);
    const txs = prefix(s);
    const before = snapshot(s.state);
    const err = thrown(s.state, txs, s.queue, { feeAccount: FEES });
    // No slot failed: the credit of the fee account does, and its error comes unwrapped.
    expect(err).toBeInstanceOf(BalanceOverflowError);
    expect((err as BalanceOverflowError).account).toBe(FEES);
    expect(snapshot(s.state)).toEqual(before);
  });
});

describe("applyBatch: valid batches", () => {
  test("every transaction type; result fields, public data, queue hashes and fees are consistent", () => {
    const s = world();
    applyChecked(s.state, [s.topUp(BOB, 123n, 0xbeefn)], s.queue, { slots: 3 });
    const aliceBefore = s.state.account(ALICE)!;
    const txs: Tx[] = [
      s.transfer(ALICE, BOB, 10n ** 17n, 30n),
      s.create(user("frank"), TOKEN, 1000n), // index 6
      s.withdraw(BOB, 2n * 10n ** 16n, 250n),
      { type: TxType.Noop },
      s.transfer(CAROL, DAVE, 1000n, 0n),
      s.forcedExit(DAVE),
      s.topUp(ALICE, 7n),
      s.transfer(ALICE, OPERATOR, 1n, 2n),
    ];
    const res = applyChecked(s.state, txs, s.queue, { slots: 10, feeAccount: FEES });
    expect(res.totalFee).toBe(282n);
    expect(res.feeAccount).toBe(FEES);
    expect(s.state.account(FEES)!.balance).toBe(282n);
    expect(res.queueEnd - res.queueStart).toBe(3n);
    expect(readHeader(res.publicData).feeAccount).toBe(FEES);
    // Balances and nonces per the table of PROTOCOL.md.
    expect(s.state.account(ALICE)).toEqual({ ...aliceBefore, balance: aliceBefore.balance - 10n ** 17n - 30n + 7n - 1n - 2n, nonce: 2n });
    expect(s.state.account(BOB)!.balance).toBe(5n * 10n ** 17n + 123n + 10n ** 17n - 2n * 10n ** 16n - 250n);
    expect(s.state.account(BOB)!.nonce).toBe(1n);
    expect(s.state.account(CAROL)!.balance).toBe(10n ** 9n - 1000n);
    expect(s.state.account(DAVE)!.balance).toBe(0n); // 77 + 1000, then forced out
    expect((res.txs[5] as Tx & { type: TxType.ForcedExit }).amount).toBe(1077n);
    expect(s.state.account(OPERATOR)!.balance).toBe(1n);
    const frank = user("frank");
    expect(s.state.account(6n)).toEqual({ ax: frank.pk[0], ay: frank.pk[1], ethAddr: frank.ethAddr, tokenId: TOKEN, balance: 1000n, nonce: 0n });
  });

  test("the fee account can be a sender or a receiver in the same batch; fees are credited after the last slot", () => {
    const s = world();
    applyChecked(s.state, [s.transfer(ALICE, FEES, 1000n)], s.queue);
    // FEES spends more than it holds before its own fee credit would arrive: refused.
    expectRejected(s.state, s.queue, [s.transfer(ALICE, BOB, 1n, 50n), s.withdraw(FEES, 1000n, 1n)], { feeAccount: FEES }, 1, InsufficientBalanceError);
    s.resync();
    const res = applyChecked(s.state, [s.transfer(ALICE, BOB, 1n, 50n), s.withdraw(FEES, 999n, 1n), s.transfer(BOB, FEES, 5n, 4n)], s.queue, { feeAccount: FEES });
    expect(res.totalFee).toBe(55n);
    expect(s.state.account(FEES)!.balance).toBe(1000n - 999n - 1n + 5n + 55n);
  });

  test("a batch without fees has fee account 0 in its public data, even when a fee account is given", () => {
    const s = world();
    for (const opts of [{ feeAccount: FEES }, {}, { feeAccount: OPERATOR }]) {
      const res = applyChecked(s.state, [s.transfer(ALICE, BOB, 10n), s.withdraw(CAROL, 5n, 0n)], s.queue, { ...opts, slots: 4 });
      expect(res.totalFee).toBe(0n);
      expect(res.feeAccount).toBe(0n);
      expect(readHeader(res.publicData).feeAccount).toBe(0n);
      expect(s.state.account(FEES)!.balance).toBe(0n);
    }
    // A noop-only batch changes nothing but the batch number.
    const before = snapshot(s.state);
    const res = applyChecked(s.state, [], s.queue, { slots: 3 });
    expect(res.newRoot).toBe(before.root);
    expect(res.queueEnd).toBe(res.queueStart);
    expect(res.queueHashAfter).toBe(res.queueHashBefore);
    expect(decodeBatchData(res.txData)).toEqual([{ type: TxType.Noop }, { type: TxType.Noop }, { type: TxType.Noop }]);
    expect(s.state.batchNumber).toBe(before.batchNumber + 1n);
  });

  test("batch numbers increment and consecutive batches chain their roots and queue hashes", () => {
    const s = world();
    let prev: BatchResult | undefined;
    for (let b = 0; b < 3; b++) {
      const res = applyChecked(s.state, [s.topUp(ALICE, 1n + BigInt(b)), s.transfer(ALICE, BOB, 1n)], s.queue, { slots: 2 });
      expect(res.batchNumber).toBe(BigInt(b + 1));
      if (prev) {
        expect(res.oldRoot).toBe(prev.newRoot);
        expect(res.queueStart).toBe(prev.queueEnd);
        expect(res.queueHashBefore).toBe(prev.queueHashAfter);
      }
      prev = res;
    }
    expect(s.state.batchNumber).toBe(4n);
  });
});

describe("applyBatch: replaying what L1 shows reproduces the model's roots", () => {
  test.each([11, 12])("seed %i: 7 batches rebuilt from public data and the queue alone", (seed) => {
    const SLOTS = 6;
    const r = rng(seed);
    const s = new Scenario(DEPTH);
    const mirror = new RollupState({ depth: DEPTH, chainId: CHAIN_ID, rollup: TEST_ROLLUP });
    const seen = new Set<TxType>();
    const feesSeen: bigint[] = [];
    const run = (txs: Tx[]) => {
      // Batch 0 creates the operator's account and collects no fee yet: it names it all the same.
      const feeAccount = OPERATOR;
      const res = applyChecked(s.state, txs, s.queue, { slots: SLOTS + 2, feeAccount });
      res.txs.forEach((t) => seen.add(t.type));
      feesSeen.push(res.totalFee);
      replayBatch(mirror, s.queue, res.publicData);
      expect(mirror.root).toBe(s.state.root);
      expect(mirror.queueNext).toBe(s.state.queueNext);
      expect(mirror.batchNumber).toBe(s.state.batchNumber);
    };
    run([
      s.create(user("operator"), ETH, 0n),
      s.create(user("alice"), ETH, 10n ** 18n),
      s.create(user("bob"), ETH, 2n ** 64n + 12345n),
      s.create(user("carol"), TOKEN, 10n ** 9n),
      s.create(user("dave"), TOKEN, 77n),
      s.create(user("erin"), ETH, r.bigint(100)),
    ]);
    for (let b = 0; b < 6; b++) {
      const txs = s.randomTxs(r, SLOTS, ETH);
      if (b === 2) txs.push(s.create(user(`late-${seed}`), TOKEN, r.bigint(40))); // a create after random slots
      run(txs);
    }
    expect(mirror.accounts).toEqual(s.state.accounts);
    expect([...seen].sort()).toEqual([TxType.Noop, TxType.Deposit, TxType.Transfer, TxType.Withdraw, TxType.ForcedExit]);
    expect(feesSeen.some((f) => f > 0n)).toBe(true);
  });
});

describe("applyBatch: forced exits", () => {
  const ZOE = 6n;

  /** world() plus zoe (ETH) at index 6, created with `balance`. */
  function withZoe(balance: bigint): Scenario {
    const s = world();
    applyChecked(s.state, [s.create(user("zoe"), ETH, balance)], s.queue);
    expect(s.state.account(ZOE)!.balance).toBe(balance);
    return s;
  }

  /** Applies zoe's forced exit; checks that the slot decodes to what was applied. */
  function exit(s: Scenario): Tx & { type: TxType.ForcedExit } {
    const res = applyChecked(s.state, [s.forcedExit(ZOE)], s.queue, { slots: 2 });
    expect(decodeBatchData(res.txData)[0]).toEqual(res.txs[0]);
    return res.txs[0] as Tx & { type: TxType.ForcedExit };
  }

  test("a balance below 2^64 exits exactly, with exponent 0", () => {
    for (const balance of [0n, 1n, 10n ** 18n + 7n, 2n ** 64n - 1n]) {
      const s = withZoe(balance);
      const e = exit(s);
      expect({ amount: e.amount, exponent: e.exponent }).toEqual({ amount: balance, exponent: 0 });
      expect(s.state.account(ZOE)).toEqual({ ...s.state.account(ZOE)!, balance: 0n, nonce: 0n });
    }
  });

  test("2^64 + 12345 leaves less than 10^e behind; a second forced exit drains the rest to 0", () => {
    const balance = 2n ** 64n + 12345n; // 18446744073709563961
    const s = withZoe(balance);
    const first = exit(s);
    const e = BigInt(first.exponent);
    expect(first.exponent).toBe(1);
    expect(first.amount).toBe(18446744073709563960n);
    expect(first.amount / 10n ** e).toBeLessThan(2n ** 64n);
    const rest = s.state.account(ZOE)!.balance;
    expect(rest).toBe(balance - first.amount);
    expect(rest).toBeLessThan(10n ** e);
    expect(rest).toBe(1n);
    // Smallest exponent: the circuit's check 10·B ≥ 2^64·10^e.
    expect(10n * balance >= 2n ** 64n * 10n ** e).toBe(true);
    const second = exit(s);
    expect({ amount: second.amount, exponent: second.exponent }).toEqual({ amount: rest, exponent: 0 });
    expect(s.state.account(ZOE)!.balance).toBe(0n);
    // A third one pays nothing and is still valid.
    expect(exit(s).amount).toBe(0n);
  });

  test("2^64 and 2^128 − 1: smallest exponent, remainder below 10^e", () => {
    for (const [balance, exponent] of [[2n ** 64n, 1], [MAX_BALANCE, 20]] as const) {
      const s = withZoe(balance);
      const e = exit(s);
      expect(e.exponent).toBe(exponent);
      expect(balance - e.amount).toBeLessThan(10n ** BigInt(e.exponent));
      expect(balance / 10n ** BigInt(e.exponent - 1)).toBeGreaterThanOrEqual(2n ** 64n);
      expect(s.state.account(ZOE)!.balance).toBe(balance - e.amount);
    }
  });

  test("a forced exit pays the balance at its slot and leaves the nonce alone", () => {
    const s = world();
    const txs: Tx[] = [s.transfer(ALICE, BOB, 10n ** 17n), s.topUp(ALICE, 5n), s.forcedExit(ALICE), s.topUp(ALICE, 3n)];
    const res = applyChecked(s.state, txs, s.queue);
    expect((res.txs[2] as Tx & { type: TxType.ForcedExit }).amount).toBe(10n ** 18n - 10n ** 17n + 5n);
    expect(s.state.account(ALICE)!.balance).toBe(3n);
    expect(s.state.account(ALICE)!.nonce).toBe(1n);
  });
});
