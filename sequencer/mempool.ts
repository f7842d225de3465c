// The mempool: signed transfers and withdrawals admitted by the API, waiting for a batch.
//
// Admission checks everything a batch will check, with the model's own rules
// (sequencer/model/check-tx.ts: encoding, accounts and tokens, fee, nonce, balance, signature),
// against the state after the last created batch plus what this account already has waiting:
// the nonce must be the account's nonce + the number of its pending transactions, and the balance
// less its pending spends must cover amount + fee (incoming pending transfers are not counted:
// they could still fail, a spend backed by them could not be batched). A lower nonce is a replay
// (`nonce_used`, or `duplicate` for the very same transaction), a higher one a gap (`nonce_gap`):
// future nonces are refused, not held, so the mempool never holds what it cannot batch and cannot
// be filled with unbatchable spam. A client sends an account's next transaction once the previous
// one is accepted (202). The model's typed errors become the API's codes in one table
// (sequencer/errors.ts, rejectionOf). The mempool's own rules come after:
// - the fee is at least the sequencer's minimum for the account's token (`fee_too_low`;
//   sequencer/fees.ts says why a minimum rather than ordering by fee);
// - something moves or is paid (`zero_value`);
// - no forced exit of the account waits in the L1 queue (it will empty the account first);
// - the mempool has room (`mempool_full`, 503 with `Retry-After`: a batch drains `slots` of it at
//   the latest `batchMaxWaitMs` after the oldest arrived, so that is the hint, in whole seconds).
// The EdDSA signature is verified last (the most expensive check).
// A refused transaction is not stored. An admitted one is INSERTed and committed before the API
// answers 202.
//
// Group admission (`admitAsync`, what the API uses): requests are checked on arrival; those that
// arrive while the previous group is being verified form the next group, whose signatures are
// verified together (on a worker thread when the sequencer has a VerifyPool, so HTTP and SQLite
// keep the main thread) and which is stored in one transaction; each is checked again just before
// its INSERT, since an earlier one may have taken its nonce or balance meanwhile.
//
// The batcher checks again when it builds (a forced exit may have arrived meanwhile); what fails
// there is dropped with its reason, and so are the same account's later nonces.

import { TxType, L1Kind } from "./model/constants.js";
import { BadSignatureError, UnknownAccountError } from "./model/errors.js";
import { checkSignedTx } from "./model/check-tx.js";
import { signatureMessage, type SignedTx } from "./model/tx.js";
import type { Signature } from "./model/keys.js";
import { verifyGroup, type SignatureItem, type VerifyMany } from "./signatures.js";
import type { VerifyPool } from "./verify-pool.js";
import { RequestRejectedError, rejectionOf } from "./errors.js";
import { txHash } from "./codec.js";
import { checkMinFee } from "./fees.js";
import type { SequencerContext } from "./context.js";
import { IntakeCounter } from "./intake.js";
import type { TxRow } from "./store.js";
import type { Statement } from "better-sqlite3";

type Ctx = Omit<SequencerContext, "mempool">;

export type { SignatureItem, VerifyMany } from "./signatures.js";

interface Waiting { tx: SignedTx & { sig: Signature }; hash: string; done: (err: Error | undefined, hash?: string) => void }

/** The `Retry-After` of a full mempool: the batch interval in whole seconds, at least 1. */
export function retryAfterSeconds(config: Pick<Ctx["config"], "batchMaxWaitMs">): number {
  return Math.max(1, Math.ceil(config.batchMaxWaitMs / 1000));
}

/** In-memory totals of the pending transactions per account (rebuilt from the database at start). */
export class Mempool {
  private readonly count = new Map<bigint, bigint>();
  private readonly debit = new Map<bigint, bigint>();
  private readonly forcedExits = new Map<bigint, number>();
  /** Number of pending transactions. */
  size = 0;
  private insert: Statement<unknown[]>;
  private byHash: Statement<[string]>;

