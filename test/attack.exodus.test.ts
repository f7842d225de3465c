// Attacks on the exodus path (docs/SECURITY.md "Exodus"), on anvil with the real contract; the
// batches before exodus go through MockVerifier (the contract's logic is under attack, not Groth16).
//
// 1. Refund in the wrong token: the queue packs kind + 4·index + 2^26·tokenId into one field, so an
//    exodusRefund that took (index + 2^24·j, tokenId − j) from the caller hashed like the real entry
//    and paid a worthless token's deposit out as ETH.
// 2. Amounts ≥ r: the Poseidon contract reduces mod r, so balance + r or amount + r passed the
//    Merkle or queue check and credited what the contract can never pay, freezing the account's
//    exodus money for good (a front-runner could do it to everyone).
// Each is tried as the attacker would (the old calls are sent as raw calldata); the invariant is
// that every user claims exactly their own money and the contract ends empty.

import { Interface } from "ethers";
import { TxType } from "../sequencer/model/constants.js";
import { SNARK_FIELD } from "../sequencer/model/constants.js";
import { startChain, type ChainWorld } from "./helpers/chain.js";
import { user } from "../bench/fixtures/scenario.js";

const ETH = 10n ** 18n;
const EXODUS_BLOCKS = 20;
const [alice, mallory] = ["alice", "mallory"].map(user);
const ALICE = 1;
const MALLORY = 2;
const BYSTANDER = 3;

/** The exodusRefund every caller could fill in before: the queue entry's fields, unchecked. */
const oldRefund = new Interface(["function exodusRefund(uint32 position, uint8 kind, uint32 index, uint32 tokenId, address ethAddr, uint256 amount, uint256 ax, uint256 ay)"]);

let w: ChainWorld;

/** Sends raw calldata to the rollup as signer `i`; resolves to whether it went through. */
async function rawCall(i: number, data: string): Promise<boolean> {
  try {
    await (await w.signers[i].sendTransaction({ to: w.dep.addresses.rollup, data, gasLimit: 1_000_000n })).wait();
    return true;
  } catch {
    return false;
  }
}

/** The contract's holdings of ETH and of the token against what is claimable in each. */
async function solvent(addrs: string[]): Promise<void> {
  const rollupAddr = w.dep.addresses.rollup;
  for (const [token, holdings] of [[0, await w.provider.getBalance(rollupAddr)], [1, (await w.token.balanceOf(rollupAddr)) as bigint]] as const) {
    let claimable = 0n;
    for (const a of addrs) claimable += await w.rollup.pending(a, token);
    expect(holdings).toBeGreaterThanOrEqual(claimable);
  }
}

beforeAll(async () => {
  w = await startChain({ verifier: "mock", exodusBlocks: EXODUS_BLOCKS });
});

afterAll(async () => {
  await w?.stop();
});

