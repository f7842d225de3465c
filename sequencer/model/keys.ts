// BabyJubJub keys and EdDSA-Poseidon signatures, byte-compatible with circomlib (circomlibjs `eddsa`
// and the circuit's EdDSAPoseidonVerifier): keys are hashed with BLAKE-512 (BLAKE-1), as circomlib does.

import { createHash, randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { SNARK_FIELD } from "./constants.js";
import { verifyEddsa } from "./eddsa.js";
import { assertFieldElement } from "./errors.js";
import { ZkrError } from "../../core/errors.js";
import { bigintToLeBytes, leToBigint } from "../../core/bytes.js";

// The package's ESM entry for "./blake-1" points at a file that does not exist, and its default
// export hashes keys with BLAKE2b, which circomlib does not; so load the CommonJS BLAKE-1 build.
const eddsa = createRequire(import.meta.url)("@zk-kit/eddsa-poseidon/blake-1") as typeof import("@zk-kit/eddsa-poseidon");

/** A private key: 32 random bytes (hashed with BLAKE-512 into the secret scalar, as circomlib does). */
export type PrivateKey = Uint8Array;

/** A BabyJubJub public key `(Ax, Ay)`. */
export type PublicKey = [bigint, bigint];

/** An EdDSA-Poseidon signature: the point `R8` and the scalar `S < l`. */
export interface Signature {
  r8x: bigint;
  r8y: bigint;
  s: bigint;
}

export { BABYJUB_SUBORDER } from "./babyjub.js";

function checkPrivateKey(sk: PrivateKey): Uint8Array {
  if (!(sk instanceof Uint8Array) || sk.length !== 32) {
    throw new ZkrError(`private key: 32 bytes expected, got ${sk instanceof Uint8Array ? `${sk.length} bytes` : typeof sk}`);
  }
  return sk;
}

/** A fresh private key from the OS CSPRNG. */
export function randomPrivateKey(): PrivateKey {
  return new Uint8Array(randomBytes(32));
}

/** A deterministic private key, `sha256(seed)`: for tests and fixtures only, never for real funds. */
export function privateKeyFromSeed(seed: string): PrivateKey {
  return new Uint8Array(createHash("sha256").update(seed, "utf8").digest());
}

/** The public key of `sk` (circomlibjs `eddsa.prv2pub`). */
export function publicKey(sk: PrivateKey): PublicKey {
  const [x, y] = eddsa.derivePublicKey(checkPrivateKey(sk));
  return [x, y];
}

/**
 * Signs one field element (circomlibjs `eddsa.signPoseidon`); deterministic.
 * @throws FieldRangeError when `msg` is not in [0, r).
 */
export function sign(sk: PrivateKey, msg: bigint): Signature {
  assertFieldElement("message", msg);
  const { R8, S } = eddsa.signMessage(checkPrivateKey(sk), msg);
  return { r8x: R8[0], r8y: R8[1], s: S };
}

// BabyJubJub in twisted Edwards form a·x² + y² = 1 + d·x²·y² over F_r.
const A = 168700n;
const D = 168696n;

function mod(x: bigint): bigint {
  const m = x % SNARK_FIELD;
  return m < 0n ? m + SNARK_FIELD : m;
}

function inv(x: bigint): bigint {
  // Extended Euclid; x is nonzero mod r (Edwards denominators never vanish on the curve).
  let [a, b, u, v] = [mod(x), SNARK_FIELD, 1n, 0n];
  while (a !== 0n) {
    const q = b / a;
    [a, b] = [b - q * a, a];
    [u, v] = [v - q * u, u];
  }
  return mod(v);
}

function double([x, y]: PublicKey): PublicKey {
  const t = mod(D * x * x * y * y);
  return [mod(2n * x * y * inv(1n + t)), mod((y * y - A * x * x) * inv(1n - t))];
}

/**
 * True when `8·pk` is the identity. The circuit's verifier rejects such keys (`dbl3.x == 0`): with them
 * any `S·B8 = R8` "verifies", so the model must reject them too.
 */
export function isSmallOrder(pk: PublicKey): boolean {
  return double(double(double(pk)))[0] === 0n;
}

/**
 * Verifies `sig` on `msg` under `pk` as circomlib's EdDSAPoseidonVerifier would (plus on-curve checks
 * of `R8` and `pk`). Never throws: malformed input of any kind gives false. Runs the WebAssembly
 * verifier of eddsa.ts (≈ 0.1–0.2 ms; the acceptance rules are spelled out there); many signatures
 * at once: `verifyBatch` (eddsa.ts).
 */
export function verify(msg: bigint, sig: Signature, pk: PublicKey): boolean {
  return verifyEddsa(msg, sig, pk);
}

/**
 * Compresses a public key to 32 bytes (circomlibjs `babyJub.packPoint`: little-endian y, sign of x in the top bit).
 * @throws ZkrError if `pk` is not on the curve.
 */
export function packPublicKey(pk: PublicKey): Uint8Array {
  let packed: bigint;
  try {
    packed = eddsa.packPublicKey([pk[0], pk[1]]);
  } catch (cause) {
    throw new ZkrError("public key: a point on BabyJubJub expected, got one off the curve", { cause });
  }
  return bigintToLeBytes(packed, 32);
}

/**
 * Inverse of {@link packPublicKey}.
 * @throws ZkrError for a wrong length or bytes that encode no curve point.
 */
export function unpackPublicKey(bytes: Uint8Array): PublicKey {
  if (!(bytes instanceof Uint8Array) || bytes.length !== 32) {
    throw new ZkrError(`packed public key: 32 bytes expected, got ${bytes instanceof Uint8Array ? bytes.length : typeof bytes}`);
  }
  const packed = leToBigint(bytes, 0, 32);
  try {
    const [x, y] = eddsa.unpackPublicKey(packed);
    return [x, y];
  } catch (cause) {
    throw new ZkrError("packed public key: the encoding of a BabyJubJub point expected, got bytes that decode to none", { cause });
  }
}
