// The operator's actions through the API (retry-proof.ts) require `Authorization: Bearer <token>`,
// where the token is a random secret the API was started with (`zkr up` makes one at each start
// and writes it into sequencer.json, mode 0600). The comparison takes the same time whatever the
// bytes sent (crypto.timingSafeEqual on buffers of one length; a length other than the token's is
// refused without comparing, and the length is no secret: 64 hex digits). No answer quotes a token.

import crypto from "node:crypto";
import { RequestRejectedError } from "../errors.js";
import type { ApiRequest } from "./http.js";

/** What an operator token is: 32 random bytes as 64 lower-case hex digits. */
export const OPERATOR_TOKEN = /^[0-9a-f]{64}$/;

/** @throws RequestRejectedError: 403 operator_actions_disabled without a token; 401 unauthorized (with WWW-Authenticate) without the right one. */
export function requireOperator(token: string | undefined, req: ApiRequest): void {
  if (token === undefined) {
    throw new RequestRejectedError(403, "operator_actions_disabled", "operator actions: this sequencer's API was started without an operator token");
  }
  const header = req.headers.authorization;
  // RFC 7235: the scheme is case-insensitive, one or more spaces before the credentials.
  const m = typeof header === "string" ? /^Bearer +(\S+)$/i.exec(header) : null;
  const got = Buffer.from(m?.[1] ?? "", "utf8");
  const want = Buffer.from(token, "utf8");
  if (got.length !== want.length || !crypto.timingSafeEqual(got, want)) {
    throw new RequestRejectedError(401, "unauthorized", `authorization: Bearer and the operator's token expected, got ${m ? "another token" : header ? "another scheme or form" : "none"}`, {
      headers: { "www-authenticate": "Bearer" },
    });
  }
}
