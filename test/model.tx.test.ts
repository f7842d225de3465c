// Slot encoding and transaction signatures: exact 12-byte layout (against a bit-string reference
// written straight from PROTOCOL.md's table), strict decoding, and EdDSA messages checked with circomlibjs.

import {
  AmountOutOfRangeError, FLOAT13, FLOAT32, FLOAT56, FeeOutOfRangeError, FieldRangeError, InvalidTxError,
  SNARK_FIELD, TX_BYTES, TxType, decodeBatchData, decodeTx, encodeBatchData, encodeFloat, encodeTx, forcedExitFloat,
  privateKeyFromSeed, publicKey, signTx, signatureMessage, slotTypes, txDataToBigint, verifyTxSignature,
  type DecodedTx, type FloatFormat, type TransferTx, type WithdrawTx,
} from "../sequencer/model/index.js";
import { createHash } from "node:crypto";
import { rollupDomain } from "../sequencer/model/domain.js";
import { refEddsa, type RefEddsa } from "./helpers/circomlibjs-ref.js";
import { rng, type Rng } from "../bench/fixtures/rng.js";

/** `value` as a `bits`-wide binary string, most significant bit first. */
const bin = (value: bigint, bits: number) => value.toString(2).padStart(bits, "0");

/** Reference encoder: concatenates the table's columns as bit strings, bit 0 first. */
function refEncode(tx: DecodedTx): Uint8Array {
  const f = (fmt: FloatFormat, v: bigint) => bin(encodeFloat(fmt, v), 5 + fmt.mantBits);
  let bits: string;
  switch (tx.type) {
    case TxType.Noop: bits = "0".repeat(96); break;
    case TxType.Deposit: bits = bin(1n, 3) + bin(tx.index, 24) + "0".repeat(69); break;
    case TxType.Transfer: bits = bin(2n, 3) + bin(tx.from, 24) + bin(tx.to, 24) + f(FLOAT32, tx.amount) + f(FLOAT13, tx.fee); break;
    case TxType.Withdraw: bits = bin(3n, 3) + bin(tx.from, 24) + f(FLOAT56, tx.amount) + f(FLOAT13, tx.fee); break;
    case TxType.ForcedExit: {
      const m = tx.amount / 10n ** BigInt(tx.exponent);
      bits = bin(4n, 3) + bin(tx.index, 24) + bin(BigInt(tx.exponent), 5) + bin(m, 64);
      break;
    }
    case TxType.Rejected: bits = bin(5n, 3) + bin(tx.index, 24) + "0".repeat(69); break;
  }
  expect(bits).toHaveLength(96);
  return Uint8Array.from({ length: 12 }, (_, i) => parseInt(bits.slice(8 * i, 8 * i + 8), 2));
}

/** A random representable value of a format. */
const randFloat = (r: Rng, fmt: FloatFormat) => r.bigint(1 + r.int(fmt.mantBits)) * 10n ** BigInt(r.int(r.int(4) === 0 ? 32 : 4));

function randomTx(r: Rng, type: TxType): DecodedTx {
  const idx = () => r.bigint(24);
  switch (type) {
    case TxType.Noop: return { type };
    case TxType.Deposit: return { type, index: idx() };
    case TxType.Transfer: {
      const from = idx();
      let to = idx();
      if (to === from) to = from ^ 1n;
      return { type, from, to, amount: randFloat(r, FLOAT32), fee: randFloat(r, FLOAT13) };
    }
    case TxType.Withdraw: return { type, from: idx(), amount: randFloat(r, FLOAT56), fee: randFloat(r, FLOAT13) };
    case TxType.ForcedExit: {
      const fe = forcedExitFloat(r.bigint(1 + r.int(128)));
      return { type, index: idx(), amount: fe.amount, exponent: fe.exponent };
    }
    case TxType.Rejected: return { type, index: idx() };
  }
}

const ALL_TYPES = [TxType.Noop, TxType.Deposit, TxType.Transfer, TxType.Withdraw, TxType.ForcedExit, TxType.Rejected];

