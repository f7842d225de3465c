// The state transition of a batch (docs/PROTOCOL.md "State transition of a batch"): checks every
// transaction, applies it, and returns the new root, the public data, its hash and the circuit's
// witness inputs. This is the only implementation of the transition: the sequencer, the witness
// builder, the L1 syncer and the tests all call it.
//
// A batch either applies whole or not at all: every change is journalled and undone when any
// transaction is invalid, and the error says which slot and why.

import { createHash } from "node:crypto";
import type { Account } from "./account.js";
import { BALANCE_BITS, DOMAIN_BITS, L1Kind, SNARK_FIELD, TxType, U32_BITS, pow2 } from "./constants.js";
import { BalanceOverflowError, InvalidTxError, QueueOrderError, UnknownAccountError, assertBits } from "./errors.js";
import { ZkrError } from "../../core/errors.js";
import { l1Outcome } from "./l1.js";
import { type L1Queue, type L1Request } from "./queue.js";
import type { RollupState } from "./state.js";
import { encodeTx, txDataToBigint, type SignedTx, type Tx } from "./tx.js";
import { checkFeeToken, checkSignedTx } from "./check-tx.js";
import { bigintToBeBytes } from "../../core/bytes.js";

/** Options of {@link applyBatch}. */
export interface BatchOptions {
  /** Number of slots of the circuit: the batch is padded with noops to this size (default: `txs.length`). */
  slots?: number;
  /** Account that receives the fees; required when any fee is nonzero. */
  feeAccount?: bigint;
  /**
   * Check each transfer's and withdrawal's signature (default true). Only `zkr sync` turns this off:
   * it replays batches whose proofs the contract has verified, and calldata carries no signatures.
   */
  verifySignatures?: boolean;
}

/** The circuit's private inputs, named as in `circuits/src/rollup.circom`. */
export interface RollupWitnessInputs {
  oldRoot: bigint;
  queueHashBefore: bigint;
  domain: bigint;
  batchNumber: bigint;
  queueStart: bigint;
  feeAccount: bigint;
  txData: bigint[];
  aAx: bigint[];
  aAy: bigint[];
  aEthAddr: bigint[];
  aToken: bigint[];
  aBalance: bigint[];
  aNonce: bigint[];
  aSiblings: bigint[][][];
  bAx: bigint[];
  bAy: bigint[];
  bEthAddr: bigint[];
  bToken: bigint[];
  bBalance: bigint[];
  bNonce: bigint[];
  bSiblings: bigint[][][];
  sigR8x: bigint[];
  sigR8y: bigint[];
  sigS: bigint[];
  /** 1 where account A's leaf is empty (a create-deposit, or a rejected request of an empty leaf). */
  aEmpty: bigint[];
  /** The consumed queue entry's kind (1 create-deposit, 2 top-up, 3 forced exit), 0 for L2 slots. */
  l1Kind: bigint[];
  l1Token: bigint[];
  l1EthAddr: bigint[];
  l1Amount: bigint[];
  l1Ax: bigint[];
  l1Ay: bigint[];
  feeAx: bigint;
  feeAy: bigint;
  feeEthAddr: bigint;
  feeToken: bigint;
  feeBalance: bigint;
  feeNonce: bigint;
  feeSiblings: bigint[][];
}

/** What a batch did. */
export interface BatchResult {
  batchNumber: bigint;
  oldRoot: bigint;
  newRoot: bigint;
  queueStart: bigint;
  queueEnd: bigint;
  queueHashBefore: bigint;
  queueHashAfter: bigint;
  /** Fee account in the public data (0 when no fee was collected). */
  feeAccount: bigint;
  totalFee: bigint;
  /**
   * The slots' transactions, padded with noops: forced exits carry the amount paid out, and an L1
   * request that cannot apply is a {@link RejectedTx} whatever slot type was asked for.
   */
  txs: Tx[];
  /** The L1 requests this batch rejected, with why; the contract refunds their deposits. */
  rejected: RejectedRequest[];
  /** The slots' data, 12 bytes each: what goes on L1 as calldata. */
  txData: Uint8Array;
  /** The bytes the public input commits to. */
  publicData: Uint8Array;
  /** SHA-256 of `publicData`. */
  publicDataHash: Uint8Array;
  /** `uint256(publicDataHash) mod r`: the circuit's one public signal. */
  publicInput: bigint;
  witnessInputs: RollupWitnessInputs;
}

