// A small world for tests: users with keys, the L1 queue as the contract would fill it, the rollup
// state, and generators of valid random batches of every transaction type (fixed seeds).

import { L1Kind, TxType } from "../../sequencer/model/constants.js";
import { privateKeyFromSeed, publicKey, type PrivateKey, type PublicKey } from "../../sequencer/model/keys.js";
import { L1Queue } from "../../sequencer/model/queue.js";
import { RollupState } from "../../sequencer/model/state.js";
import { rollupDomain } from "../../sequencer/model/domain.js";
import { signTx, type Tx, type TransferTx, type WithdrawTx } from "../../sequencer/model/tx.js";
import { roundDownToFloat, FLOAT32, FLOAT56, FLOAT13 } from "../../sequencer/model/float.js";
import type { Rng } from "./rng.js";

export interface User {
  name: string;
  sk: PrivateKey;
  pk: PublicKey;
  ethAddr: bigint;
}

export const CHAIN_ID = 31337n;
/** The rollup address of tests without a chain (with CHAIN_ID it makes TEST_DOMAIN). */
export const TEST_ROLLUP = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
/** The domain that tests without a chain sign for. */
export const TEST_DOMAIN = rollupDomain(CHAIN_ID, TEST_ROLLUP);

/** Deterministic user from a name. */
export function user(name: string): User {
  const sk = privateKeyFromSeed(`zkr-test-${name}`);
  const pk = publicKey(sk);
  const ethAddr = BigInt("0x" + Buffer.from(sk).toString("hex").slice(0, 40));
  return { name, sk, pk, ethAddr };
}

/** State + queue + owners, with helpers that queue L1 requests and sign L2 transactions. */
export class Scenario {
  readonly state: RollupState;
  readonly queue = new L1Queue();
  readonly owners = new Map<bigint, User>();
  /** Nonces and balances including transactions made but not yet applied. */
  private readonly pendingNonce = new Map<bigint, bigint>();
  private readonly pendingBalance = new Map<bigint, bigint>();

  constructor(readonly depth: number, readonly chainId = CHAIN_ID, readonly rollup: string = TEST_ROLLUP) {
    this.state = new RollupState({ depth, chainId, rollup });
  }

  /** The rollup's domain, which signatures bind. */
  get domain(): bigint {
    return this.state.domain;
  }

  /** Queues a create-deposit; returns the slot that applies it. */
  create(u: User, tokenId: bigint, amount: bigint): Tx & { type: TxType.Deposit } {
    const index = this.queue.nextAccountIndex;
    this.queue.append({ kind: L1Kind.CreateDeposit, index, tokenId, ethAddr: u.ethAddr, amount, ax: u.pk[0], ay: u.pk[1] });
    this.owners.set(index, u);
    this.pendingBalance.set(index, amount);
    this.pendingNonce.set(index, 0n);
    return { type: TxType.Deposit, index };
  }

  /** Queues a top-up from `from` (any L1 address). */
  topUp(index: bigint, amount: bigint, from = 0xabcdn): Tx & { type: TxType.Deposit } {
    const info = this.queue.accountInfo(index)!;
    this.queue.append({ kind: L1Kind.TopUp, index, tokenId: info.tokenId, ethAddr: from, amount });
    this.pendingBalance.set(index, this.balance(index) + amount);
    return { type: TxType.Deposit, index };
  }

  /** Queues a forced exit by the account's own L1 address. */
  forcedExit(index: bigint): Tx & { type: TxType.ForcedExit } {
    const info = this.queue.accountInfo(index)!;
    this.queue.append({ kind: L1Kind.ForcedExit, index, tokenId: info.tokenId, ethAddr: info.ethAddr });
    this.pendingBalance.set(index, 0n); // at most dust stays; tests treat it as spent
    return { type: TxType.ForcedExit, index, amount: 0n, exponent: 0 };
  }

  nonce(index: bigint): bigint {
    return this.pendingNonce.get(index) ?? 0n;
  }

  balance(index: bigint): bigint {
    return this.pendingBalance.get(index) ?? 0n;
  }

  /** A signed transfer with the next nonce. */
  transfer(from: bigint, to: bigint, amount: bigint, fee = 0n, nonce = this.nonce(from)): TransferTx {
    const tx = signTx({ type: TxType.Transfer, from, to, amount, fee, nonce }, this.owners.get(from)!.sk, this.domain);
    this.pendingNonce.set(from, nonce + 1n);
    this.pendingBalance.set(from, this.balance(from) - amount - fee);
    this.pendingBalance.set(to, this.balance(to) + amount);
    return tx;
  }

  /** A signed withdrawal with the next nonce. */
  withdraw(from: bigint, amount: bigint, fee = 0n, nonce = this.nonce(from)): WithdrawTx {
    const tx = signTx({ type: TxType.Withdraw, from, amount, fee, nonce }, this.owners.get(from)!.sk, this.domain);
    this.pendingNonce.set(from, nonce + 1n);
    this.pendingBalance.set(from, this.balance(from) - amount - fee);
    return tx;
  }

  /** Forgets pending bookkeeping after a batch failed on purpose. */
  resync(): void {
    for (const [i, a] of this.state.accounts) {
      this.pendingBalance.set(i, a.balance);
      this.pendingNonce.set(i, a.nonce);
    }
  }

  /** Accounts (created on L1) holding `tokenId`. */
  accountsOf(tokenId: bigint): bigint[] {
    return [...this.owners.keys()].filter((i) => this.queue.accountInfo(i)?.tokenId === tokenId);
  }

  /**
   * Up to `n` random valid transactions of every type (fees only in `feeToken`), drawn with `r`.
   * Accounts must exist in the state already (or be created in the same batch, before use).
   */
  randomTxs(r: Rng, n: number, feeToken: bigint): Tx[] {
    const txs: Tx[] = [];
    const live = [...this.state.accounts.keys()];
    for (let k = 0; k < n; k++) {
      const kind = r.int(10);
      const from = r.pick(live);
      const token = this.queue.accountInfo(from)!.tokenId;
      const fee = token === feeToken && r.int(2) === 0 ? roundDownToFloat(FLOAT13, BigInt(r.int(200))) : 0n;
      const spendable = this.balance(from) - fee;
      if (kind < 4) {
        const peers = this.accountsOf(token).filter((i) => i !== from && this.state.accounts.has(i));
        if (peers.length === 0 || spendable <= 0n) { txs.push({ type: TxType.Noop }); continue; }
        const amount = roundDownToFloat(FLOAT32, r.below(spendable + 1n));
        txs.push(this.transfer(from, r.pick(peers), amount, fee));
      } else if (kind < 6) {
        if (spendable < 0n) { txs.push({ type: TxType.Noop }); continue; }
        const amount = roundDownToFloat(FLOAT56, r.below(spendable + 1n));
        txs.push(this.withdraw(from, amount, fee));
      } else if (kind < 8) {
        txs.push(this.topUp(from, r.bigint(60) + 1n));
      } else if (kind < 9) {
        txs.push(this.forcedExit(from));
      } else {
        txs.push({ type: TxType.Noop });
      }
    }
    return txs;
  }
}
