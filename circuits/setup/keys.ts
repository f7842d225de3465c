/**
 * The contribution records of snarkjs's ceremonies, computed the way snarkjs computes them
 * (src/keypair.js, powersoftau_utils.js, powersoftau_contribute.js, zkey_contribute.js):
 * proofs of knowledge of tau, alpha, beta (phase 1) and delta (phase 2), the challenge and
 * response hashes, and the blake2b "partial hash" snarkjs stores to resume a response hash.
 */
import crypto from "node:crypto";
import { createRequire } from "node:module";
import { ChaCha } from "ffjavascript";

 
export type Curve = any;
export type Fe = Uint8Array;

// The partial hash is a dump of @noble/hashes' blake2b object, read back by snarkjs with its own
// copy of the library: use exactly the copy snarkjs resolves.
const requireFromSnarkjs = createRequire(createRequire(import.meta.url).resolve("snarkjs"));
const { blake2b: nobleBlake2b } = requireFromSnarkjs("@noble/hashes/blake2b") as {
  blake2b: { create(opts: { dkLen: number }): NobleHasher };
};

export interface NobleHasher {
  update(b: Uint8Array): NobleHasher;
  digest(): Uint8Array;
  [k: string]: any;
}

/** An incremental blake2b-512 that can export its state (slow: pure JS). */
export function blake2bResumable(): NobleHasher {
  return nobleBlake2b.create({ dkLen: 64 });
}

/** Native blake2b-512 (fast). */
export function blake2b512(): crypto.Hash {
  return crypto.createHash("blake2b512");
}

/** snarkjs misc.toPartialHash: the 216-byte state of a noble blake2b hasher. */
export function toPartialHash(h: NobleHasher): Uint8Array {
  const res = new Uint8Array(216);
  const r32 = new Uint32Array(res.buffer, 128, 22);
  res.set(h.buffer as Uint8Array);
  r32[0] = h.v0l;
  r32[1] = h.v0h;
  r32[2] = h.v1l;
  r32[3] = h.v1h;
  r32[4] = h.v2l;
  r32[5] = h.v2h;
  r32[6] = h.v3l;
  r32[7] = h.v3h;
  r32[8] = h.v4l;
  r32[9] = h.v4h;
  r32[10] = h.v5l;
  r32[11] = h.v5h;
  r32[12] = h.v6l;
  r32[13] = h.v6h;
  r32[14] = h.v7l;
  r32[15] = h.v7h;
  r32[18] = h.pos;
  r32[16] = h.length - h.pos;
  return res;
}

/** A ChaCha stream seeded from 32 bytes (8 big-endian u32, as snarkjs seeds it). */
export function chachaFrom(seed32: Uint8Array): any {
  const dv = new DataView(seed32.buffer, seed32.byteOffset, 32);
  const seed: number[] = [];
  for (let i = 0; i < 8; i++) seed.push(dv.getUint32(i * 4, false));
  return new ChaCha(seed);
}

/** snarkjs keypair.hashToG2. */
export function hashToG2(curve: Curve, hash: Uint8Array): Uint8Array {
  return curve.G2.fromRng(chachaFrom(hash));
}

export function g1U(curve: Curve, p: Uint8Array): Uint8Array {
  const b = new Uint8Array(64);
  curve.G1.toRprUncompressed(b, 0, p);
  return b;
}
export function g2U(curve: Curve, p: Uint8Array): Uint8Array {
  const b = new Uint8Array(128);
  curve.G2.toRprUncompressed(b, 0, p);
  return b;
}
export function g1LEM(curve: Curve, p: Uint8Array): Uint8Array {
  const b = new Uint8Array(64);
  curve.G1.toRprLEM(b, 0, p);
  return b;
}
export function g2LEM(curve: Curve, p: Uint8Array): Uint8Array {
  const b = new Uint8Array(128);
  curve.G2.toRprLEM(b, 0, p);
  return b;
}

