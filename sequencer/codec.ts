// JSON forms of signed transactions as the API takes and returns them, with strict parsing: every
// field is checked for type and range before anything else looks at it, and each refusal names the
// field, what was expected and what came. Integers travel as decimal strings (or as JSON numbers
// when they are safe integers), never as floats.

import { createHash } from "node:crypto";
import { INDEX_BITS, NONCE_BITS, SNARK_FIELD, TxType } from "./model/constants.js";
import type { Signature } from "./model/keys.js";
import { signatureMessage, type SignedTx } from "./model/tx.js";
import { badRequest } from "./errors.js";

/** A signed transfer or withdrawal as JSON. */
export interface TxJson {
  type: "transfer" | "withdraw";
  from: string;
  /** Transfers only. */
  to?: string;
  amount: string;
  fee: string;
  nonce: string;
  sig: { r8x: string; r8y: string; s: string };
}

const DECIMAL = /^(0|[1-9][0-9]*)$/;
/** Longest decimal accepted: 2^256 has 78 digits; anything longer is refused before BigInt sees it. */
const MAX_DIGITS = 78;

function uint(field: string, v: unknown, bits?: number, max?: bigint): bigint {
  let n: bigint;
  if (typeof v === "number") {
    if (!Number.isSafeInteger(v) || v < 0) throw badRequest("invalid_field", `${field}: a non-negative integer (or decimal string) expected, got ${v}`);
    n = BigInt(v);
  } else if (typeof v === "string") {
    if (v.length > MAX_DIGITS) throw badRequest("out_of_range", `${field}: at most ${MAX_DIGITS} digits expected, got ${v.length}`);
    if (!DECIMAL.test(v)) throw badRequest("invalid_field", `${field}: a decimal integer string expected, got ${JSON.stringify(v.slice(0, 40))}`);
    n = BigInt(v);
  } else {
    throw badRequest("invalid_field", `${field}: a decimal integer string expected, got ${v === null ? "null" : typeof v}`);
  }
  if (bits !== undefined && n >= 1n << BigInt(bits)) throw badRequest("out_of_range", `${field}: a value below 2^${bits} expected, got ${n}`, { field, value: n.toString(), expected: `a value below 2^${bits}` });
  if (max !== undefined && n >= max) throw badRequest("out_of_range", `${field}: a value below ${max} expected, got ${n}`, { field, value: n.toString(), expected: `a value below ${max}` });
  return n;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function onlyKeys(what: string, o: Record<string, unknown>, allowed: readonly string[]): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) throw badRequest("invalid_field", `${what}: unknown field ${JSON.stringify(k.slice(0, 40))}`);
}

/**
 * Parses a transaction request body (already JSON-decoded).
 * @throws RequestRejectedError (400) naming the first bad field.
 */
export function parseTxJson(body: unknown): SignedTx & { sig: Signature } {
  if (!isObject(body)) throw badRequest("invalid_field", `body: a JSON object expected, got ${Array.isArray(body) ? "an array" : body === null ? "null" : typeof body}`);
  const type = body.type;
  if (type !== "transfer" && type !== "withdraw") throw badRequest("invalid_field", `type: "transfer" or "withdraw" expected, got ${JSON.stringify(type)?.slice(0, 40)}`);
  onlyKeys("body", body, type === "transfer" ? ["type", "from", "to", "amount", "fee", "nonce", "sig"] : ["type", "from", "amount", "fee", "nonce", "sig"]);
  const sigIn = body.sig;
  if (!isObject(sigIn)) throw badRequest("invalid_field", `sig: an object { r8x, r8y, s } expected, got ${sigIn === null ? "null" : typeof sigIn}`);
  onlyKeys("sig", sigIn, ["r8x", "r8y", "s"]);
  const sig: Signature = {
    r8x: uint("sig.r8x", sigIn.r8x, undefined, SNARK_FIELD),
    r8y: uint("sig.r8y", sigIn.r8y, undefined, SNARK_FIELD),
    s: uint("sig.s", sigIn.s, undefined, SNARK_FIELD),
  };
  const from = uint("from", body.from, INDEX_BITS);
  const amount = uint("amount", body.amount, 128);
  const fee = uint("fee", body.fee, 128);
  const nonce = uint("nonce", body.nonce, NONCE_BITS);
  if (type === "transfer") {
    const to = uint("to", body.to, INDEX_BITS);
    return { type: TxType.Transfer, from, to, amount, fee, nonce, sig };
  }
  return { type: TxType.Withdraw, from, amount, fee, nonce, sig };
}

/** The JSON form of a signed transaction (what {@link parseTxJson} reads back). */
export function txToJson(tx: SignedTx & { sig: Signature }): TxJson {
  const base = {
    from: tx.from.toString(),
    amount: tx.amount.toString(),
    fee: tx.fee.toString(),
    nonce: tx.nonce.toString(),
    sig: { r8x: tx.sig.r8x.toString(), r8y: tx.sig.r8y.toString(), s: tx.sig.s.toString() },
  };
  return tx.type === TxType.Transfer ? { type: "transfer", ...base, to: tx.to.toString() } : { type: "withdraw", ...base };
}

function word(v: bigint): Buffer {
  return Buffer.from(v.toString(16).padStart(64, "0"), "hex");
}

/**
 * The transaction's id: SHA-256 of its signed message (which binds the slot, nonce and the rollup's
 * domain) and its signature, as 0x-hex. Two different transactions never share it.
 */
export function txHash(tx: SignedTx & { sig: Signature }, domain: bigint): string {
  const h = createHash("sha256");
  h.update(word(signatureMessage(tx, domain)));
  h.update(word(tx.sig.r8x));
  h.update(word(tx.sig.r8y));
  h.update(word(tx.sig.s));
  return "0x" + h.digest("hex");
}
