// The typed errors: class hierarchy, names, structured fields and the "expected …, got …" messages
// callers show to users.

import {
  BadSignatureError, BalanceOverflowError, InsufficientBalanceError, InvalidTxError, WrongNonceError, ZkrError,
} from "../sequencer/model/index.js";

describe("errors", () => {
  test("messages say what was expected and what came; fields are kept", () => {
    const e = new WrongNonceError({ account: 5n, op: "transfer from", expected: 3n, got: 4n });
    expect(e.message).toBe("transfer from account 5: nonce 3 expected, got 4");
    expect(e.shortMessage).toBe(e.message);
    expect([e.account, e.expected, e.got, e.op]).toEqual([5n, 3n, 4n, "transfer from"]);
    expect(e).toBeInstanceOf(ZkrError);
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe("WrongNonceError");
    expect(new InsufficientBalanceError({ account: 2n, balance: 10n, required: 12n }).message).toBe(
      "account 2: balance of at least 12 expected, got 10",
    );
    expect(new BalanceOverflowError({ account: 1n, op: "deposit to", balance: 1n << 127n, added: 1n << 127n }).name).toBe("BalanceOverflowError");
    expect(new BadSignatureError({ account: 7n, op: "withdraw from" }).message).toMatch(/^withdraw from account 7: signature/);
  });

  test("details and cause", () => {
    const cause = new Error("inner");
    const e = new ZkrError("short", { details: "longer story", cause });
    expect(e.message).toBe("short\n\nDetails: longer story");
    expect(e.shortMessage).toBe("short");
    expect(e.details).toBe("longer story");
    expect(e.cause).toBe(cause);
    const t = new InvalidTxError({ reason: "bad", data: Uint8Array.from([1, 255]) });
    expect(t.message).toBe("invalid tx: bad\n\nDetails: data 0x01ff");
    expect(t.data).toEqual(Uint8Array.from([1, 255]));
  });
});
