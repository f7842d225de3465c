// How the mempool checks signatures: one at a time with the model's `verify`, or a group at once
// with its `verifyBatch` (one multi-scalar multiplication). Shared by the mempool and the
// verification worker threads (verify-task.ts).

import { verify, type PublicKey, type Signature } from "./model/keys.js";
import { verifyBatch } from "./model/eddsa.js";

/** One signature to check: the signed message, the signature, the key. */
export interface SignatureItem { msg: bigint; sig: Signature; pk: PublicKey }

/** Verifies many signatures; `result[i]` says whether item i is valid. */
export type VerifyMany = (items: readonly SignatureItem[]) => boolean[];

/** One at a time with the model's `verify`. */
export const verifyEach: VerifyMany = (items) => items.map((i) => verify(i.msg, i.sig, i.pk));

/** Smallest group verified with verifyBatch. */
export const BATCH_VERIFY_MIN = 32;

/**
 * Large groups at once with the model's batch verifier; smaller ones one by one, which measured
 * faster below about 32 signatures when the keys' tables are cached (≈ 135 µs each one by one,
 * 150 µs per item in groups of 16, 128 µs in groups of 128, on this 2-core machine).
 */
export const verifyGroup: VerifyMany = (items) => (items.length < BATCH_VERIFY_MIN ? verifyEach(items) : verifyBatch(items));
