// A property-based fuzz of the rollup contract with hostile arguments (fast-check, fixed seed,
// bounded runs): deposits with off-curve keys, values around the creation fee and 2^128, other
// users' and out-of-range indices, forced exits of anyone's account, tampered batches from anyone,
// exodus withdrawals with balance + r or aliased siblings, refunds of any position, claims of any
// token, all repeated and interleaved with an honest operator's batches (built by the model,
// "proven" by MockVerifier, which accepts exactly the public inputs the model produced).
//
// After every call:
// - solvency: the contract holds, in each token, exactly what it owes: everything claimable, the
//   verified L2 balances (until withdrawn in exodus), unconsumed deposits (until refunded) and
//   their creation fees. So it always holds at least everything claimable.
// - nobody's money moves but to its owner: a call by one user never lowers another user's
//   claimable credit nor touches their L1 balances; a claim pays its caller exactly the credit.
// - liveness: the honest operator's batch is always accepted (no request jams the queue); in
//   exodus, every account's honest exodusWithdraw and every unconsumed deposit's refund goes
//   through once, and every credit can be claimed. Hostile variants never go through.

import fc from "fast-check";
import { TxType, L1Kind, SNARK_FIELD, pow2 } from "../sequencer/model/constants.js";
import { applyBatch } from "../sequencer/model/batch.js";
import { L1Queue, type L1Request } from "../sequencer/model/queue.js";
import { RollupState } from "../sequencer/model/state.js";
import { FLOAT32, FLOAT56, roundDownToFloat } from "../sequencer/model/float.js";
import { signTx, type Tx } from "../sequencer/model/tx.js";
import { requestOf } from "../sequencer/l1/events.js";
import { Contract, type TransactionReceipt } from "ethers";
import { startChain, type ChainWorld } from "./helpers/chain.js";
import { user, type User } from "../bench/fixtures/scenario.js";

const SEED = 20261202;
const RUNS = Number(process.env.ZKR_FUZZ_RUNS ?? 6);
const ACTIONS_PER_RUN = Number(process.env.ZKR_FUZZ_ACTIONS ?? 450);
const EXODUS_BLOCKS = 60;
const ETH = 10n ** 18n;
const ACTORS = [1, 2, 3, 4, 5];
const TOKEN_SUPPLY = pow2(200);

type KeyPick = "own" | "offCurve" | "notAField" | "identity";
type Action =
  | { t: "deposit"; who: number; key: KeyPick; value: "zero" | "feeLess1" | "fee" | "fee+1" | "fee+eth" }
  | { t: "depositToken"; who: number; key: KeyPick; token: number; amount: bigint; value: "zero" | "fee" | "fee+1" }
  | { t: "topUp"; who: number; index: number; value: bigint }
  | { t: "topUpToken"; who: number; index: number; amount: bigint }
  | { t: "forcedExit"; who: number; index: number }
  | { t: "batch"; l2: number; pick: number }
  | { t: "hostileBatch"; who: number; mutation: number; pick: number }
  | { t: "mine"; blocks: number }
  | { t: "activateExodus"; who: number }
  | { t: "exodusWithdraw"; who: number; index: number; tamper: number }
  | { t: "exodusRefund"; who: number; position: number }
  | { t: "claim"; who: number; token: number };

const who = fc.constantFrom(...ACTORS);
const index = fc.oneof({ weight: 8, arbitrary: fc.nat(14) }, { weight: 1, arbitrary: fc.constantFrom(2 ** 24, 2 ** 24 + 1, 2 ** 32 - 1) });
const key = fc.constantFrom<KeyPick>("own", "own", "own", "offCurve", "notAField", "identity");
const tokenAmount = fc.constantFrom(0n, 1n, ETH, 5n * ETH, pow2(128) - 1n, pow2(128), pow2(255));
const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ t: fc.constant("deposit" as const), who, key, value: fc.constantFrom("zero", "feeLess1", "fee", "fee+1", "fee+eth", "fee+eth") }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant("depositToken" as const), who, key, token: fc.constantFrom(0, 1, 1, 1, 2, 9), amount: tokenAmount, value: fc.constantFrom("zero", "fee", "fee", "fee+1") }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant("topUp" as const), who, index, value: fc.constantFrom(0n, 1n, ETH) }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant("topUpToken" as const), who, index, amount: tokenAmount }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("forcedExit" as const), who, index }) },
  { weight: 6, arbitrary: fc.record({ t: fc.constant("batch" as const), l2: fc.nat(4), pick: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant("hostileBatch" as const), who: fc.constantFrom(0, ...ACTORS), mutation: fc.nat(7), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("mine" as const), blocks: fc.constantFrom(1, 7, 7, EXODUS_BLOCKS + 1) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("activateExodus" as const), who }) },
  { weight: 4, arbitrary: fc.record({ t: fc.constant("exodusWithdraw" as const), who, index: fc.nat(14), tamper: fc.nat(6) }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant("exodusRefund" as const), who, position: fc.nat(40) }) },
  { weight: 4, arbitrary: fc.record({ t: fc.constant("claim" as const), who: fc.constantFrom(0, ...ACTORS), token: fc.constantFrom(0, 1) }) },
);