/** An L1 request consumed as rejected. */
export interface RejectedRequest {
  slot: number;
  /** Its queue position. */
  position: bigint;
  request: L1Request;
  /** Why it cannot apply: InvalidKeyError, BalanceOverflowError or UnknownAccountError. */
  reason: ZkrError;
}

/** A transaction that failed, with its slot. */
export class BatchTxError extends ZkrError {
  override name = "BatchTxError" as const;
  constructor(
    readonly slot: number,
    override readonly cause: ZkrError,
  ) {
    super(`batch slot ${slot}: ${cause.shortMessage}`, { cause });
  }
}


const be = bigintToBeBytes;

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** The public data of a batch (docs/PROTOCOL.md "Public data"). */
export function encodePublicData(h: {
  oldRoot: bigint;
  newRoot: bigint;
  queueHashBefore: bigint;
  queueHashAfter: bigint;
  domain: bigint;
  batchNumber: bigint;
  queueStart: bigint;
  queueEnd: bigint;
  feeAccount: bigint;
  txData: Uint8Array;
}): Uint8Array {
  return concat([
    be(h.oldRoot, 32),
    be(h.newRoot, 32),
    be(h.queueHashBefore, 32),
    be(h.queueHashAfter, 32),
    be(h.domain, DOMAIN_BITS / 8),
    be(h.batchNumber, 4),
    be(h.queueStart, 4),
    be(h.queueEnd, 4),
    be(h.feeAccount, 4),
    h.txData,
  ]);
}

/** SHA-256 of the public data and its reduction into the field. */
export function hashPublicData(publicData: Uint8Array): { publicDataHash: Uint8Array; publicInput: bigint } {
  const publicDataHash = new Uint8Array(createHash("sha256").update(publicData).digest());
  const publicInput = BigInt("0x" + Buffer.from(publicDataHash).toString("hex")) % SNARK_FIELD;
  return { publicDataHash, publicInput };
}

const ZERO_ACCOUNT: Account = { ax: 0n, ay: 0n, ethAddr: 0n, tokenId: 0n, balance: 0n, nonce: 0n };

function zeroSiblings(levels: number): bigint[][] {
  return Array.from({ length: levels }, () => [0n, 0n, 0n]);
}

function describe(type: TxType): string {
  return ["noop", "deposit", "transfer", "withdraw", "forced exit", "rejected L1 request"][type] ?? `type ${type}`;
}

/**
 * Applies a batch to `state` (in place) and returns what the circuit and the contract need.
 *
 * L1 slots (deposits, forced exits) consume `queue` entries in order from `state.queueNext`.
 * On any invalid transaction the state is left exactly as it was and a {@link BatchTxError}
 * names the slot; its `cause` is the typed error (BadSignatureError, WrongNonceError, …).
 * Errors that belong to no slot (batch size, a missing fee account, a fee account pushed past
 * 2^128) are thrown as their typed error, also with the state untouched.
 */
