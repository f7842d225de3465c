// The L1 request queue (PROTOCOL.md "L1 queue"): deposits and forced exits as the contract records them,
// with the running Poseidon hash q_i that a batch's public data commits to (q_queueStart, q_queueEnd).
// L1Queue mirrors the contract's bookkeeping (index assignment, token/address per index) by default.

import { ADDRESS_BITS, BALANCE_BITS, INDEX_BITS, L1Kind, QUEUE_INDEX_BITS, TOKEN_BITS, pow2 } from "./constants.js";
import { AmountOutOfRangeError, FieldRangeError, QueueOrderError, UnknownAccountError, WrongAddressError, WrongTokenError, assertBits, assertFieldElement, bitsRange } from "./errors.js";
import { ZkrError } from "../../core/errors.js";
import { poseidon } from "./poseidon.js";

/** kind 1: creates account `index` (the contract's `nextAccountIndex`) with the owner's key. */
export interface CreateDepositRequest {
  kind: L1Kind.CreateDeposit;
  index: bigint;
  tokenId: bigint;
  /** Chosen by the depositor: the only address that can withdraw from the new account. */
  ethAddr: bigint;
  amount: bigint;
  ax: bigint;
  ay: bigint;
}

/** kind 2: adds `amount` to existing account `index`. */
export interface TopUpRequest {
  kind: L1Kind.TopUp;
  index: bigint;
  /** The account's token (filled in by the contract). */
  tokenId: bigint;
  /** The sender's address (not necessarily the account's). */
  ethAddr: bigint;
  amount: bigint;
}

/** kind 3: the account's ethAddr forces its balance out. */
export interface ForcedExitRequest {
  kind: L1Kind.ForcedExit;
  index: bigint;
  tokenId: bigint;
  /** The account's ethAddr, which is the caller. */
  ethAddr: bigint;
}

/** Any L1 queue entry. */
export type L1Request = CreateDepositRequest | TopUpRequest | ForcedExitRequest;

/** The five hashed fields of an entry: `[kind + 4·index + 2^26·tokenId, ethAddr, amount, Ax, Ay]`. */
export type QueueEntryFields = [bigint, bigint, bigint, bigint, bigint];

/**
 * Checks the kind and every field's width.
 * @throws ZkrError for an unknown kind; FieldRangeError / AmountOutOfRangeError for a field out of range.
 */
export function validateL1Request(req: L1Request): void {
  const kind: unknown = req.kind;
  if (kind !== L1Kind.CreateDeposit && kind !== L1Kind.TopUp && kind !== L1Kind.ForcedExit) {
    throw new ZkrError(`L1 request: kind 1, 2 or 3 expected, got ${String(kind)}`);
  }
  assertBits("L1 request index", req.index, INDEX_BITS);
  assertBits("L1 request tokenId", req.tokenId, TOKEN_BITS);
  assertBits("L1 request ethAddr", req.ethAddr, ADDRESS_BITS);
  if (req.kind !== L1Kind.ForcedExit && (typeof req.amount !== "bigint" || req.amount < 0n || req.amount >= pow2(BALANCE_BITS))) {
    throw new AmountOutOfRangeError({ field: "deposit amount", value: req.amount, expected: `an amount in ${bitsRange(BALANCE_BITS)}` });
  }
  if (req.kind === L1Kind.CreateDeposit) {
    assertFieldElement("create-deposit Ax", req.ax);
    assertFieldElement("create-deposit Ay", req.ay);
  }
}

/** The hashed fields of an entry, zeros where the kind has none. @throws as {@link validateL1Request}. */
export function queueEntryFields(req: L1Request): QueueEntryFields {
  validateL1Request(req);
  const head = BigInt(req.kind) + 4n * req.index + pow2(26) * req.tokenId;
  switch (req.kind) {
    case L1Kind.CreateDeposit:
      return [head, req.ethAddr, req.amount, req.ax, req.ay];
    case L1Kind.TopUp:
      return [head, req.ethAddr, req.amount, 0n, 0n];
    case L1Kind.ForcedExit:
      return [head, req.ethAddr, 0n, 0n, 0n];
  }
}

/** `q_{i+1} = Poseidon(q_i, …fields)`. @throws as {@link validateL1Request}; FieldRangeError for `prev ≥ r`. */
export function nextQueueHash(prev: bigint, req: L1Request): bigint {
  return poseidon([prev, ...queueEntryFields(req)]);
}

