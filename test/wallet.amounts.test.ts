// Amounts of any token as the wallet shows and reads them (sequencer/wallet-core.ts): tokenAmount
// writes `12.5 zUSD (12500000 units)` as ethAmount writes ETH, and parseTokenAmount reads what a
// user typed, refusing with a WalletError what it cannot read exactly: more decimals than the
// token has, a negative amount, anything that is not a plain decimal number, 2^128 units or more.
// The sequencer's refusals and the fee line speak the account's token.

import { ApiError } from "../sequencer/client.js";
import { ETH_TOKEN, MAX_AMOUNT, WalletError, ethAmount, feeLine, inEth, inToken, parseTokenAmount, tokenAmount } from "../sequencer/wallet-core.js";

const zUSD = { symbol: "zUSD", decimals: 6 };

test("tokenAmount writes the amount in the token and the exact units after it; ETH as ethAmount does", () => {
  expect(tokenAmount(12_500_000n, zUSD)).toBe("12.5 zUSD (12500000 units)");
  expect(tokenAmount(1n, zUSD)).toBe("0.000001 zUSD (1 units)");
  expect(tokenAmount(1_000_000n * 10n ** 6n, zUSD, { units: false })).toBe("1000000.0 zUSD");
  expect(tokenAmount(0n, zUSD)).toBe("0.0 zUSD (0 units)");
  expect(tokenAmount(42n, { symbol: "RAW", decimals: 0 })).toBe("42 RAW (42 units)");
  for (const wei of [0n, 1n, 5n * 10n ** 17n, 10n ** 18n, 123_456_789_012_345_678_901n, MAX_AMOUNT]) {
    expect(tokenAmount(wei, ETH_TOKEN)).toBe(ethAmount(wei));
    expect(tokenAmount(wei, ETH_TOKEN, { units: false })).toBe(ethAmount(wei, { wei: false }));
  }
});

test("parseTokenAmount reads a decimal number in the token's units, exactly", () => {
  expect(parseTokenAmount("12.5", zUSD)).toBe(12_500_000n);
  expect(parseTokenAmount("0.000001", zUSD)).toBe(1n);
  expect(parseTokenAmount(".5", zUSD)).toBe(500_000n);
  expect(parseTokenAmount("7.", zUSD)).toBe(7_000_000n);
  expect(parseTokenAmount(" 3 ", zUSD)).toBe(3_000_000n);
  expect(parseTokenAmount("1.500000", zUSD)).toBe(1_500_000n);
  // Zeros past the token's decimals change nothing: the amount is still exact.
  expect(parseTokenAmount("1.50000000", zUSD)).toBe(1_500_000n);
  expect(parseTokenAmount("0", zUSD)).toBe(0n);
  expect(parseTokenAmount("1.5", ETH_TOKEN)).toBe(15n * 10n ** 17n);
  expect(parseTokenAmount("42", { symbol: "RAW", decimals: 0 })).toBe(42n);
  // What tokenAmount writes reads back to the same units.
  for (const units of [1n, 12_500_000n, 10n ** 12n, MAX_AMOUNT]) expect(parseTokenAmount(tokenAmount(units, zUSD, { units: false }).split(" ")[0], zUSD)).toBe(units);
});

test("parseTokenAmount refuses more decimals than the token has, negatives, garbage and 2^128 units, with a WalletError", () => {
  const refused = (text: string, token: { symbol: string; decimals: number }, message: RegExp, what?: string) => {
    let err: unknown;
    try {
      parseTokenAmount(text, token, what);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(WalletError);
    expect((err as Error).message).toMatch(message);
  };
  refused("1.1234567", zUSD, /^amount: at most 6 decimals expected \(zUSD has 6\), got 1\.1234567$/);
  refused("0.0000001", zUSD, /at most 6 decimals expected/);
  refused("1.5", { symbol: "RAW", decimals: 0 }, /^amount: a whole number expected \(RAW has no decimals\), got 1\.5$/);
  refused("1.0000000000000000001", ETH_TOKEN, /^amount: at most 18 decimals expected \(ETH has 18\), got 1\.0000000000000000001$/);
  refused("-1", zUSD, /^amount: a non-negative amount of zUSD expected, got -1$/);
  refused("-0.5", zUSD, /non-negative/);
  for (const garbage of ["", " ", "abc", "1e3", "0x10", "1.2.3", "1,000", "+1", "--1", ".", "1 000", "Infinity", "NaN", "١"]) {
    refused(garbage, zUSD, new RegExp(`^amount: a decimal number of zUSD expected \\(like 12\\.5\\), got ${JSON.stringify(garbage).replace(/[.+*]/g, "\\$&")}$`));
  }
  refused("abc", zUSD, /^fee: a decimal number of zUSD expected/, "fee");
  refused((MAX_AMOUNT + 1n).toString(), { symbol: "RAW", decimals: 0 }, /^amount: at most 340282366920938463463374607431768211455 RAW \(340282366920938463463374607431768211455 units\) expected \(balances stay below 2\^128 units\), got 340282366920938463463374607431768211456$/);
  refused("400000000000000000000", ETH_TOKEN, /^amount: at most 340282366920938463463\.374607431768211455 ETH \(340282366920938463463374607431768211455 wei\) expected \(balances stay below 2\^128 wei\), got 400000000000000000000$/);
});

test("the sequencer's refusals and the fee line are written in the account's token", () => {
  const refusal = new ApiError(422, "insufficient_balance", "insufficient balance", { account: "3", required: "20000000", balance: "12500000", pending: "2500000" });
  expect((inToken(refusal, zUSD) as Error).message).toBe(
    "insufficient balance: account 3 can spend 10.0 zUSD (10000000 units): its balance 12.5 zUSD less 2.5 zUSD pending; this transaction needs 20.0 zUSD (20000000 units) (amount and fee)");
  expect((inEth(refusal) as Error).message).toMatch(/^insufficient balance: account 3 can spend 0\.00000000001 ETH \(10000000 wei\)/);
  const low = new ApiError(422, "fee_too_low", "fee too low", { field: "transfer fee", value: "0", minimum: "100", token: "1" });
  expect((inToken(low, zUSD) as Error).message).toBe("transfer fee: at least 0.0001 zUSD (100 units) (the sequencer's minimum) expected, got 0.0 zUSD (0 units)");
  expect(feeLine({ fee: 0n, minimum: 0n, feeAccount: 0n }, zUSD)).toBe("fee 0 zUSD (the sequencer sets no minimum)");
  expect(feeLine({ fee: 0n, minimum: 0n, feeAccount: null }, zUSD)).toBe("fee 0 zUSD (no account collects fees)");
  expect(feeLine({ fee: 0n, minimum: 0n, feeAccount: 0n })).toBe("fee 0 ETH (the sequencer sets no minimum)");
  expect(feeLine({ fee: 100n, minimum: 100n, feeAccount: 7n }, zUSD)).toBe("fee 0.0001 zUSD (100 units) to account 7, the sequencer's minimum");
});