let w: ChainWorld;
let users: User[];
let verifier: Contract;
let addresses: string[];
const stats = new Map<string, { ok: number; reverted: number }>();
/** Every transaction sent to the rollup, the end-of-run exits and claims included. */
let calls = 0;

function count(kind: string, ok: boolean): void {
  const s = stats.get(kind) ?? { ok: 0, reverted: 0 };
  if (ok) s.ok++;
  else s.reverted++;
  stats.set(kind, s);
}

/** Sends a transaction; its receipt, or undefined when it reverted. */
async function send(p: Promise<{ wait(): Promise<TransactionReceipt | null> }>): Promise<TransactionReceipt | undefined> {
  calls++;
  try {
    return (await (await p).wait()) ?? undefined;
  } catch (e) {
    const msg = (e as Error).message;
    // A revert is an answer; anything else (a dead node, a bad encoding in the test) is a bug here.
    if (!/revert|CALL_EXCEPTION|execution reverted/i.test(msg)) throw e;
    return undefined;
  }
}

/** What the contract owes in each token, and what everyone holds, read in one round of calls. */
async function snapshotMoney() {
  const rollup = w.dep.addresses.rollup;
  const [pending, eth, tok, holdEth, holdTok] = await Promise.all([
    Promise.all(addresses.flatMap((a) => [w.rollup.pending(a, 0), w.rollup.pending(a, 1)])),
    Promise.all(addresses.map((a) => w.provider.getBalance(a))),
    Promise.all(addresses.map((a) => w.token.balanceOf(a) as Promise<bigint>)),
    w.provider.getBalance(rollup),
    w.token.balanceOf(rollup) as Promise<bigint>,
  ]);
  return { pending: (i: number, t: number) => pending[2 * i + t], eth, tok, hold: [holdEth, holdTok] };
}

/**
 * One fuzz run: a fresh model beside the chain, rolled back afterwards. The honest operator makes
 * batches until action `operatorStops`, then disappears (its batches become mined blocks), so that
 * runs reach exodus at different points.
 */
