// What an L1 request does to the state (docs/PROTOCOL.md "Rejected L1 requests"). Every queued request
// is either applied or rejected: a batch consumes it either way, so no request can make a batch
// unprovable and jam the queue. A rejected request leaves the state as it was, and the contract
// refunds what it deposited. The batcher's preview and applyBatch both decide here.

import type { Account } from "./account.js";
import { babyjubOnCurve } from "./babyjub.js";
import { BALANCE_BITS, L1Kind, TxType, pow2 } from "./constants.js";
import { AccountExistsError, BalanceOverflowError, InvalidKeyError, UnknownAccountError, WrongAddressError, WrongTokenError } from "./errors.js";
import { ZkrError } from "../../core/errors.js";
import { forcedExitFloat } from "./float.js";
import type { L1Request } from "./queue.js";
import type { DepositTx, ForcedExitTx, RejectedTx } from "./tx.js";

/** The request applies: `account` is the leaf afterwards, `tx` the slot. */
export interface L1Applied {
  applied: true;
  account: Account;
  tx: DepositTx | ForcedExitTx;
}

/** The request cannot apply: the slot is {@link RejectedTx} and `reason` says why. */
export interface L1Rejected {
  applied: false;
  reason: ZkrError;
  tx: RejectedTx;
}

export type L1Outcome = L1Applied | L1Rejected;

/**
 * Decides request `req` against `current`, the leaf at its index (undefined when empty).
 *
 * Rejected, exactly as the circuit decides (circuits/src/tx.circom "validity of an L1 request"):
 * - a create-deposit whose key `(Ax, Ay)` is not on the BabyJubJub curve;
 * - a top-up of an empty leaf (its create was rejected), or one that takes the balance to 2^128;
 * - a forced exit of an empty leaf.
 *
 * @throws ZkrError (AccountExistsError, WrongTokenError, WrongAddressError) where the queue and the
 * state disagree in a way the contract never produces: a create over an existing leaf, a request in
 * another token than its account's, a forced exit from another address. Those mean the model was
 * fed a queue that is not the contract's, not that the request is invalid.
 */
export function l1Outcome(req: L1Request, current: Account | undefined): L1Outcome {
  const index = req.index;
  const reject = (reason: ZkrError): L1Rejected => ({ applied: false, reason, tx: { type: TxType.Rejected, index } });
  switch (req.kind) {
    case L1Kind.CreateDeposit: {
      if (current) throw new AccountExistsError({ account: index, op: "create-deposit to" });
      if (!babyjubOnCurve([req.ax, req.ay])) return reject(new InvalidKeyError({ ax: req.ax, ay: req.ay, op: `create-deposit to account ${index}` }));
      const account = { ax: req.ax, ay: req.ay, ethAddr: req.ethAddr, tokenId: req.tokenId, balance: req.amount, nonce: 0n };
      return { applied: true, account, tx: { type: TxType.Deposit, index } };
    }
    case L1Kind.TopUp: {
      if (!current) return reject(new UnknownAccountError({ account: index, op: "top-up of" }));
      if (current.tokenId !== req.tokenId) throw new WrongTokenError({ account: index, op: "top-up of", expected: current.tokenId, got: req.tokenId });
      const balance = current.balance + req.amount;
      if (balance >= pow2(BALANCE_BITS)) return reject(new BalanceOverflowError({ account: index, op: "top-up of", balance: current.balance, added: req.amount }));
      return { applied: true, account: { ...current, balance }, tx: { type: TxType.Deposit, index } };
    }
    case L1Kind.ForcedExit: {
      if (!current) return reject(new UnknownAccountError({ account: index, op: "forced exit of" }));
      if (current.tokenId !== req.tokenId) throw new WrongTokenError({ account: index, op: "forced exit of", expected: current.tokenId, got: req.tokenId });
      if (current.ethAddr !== req.ethAddr) throw new WrongAddressError({ account: index, op: "forced exit of", expected: current.ethAddr, got: req.ethAddr });
      const { amount, exponent } = forcedExitFloat(current.balance);
      return { applied: true, account: { ...current, balance: current.balance - amount }, tx: { type: TxType.ForcedExit, index, amount, exponent } };
    }
  }
}
