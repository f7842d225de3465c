// BabyJubJub keys and EdDSA-Poseidon signatures against circomlibjs' eddsa (the reference the circuit's
// EdDSAPoseidonVerifier was written against): same public keys, same signatures, each verifies the other's.

import {
  BABYJUB_SUBORDER, FieldRangeError, SNARK_FIELD, ZkrError, isSmallOrder, packPublicKey, privateKeyFromSeed, publicKey,
  randomPrivateKey, sign, unpackPublicKey, verify, type PublicKey, type Signature,
} from "../sequencer/model/index.js";
import { refEddsa, type RefEddsa, type RefPoint, type RefSignature } from "./helpers/circomlibjs-ref.js";
import { rng } from "../bench/fixtures/rng.js";

let ed: RefEddsa;
const F = () => ed.F;
const toRefSig = (s: Signature): RefSignature => ({ R8: [F().e(s.r8x), F().e(s.r8y)], S: s.s });
const toRefPoint = (p: PublicKey): RefPoint => [F().e(p[0]), F().e(p[1])];
const fromRefPoint = (p: RefPoint): PublicKey => [F().toObject(p[0]), F().toObject(p[1])];

beforeAll(async () => {
  ed = await refEddsa();
});

describe("keys", () => {
  test("privateKeyFromSeed is deterministic sha256; randomPrivateKey gives fresh 32 bytes", () => {
    const a = privateKeyFromSeed("alice");
    expect(a).toHaveLength(32);
    expect(privateKeyFromSeed("alice")).toEqual(a);
    expect(privateKeyFromSeed("bob")).not.toEqual(a);
    // sha256("alice")
    expect(Buffer.from(a).toString("hex")).toBe("2bd806c97f0e00af1a1fc3328fa763a9269723c8db8fac4f93af71db186d6e90");
    const r1 = randomPrivateKey();
    expect(r1).toHaveLength(32);
    expect(randomPrivateKey()).not.toEqual(r1);
  });

  test("publicKey equals circomlibjs prv2pub", () => {
    const r = rng(11);
    for (let k = 0; k < 6; k++) {
      const sk = k < 3 ? r.bytes(32) : privateKeyFromSeed(`user${k}`);
      expect(publicKey(sk)).toEqual(fromRefPoint(ed.prv2pub(sk)));
    }
  });

  test("signatures are identical to circomlibjs signPoseidon and verify both ways", () => {
    const r = rng(12);
    for (let k = 0; k < 5; k++) {
      const sk = r.bytes(32);
      const pk = publicKey(sk);
      const msg = k === 0 ? 0n : k === 1 ? SNARK_FIELD - 1n : r.below(SNARK_FIELD);
      const ours = sign(sk, msg);
      const theirs = ed.signPoseidon(sk, F().e(msg));
      expect(ours).toEqual({ r8x: F().toObject(theirs.R8[0]), r8y: F().toObject(theirs.R8[1]), s: theirs.S });
      expect(verify(msg, ours, pk)).toBe(true);
      expect(ed.verifyPoseidon(F().e(msg), toRefSig(ours), toRefPoint(pk))).toBe(true);
      expect(verify(msg, { r8x: F().toObject(theirs.R8[0]), r8y: F().toObject(theirs.R8[1]), s: theirs.S }, pk)).toBe(true);
      // A wrong message or key fails in both implementations.
      const other = (msg + 1n) % SNARK_FIELD;
      expect(verify(other, ours, pk)).toBe(false);
      expect(ed.verifyPoseidon(F().e(other), toRefSig(ours), toRefPoint(pk))).toBe(false);
      const pk2 = publicKey(r.bytes(32));
      expect(verify(msg, ours, pk2)).toBe(false);
      expect(ed.verifyPoseidon(F().e(msg), toRefSig(ours), toRefPoint(pk2))).toBe(false);
    }
  });

  test("verify returns false (never throws) on malformed input", () => {
    const sk = privateKeyFromSeed("garbage");
    const pk = publicKey(sk);
    const sig = sign(sk, 42n);
    expect(verify(42n, sig, pk)).toBe(true);
    expect(verify(42n + SNARK_FIELD, sig, pk)).toBe(false);
    expect(verify(-1n, sig, pk)).toBe(false);
    expect(verify(42n, { ...sig, s: sig.s + BABYJUB_SUBORDER }, pk)).toBe(false);
    expect(verify(42n, { ...sig, s: BABYJUB_SUBORDER }, pk)).toBe(false);
    expect(verify(42n, { ...sig, r8x: sig.r8x + 1n }, pk)).toBe(false); // off the curve
    expect(verify(42n, { ...sig, r8x: SNARK_FIELD + sig.r8x }, pk)).toBe(false);
    expect(verify(42n, sig, [pk[0] + 1n, pk[1]])).toBe(false);
    expect(verify(42n, sig, [pk[0], pk[1] + SNARK_FIELD])).toBe(false);
    const junk = [null, undefined, 5, "sig", {}, { r8x: "1", r8y: 2n, s: 3n }, [1n, 2n]] as unknown[];
    for (const j of junk) {
      expect(verify(42n, j as Signature, pk)).toBe(false);
      expect(verify(42n, sig, j as PublicKey)).toBe(false);
      expect(verify(j as bigint, sig, pk)).toBe(false);
    }
  });

  test("small-order public keys are rejected, as the circuit's verifier does", () => {
    // With A = identity, h·8·A vanishes and any S with R8 = S·B8 passes the bare equation.
    const identity: PublicKey = [0n, 1n];
    const s = 12345n;
    const r8 = fromRefPoint(ed.babyJub.mulPointEscalar(ed.babyJub.Base8, s));
    expect(ed.verifyPoseidon(F().e(99n), { R8: toRefPoint(r8), S: s }, toRefPoint(identity))).toBe(true);
    expect(isSmallOrder(identity)).toBe(true);
    expect(verify(99n, { r8x: r8[0], r8y: r8[1], s }, identity)).toBe(false);
    // Order-2 point (0, −1) likewise; a real key is not small-order.
    expect(isSmallOrder([0n, SNARK_FIELD - 1n])).toBe(true);
    expect(verify(99n, { r8x: r8[0], r8y: r8[1], s }, [0n, SNARK_FIELD - 1n])).toBe(false);
    expect(isSmallOrder(publicKey(privateKeyFromSeed("x")))).toBe(false);
  });

  test("sign rejects messages outside the field and malformed keys", () => {
    const sk = privateKeyFromSeed("s");
    expect(() => sign(sk, SNARK_FIELD)).toThrow(FieldRangeError);
    expect(() => sign(sk, -1n)).toThrow(FieldRangeError);
    expect(() => sign(sk.subarray(0, 31), 1n)).toThrow(/private key: 32 bytes expected, got 31 bytes/);
    expect(() => publicKey(new Uint8Array(33))).toThrow(ZkrError);
  });

  test("packPublicKey matches circomlibjs packPoint and round-trips", () => {
    const r = rng(13);
    for (let k = 0; k < 5; k++) {
      const pk = publicKey(r.bytes(32));
      const packed = packPublicKey(pk);
      expect(packed).toHaveLength(32);
      expect(Buffer.from(packed)).toEqual(Buffer.from(ed.babyJub.packPoint(toRefPoint(pk))));
      expect(unpackPublicKey(packed)).toEqual(pk);
    }
    expect(() => packPublicKey([1n, 2n])).toThrow(ZkrError);
    expect(() => unpackPublicKey(new Uint8Array(31))).toThrow(ZkrError);
    // All ones: y ≥ r, so the bytes encode no point.
    expect(() => unpackPublicKey(new Uint8Array(32).fill(0xff))).toThrow(ZkrError);
  });
});
