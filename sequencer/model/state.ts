// The rollup state: the account tree plus what a batch needs to continue the chain of
// batches (the rollup's domain, next batch number, how much of the L1 queue is consumed).
// Changes go through a journal so a batch that fails half-way leaves the state untouched.

import { type Account, leafHash } from "./account.js";
import { QuadTree, checkDepth } from "./tree.js";
import { assertBits } from "./errors.js";
import { ADDRESS_BITS, CHAIN_ID_BITS } from "./constants.js";
import { rollupDomain } from "./domain.js";

/** Options of a new {@link RollupState}. */
export interface RollupStateOptions {
  /** Account-index bits of the tree (even, 2..24). */
  depth: number;
  /** L1 chain id. */
  chainId: bigint;
  /** Address of the rollup contract. With the chain id it makes the domain that signatures and public data bind. */
  rollup: bigint | string;
}

/** The state of one rollup. */
export class RollupState {
  readonly depth: number;
  readonly chainId: bigint;
  /** The rollup contract's address. */
  readonly rollup: bigint;
  /** `rollupDomain(chainId, rollup)`: bound into every signature and into the public data. */
  readonly domain: bigint;
  readonly tree: QuadTree;
  /** Accounts by index (only non-empty leaves). */
  readonly accounts = new Map<bigint, Account>();
  /** Number of the next batch (the first batch is 0). */
  batchNumber = 0n;
  /** Number of L1 queue entries consumed so far: the next batch starts there. */
  queueNext = 0n;

  constructor(opts: RollupStateOptions) {
    checkDepth(opts.depth);
    assertBits("chainId", opts.chainId, CHAIN_ID_BITS);
    const rollup = typeof opts.rollup === "string" ? BigInt(opts.rollup) : opts.rollup;
    assertBits("rollup", rollup, ADDRESS_BITS);
    this.depth = opts.depth;
    this.chainId = opts.chainId;
    this.rollup = rollup;
    this.domain = rollupDomain(opts.chainId, rollup);
    this.tree = new QuadTree(opts.depth);
  }

  /** Current state root. */
  get root(): bigint {
    return this.tree.root;
  }

  /** The account at `index`, or undefined for an empty leaf. */
  account(index: bigint): Account | undefined {
    const a = this.accounts.get(index);
    return a && { ...a };
  }

  /** Writes an account (validated and hashed) into the tree. */
  setAccount(index: bigint, account: Account): void {
    const leaf = leafHash(account);
    this.tree.set(index, leaf);
    this.accounts.set(index, { ...account });
  }

  /** An independent copy (the tree is copied lazily). */
  clone(): RollupState {
    const copy = new RollupState({ depth: this.depth, chainId: this.chainId, rollup: this.rollup });
    (copy as { tree: QuadTree }).tree = this.tree.clone();
    for (const [i, a] of this.accounts) copy.accounts.set(i, { ...a });
    copy.batchNumber = this.batchNumber;
    copy.queueNext = this.queueNext;
    return copy;
  }

  /** Empties a leaf (used only to undo a create). */
  deleteAccount(index: bigint): void {
    this.tree.set(index, 0n);
    this.accounts.delete(index);
  }
}
