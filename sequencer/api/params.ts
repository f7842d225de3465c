// The values routes read from paths and queries, checked the one way: decimal integers without a
// leading zero and with a bounded number of digits (so that no value is parsed that was not meant,
// and none is too long to parse cheaply), in a range; page sizes; batch numbers.

import { badRequest } from "../errors.js";

/** A value quoted in a message: cut short, JSON-escaped (the request is the client's, not ours to echo whole). */
export const quoteValue = (v: string | null | undefined) => JSON.stringify(v === null || v === undefined ? null : v.length > 80 ? v.slice(0, 80) + "…" : v);

/**
 * A decimal integer of at most `maxDigits` digits.
 * @throws RequestRejectedError (400 invalid_field) for anything else, absent included.
 */
export function decimalParam(name: string, v: string | null | undefined, maxDigits: number): bigint {
  if (v === null || v === undefined || !/^(0|[1-9][0-9]*)$/.test(v) || v.length > maxDigits) {
    throw badRequest("invalid_field", `${name}: a decimal integer of at most ${maxDigits} digits expected, got ${quoteValue(v)}`);
  }
  return BigInt(v);
}

/** Largest batch number + 1: batch numbers are u32 (docs/PROTOCOL.md), `before` is exclusive. */
export const BATCH_BOUND = 2 ** 32;

/** A batch number (u32); with `exclusiveBound`, up to 2^32 (a page's `before`). @throws RequestRejectedError (400 invalid_field). */
export function batchNumberParam(name: string, v: string | null | undefined, exclusiveBound = false): number {
  const max = exclusiveBound ? BATCH_BOUND : BATCH_BOUND - 1;
  if (v === null || v === undefined || !/^(0|[1-9][0-9]{0,9})$/.test(v) || Number(v) > max) {
    throw badRequest("invalid_field", `${name}: a batch number from 0 to ${max} expected, got ${quoteValue(v)}`);
  }
  return Number(v);
}

/** Page sizes: `limit` is 1 to 100, 20 when absent. */
export const PAGE = { default: 20, max: 100 } as const;

/** The `limit` of a page. @throws RequestRejectedError (400 invalid_field). */
export function pageLimit(query: URLSearchParams): number {
  const v = query.get("limit");
  if (v === null) return PAGE.default;
  if (!/^[1-9][0-9]{0,2}$/.test(v) || Number(v) > PAGE.max) throw badRequest("invalid_field", `limit: a decimal integer from 1 to ${PAGE.max} expected, got ${quoteValue(v)}`);
  return Number(v);
}