/** Options of {@link L1Queue}. */
export interface L1QueueOptions {
  /**
   * Enforce what the contract enforces on append (default true): create-deposits take the next index,
   * top-ups and forced exits name an existing index with its token, forced exits come from its ethAddr.
   * Turn off to build queues the contract would never produce (negative tests of the circuit).
   */
  checkAccounts?: boolean;
}

/** What the contract remembers per account index. */
export interface L1AccountInfo {
  ethAddr: bigint;
  tokenId: bigint;
}

/** The L1 queue with its running hashes: `hashAt(0) = 0`, `hashAt(i + 1) = nextQueueHash(hashAt(i), at(i))`. */
export class L1Queue {
  private readonly requests: L1Request[] = [];
  private readonly hashes: bigint[] = [0n];
  private readonly accounts: L1AccountInfo[] = [];
  private readonly checkAccounts: boolean;

  constructor(options: L1QueueOptions = {}) {
    this.checkAccounts = options.checkAccounts ?? true;
  }

  /** Number of entries. */
  get length(): number {
    return this.requests.length;
  }

  /** Index the next create-deposit gets (the contract's `nextAccountIndex`). */
  get nextAccountIndex(): bigint {
    return BigInt(this.accounts.length);
  }

  /** `(ethAddr, tokenId)` of an account created through this queue, if any. */
  accountInfo(index: bigint): L1AccountInfo | undefined {
    return index >= 0n && index < this.nextAccountIndex ? { ...this.accounts[Number(index)] } : undefined;
  }

  /** Entry `i` (0-based). @throws FieldRangeError for `i` outside [0, length). */
  at(i: number | bigint): L1Request {
    return this.requests[this.position(i, this.length - 1)];
  }

  /** Entries `[start, end)`, as a batch consumes them. @throws FieldRangeError for a bad range. */
  slice(start: number | bigint, end: number | bigint): L1Request[] {
    const s = this.position(start, this.length);
    const e = this.position(end, this.length);
    if (e < s) throw new FieldRangeError({ field: "queue end", value: BigInt(e), expected: `[${s}, ${this.length}]` });
    return this.requests.slice(s, e);
  }

  /** Running hash `q_i` after the first `i` entries (`q_0 = 0`). @throws FieldRangeError for `i` outside [0, length]. */
  hashAt(i: number | bigint): bigint {
    return this.hashes[this.position(i, this.length)];
  }

  /** Hash after all entries, `q_length`. */
  get head(): bigint {
    return this.hashes[this.hashes.length - 1];
  }

  /**
   * Appends a request and returns the new running hash.
   * @throws as {@link validateL1Request}; with account checks, QueueOrderError (create-deposit not at
   * `nextAccountIndex`), UnknownAccountError, WrongTokenError, WrongAddressError.
   */
  append(req: L1Request): bigint {
    validateL1Request(req);
    if (BigInt(this.length) >= pow2(QUEUE_INDEX_BITS)) {
      throw new FieldRangeError({ field: "queue length", value: BigInt(this.length) + 1n, expected: `[0, 2^${QUEUE_INDEX_BITS})` });
    }
    if (this.checkAccounts) this.checkAgainstAccounts(req);
    const h = nextQueueHash(this.head, req);
    this.requests.push({ ...req });
    this.hashes.push(h);
    if (req.kind === L1Kind.CreateDeposit && req.index === this.nextAccountIndex) {
      this.accounts.push({ ethAddr: req.ethAddr, tokenId: req.tokenId });
    }
    return h;
  }

  private checkAgainstAccounts(req: L1Request): void {
    if (req.kind === L1Kind.CreateDeposit) {
      if (req.index !== this.nextAccountIndex) {
        throw new QueueOrderError({ what: "create-deposit index", expected: this.nextAccountIndex, got: req.index });
      }
      return;
    }
    const op = req.kind === L1Kind.TopUp ? "top-up of" : "forced exit of";
    const info = this.accountInfo(req.index);
    if (!info) throw new UnknownAccountError({ account: req.index, op });
    if (info.tokenId !== req.tokenId) throw new WrongTokenError({ account: req.index, op, expected: info.tokenId, got: req.tokenId });
    if (req.kind === L1Kind.ForcedExit && info.ethAddr !== req.ethAddr) {
      throw new WrongAddressError({ account: req.index, op, expected: info.ethAddr, got: req.ethAddr });
    }
  }

  private position(i: number | bigint, max: number): number {
    const n = typeof i === "bigint" ? i : Number.isInteger(i) ? BigInt(i) : -1n;
    if (n < 0n || n > BigInt(max)) throw new FieldRangeError({ field: "queue position", value: n, expected: `[0, ${max}]` });
    return Number(n);
  }
}