async function run(actions: Action[], operatorStops: number): Promise<void> {
  const snap = await w.provider.send("evm_snapshot", []);
  const state = new RollupState({ depth: 8, chainId: w.dep.chainId, rollup: w.dep.addresses.rollup });
  const queue = new L1Queue();
  const owner = new Map<bigint, number>(); // account index → actor whose L2 key it has
  let exodus = false;
  const withdrawn = new Set<bigint>();
  const refunded = new Set<number>();
  const fee = w.dep.createFee;

  const record = (r: TransactionReceipt) => {
    for (const l of r.logs) {
      const p = w.rollup.interface.parseLog(l);
      if (p?.name !== "L1Request") continue;
      const req = requestOf(Number(p.args.kind), p.args.accountIndex, p.args.tokenId, p.args.ethAddr, p.args.amount, p.args.ax, p.args.ay);
      expect(Number(p.args.position)).toBe(queue.length);
      expect(queue.append(req)).toBe(p.args.queueHash);
      if (req.kind === L1Kind.CreateDeposit) {
        const k = users.findIndex((u) => u.pk[0] === req.ax && u.pk[1] === req.ay);
        if (k >= 0) owner.set(req.index, k);
      }
    }
  };
  /** What the contract must hold per token, from the model. */
  const owed = (m: Awaited<ReturnType<typeof snapshotMoney>>, t: number): bigint => {
    let sum = 0n;
    for (let i = 0; i < addresses.length; i++) sum += m.pending(i, t);
    for (const [i, a] of state.accounts) if (Number(a.tokenId) === t && !withdrawn.has(i)) sum += a.balance;
    for (let p = Number(state.queueNext); p < queue.length; p++) {
      if (refunded.has(p)) continue;
      const r = queue.at(p);
      if (r.kind !== L1Kind.ForcedExit && Number(r.tokenId) === t) sum += r.amount;
      if (r.kind === L1Kind.CreateDeposit && t === 0) sum += fee;
    }
    return sum;
  };

  /** Half of the small indices aim at a registered account of `token`; the rest stay as drawn. */
  const aim = (index: number, token: bigint): number => {
    const ofToken: number[] = [];
    for (let i = 0n; i < queue.nextAccountIndex; i++) if (queue.accountInfo(i)!.tokenId === token) ofToken.push(Number(i));
    return index < 15 && index % 2 === 0 && ofToken.length > 0 ? ofToken[(index / 2) % ofToken.length] : index;
  };

  const honestBatch = (l2: number, pick: number): { txs: Tx[] } => {
    const txs: Tx[] = [];
    for (let p = state.queueNext; p < BigInt(queue.length) && txs.length < w.slots; p++) {
      const r: L1Request = queue.at(p);
      txs.push(r.kind === L1Kind.ForcedExit ? { type: TxType.ForcedExit, index: r.index, amount: 0n, exponent: 0 } : { type: TxType.Deposit, index: r.index });
    }
    // L2 transfers and withdrawals of accounts whose keys the actors hold, against a scratch copy.
    const scratch = state.clone();
    const owned = [...owner.keys()].filter((i) => scratch.account(i));
    for (let k = 0; k < l2 && txs.length < w.slots && owned.length > 0; k++) {
      const from = owned[(pick + k) % owned.length];
      const a = scratch.accounts.get(from)!;
      if (a.balance === 0n) continue;
      const sk = users[owner.get(from)!].sk;
      const peers = [...scratch.accounts.entries()].filter(([i, b]) => i !== from && b.tokenId === a.tokenId);
      let tx: Tx;
      if ((pick + k) % 3 !== 0 && peers.length > 0) {
        const amount = roundDownToFloat(FLOAT32, a.balance / BigInt(2 + ((pick >> k) % 5)));
        tx = signTx({ type: TxType.Transfer, from, to: peers[(pick >> 3) % peers.length][0], amount, fee: 0n, nonce: a.nonce }, sk, state.domain);
      } else {
        const amount = roundDownToFloat(FLOAT56, a.balance / BigInt(1 + ((pick >> k) % 3)));
        tx = signTx({ type: TxType.Withdraw, from, amount, fee: 0n, nonce: a.nonce }, sk, state.domain);
      }
      try {
        applyBatch(scratch, [tx], new L1Queue(), { slots: 1 });
      } catch {
        continue; // e.g. a transfer that would overflow its receiver: the operator leaves it out
      }
      txs.push(tx);
    }
    return { txs };
  };

  try {
    let before = await snapshotMoney();
    for (const [n, next] of actions.entries()) {
      const a: Action = next.t === "batch" && n >= operatorStops ? { t: "mine", blocks: 7 } : next;
      // The one address that sends this call (the operator for batches and mining).
      const caller = a.t === "hostileBatch" ? (a.mutation === 7 && a.who === 0 ? 1 : a.who) : "who" in a ? a.who : 0;
      let ok = false;
      let claimGas = 0n;
      switch (a.t) {
        case "deposit":
        case "depositToken": {
          const u = users[a.who];
          const [ax, ay] = a.key === "own" ? u.pk : a.key === "offCurve" ? [1n, 2n] : a.key === "notAField" ? [u.pk[0] + SNARK_FIELD, u.pk[1]] : [0n, 1n];
          const feeValue = { zero: 0n, feeLess1: fee - 1n, fee, "fee+1": fee + 1n, "fee+eth": fee + ETH }[a.value];
          const r = a.t === "deposit"
            ? await send(w.as(a.who).deposit(ax, ay, { value: feeValue }))
            : await send(w.as(a.who).depositToken(a.token, a.amount, ax, ay, { value: feeValue }));
          if (r) record(r);
          ok = !!r;
          break;
        }
        case "topUp":
        case "topUpToken": {
          const target = aim(a.index, a.t === "topUp" ? 0n : 1n);
          const r = a.t === "topUp" ? await send(w.as(a.who).topUp(target, { value: a.value })) : await send(w.as(a.who).topUpToken(target, a.amount));
          if (r) record(r);
          ok = !!r;
          break;
        }
        case "forcedExit": {
          const r = await send(w.as(a.who).forcedExit(a.index));
          if (r) record(r);
          ok = !!r;
          break;
        }
        case "batch": {
          if (exodus) {
            ok = false;
            expect(await w.revert(w.rollup.submitBatch(state.root, Number(state.queueNext), Number(state.queueNext), 0, new Uint8Array(12 * w.slots), new Array(8).fill(0n)))).toBe("ExodusActive");
            break;
          }
          const { txs } = honestBatch(a.l2, a.pick);
          const res = applyBatch(state, txs, queue, { slots: w.slots });
          await (await verifier.prove(res.publicInput)).wait();
          // Liveness: the honest operator's batch always goes through, whatever was queued.
          const r = await send(w.rollup.submitBatch(res.newRoot, res.queueStart, res.queueEnd, res.feeAccount, res.txData, new Array(8).fill(0n)));
          expect(r).toBeDefined();
          expect(await w.rollup.stateRoot()).toBe(state.root);
          ok = true;
          break;
        }
        case "hostileBatch": {
          // A batch the model did not build: another root, queue range, fee account or slot data,
          // or an honest batch sent by someone who is not the operator.
          const scratch = state.clone();
          const res = applyBatch(scratch, honestBatch(2, a.pick).txs, queue, { slots: w.slots });
          const args: [bigint, bigint, bigint, bigint, Uint8Array] = [res.newRoot, res.queueStart, res.queueEnd, res.feeAccount, res.txData.slice()];
          switch (a.mutation) {
            case 0: args[0] = (args[0] + 1n) % SNARK_FIELD; break;
            case 1: args[2] = args[2] + 1n; break;
            case 2: args[2] = args[1]; break;
            case 3: args[3] = 1n; break;
            case 4: args[4][0] = (5 << 5) | (args[4][0] & 0x1f); break; // slot 0 claims to reject its request
            case 5: args[4][11] ^= 1; break;
            case 6: args[4] = Uint8Array.from([...args[4].slice(12), (3 << 5), 0, 0, 0, 0x20, 0, 0, 0, 0, 0, 0, 0]); break; // a withdrawal appended
            default: break; // unchanged, but from `who`
          }
          ok = !!(await send(w.as(caller).submitBatch(...args, new Array(8).fill(0n))));
          expect(ok).toBe(false);
          break;
        }
        case "mine":
          await w.mine(a.blocks);
          ok = true;
          break;
        case "activateExodus":
          ok = !!(await send(w.as(a.who).activateExodus()));
          if (ok) exodus = true;
          break;
        case "exodusWithdraw": {
          const i = BigInt(a.index);
          const acct = state.account(i);
          const other = state.account((i + 1n) % 15n);
          const base = acct ?? other ?? { ax: 1n, ay: 2n, balance: 0n, nonce: 0n };
          const proof = state.tree.proof(i).siblings.map((s) => [...s] as [bigint, bigint, bigint]);
          let [ax, ay, balance, nonce] = [base.ax, base.ay, base.balance, base.nonce];
          switch (a.tamper) {
            case 1: balance += SNARK_FIELD; break;
            case 2: balance += 1n; break;
            case 3: nonce += pow2(40); break;
            case 4: proof[0][0] += SNARK_FIELD; break;
            case 5: ax += SNARK_FIELD; break;
            case 6: if (other) [ax, ay, balance, nonce] = [other.ax, other.ay, other.balance, other.nonce]; else balance += 7n; break;
            default: break;
          }
          ok = !!(await send(w.as(a.who).exodusWithdraw(a.index, ax, ay, balance, nonce, proof)));
          const honest = a.tamper === 0 && !!acct;
          // Hostile variants never pass; the honest one passes exactly once, in exodus, for a verified account.
          expect(ok).toBe(honest && exodus && !withdrawn.has(i));
          if (ok) withdrawn.add(i);
          break;
        }
        case "exodusRefund": {
          ok = !!(await send(w.as(a.who).exodusRefund(a.position)));
          const refundable = exodus && a.position >= Number(state.queueNext) && a.position < queue.length &&
            queue.at(a.position).kind !== L1Kind.ForcedExit && !refunded.has(a.position);
          expect(ok).toBe(refundable);
          if (ok) refunded.add(a.position);
          break;
        }
        case "claim": {
          const credit = before.pending(a.who, a.token);
          const r = await send(w.as(a.who).claim(a.token));
          ok = !!r;
          expect(ok).toBe(credit > 0n);
          if (r) claimGas = r.fee;
          break;
        }
      }
      count(a.t, ok);

      // Invariants after every call.
      const after = await snapshotMoney();
      for (const t of [0, 1]) expect(after.hold[t]).toBe(owed(after, t));
      for (let i = 0; i < addresses.length; i++) {
        const isCaller = i === caller || (a.t === "batch" && i === 0);
        for (const t of [0, 1]) {
          if (!isCaller) expect(after.pending(i, t)).toBeGreaterThanOrEqual(before.pending(i, t));
        }
        if (!isCaller) {
          expect(after.eth[i]).toBe(before.eth[i]);
          expect(after.tok[i]).toBe(before.tok[i]);
        }
      }
      if (a.t === "claim" && ok) {
        const credit = before.pending(a.who, a.token);
        expect(after.pending(a.who, a.token)).toBe(0n);
        if (a.token === 1) expect(after.tok[a.who] - before.tok[a.who]).toBe(credit);
        if (a.token === 0) expect(after.eth[a.who] - before.eth[a.who] + claimGas).toBe(credit);
      }
      before = after;
    }

    // The end: exodus, then every account, deposit and credit leaves, and the contract is empty.
    if (!exodus) {
      await w.mine(EXODUS_BLOCKS + 1);
      if (state.queueNext < BigInt(queue.length)) {
        expect(await send(w.rollup.activateExodus())).toBeDefined();
        exodus = true;
      }
    }
    if (exodus) {
      for (const [i, acct] of state.accounts) {
        if (withdrawn.has(i)) continue;
        expect(await send(w.rollup.exodusWithdraw(Number(i), acct.ax, acct.ay, acct.balance, acct.nonce, state.tree.proof(i).siblings))).toBeDefined();
        withdrawn.add(i);
      }
      for (let p = Number(state.queueNext); p < queue.length; p++) {
        if (queue.at(p).kind === L1Kind.ForcedExit || refunded.has(p)) continue;
        expect(await send(w.rollup.exodusRefund(p))).toBeDefined();
        refunded.add(p);
      }
    }
    const end = await snapshotMoney();
    for (let i = 0; i < addresses.length; i++) {
      for (const t of [0, 1]) if (end.pending(i, t) > 0n) expect(await send(w.as(i).claim(t))).toBeDefined();
    }
    const final = await snapshotMoney();
    if (exodus) {
      expect(final.hold).toEqual([0n, 0n]);
    } else {
      // Without exodus (nothing queued waits), only the L2 balances stay behind.
      for (const t of [0, 1]) expect(final.hold[t]).toBe(owed(final, t));
    }
  } finally {
    await w.provider.send("evm_revert", [snap]);
  }
}

