// Errors of the sequencer: a refused transaction carries the HTTP status and a stable code, so the
// API answers `{ error: code, message }` and clients (the wallet, tests) can branch on the code.

import { ZkrError, type ZkrErrorOptions } from "../core/errors.js";
import {
  AmountOutOfRangeError, BadSignatureError, FeeOutOfRangeError, FieldRangeError, InsufficientBalanceError, InvalidTxError, UnknownAccountError,
  WrongNonceError, WrongTokenError,
} from "./model/errors.js";

/** Stable codes of refused requests. */
export type RejectCode =
  | "invalid_json"
  | "invalid_field"
  | "zero_value"
  | "out_of_range"
  | "body_too_large"
  | "unsupported_media_type"
  | "invalid_path"
  | "invalid_query"
  | "uri_too_long"
  | "method_not_allowed"
  | "bad_request"
  | "headers_too_large"
  | "request_timeout"
  | "bad_signature"
  | "unknown_account"
  | "wrong_token"
  | "bad_fee"
  | "fee_too_low"
  | "nonce_used"
  | "nonce_gap"
  | "duplicate"
  | "insufficient_balance"
  | "forced_exit_pending"
  | "mempool_full"
  | "not_found"
  | "unauthorized"
  | "operator_actions_disabled"
  | "not_failed";

/**
 * The values a refusal's message quotes, for clients that show them their own way (the wallet
 * shows wei as ETH): decimal strings, amounts in wei. The API answers them as `data`.
 */
export type RejectionData = Record<string, string>;

/** A request the sequencer refuses; nothing of it was stored. */
export class RequestRejectedError extends ZkrError {
  override name = "RequestRejectedError" as const;
  readonly data: RejectionData | undefined;
  /** HTTP headers the answer carries besides the JSON body (e.g. `retry-after` with a 503). */
  readonly headers: Readonly<Record<string, string>> | undefined;
  constructor(
    readonly status: number,
    readonly code: RejectCode,
    message: string,
    options?: ZkrErrorOptions & { data?: RejectionData; headers?: Record<string, string> },
  ) {
    super(message, options);
    this.data = options?.data;
    this.headers = options?.headers;
  }
}

/** 400: the request is not what the API accepts (JSON, types, ranges). */
export function badRequest(code: RejectCode, message: string, data?: RejectionData): RequestRejectedError {
  return new RequestRejectedError(400, code, message, { data });
}

/** The API's configuration cannot be served (a weak operator token, a public URL that is no URL): refused at start. */
export class ApiConfigError extends ZkrError {
  override name = "ApiConfigError" as const;
}

/** The sequencer's stored state disagrees with itself or with L1: stop rather than go on. */
export class StateCorruptError extends ZkrError {
  override name = "StateCorruptError" as const;
}

/** What the API answers: status, code and, where it says more than the model's message, the message. */
interface Answer {
  status: number;
  code: RejectCode;
  message?: string;
  data?: RejectionData;
}

/** What a range error quotes: which field, its value and what was expected. */
const amountData = (e: AmountOutOfRangeError | FeeOutOfRangeError): RejectionData => ({ field: e.field, value: e.value.toString(), expected: e.expected });

/** Facts about the request that an answer may depend on. */
export interface RejectionContext {
  /** The hash under which this very transaction was received before, if it was (a replayed nonce is then a duplicate). */
  receivedAs?: () => string | undefined;
}

type ErrorClass<E> = abstract new (...args: never[]) => E;
type Row<E extends ZkrError> = readonly [ErrorClass<E>, (e: E, ctx: RejectionContext) => Answer];
const row = <E extends ZkrError>(cls: ErrorClass<E>, answer: (e: E, ctx: RejectionContext) => Answer): Row<ZkrError> => [cls, answer as Row<ZkrError>[1]];

/**
 * The API's answer to each typed error of the model's transaction checks (sequencer/model/check-tx.ts
 * and the encoding in tx.ts): the rules live in the model, their status and code here, once.
 */
const MODEL_ERRORS: readonly Row<ZkrError>[] = [
  row(InvalidTxError, () => ({ status: 400, code: "invalid_field" })),
  row(AmountOutOfRangeError, (e) => ({ status: 400, code: "out_of_range", data: amountData(e) })),
  row(FieldRangeError, () => ({ status: 400, code: "out_of_range" })),
  row(FeeOutOfRangeError, (e) => ({ ...(e.rule === "format" ? { status: 400, code: "out_of_range" as const } : { status: 422, code: "bad_fee" as const }), data: amountData(e) })),
  row(UnknownAccountError, () => ({ status: 422, code: "unknown_account" })),
  row(WrongTokenError, () => ({ status: 422, code: "wrong_token" })),
  row(WrongNonceError, (e, ctx) => {
    // Future nonces are refused, not held: the mempool never holds what it cannot batch.
    if (e.got > e.expected) return { status: 409, code: "nonce_gap", message: `${e.shortMessage} (future nonces are refused; send ${e.expected} first)` };
    const hash = ctx.receivedAs?.();
    return hash ? { status: 409, code: "duplicate", message: `transaction ${hash} was already received` } : { status: 409, code: "nonce_used" };
  }),
  row(BadSignatureError, (e) => ({ status: 422, code: "bad_signature", message: `${e.op ? `${e.op} ` : ""}account ${e.account}: a signature by the account's key expected, it does not verify` })),
  row(InsufficientBalanceError, (e) => ({
    status: 422, code: "insufficient_balance",
    data: { account: e.account.toString(), required: e.required.toString(), balance: e.balance.toString(), pending: e.pending.toString() },
  })),
];

/** The refusal the API answers for one of the model's typed errors; undefined for any other error. */
export function rejectionOf(err: unknown, ctx: RejectionContext = {}): RequestRejectedError | undefined {
  for (const [cls, answer] of MODEL_ERRORS) {
    if (err instanceof cls) {
      const a = answer(err, ctx);
      return new RequestRejectedError(a.status, a.code, a.message ?? err.shortMessage, { cause: err, data: a.data });
    }
  }
  return undefined;
}
