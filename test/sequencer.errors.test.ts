// The one table from the model's typed errors to the API's status and code (sequencer/errors.ts,
// rejectionOf): what the mempool answers for each rule the model's checks enforce.

import {
  AmountOutOfRangeError, BadSignatureError, FeeOutOfRangeError, FieldRangeError, InsufficientBalanceError, InvalidTxError, TreeError,
  UnknownAccountError, WrongNonceError, WrongTokenError,
} from "../sequencer/model/errors.js";
import { RequestRejectedError, rejectionOf } from "../sequencer/errors.js";

const answer = (e: unknown, receivedAs?: string) => {
  const r = rejectionOf(e, { receivedAs: () => receivedAs });
  expect(r).toBeInstanceOf(RequestRejectedError);
  expect(r!.cause).toBe(e);
  return { status: r!.status, code: r!.code, message: r!.shortMessage };
};

test("each typed error of the model's checks has its status and code; the model's message is the API's unless the table says more", () => {
  const op = "transfer from";
  expect(answer(new InvalidTxError({ reason: "self-transfer" }))).toEqual({ status: 400, code: "invalid_field", message: "invalid tx: self-transfer" });
  expect(answer(new AmountOutOfRangeError({ value: 3n, expected: "x" }))).toMatchObject({ status: 400, code: "out_of_range" });
  expect(answer(new FieldRangeError({ field: "from", value: 1n << 24n, expected: "[0, 2^24)" }))).toMatchObject({ status: 400, code: "out_of_range" });
  expect(answer(new FeeOutOfRangeError({ value: 257n, expected: "Float13" }))).toMatchObject({ status: 400, code: "out_of_range" });
  expect(answer(new FeeOutOfRangeError({ value: 1n, expected: "0", rule: "no fee account" }))).toMatchObject({ status: 422, code: "bad_fee" });
  expect(answer(new FeeOutOfRangeError({ value: 1n, expected: "0", rule: "fee token" }))).toMatchObject({ status: 422, code: "bad_fee" });
  expect(answer(new UnknownAccountError({ account: 9n, op }))).toEqual({ status: 422, code: "unknown_account", message: "transfer from account 9: an existing account expected, got an empty leaf" });
  expect(answer(new WrongTokenError({ account: 3n, op: "transfer to", expected: 0n, got: 1n }))).toMatchObject({ status: 422, code: "wrong_token" });
  expect(answer(new InsufficientBalanceError({ account: 1n, op, balance: 10n, required: 12n, pending: 4n }))).toEqual({
    status: 422, code: "insufficient_balance", message: "transfer from account 1: balance of at least 12 expected, got 6 (10 less 4 pending)",
  });
  expect(answer(new BadSignatureError({ account: 1n, op }))).toEqual({
    status: 422, code: "bad_signature", message: "transfer from account 1: a signature by the account's key expected, it does not verify",
  });
});

test("a nonce: a future one is a gap, a used one a replay, or a duplicate when this very transaction was received", () => {
  const nonce = (got: bigint) => new WrongNonceError({ account: 1n, op: "withdraw from", expected: 2n, got });
  expect(answer(nonce(3n))).toEqual({ status: 409, code: "nonce_gap", message: "withdraw from account 1: nonce 2 expected, got 3 (future nonces are refused; send 2 first)" });
  expect(answer(nonce(1n))).toEqual({ status: 409, code: "nonce_used", message: "withdraw from account 1: nonce 2 expected, got 1 (already used)" });
  expect(answer(nonce(1n), "0xab")).toEqual({ status: 409, code: "duplicate", message: "transaction 0xab was already received" });
});

test("errors outside the table are not the API's to answer", () => {
  expect(rejectionOf(new TreeError({ reason: "bad depth" }))).toBeUndefined();
  expect(rejectionOf(new Error("bug"))).toBeUndefined();
});
