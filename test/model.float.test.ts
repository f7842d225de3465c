// The decimal float formats and the forced-exit payout rule, checked against brute-force references
// (enumerating exponents) rather than against the implementation's own arithmetic.

import {
  AmountOutOfRangeError, FLOAT13, FLOAT32, FLOAT56, FLOAT69, FieldRangeError, decodeFloat, encodeFloat, forcedExitFloat,
  isRepresentable, maxFloat, roundDownToFloat, roundUpToFloat, unpackFloat, type FloatFormat,
} from "../sequencer/model/index.js";
import { rng } from "../bench/fixtures/rng.js";

const FORMATS: FloatFormat[] = [FLOAT32, FLOAT13, FLOAT56, FLOAT69];
const TEN = (e: number) => 10n ** BigInt(e);

/** Reference: the smallest e with value = m·10^e and m < 2^mantBits, by trying every exponent. */
function refSplit(fmt: FloatFormat, value: bigint): { m: bigint; e: number } | undefined {
  for (let e = 0; e < 32; e++) {
    if (value % TEN(e) === 0n && value / TEN(e) < 1n << BigInt(fmt.mantBits)) return { m: value / TEN(e), e };
  }
  return undefined;
}

describe("float formats", () => {
  test("formats have the widths of PROTOCOL.md", () => {
    expect(FORMATS.map((f) => [f.name, f.expBits + f.mantBits])).toEqual([
      ["Float32", 32], ["Float13", 13], ["Float56", 56], ["Float69", 69],
    ]);
  });

  test.each(FORMATS)("$name: random m·10^e round-trips with the canonical (smallest) exponent", (fmt) => {
    const r = rng(fmt.mantBits);
    for (let k = 0; k < 300; k++) {
      const m = r.bigint(fmt.mantBits);
      const e = r.int(32);
      const value = m * TEN(e);
      const packed = encodeFloat(fmt, value);
      expect(decodeFloat(fmt, packed)).toBe(value);
      const ref = refSplit(fmt, value)!;
      expect(packed).toBe((BigInt(ref.e) << BigInt(fmt.mantBits)) | ref.m);
      expect(unpackFloat(fmt, packed)).toEqual({ mantissa: ref.m, exponent: ref.e });
      expect(isRepresentable(fmt, value)).toBe(true);
    }
  });

  test.each(FORMATS)("$name: boundaries", (fmt) => {
    const mb = BigInt(fmt.mantBits);
    const maxM = (1n << mb) - 1n;
    expect(encodeFloat(fmt, 0n)).toBe(0n);
    expect(decodeFloat(fmt, 0n)).toBe(0n);
    expect(encodeFloat(fmt, maxM)).toBe(maxM);
    // 2^k is never a multiple of 10, so one past the largest mantissa has no encoding.
    expect(isRepresentable(fmt, maxM + 1n)).toBe(false);
    expect(() => encodeFloat(fmt, maxM + 1n)).toThrow(AmountOutOfRangeError);
    expect(isRepresentable(fmt, (maxM + 1n) * 10n)).toBe(false);
    expect(encodeFloat(fmt, maxM * 10n)).toBe((1n << mb) | maxM);
    // Too wide for e = 0, so it needs e = 1 even though e = 0 would divide it.
    const half = 1n << (mb - 1n);
    expect(encodeFloat(fmt, half * 10n)).toBe((1n << mb) | half);
    const top = maxM * TEN(31);
    expect(maxFloat(fmt)).toBe(top);
    expect(encodeFloat(fmt, top)).toBe((31n << mb) | maxM);
    expect(decodeFloat(fmt, (1n << (mb + 5n)) - 1n)).toBe(top);
    expect(isRepresentable(fmt, top * 10n)).toBe(false);
    expect(isRepresentable(fmt, top + 1n)).toBe(false);
    expect(encodeFloat(fmt, TEN(31))).toBe((BigInt(refSplit(fmt, TEN(31))!.e) << mb) | refSplit(fmt, TEN(31))!.m);
    expect(() => encodeFloat(fmt, -1n)).toThrow(AmountOutOfRangeError);
    expect(() => decodeFloat(fmt, 1n << (mb + 5n))).toThrow(FieldRangeError);
    expect(() => decodeFloat(fmt, -1n)).toThrow(FieldRangeError);
  });

  test("non-representable values are rejected with a message naming the format", () => {
    expect(() => encodeFloat(FLOAT32, (1n << 27n) + 1n, "transfer.amount")).toThrow(
      /^transfer\.amount: a value representable as Float32 \(m·10\^e with m < 2\^27, e < 32\) expected, got 134217729$/,
    );
    expect(isRepresentable(FLOAT13, 256n)).toBe(false);
    expect(isRepresentable(FLOAT13, 2550n)).toBe(true);
    expect(isRepresentable(FLOAT13, 2560n)).toBe(false);
    expect(isRepresentable(FLOAT13, 2561n)).toBe(false);
    expect(isRepresentable(FLOAT13, 1001n)).toBe(false);
    expect(isRepresentable(FLOAT13, 10n ** 30n)).toBe(true);
  });

  test("decode accepts non-canonical splits (the circuit computes m·10^e either way)", () => {
    expect(decodeFloat(FLOAT13, 10n)).toBe(10n);
    expect(decodeFloat(FLOAT13, (1n << 8n) | 1n)).toBe(10n);
    expect(encodeFloat(FLOAT13, 10n)).toBe(10n);
  });

  test("roundDownToFloat is the largest representable value ≤ the input (brute force over Float13)", () => {
    const all: bigint[] = [];
    for (let e = 0; e < 32; e++) for (let m = 0n; m < 256n; m++) all.push(m * TEN(e));
    const sorted = [...new Set(all)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const refRound = (v: bigint) => {
      let best = 0n;
      for (const x of sorted) if (x <= v) best = x;
      return best;
    };
    const r = rng(99);
    const probes = [0n, 1n, 255n, 256n, 2559n, 2560n, 2569n, 2570n, 99999n, maxFloat(FLOAT13), maxFloat(FLOAT13) + 1n, 10n ** 40n];
    for (let k = 0; k < 200; k++) probes.push(r.bigint(1 + r.int(110)));
    for (const v of probes) {
      const got = roundDownToFloat(FLOAT13, v);
      expect(got).toBe(refRound(v));
      expect(isRepresentable(FLOAT13, got)).toBe(true);
    }
    expect(roundDownToFloat(FLOAT13, 2565n)).toBe(2550n);
    expect(() => roundDownToFloat(FLOAT13, -1n)).toThrow(AmountOutOfRangeError);
  });

  test("roundUpToFloat is the smallest representable value ≥ the input (brute force over Float13)", () => {
    const all: bigint[] = [];
    for (let e = 0; e < 32; e++) for (let m = 0n; m < 256n; m++) all.push(m * TEN(e));
    const sorted = [...new Set(all)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const refRound = (v: bigint) => sorted.find((x) => x >= v);
    const r = rng(98);
    const probes = [0n, 1n, 255n, 256n, 2551n, 2559n, 2560n, 2561n, 99999n, 10n ** 14n, 10n ** 14n + 1n, maxFloat(FLOAT13) - 1n, maxFloat(FLOAT13)];
    for (let k = 0; k < 200; k++) probes.push(r.bigint(1 + r.int(110)) % (maxFloat(FLOAT13) + 1n));
    for (const v of probes) {
      const got = roundUpToFloat(FLOAT13, v);
      expect(got).toBe(refRound(v));
      expect(isRepresentable(FLOAT13, got)).toBe(true);
    }
    expect(roundUpToFloat(FLOAT13, 2561n)).toBe(2600n); // 257·10 does not fit; 26·100 does
    expect(() => roundUpToFloat(FLOAT13, maxFloat(FLOAT13) + 1n)).toThrow(AmountOutOfRangeError);
    expect(() => roundUpToFloat(FLOAT13, -1n)).toThrow(AmountOutOfRangeError);
  });

  test("roundDownToFloat on the wide formats: representable, ≤ input, exact when representable", () => {
    const r = rng(77);
    for (const fmt of [FLOAT32, FLOAT56, FLOAT69]) {
      for (let k = 0; k < 100; k++) {
        const v = r.bigint(1 + r.int(128));
        const got = roundDownToFloat(fmt, v);
        expect(got <= v).toBe(true);
        expect(isRepresentable(fmt, got)).toBe(true);
        if (isRepresentable(fmt, v)) expect(got).toBe(v);
        // Nothing representable lies in (got, v]: the next candidate with got's precision is above v.
        const { exponent } = unpackFloat(fmt, encodeFloat(fmt, got));
        expect(got + TEN(exponent) > v).toBe(true);
      }
    }
  });
});

describe("forcedExitFloat", () => {
  const LIMIT = 1n << 64n;

  /** All constraints of PROTOCOL.md's forced-exit rule, with minimality stated exactly. */
  function checkRule(balance: bigint) {
    const fe = forcedExitFloat(balance);
    const p = TEN(fe.exponent);
    expect(fe.mantissa < LIMIT).toBe(true);
    expect(fe.amount).toBe(fe.mantissa * p);
    expect(fe.amount <= balance).toBe(true);
    expect(balance - fe.amount < p).toBe(true);
    // Smallest exponent: one less would need a mantissa of 2^64 or more.
    if (fe.exponent > 0) expect(balance / TEN(fe.exponent - 1) >= LIMIT).toBe(true);
    expect(fe.packed).toBe((BigInt(fe.exponent) << 64n) | fe.mantissa);
    expect(decodeFloat(FLOAT69, fe.packed)).toBe(fe.amount);
    // The rule's split is the canonical one except when m = ⌊2^64/10⌋ (see the 2^64 test below).
    if (fe.mantissa !== LIMIT / 10n || fe.exponent === 0) expect(encodeFloat(FLOAT69, fe.amount)).toBe(fe.packed);
    return fe;
  }

  test("exact for balances below 2^64", () => {
    const r = rng(64);
    const bs = [0n, 1n, 9n, 10n, LIMIT - 1n, LIMIT - 10n];
    for (let k = 0; k < 200; k++) bs.push(r.bigint(1 + r.int(64)));
    for (const b of bs) {
      const fe = checkRule(b);
      expect(fe.amount).toBe(b);
      expect(fe.exponent).toBe(0);
    }
  });

  test("random balances up to 2^128 satisfy every constraint", () => {
    const r = rng(128);
    const bs = [LIMIT, LIMIT + 9n, LIMIT * 10n - 1n, LIMIT * 10n, (1n << 128n) - 1n];
    for (let k = 0; k < 500; k++) bs.push(r.bigint(64 + r.int(65)));
    for (const b of bs) checkRule(b);
    const top = checkRule((1n << 128n) - 1n);
    expect(top.exponent).toBe(20);
    expect((1n << 128n) - 1n - top.amount).toBe(((1n << 128n) - 1n) % TEN(20));
  });

  test("at B = 2^64 the mantissa is ⌊2^64/10⌋ with e = 1, not the amount's canonical split", () => {
    const fe = checkRule(LIMIT);
    expect(fe.exponent).toBe(1);
    expect(fe.mantissa).toBe(LIMIT / 10n);
    expect(fe.mantissa).toBe((LIMIT + 9n) / 10n - 1n);
    expect(fe.amount).toBe(LIMIT - 6n);
    // The amount alone would pack canonically with e = 0, which breaks B − m·10^e < 10^e (6 ≥ 1):
    // the slot must carry the rule's exponent, so ForcedExitTx keeps it.
    expect(encodeFloat(FLOAT69, fe.amount)).toBe(LIMIT - 6n);
    expect(fe.packed).toBe((1n << 64n) | (LIMIT / 10n));
    // The same happens at every exponent: B = (2^64 + 3)·10^(e−1) still has m = ⌊2^64/10⌋.
    for (let e = 1; e <= 20; e++) {
      const b = (LIMIT + 3n) * TEN(e - 1);
      if (b >= 1n << 128n) break;
      const x = checkRule(b);
      expect([x.exponent, x.mantissa]).toEqual([e, LIMIT / 10n]);
    }
  });

  test("PROTOCOL.md's proxy m ≥ ⌊2^64/10⌋ also admits e + 1 just below 2^64; the model takes the smallest e", () => {
    const b = LIMIT - 1n;
    const fe = checkRule(b);
    expect([fe.exponent, fe.amount]).toEqual([0, b]);
    // The alternative the proxy allows: e = 1, m = ⌊2^64/10⌋, 5 units left behind.
    const m = b / 10n;
    expect(m >= LIMIT / 10n && m < LIMIT && b - m * 10n < 10n).toBe(true);
    expect(b - m * 10n).toBe(5n);
  });

  test("rejects balances outside [0, 2^128)", () => {
    expect(() => forcedExitFloat(1n << 128n)).toThrow(FieldRangeError);
    expect(() => forcedExitFloat(-1n)).toThrow(FieldRangeError);
  });
});