beforeAll(async () => {
  w = await startChain({ verifier: "mock", exodusBlocks: EXODUS_BLOCKS });
  // anvil mines each transaction at once: poll for receipts often.
  w.provider.pollingInterval = 5;
  verifier = new Contract(w.dep.addresses.verifier, ["function prove(uint256)"], w.signers[0]);
  users = w.signers.map((_, i) => user(`fuzz-${i}`));
  addresses = w.addr.slice(0, 6);
  for (const i of ACTORS) {
    await (await w.tokenAs(i).mint(w.addr[i], TOKEN_SUPPLY)).wait();
    await (await w.tokenAs(i).approve(w.dep.addresses.rollup, 2n ** 256n - 1n)).wait();
  }
});

afterAll(async () => {
  await w?.stop();
  const lines = [...stats].map(([k, s]) => `${k} ${s.ok}/${s.ok + s.reverted}`).join(", ");
  process.stderr.write(`  fuzz: ${calls} calls to the rollup; by kind (went through/sent): ${lines}\n`);
});

test(`fuzz: ${RUNS} runs of ${ACTIONS_PER_RUN} hostile and honest calls keep the contract solvent, every user's money their own, and the rollup live`, async () => {
  const runArb = fc.tuple(fc.array(action, { minLength: ACTIONS_PER_RUN, maxLength: ACTIONS_PER_RUN }), fc.integer({ min: ACTIONS_PER_RUN / 5, max: ACTIONS_PER_RUN / 2 }));
  await fc.assert(fc.asyncProperty(runArb, ([actions, stops]) => run(actions, stops)), {
    seed: SEED, numRuns: RUNS, endOnFailure: true,
  });
  const total = [...stats.values()].reduce((n, s) => n + s.ok + s.reverted, 0);
  expect(total).toBe(RUNS * ACTIONS_PER_RUN);
  expect(calls).toBeGreaterThan(total * 0.8); // all but the mined blocks are calls to the contract
  // Not vacuous: every kind of call went through some of the time, hostile batches never did.
  for (const kind of ["deposit", "depositToken", "topUp", "topUpToken", "forcedExit", "batch", "activateExodus", "exodusWithdraw", "exodusRefund", "claim"]) {
    expect(stats.get(kind)?.ok ?? 0).toBeGreaterThan(0);
  }
  expect(stats.get("hostileBatch")?.ok ?? 0).toBe(0);
});
