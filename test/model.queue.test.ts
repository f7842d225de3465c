// The L1 queue's running hash (against circomlibjs Poseidon), its field packing and range checks,
// and the contract bookkeeping L1Queue mirrors (index order, token and address per account).

import {
  AmountOutOfRangeError, FieldRangeError, L1Kind, L1Queue, QueueOrderError, SNARK_FIELD, UnknownAccountError,
  WrongAddressError, WrongTokenError, ZkrError, nextQueueHash, queueEntryFields, type L1Request,
} from "../sequencer/model/index.js";
import { bigintPoseidon, refPoseidon } from "./helpers/circomlibjs-ref.js";
import { rng } from "../bench/fixtures/rng.js";

let refHash: (xs: bigint[]) => bigint;
beforeAll(async () => {
  refHash = bigintPoseidon(await refPoseidon());
});

const create = (index: bigint, over: Partial<L1Request> = {}): L1Request => ({
  kind: L1Kind.CreateDeposit, index, tokenId: 3n, ethAddr: 0xabcn + index, amount: 1000n + index, ax: 11n, ay: 12n, ...over,
} as L1Request);

describe("queue entries", () => {
  test("fields: kind + 4·index + 2^26·tokenId, ethAddr, amount, Ax, Ay with zeros where absent", () => {
    expect(queueEntryFields({ kind: L1Kind.CreateDeposit, index: 5n, tokenId: 7n, ethAddr: 9n, amount: 100n, ax: 1n, ay: 2n }))
      .toEqual([1n + 20n + 7n * 2n ** 26n, 9n, 100n, 1n, 2n]);
    expect(queueEntryFields({ kind: L1Kind.TopUp, index: 5n, tokenId: 7n, ethAddr: 9n, amount: 100n }))
      .toEqual([2n + 20n + 7n * 2n ** 26n, 9n, 100n, 0n, 0n]);
    expect(queueEntryFields({ kind: L1Kind.ForcedExit, index: 5n, tokenId: 7n, ethAddr: 9n })).toEqual([3n + 20n + 7n * 2n ** 26n, 9n, 0n, 0n, 0n]);
    // At the maxima the three parts of the first field do not overlap: 2 + 24 + 32 bits.
    const top = queueEntryFields({ kind: L1Kind.ForcedExit, index: (1n << 24n) - 1n, tokenId: (1n << 32n) - 1n, ethAddr: 0n })[0];
    expect(top).toBe((1n << 58n) - 1n);
  });

  test("running hash equals circomlibjs Poseidon(q_i, fields) over a random queue", () => {
    const r = rng(31);
    const q = new L1Queue();
    const refChain = [0n];
    for (let i = 0; i < 25; i++) {
      const n = q.nextAccountIndex;
      const kind = n === 0n ? L1Kind.CreateDeposit : r.pick([L1Kind.CreateDeposit, L1Kind.TopUp, L1Kind.ForcedExit]);
      let req: L1Request;
      if (kind === L1Kind.CreateDeposit) {
        req = { kind, index: n, tokenId: r.bigint(32), ethAddr: r.bigint(160), amount: r.bigint(128), ax: r.below(SNARK_FIELD), ay: r.below(SNARK_FIELD) };
      } else {
        const index = r.below(n);
        const info = q.accountInfo(index)!;
        req = kind === L1Kind.TopUp
          ? { kind, index, tokenId: info.tokenId, ethAddr: r.bigint(160), amount: r.bigint(128) }
          : { kind, index, tokenId: info.tokenId, ethAddr: info.ethAddr };
      }
      const h = q.append(req);
      const amount = req.kind === L1Kind.ForcedExit ? 0n : req.amount;
      const [ax, ay] = req.kind === L1Kind.CreateDeposit ? [req.ax, req.ay] : [0n, 0n];
      refChain.push(refHash([refChain[i], BigInt(req.kind) + 4n * req.index + 2n ** 26n * req.tokenId, req.ethAddr, amount, ax, ay]));
      expect(h).toBe(refChain[i + 1]);
      expect(nextQueueHash(refChain[i], req)).toBe(h);
    }
    expect(q.length).toBe(25);
    expect(q.hashAt(0)).toBe(0n);
    refChain.forEach((h, i) => expect(q.hashAt(i)).toBe(h));
    expect(q.hashAt(25n)).toBe(q.head);
    expect(q.slice(3, 7)).toEqual([3, 4, 5, 6].map((i) => q.at(i)));
    expect(q.slice(5n, 5n)).toEqual([]);
    expect(() => q.hashAt(26)).toThrow(FieldRangeError);
    expect(() => q.at(25)).toThrow(FieldRangeError);
    expect(() => q.slice(7, 3)).toThrow(FieldRangeError);
  });

  test("every field is range-checked", () => {
    const q = new L1Queue({ checkAccounts: false });
    const ok = create(0n) as L1Request & { kind: L1Kind.CreateDeposit };
    expect(() => q.append({ ...ok, index: 1n << 24n })).toThrow(FieldRangeError);
    expect(() => q.append({ ...ok, tokenId: 1n << 32n })).toThrow(FieldRangeError);
    expect(() => q.append({ ...ok, ethAddr: 1n << 160n })).toThrow(/ethAddr: a value in \[0, 2\^160\) expected/);
    expect(() => q.append({ ...ok, amount: 1n << 128n })).toThrow(AmountOutOfRangeError);
    expect(() => q.append({ ...ok, amount: -1n })).toThrow(AmountOutOfRangeError);
    expect(() => q.append({ ...ok, ax: SNARK_FIELD })).toThrow(FieldRangeError);
    expect(() => q.append({ kind: L1Kind.TopUp, index: 0n, tokenId: 0n, ethAddr: 0n, amount: 1n << 128n })).toThrow(AmountOutOfRangeError);
    expect(() => q.append({ ...ok, kind: 4 } as unknown as L1Request)).toThrow(ZkrError);
    expect(() => nextQueueHash(SNARK_FIELD, ok)).toThrow(FieldRangeError);
    expect(q.length).toBe(0);
    expect(q.head).toBe(0n);
  });

  test("mirrors the contract: indices in order, top-ups and exits name existing accounts with their token and address", () => {
    const q = new L1Queue();
    q.append(create(0n));
    q.append(create(1n, { tokenId: 0n }));
    expect(q.nextAccountIndex).toBe(2n);
    expect(q.accountInfo(1n)).toEqual({ ethAddr: 0xabdn, tokenId: 0n });
    expect(q.accountInfo(2n)).toBeUndefined();
    expect(() => q.append(create(3n))).toThrow(QueueOrderError);
    expect(() => q.append(create(3n))).toThrow(/^create-deposit index: 2 expected, got 3$/);
    expect(() => q.append({ kind: L1Kind.TopUp, index: 2n, tokenId: 3n, ethAddr: 1n, amount: 1n })).toThrow(UnknownAccountError);
    expect(() => q.append({ kind: L1Kind.TopUp, index: 0n, tokenId: 4n, ethAddr: 1n, amount: 1n })).toThrow(
      /^top-up of account 0: token 3 expected, got 4$/,
    );
    q.append({ kind: L1Kind.TopUp, index: 0n, tokenId: 3n, ethAddr: 1n, amount: 1n });
    expect(() => q.append({ kind: L1Kind.ForcedExit, index: 1n, tokenId: 0n, ethAddr: 0xabcn })).toThrow(WrongAddressError);
    expect(() => q.append({ kind: L1Kind.ForcedExit, index: 1n, tokenId: 3n, ethAddr: 0xabdn })).toThrow(WrongTokenError);
    q.append({ kind: L1Kind.ForcedExit, index: 1n, tokenId: 0n, ethAddr: 0xabdn });
    expect(q.length).toBe(4);
    // Without the checks, queues the contract would never build can be made for negative tests.
    const loose = new L1Queue({ checkAccounts: false });
    loose.append({ kind: L1Kind.ForcedExit, index: 9n, tokenId: 1n, ethAddr: 2n });
    expect(loose.length).toBe(1);
  });
});