describe("slot encoding", () => {
  test("a hand-computed transfer", () => {
    // type 010 | from 1 | to 2 | amount 3 (e 0) | fee 1000 = 100·10^1 (e 1, m 100)
    const bytes = encodeTx({ type: TxType.Transfer, from: 1n, to: 2n, amount: 3n, fee: 1000n });
    const expected = (2n << 93n) | (1n << 69n) | (2n << 45n) | (3n << 13n) | (1n << 8n) | 100n;
    expect(Buffer.from(bytes).toString("hex")).toBe(expected.toString(16).padStart(24, "0"));
    expect(Buffer.from(bytes).toString("hex")).toBe("400000200000400000006164");
  });

  test.each(ALL_TYPES)("type %i: random txs encode to the table's 12 bytes and decode back", (type) => {
    const r = rng(1000 + type);
    for (let k = 0; k < 200; k++) {
      const tx = randomTx(r, type);
      const bytes = encodeTx(tx);
      expect(bytes).toHaveLength(TX_BYTES);
      expect(bytes).toEqual(refEncode(tx));
      expect(decodeTx(bytes)).toEqual(tx);
    }
  });

  test("extreme field values round-trip", () => {
    const max24 = (1n << 24n) - 1n;
    const txs: DecodedTx[] = [
      { type: TxType.Deposit, index: max24 },
      { type: TxType.Transfer, from: max24, to: 0n, amount: ((1n << 27n) - 1n) * 10n ** 31n, fee: 255n * 10n ** 31n },
      { type: TxType.Transfer, from: 0n, to: max24, amount: 0n, fee: 0n },
      { type: TxType.Withdraw, from: max24, amount: ((1n << 51n) - 1n) * 10n ** 31n, fee: 0n },
      { type: TxType.ForcedExit, index: max24, amount: ((1n << 64n) - 1n) * 10n ** 31n, exponent: 31 },
      { type: TxType.ForcedExit, index: 0n, amount: 0n, exponent: 0 },
      { type: TxType.Rejected, index: max24 },
    ];
    for (const tx of txs) expect(decodeTx(encodeTx(tx))).toEqual(tx);
    expect(encodeTx({ type: TxType.Withdraw, from: max24, amount: ((1n << 51n) - 1n) * 10n ** 31n, fee: 255n * 10n ** 31n }))
      .toEqual(Uint8Array.from([0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]));
  });

  test("a forced exit keeps its exponent: B = 2^64 pays 2^64 − 6 as ⌊2^64/10⌋·10^1", () => {
    const fe = forcedExitFloat(1n << 64n);
    const tx: DecodedTx = { type: TxType.ForcedExit, index: 9n, amount: fe.amount, exponent: fe.exponent };
    expect(txDataToBigint(encodeTx(tx)) & ((1n << 69n) - 1n)).toBe(fe.packed);
    expect(decodeTx(encodeTx(tx))).toEqual(tx);
    // The same amount from the balance 2^64 − 6 is exact with e = 0: a different slot.
    const exact = forcedExitFloat((1n << 64n) - 6n);
    expect(exact.amount).toBe(fe.amount);
    expect(encodeTx({ ...tx, exponent: exact.exponent })).not.toEqual(encodeTx(tx));
  });

  test("encode rejects out-of-range and non-representable fields with typed errors", () => {
    const t: DecodedTx = { type: TxType.Transfer, from: 1n, to: 2n, amount: 5n, fee: 1n };
    expect(() => encodeTx({ type: TxType.Deposit, index: 1n << 24n })).toThrow(FieldRangeError);
    expect(() => encodeTx({ ...t, from: 1n << 24n })).toThrow(/transfer\.from: a value in \[0, 2\^24\) expected, got 16777216/);
    expect(() => encodeTx({ ...t, to: -1n })).toThrow(FieldRangeError);
    expect(() => encodeTx({ ...t, amount: (1n << 27n) + 1n })).toThrow(AmountOutOfRangeError);
    expect(() => encodeTx({ ...t, amount: -5n })).toThrow(AmountOutOfRangeError);
    expect(() => encodeTx({ ...t, fee: 257n })).toThrow(FeeOutOfRangeError);
    expect(() => encodeTx({ ...t, fee: 257n })).toThrow(/^transfer\.fee: a value representable as Float13/);
    expect(() => encodeTx({ ...t, to: 1n })).toThrow(InvalidTxError);
    expect(() => encodeTx({ type: TxType.Withdraw, from: 1n, amount: (1n << 51n) + 1n, fee: 0n })).toThrow(AmountOutOfRangeError);
    expect(() => encodeTx({ type: TxType.Withdraw, from: 1n, amount: 1n, fee: 1001n })).toThrow(FeeOutOfRangeError);
    const fx = { type: TxType.ForcedExit as const, index: 1n, amount: 1234n, exponent: 0 };
    expect(() => encodeTx({ ...fx, exponent: 1 })).toThrow(AmountOutOfRangeError); // 1234 is not a multiple of 10
    expect(() => encodeTx({ ...fx, amount: 1n << 64n })).toThrow(AmountOutOfRangeError); // mantissa too wide at e = 0
    expect(() => encodeTx({ ...fx, exponent: 32 })).toThrow(InvalidTxError);
    expect(() => encodeTx({ ...fx, exponent: 0.5 })).toThrow(InvalidTxError);
    expect(() => encodeTx({ type: 6 } as unknown as DecodedTx)).toThrow(/tx type 0\.\.5 expected, got 6/);
    expect(() => encodeTx({ type: TxType.Rejected, index: 1n << 24n })).toThrow(FieldRangeError);
  });

  test("decode rejects wrong lengths, unknown types, nonzero unused bits and self-transfers", () => {
    expect(() => decodeTx(new Uint8Array(11))).toThrow(InvalidTxError);
    expect(() => decodeTx(new Uint8Array(13))).toThrow(/12 bytes expected, got 13/);
    for (const type of [6, 7]) {
      const b = new Uint8Array(12);
      b[0] = type << 5;
      expect(() => decodeTx(b)).toThrow(new RegExp(`tx type 0\\.\\.5 expected, got ${type}`));
    }
    // Every single bit of a noop's 93 payload bits, and of a deposit's 69 unused bits, is checked.
    for (let bit = 3; bit < 96; bit++) {
      const b = new Uint8Array(12);
      b[bit >> 3] |= 0x80 >> (bit & 7);
      expect(() => decodeTx(b)).toThrow(InvalidTxError);
      if (bit >= 27) {
        for (const type of [TxType.Deposit, TxType.Rejected] as const) {
          const d = encodeTx({ type, index: 77n });
          d[bit >> 3] |= 0x80 >> (bit & 7);
          expect(() => decodeTx(d)).toThrow(/unused/);
        }
      }
    }
    const self = encodeTx({ type: TxType.Transfer, from: 3n, to: 4n, amount: 1n, fee: 0n });
    // Turn `to` = 4 into 3 (bits 27–50 hold `to`; its low bits are in byte 6, bits 48–50 → top 3 bits).
    const data = txDataToBigint(self) ^ ((4n ^ 3n) << 45n);
    const bytes = Uint8Array.from(Buffer.from(data.toString(16).padStart(24, "0"), "hex"));
    expect(() => decodeTx(bytes)).toThrow(/from = to = 3/);
  });

  test("decode accepts non-canonical float splits; re-encoding makes them canonical", () => {
    // amount field = e 1, m 1 (= 10), instead of the canonical e 0, m 10.
    const data = (2n << 93n) | (1n << 69n) | (2n << 45n) | (((1n << 27n) | 1n) << 13n);
    const bytes = Uint8Array.from(Buffer.from(data.toString(16).padStart(24, "0"), "hex"));
    const tx = decodeTx(bytes);
    expect(tx).toEqual({ type: TxType.Transfer, from: 1n, to: 2n, amount: 10n, fee: 0n });
    expect(encodeTx(tx)).not.toEqual(bytes);
    expect(txDataToBigint(encodeTx(tx))).toBe((2n << 93n) | (1n << 69n) | (2n << 45n) | (10n << 13n));
  });

  test("batch data is the concatenation of slots; errors name the slot", () => {
    const r = rng(55);
    const txs = Array.from({ length: 30 }, () => randomTx(r, r.pick(ALL_TYPES)));
    const data = encodeBatchData(txs);
    expect(data).toHaveLength(30 * 12);
    txs.forEach((tx, i) => expect(data.subarray(12 * i, 12 * i + 12)).toEqual(encodeTx(tx)));
    expect(decodeBatchData(data)).toEqual(txs);
    expect(decodeBatchData(new Uint8Array(0))).toEqual([]);
    // The cheap count of the API's lists reads the same types from the tags alone.
    expect(slotTypes(data)).toEqual(txs.map((tx) => tx.type));
    expect(slotTypes(new Uint8Array(0))).toEqual([]);
    expect(() => slotTypes(data.subarray(0, 25))).toThrow(/multiple of 12 bytes expected, got 25/);
    expect(() => decodeBatchData(data.subarray(0, 25))).toThrow(/multiple of 12 bytes expected, got 25/);
    const bad = data.slice();
    bad[12 * 7] = 0xe0;
    expect(() => decodeBatchData(bad)).toThrow(/^invalid tx: slot 7: tx type/);
  });
});