  constructor(private readonly ctx: Ctx) {
    this.insert = ctx.db.prepare(
      "INSERT INTO txs (hash, type, from_idx, to_idx, amount, fee, nonce, sig_r8x, sig_r8y, sig_s, status, received_at) " +
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?)",
    );
    this.byHash = ctx.db.prepare("SELECT status FROM txs WHERE hash = ?");
    this.recount();
  }

  /** Counts the pending transactions from the database again (at start, and after batches were undone). */
  recount(): void {
    this.count.clear();
    this.debit.clear();
    this.size = 0;
    for (const r of this.ctx.db.prepare("SELECT from_idx, amount, fee FROM txs WHERE status = 'pending'").iterate() as IterableIterator<Pick<TxRow, "from_idx" | "amount" | "fee">>) {
      this.add(BigInt(r.from_idx), BigInt(r.amount) + BigInt(r.fee));
    }
    this.resetForcedExits();
  }

  /** Recounts the forced exits waiting in the L1 queue (after the watcher or the batcher moved it). */
  resetForcedExits(): void {
    this.forcedExits.clear();
    const { queue, state } = this.ctx;
    for (let p = state.queueNext; p < BigInt(queue.length); p++) {
      const r = queue.at(p);
      if (r.kind === L1Kind.ForcedExit) this.forcedExits.set(r.index, (this.forcedExits.get(r.index) ?? 0) + 1);
    }
  }

  /** The nonce the account's next transaction must carry. */
  nextNonce(index: bigint): bigint {
    return (this.ctx.state.accounts.get(index)?.nonce ?? 0n) + (this.count.get(index) ?? 0n);
  }

  /** Amount + fee of the account's pending transactions. */
  pendingDebit(index: bigint): bigint {
    return this.debit.get(index) ?? 0n;
  }

  /** Number of the account's pending transactions. */
  pendingCount(index: bigint): bigint {
    return this.count.get(index) ?? 0n;
  }

  private add(from: bigint, spend: bigint): void {
    this.count.set(from, (this.count.get(from) ?? 0n) + 1n);
    this.debit.set(from, (this.debit.get(from) ?? 0n) + spend);
    this.size++;
  }

  /** Forgets a transaction that left the mempool (batched or dropped). */
  remove(from: bigint, spend: bigint): void {
    const c = (this.count.get(from) ?? 0n) - 1n;
    const d = (this.debit.get(from) ?? 0n) - spend;
    if (c <= 0n) {
      this.count.delete(from);
      this.debit.delete(from);
    } else {
      this.count.set(from, c);
      this.debit.set(from, d);
    }
    this.size--;
  }

  /**
   * Checks a signed transaction against the state and the mempool without storing it: the model's
   * rules (checkSignedTx, the signature left for later), then the mempool's own.
   * @throws RequestRejectedError with the reason.
   */
  check(tx: SignedTx & { sig: Signature }): string {
    const { state, config } = this.ctx;
    const feeAccount = config.feeAccount === undefined ? undefined : state.accounts.get(config.feeAccount);
    const hash = () => txHash(tx, state.domain);
    try {
      checkSignedTx((i) => state.accounts.get(i), tx, {
        feeAccount: feeAccount ? config.feeAccount : undefined,
        feeToken: feeAccount?.tokenId,
        nonce: this.nextNonce(tx.from),
        pending: this.pendingDebit(tx.from),
      });
    } catch (e) {
      const receivedAs = () => {
        const h = hash();
        return this.byHash.get(h) ? h : undefined;
      };
      throw rejectionOf(e, { receivedAs }) ?? e;
    }
    checkMinFee(config, tx, state.accounts.get(tx.from)!.tokenId);
    const op = tx.type === TxType.Transfer ? "transfer" : "withdraw";
    if (tx.amount === 0n && tx.fee === 0n) {
      // It would move nothing and pay nothing: only a way to fill slots and proofs for free.
      throw new RequestRejectedError(422, "zero_value", `${op} from account ${tx.from}: a nonzero amount or fee expected, got amount 0 and fee 0`);
    }
    if (this.forcedExits.has(tx.from)) {
      throw new RequestRejectedError(409, "forced_exit_pending", `${op} from account ${tx.from}: a forced exit of this account waits in the L1 queue`);
    }
    if (this.size >= config.maxMempool) {
      const seconds = retryAfterSeconds(config);
      throw new RequestRejectedError(503, "mempool_full", `mempool full (${this.size} transactions wait, at most ${config.maxMempool}); retry in ${seconds} s`, {
        headers: { "retry-after": String(seconds) },
      });
    }
    return hash();
  }

  /** What the signature check of a (checked) transaction needs. @throws RequestRejectedError for a malformed message. */
  signatureItem(tx: SignedTx & { sig: Signature }): SignatureItem {
    const a = this.ctx.state.accounts.get(tx.from);
    // Checked on arrival, but gone since: batches undone after an L1 reorganisation.
    if (!a) throw rejectionOf(new UnknownAccountError({ account: tx.from, op: tx.type === TxType.Transfer ? "transfer from" : "withdraw from" }))!;
    try {
      return { msg: signatureMessage(tx, this.ctx.state.domain), sig: tx.sig, pk: [a.ax, a.ay] };
    } catch (e) {
      throw rejectionOf(e) ?? e;
    }
  }

  private badSignature(tx: SignedTx): RequestRejectedError {
    return rejectionOf(new BadSignatureError({ account: tx.from, op: tx.type === TxType.Transfer ? "transfer from" : "withdraw from" }))!;
  }

  /** Checks the signature. @throws RequestRejectedError (422 bad_signature). */
  checkSignature(tx: SignedTx & { sig: Signature }): void {
    if (!this.verifyMany([this.signatureItem(tx)])[0]) throw this.badSignature(tx);
  }

  /** How signatures are verified in this thread (replaceable). */
  verifyMany: VerifyMany = verifyGroup;
  /** When set, group signature checks run on these worker threads instead. */
  pool: VerifyPool | undefined;
  /** Admissions of the last minute (the operator's dashboard). */
  readonly intake = new IntakeCounter();
  private waiting: Waiting[] = [];
  private flushing = false;

  /**
   * Admits a transaction with the others that arrive while the previous group is being verified
   * (see the file's header). Resolves with its hash once stored; rejects with RequestRejectedError.
   */
  admitAsync(tx: SignedTx & { sig: Signature }): Promise<string> {
    const hash = this.check(tx);
    return new Promise((resolve, reject) => {
      this.waiting.push({ tx, hash, done: (err, h) => (err ? reject(err) : resolve(h!)) });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.flushing || this.waiting.length === 0) return;
    this.flushing = true;
    setImmediate(() => {
      void this.flush().finally(() => {
        this.flushing = false;
        this.schedule();
      });
    });
  }

  /** Verifies and stores the waiting group (one transaction). Never throws. */
  private async flush(): Promise<void> {
    const group = this.waiting;
    this.waiting = [];
    const out: Array<Error | string> = new Array(group.length);
    let ok: boolean[];
    try {
      // A transaction refused while its item is made (its account gone meanwhile) is answered alone.
      const items: (SignatureItem | undefined)[] = group.map((w, i) => {
        try {
          return this.signatureItem(w.tx);
        } catch (e) {
          if (!(e instanceof RequestRejectedError)) throw e;
          out[i] = e;
          return undefined;
        }
      });
      const made = items.filter((x): x is SignatureItem => x !== undefined);
      const verified = made.length === 0 ? [] : this.pool ? await this.pool.verify(made) : this.verifyMany(made);
      let k = 0;
      ok = items.map((x) => (x === undefined ? false : verified[k++]));
    } catch (e) {
      for (const w of group) w.done(e as Error);
      return;
    }
    const counts = { count: new Map(this.count), debit: new Map(this.debit), size: this.size };
    try {
      this.ctx.db.transaction(() => {
        group.forEach((w, i) => {
          if (out[i] !== undefined) return;
          if (!ok[i]) {
            out[i] = this.badSignature(w.tx);
            return;
          }
          try {
            // Checked again: the state and the mempool may have moved since it arrived.
            this.store(w.tx, this.check(w.tx));
            out[i] = w.hash;
          } catch (e) {
            if (!(e instanceof RequestRejectedError)) throw e;
            out[i] = e;
          }
        });
      })();
    } catch (e) {
      // Nothing of the group was stored: take the in-memory totals back.
      this.count.clear(); for (const [k, v] of counts.count) this.count.set(k, v);
      this.debit.clear(); for (const [k, v] of counts.debit) this.debit.set(k, v);
      this.size = counts.size;
      for (const w of group) w.done(e as Error);
      return;
    }
    this.intake.add(out.filter((r) => typeof r === "string").length);
    group.forEach((w, i) => {
      const r = out[i];
      if (typeof r === "string") w.done(undefined, r);
      else w.done(r);
    });
  }

  /** Stores a checked transaction as pending (one committed INSERT) and counts it. */
  store(tx: SignedTx & { sig: Signature }, hash: string): void {
    try {
      this.insert.run(
        hash, tx.type, Number(tx.from), tx.type === TxType.Transfer ? Number(tx.to) : null, tx.amount.toString(), tx.fee.toString(),
        Number(tx.nonce), tx.sig.r8x.toString(), tx.sig.r8y.toString(), tx.sig.s.toString(), Date.now(),
      );
    } catch (e) {
      if ((e as { code?: string }).code?.startsWith("SQLITE_CONSTRAINT")) throw new RequestRejectedError(409, "duplicate", `transaction ${hash} (or another with nonce ${tx.nonce} from account ${tx.from}) was already received`);
      throw e;
    }
    this.add(tx.from, tx.amount + tx.fee);
  }

  /** Admits a transaction: every check, then stored. Returns its hash. @throws RequestRejectedError. */
  admit(tx: SignedTx & { sig: Signature }): string {
    const hash = this.check(tx);
    this.checkSignature(tx);
    this.store(tx, hash);
    this.intake.add(1);
    return hash;
  }
}