test("exodus: a worthless token's deposit cannot be refunded as ETH, no amount can pass as amount + r, and every user gets exactly their own money", async () => {
  const fee = w.dep.createFee;
  // alice's account is created and verified; mallory then deposits 10e18 of a token anyone can mint,
  // and bob (the bystander) 10 ETH; the operator stops.
  await (await w.as(ALICE).deposit(alice.pk[0], alice.pk[1], { value: 3n * ETH + fee })).wait();
  await w.submit([{ type: TxType.Deposit, index: 0n }]);
  await (await w.tokenAs(MALLORY).mint(w.addr[MALLORY], 10n * ETH)).wait();
  await (await w.tokenAs(MALLORY).approve(w.dep.addresses.rollup, 10n * ETH)).wait();
  await (await w.as(MALLORY).depositToken(1, 10n * ETH, mallory.pk[0], mallory.pk[1], { value: fee })).wait();
  await (await w.as(BYSTANDER).deposit(alice.pk[0], alice.pk[1], { value: 10n * ETH + fee })).wait();
  await w.syncQueue();
  await w.mine(EXODUS_BLOCKS + 1);
  await (await w.rollup.activateExodus()).wait();
  const everyone = w.addr;

  // Finding 1: the aliased entry (index + 2^24, tokenId − 1) hashes like mallory's (position 1).
  const aliased = oldRefund.encodeFunctionData("exodusRefund", [1, 1, 1n + (1n << 24n), 0, w.addr[MALLORY], 10n * ETH, mallory.pk[0], mallory.pk[1]]);
  expect(await rawCall(MALLORY, aliased)).toBe(false);
  // Finding 2: the same entry with amount + r.
  const plusR = oldRefund.encodeFunctionData("exodusRefund", [2, 1, 2, 0, w.addr[BYSTANDER], 10n * ETH + SNARK_FIELD, alice.pk[0], alice.pk[1]]);
  expect(await rawCall(MALLORY, plusR)).toBe(false);
  expect(await w.rollup.pending(w.addr[MALLORY], 0)).toBe(0n);
  expect(await w.rollup.exodusRefunded(2)).toBe(false);

  // Finding 2 in exodusWithdraw: alice's balance + r passes the Merkle check of a reducing hash.
  const a = w.state.account(0n)!;
  const siblings = w.state.tree.proof(0n).siblings;
  expect(await w.revert(w.as(MALLORY).exodusWithdraw(0, a.ax, a.ay, a.balance + SNARK_FIELD, a.nonce, siblings))).toBe("AmountTooLarge");
  expect(await w.revert(w.as(MALLORY).exodusWithdraw(0, a.ax + SNARK_FIELD, a.ay, a.balance, a.nonce, siblings))).toBe("NotAFieldElement");
  expect(await w.revert(w.as(MALLORY).exodusWithdraw(0, a.ax, a.ay, a.balance, a.nonce + (1n << 40n), siblings))).toBe("NonceTooLarge");
  const aliasedSibling = siblings.map((s) => [...s] as [bigint, bigint, bigint]);
  aliasedSibling[0][1] += SNARK_FIELD;
  expect(await w.revert(w.as(MALLORY).exodusWithdraw(0, a.ax, a.ay, a.balance, a.nonce, aliasedSibling))).toBe("NotAFieldElement");
  expect(await w.rollup.exodusWithdrawn(0)).toBe(false);
  await solvent(everyone);

  // Anyone may trigger the honest refunds and withdrawal: each pays its own owner, as stored.
  await (await w.as(MALLORY).exodusRefund(1)).wait();
  await (await w.as(MALLORY).exodusRefund(2)).wait();
  await (await w.as(MALLORY).exodusWithdraw(0, a.ax, a.ay, a.balance, a.nonce, siblings)).wait();
  expect(await w.revert(w.as(MALLORY).exodusRefund(1))).toBe("AlreadyRefunded");
  expect(await w.revert(w.as(MALLORY).exodusRefund(0))).toBe("AlreadyConsumed");
  expect(await w.rollup.pending(w.addr[MALLORY], 0)).toBe(fee); // her own creation fee, in ETH
  expect(await w.rollup.pending(w.addr[MALLORY], 1)).toBe(10n * ETH); // her deposit, in her token
  expect(await w.rollup.pending(w.addr[BYSTANDER], 0)).toBe(10n * ETH + fee);
  expect(await w.rollup.pending(w.addr[ALICE], 0)).toBe(3n * ETH);
  await solvent(everyone);

  // Everyone claims; the contract ends empty in both tokens (the operator's fee for alice's create included).
  const ethBefore = await Promise.all(everyone.map((x) => w.provider.getBalance(x)));
  for (const i of [0, ALICE, MALLORY, BYSTANDER]) {
    const r = (await (await w.as(i).claim(0)).wait())!;
    const got = (await w.provider.getBalance(everyone[i])) - ethBefore[i] + r.fee;
    expect(got).toBe({ 0: fee, [ALICE]: 3n * ETH, [MALLORY]: fee, [BYSTANDER]: 10n * ETH + fee }[i]);
  }
  await (await w.as(MALLORY).claim(1)).wait();
  expect(await w.token.balanceOf(w.addr[MALLORY])).toBe(10n * ETH);
  expect(await w.provider.getBalance(w.dep.addresses.rollup)).toBe(0n);
  expect(await w.token.balanceOf(w.dep.addresses.rollup)).toBe(0n);
});