describe("signatures", () => {
  let ed: RefEddsa;
  beforeAll(async () => {
    ed = await refEddsa();
  });

  const sk = privateKeyFromSeed("alice");
  const transfer: TransferTx = { type: TxType.Transfer, from: 5n, to: 9n, amount: 12_000n, fee: 30n, nonce: 3n };
  const withdraw: WithdrawTx = { type: TxType.Withdraw, from: 5n, amount: 7n * 10n ** 18n, fee: 0n, nonce: (1n << 40n) - 1n };
  const domain = (1n << 112n) - 1n;

  test("message is data + 2^96·nonce + 2^136·domain", () => {
    const data = txDataToBigint(encodeTx(transfer));
    expect(signatureMessage(transfer, 31337n)).toBe(data + (3n << 96n) + (31337n << 136n));
    const m = signatureMessage(withdraw, domain);
    expect(m).toBe(txDataToBigint(encodeTx(withdraw)) + (((1n << 40n) - 1n) << 96n) + (domain << 136n));
    expect(m < SNARK_FIELD).toBe(true);
    expect(() => signatureMessage({ ...transfer, nonce: 1n << 40n }, 1n)).toThrow(FieldRangeError);
    expect(() => signatureMessage(transfer, 1n << 112n)).toThrow(/domain/);
  });

  test("the domain is the top 112 bits of sha256(chainId (8 bytes) ‖ rollup address (20 bytes))", () => {
    const rollup = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
    const digest = createHash("sha256").update(Buffer.from("0000000000007a69" + rollup.slice(2).toLowerCase(), "hex")).digest("hex");
    expect(rollupDomain(31337n, rollup)).toBe(BigInt("0x" + digest.slice(0, 28)));
    expect(rollupDomain(31337n, rollup)).toBeLessThan(1n << 112n);
    // Another contract or another chain: another domain.
    expect(rollupDomain(31337n, "0x5FbDB2315678afecb367f032d93F642f64180aa4")).not.toBe(rollupDomain(31337n, rollup));
    expect(rollupDomain(1n, rollup)).not.toBe(rollupDomain(31337n, rollup));
    expect(() => rollupDomain(1n << 64n, rollup)).toThrow(/chainId/);
    expect(() => rollupDomain(1n, 1n << 160n)).toThrow(/rollup address/);
  });

  test("signTx signs the message (checked with circomlibjs) and verifyTxSignature binds every part", () => {
    const pk = publicKey(sk);
    for (const tx of [transfer, withdraw]) {
      const signed = signTx(tx, sk, 1n);
      expect(tx.sig).toBeUndefined();
      const msg = signatureMessage(tx, 1n);
      const refSig = { R8: [ed.F.e(signed.sig.r8x), ed.F.e(signed.sig.r8y)] as [Uint8Array, Uint8Array], S: signed.sig.s };
      expect(ed.verifyPoseidon(ed.F.e(msg), refSig, [ed.F.e(pk[0]), ed.F.e(pk[1])])).toBe(true);
      expect(verifyTxSignature(signed, pk, 1n)).toBe(true);
      expect(verifyTxSignature(signed, pk, 2n)).toBe(false);
      expect(verifyTxSignature({ ...signed, nonce: signed.nonce ^ 1n }, pk, 1n)).toBe(false);
      expect(verifyTxSignature({ ...signed, fee: signed.fee + 1n }, pk, 1n)).toBe(false);
      expect(verifyTxSignature({ ...signed, from: 6n }, pk, 1n)).toBe(false);
      expect(verifyTxSignature(signed, publicKey(privateKeyFromSeed("bob")), 1n)).toBe(false);
      expect(verifyTxSignature(tx, pk, 1n)).toBe(false);
    }
    const t = signTx(transfer, sk, 1n);
    expect(verifyTxSignature({ ...t, amount: 13_000n }, pk, 1n)).toBe(false);
    expect(verifyTxSignature({ ...t, to: 10n }, pk, 1n)).toBe(false);
  });
});