/** snarkjs keypair.getG2sp. */
export function getG2sp(curve: Curve, personalization: number, challenge: Uint8Array, g1s: Uint8Array, g1sx: Uint8Array): Uint8Array {
  const h = blake2b512();
  h.update(new Uint8Array([personalization]));
  h.update(challenge);
  h.update(curve.G1.toUncompressed(g1s));
  h.update(curve.G1.toUncompressed(g1sx));
  return hashToG2(curve, new Uint8Array(h.digest()));
}

/** One secret's proof of knowledge (snarkjs keypair.calculatePubKey). */
export interface PubKey {
  prvKey: Fe;
  g1_s: Uint8Array;
  g1_sx: Uint8Array;
  g2_sp: Uint8Array;
  g2_spx: Uint8Array;
}

export function ptauPubKey(curve: Curve, prvKey: Fe, personalization: number, challenge: Uint8Array, rng: any): PubKey {
  const g1_s = curve.G1.toAffine(curve.G1.fromRng(rng));
  const g1_sx = curve.G1.toAffine(curve.G1.timesFr(g1_s, prvKey));
  const g2_sp = curve.G2.toAffine(getG2sp(curve, personalization, challenge, g1_s, g1_sx));
  const g2_spx = curve.G2.toAffine(curve.G2.timesFr(g2_sp, prvKey));
  return { prvKey, g1_s, g1_sx, g2_sp, g2_spx };
}

/** The phase-1 public key in snarkjs's order (powersoftau_utils toPtauPubKeyRpr). */
export function ptauPubKeyBytes(curve: Curve, keys: { tau: PubKey; alpha: PubKey; beta: PubKey }, form: "U" | "LEM"): Uint8Array {
  const out = new Uint8Array(6 * 64 + 3 * 128);
  const w1 = form === "U" ? g1U : g1LEM;
  const w2 = form === "U" ? g2U : g2LEM;
  let o = 0;
  for (const k of [keys.tau, keys.alpha, keys.beta]) {
    out.set(w1(curve, k.g1_s), o);
    out.set(w1(curve, k.g1_sx), o + 64);
    o += 128;
  }
  for (const k of [keys.tau, keys.alpha, keys.beta]) {
    out.set(w2(curve, k.g2_spx), o);
    o += 128;
  }
  return out;
}

/**
 * snarkjs powersoftau_utils.calculateFirstChallengeHash: the hash of a fresh accumulator (all
 * points the generators) of the given power.
 */
export function firstChallengeHash(curve: Curve, power: number): Uint8Array {
  const h = blake2b512();
  h.update(new Uint8Array(blake2b512().digest()));
  const g1 = g1U(curve, curve.G1.g);
  const g2 = g2U(curve, curve.G2.g);
  const n = 2 ** power;
  const repeat = (b: Uint8Array, count: number) => {
    const block = 1 << 14;
    const big = new Uint8Array(b.byteLength * Math.min(block, count));
    for (let i = 0; i < Math.min(block, count); i++) big.set(b, i * b.byteLength);
    let left = count;
    while (left > 0) {
      const k = Math.min(block, left);
      h.update(big.subarray(0, k * b.byteLength));
      left -= k;
    }
  };
  repeat(g1, 2 * n - 1);
  repeat(g2, n);
  repeat(g1, n);
  repeat(g1, n);
  h.update(g2);
  return new Uint8Array(h.digest());
}

/** The name written in both contribution records of the dev setup. */
export const DEV_CONTRIBUTION_NAME = "zkr dev setup - INSECURE: one party knows tau/alpha/beta/delta";

/** The params block of a snarkjs contribution record (name only). */
export function contributionParams(name: string): Uint8Array {
  const bytes = new TextEncoder().encode(name.substring(0, 64));
  if (bytes.byteLength > 255) throw new Error("contribution name too long");
  const out = new Uint8Array(4 + 2 + bytes.byteLength);
  new DataView(out.buffer).setUint32(0, 2 + bytes.byteLength, true);
  out[4] = 1;
  out[5] = bytes.byteLength;
  out.set(bytes, 6);
  return out;
}
