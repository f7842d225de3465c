// Errors of the sequencer: a refused transaction carries the HTTP status and a stable code, so the
// API answers `{ error: code, message }` and clients (the wallet, tests) can branch on the code.

import { ZkrError, type ZkrErrorOptions } from "../core/errors.js";

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
  | "nonce_used"
  | "nonce_gap"
  | "duplicate"
  | "insufficient_balance"
  | "forced_exit_pending"
  | "mempool_full"
  | "not_found";

/** A request the sequencer refuses; nothing of it was stored. */
export class RequestRejectedError extends ZkrError {
  override name = "RequestRejectedError" as const;
  constructor(
    readonly status: number,
    readonly code: RejectCode,
    message: string,
    options?: ZkrErrorOptions,
  ) {
    super(message, options);
  }
}

/** 400: the request is not what the API accepts (JSON, types, ranges). */
export function badRequest(code: RejectCode, message: string): RequestRejectedError {
  return new RequestRejectedError(400, code, message);
}

/** The sequencer's stored state disagrees with itself or with L1: stop rather than go on. */
export class StateCorruptError extends ZkrError {
  override name = "StateCorruptError" as const;
}