export function applyBatch(state: RollupState, txs: readonly Tx[], queue: L1Queue, opts: BatchOptions = {}): BatchResult {
  const slots = opts.slots ?? txs.length;
  if (!Number.isInteger(slots) || slots < 1) throw new InvalidTxError({ reason: `batch size of at least 1 expected, got ${slots}` });
  if (txs.length > slots) throw new InvalidTxError({ reason: `at most ${slots} transactions expected, got ${txs.length}` });
  const levels = state.depth / 2;
  const journal: Array<[bigint, Account | undefined]> = [];
  const put = (index: bigint, next: Account | undefined) => {
    journal.push([index, state.account(index)]);
    if (next) state.setAccount(index, next);
    else state.deleteAccount(index);
  };

  const oldRoot = state.root;
  const queueStart = state.queueNext;
  const queueHashBefore = queue.hashAt(queueStart);
  let queueNext = queueStart;
  const w: RollupWitnessInputs = {
    oldRoot,
    queueHashBefore,
    domain: state.domain,
    batchNumber: state.batchNumber,
    queueStart,
    feeAccount: 0n,
    txData: [], aAx: [], aAy: [], aEthAddr: [], aToken: [], aBalance: [], aNonce: [], aSiblings: [],
    bAx: [], bAy: [], bEthAddr: [], bToken: [], bBalance: [], bNonce: [], bSiblings: [],
    sigR8x: [], sigR8y: [], sigS: [],
    aEmpty: [], l1Kind: [], l1Token: [], l1EthAddr: [], l1Amount: [], l1Ax: [], l1Ay: [],
    feeAx: 0n, feeAy: 0n, feeEthAddr: 0n, feeToken: 0n, feeBalance: 0n, feeNonce: 0n,
    feeSiblings: zeroSiblings(levels),
  };
  const applied: Tx[] = [];
  const rejected: RejectedRequest[] = [];
  const data: Uint8Array[] = [];
  let totalFee = 0n;
  // The circuit reads the fee account as it stands after the last slot (it may be created in
  // this batch), so fee tokens are checked once the slots are applied.
  const feePayers: Array<{ slot: number; tx: SignedTx; token: bigint }> = [];

  const existing = (index: bigint, op: string): Account => {
    const a = state.account(index);
    if (!a) throw new UnknownAccountError({ account: index, op });
    return a;
  };
  const nextRequest = (what: string): L1Request => {
    if (queueNext >= BigInt(queue.length)) {
      throw new QueueOrderError({ what: `${what}: queue entry ${queueNext} (queue holds ${queue.length})`, expected: BigInt(queue.length) - 1n, got: queueNext });
    }
    return queue.at(queueNext);
  };

  try {
    for (let slot = 0; slot < slots; slot++) {
      const input: Tx = slot < txs.length ? txs[slot] : { type: TxType.Noop };
      let tx: Tx = input;
      let a: Account = ZERO_ACCOUNT;
      let aIndex = 0n;
      let aSiblings = zeroSiblings(levels);
      let b: Account = ZERO_ACCOUNT;
      let bSiblings = zeroSiblings(levels);
      let sig = { r8x: 0n, r8y: 0n, s: 0n };
      let aEmpty = 0n;
      let l1 = { kind: 0n, token: 0n, ethAddr: 0n, amount: 0n, ax: 0n, ay: 0n };
      try {
        switch (input.type) {
          case TxType.Noop:
            break;
          case TxType.Deposit:
          case TxType.ForcedExit:
          case TxType.Rejected: {
            const what = describe(input.type);
            const req = nextRequest(what);
            const position = queueNext;
            const wantKinds = input.type === TxType.Deposit ? [L1Kind.CreateDeposit, L1Kind.TopUp]
              : input.type === TxType.ForcedExit ? [L1Kind.ForcedExit] : [L1Kind.CreateDeposit, L1Kind.TopUp, L1Kind.ForcedExit];
            if (!wantKinds.includes(req.kind)) {
              throw new QueueOrderError({ what: `${what}: kind of queue entry ${position}`, expected: BigInt(wantKinds[0]), got: BigInt(req.kind) });
            }
            if (req.index !== input.index) {
              throw new QueueOrderError({ what: `${what}: account of queue entry ${position}`, expected: req.index, got: input.index });
            }
            aIndex = req.index;
            const current = state.account(aIndex);
            const outcome = l1Outcome(req, current);
            aSiblings = state.tree.proof(aIndex).siblings;
            a = current ?? { ...ZERO_ACCOUNT, tokenId: req.tokenId };
            aEmpty = current ? 0n : 1n;
            l1 = {
              kind: BigInt(req.kind), token: req.tokenId, ethAddr: req.ethAddr,
              amount: req.kind === L1Kind.ForcedExit ? 0n : req.amount,
              ax: req.kind === L1Kind.CreateDeposit ? req.ax : 0n, ay: req.kind === L1Kind.CreateDeposit ? req.ay : 0n,
            };
            if (outcome.applied) {
              if (input.type === TxType.Rejected) {
                throw new InvalidTxError({ reason: `queue entry ${position} (${what} of account ${aIndex}) applies; it cannot be rejected` });
              }
              if (req.kind === L1Kind.CreateDeposit) a = { ...outcome.account, balance: 0n };
              tx = outcome.tx;
              put(aIndex, outcome.account);
            } else {
              // The slot consumes the entry and changes nothing; the contract refunds the deposit.
              tx = outcome.tx;
              rejected.push({ slot, position, request: { ...req }, reason: outcome.reason });
            }
            queueNext++;
            break;
          }
          case TxType.Transfer:
          case TxType.Withdraw: {
            aIndex = input.from;
            const checked = checkSignedTx((i) => state.account(i), input, {
              feeAccount: opts.feeAccount,
              domain: opts.verifySignatures === false ? undefined : state.domain,
            });
            a = checked.from;
            const to = checked.to;
            if (input.fee > 0n) feePayers.push({ slot, tx: input, token: a.tokenId });
            const debit = input.amount + input.fee;
            sig = input.sig ?? sig;
            aSiblings = state.tree.proof(aIndex).siblings;
            put(aIndex, { ...a, balance: a.balance - debit, nonce: a.nonce + 1n });
            if (input.type === TxType.Transfer && to) {
              const credited = to.balance + input.amount;
              if (credited >= pow2(BALANCE_BITS)) throw new BalanceOverflowError({ account: input.to, op: "transfer to", balance: to.balance, added: input.amount });
              b = to;
              bSiblings = state.tree.proof(input.to).siblings;
              put(input.to, { ...to, balance: credited });
            }
            totalFee += input.fee;
            break;
          }
          default:
            throw new InvalidTxError({ reason: `unknown transaction type ${(input as { type: unknown }).type}` });
        }
      } catch (err) {
        if (err instanceof ZkrError) throw new BatchTxError(slot, err);
        throw err;
      }
      const bytes = encodeTx(tx);
      applied.push(tx);
      data.push(bytes);
      w.txData.push(txDataToBigint(bytes));
      w.aAx.push(a.ax); w.aAy.push(a.ay); w.aEthAddr.push(a.ethAddr); w.aToken.push(a.tokenId);
      w.aBalance.push(a.balance); w.aNonce.push(a.nonce); w.aSiblings.push(aSiblings);
      w.bAx.push(b.ax); w.bAy.push(b.ay); w.bEthAddr.push(b.ethAddr); w.bToken.push(b.tokenId);
      w.bBalance.push(b.balance); w.bNonce.push(b.nonce); w.bSiblings.push(bSiblings);
      w.sigR8x.push(sig.r8x); w.sigR8y.push(sig.r8y); w.sigS.push(sig.s);
      w.aEmpty.push(aEmpty);
      w.l1Kind.push(l1.kind); w.l1Token.push(l1.token); w.l1EthAddr.push(l1.ethAddr);
      w.l1Amount.push(l1.amount); w.l1Ax.push(l1.ax); w.l1Ay.push(l1.ay);
    }

    // Fees are credited once, after the last slot.
    let feeAccount = 0n;
    if (totalFee > 0n && opts.feeAccount !== undefined) {
      feeAccount = opts.feeAccount;
      const fa = existing(feeAccount, "fee to");
      for (const p of feePayers) {
        try {
          checkFeeToken(p.tx, p.token, fa.tokenId);
        } catch (err) {
          throw new BatchTxError(p.slot, err as ZkrError);
        }
      }
      const balance = fa.balance + totalFee;
      if (balance >= pow2(BALANCE_BITS)) throw new BalanceOverflowError({ account: feeAccount, op: "fee to", balance: fa.balance, added: totalFee });
      Object.assign(w, {
        feeAx: fa.ax, feeAy: fa.ay, feeEthAddr: fa.ethAddr, feeToken: fa.tokenId, feeBalance: fa.balance, feeNonce: fa.nonce,
        feeSiblings: state.tree.proof(feeAccount).siblings,
      });
      put(feeAccount, { ...fa, balance });
    }
    w.feeAccount = feeAccount;
    assertBits("batchNumber", state.batchNumber, U32_BITS);
    assertBits("queueEnd", queueNext, U32_BITS);

    const txData = concat(data);
    const queueHashAfter = queue.hashAt(queueNext);
    const header = {
      oldRoot,
      newRoot: state.root,
      queueHashBefore,
      queueHashAfter,
      domain: state.domain,
      batchNumber: state.batchNumber,
      queueStart,
      queueEnd: queueNext,
      feeAccount,
    };
    const publicData = encodePublicData({ ...header, txData });
    const { publicDataHash, publicInput } = hashPublicData(publicData);
    const result: BatchResult = { ...header, totalFee, txs: applied, rejected, txData, publicData, publicDataHash, publicInput, witnessInputs: w };
    state.batchNumber += 1n;
    state.queueNext = queueNext;
    return result;
  } catch (err) {
    for (let i = journal.length - 1; i >= 0; i--) {
      const [index, prev] = journal[i];
      if (prev) state.setAccount(index, prev);
      else state.deleteAccount(index);
    }
    throw err;
  }
}
