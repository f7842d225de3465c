// The devnet's ERC-20 and the wallet library's token calls on it, on anvil (no sequencer): a fresh
// devnet (contracts/devnet.ts) registers zUSD (contracts/devnet-token.ts) as token 1, mints it to
// anvil's development accounts 0–9 and records it in deployment.json; ZkrWallet.tokens reads the
// registered tokens from L1; depositToken approves exactly the amount and creates an account of
// the token; topUpToken adds to it. Refusals happen before anything is sent (the L1 nonce does not
// move): more than the L1 token balance, no ETH for the creation fee, an unknown token, the wrong
// account's token.

import fs from "node:fs";
import { Contract, ZeroAddress, type JsonRpcProvider } from "ethers";
import { launchDevnet, type LaunchedDevnet } from "../contracts/devnet.js";
import { rollupAt } from "../contracts/deploy.js";
import { devnetProvider } from "../contracts/provider.js";
import { DEVNET_TOKEN } from "../contracts/devnet-token.js";
import { ETH_TOKEN, WalletError, ZkrWallet, devnetAccountKey } from "../sequencer/wallet-core.js";
import { randomPrivateKey } from "../sequencer/model/keys.js";
import { user } from "../bench/fixtures/scenario.js";
import { tmpDir } from "./helpers/sequencer.js";

const log = (l: string) => process.stderr.write(`  ${l}\n`);
const ERC20 = ["function balanceOf(address) view returns (uint256)", "function allowance(address,address) view returns (uint256)", "function mint(address,uint256)", "function approve(address,uint256) returns (bool)"];
/** One zUSD in units (6 decimals). */
const USD = 10n ** 6n;

let dir: string;
let devnet: LaunchedDevnet;
let provider: JsonRpcProvider;
let rollup: string;
let token: Contract;
let alice: ZkrWallet;
/** alice's zUSD account. */
let aliceToken: bigint;

const walletOf = (name: string, l1Key: string) => new ZkrWallet({ version: 1, l2Key: Buffer.from(user(name).sk).toString("hex"), l1Key }, provider);

/** Expects `p` to reject with a WalletError matching `message`, and the wallet's L1 nonce not to move. */
async function refusedBeforeSending(w: ZkrWallet, p: () => Promise<unknown>, message: RegExp): Promise<void> {
  const nonce = await provider.getTransactionCount(w.l1.address);
  const err = await p().then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(WalletError);
  expect((err as Error).message).toMatch(message);
  expect(await provider.getTransactionCount(w.l1.address)).toBe(nonce);
}

beforeAll(async () => {
  dir = tmpDir("zkr-tokens-");
  devnet = await launchDevnet({ txs: 4, depth: 8, port: 0, out: dir, log });
  provider = devnetProvider(devnet.deployment.rpcUrl);
  rollup = devnet.deployment.addresses.rollup;
  token = new Contract(devnet.deployment.tokens![0].address, ERC20, await provider.getSigner(0));
  alice = walletOf("alice", devnetAccountKey(1));
});

afterAll(async () => {
  provider?.destroy();
  await devnet?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test("a fresh devnet registers zUSD as token 1, mints it to anvil's accounts 0–9 and records it in deployment.json", async () => {
  const [t] = devnet.deployment.tokens!;
  expect(devnet.deployment.tokens).toEqual([{ id: 1, address: expect.stringMatching(/^0x[0-9a-fA-F]{40}$/), symbol: "zUSD", decimals: 6 }]);
  expect(JSON.parse(fs.readFileSync(devnet.file, "utf8")).tokens).toEqual(devnet.deployment.tokens);
  const r = rollupAt(rollup, provider);
  expect(await r.tokenCount()).toBe(2n);
  expect(await r.tokenAddress(1)).toBe(t.address);
  const accounts = (await provider.send("eth_accounts", [])) as string[];
  expect(accounts).toHaveLength(10);
  for (const a of accounts) expect(await token.balanceOf(a)).toBe(DEVNET_TOKEN.mint);
  expect(DEVNET_TOKEN.mint).toBe(1_000_000n * USD);
  // The library reads the same from L1: ETH is token 0.
  expect(await alice.tokens(rollup)).toEqual([ETH_TOKEN, { id: 1n, address: t.address, symbol: "zUSD", decimals: 6 }]);
  expect(ETH_TOKEN).toEqual({ id: 0n, address: ZeroAddress, symbol: "ETH", decimals: 18, unit: "wei" });
});

test("depositToken approves exactly the amount and creates an account of token 1 with it; topUpToken adds to it", async () => {
  const r = rollupAt(rollup, provider);
  const before = { token: await token.balanceOf(alice.l1.address), index: await r.nextAccountIndex() };
  const d = await alice.depositToken(rollup, 1n, 12n * USD + USD / 2n);
  expect(d).toEqual({ index: before.index, txHash: expect.stringMatching(/^0x[0-9a-f]{64}$/), block: expect.any(Number), createFee: await r.createFee(), amount: 12n * USD + USD / 2n });
  aliceToken = d.index;
  expect(await r.accounts(d.index)).toEqual([alice.l1.address, 1n]);
  expect(await token.balanceOf(alice.l1.address)).toBe(before.token - 12n * USD - USD / 2n);
  // Exactly the amount was approved, and the deposit used it all.
  expect(await token.allowance(alice.l1.address, rollup)).toBe(0n);
  const queued = (await r.queryFilter(r.filters.L1Request(), d.block, d.block)).at(-1)!;
  expect(queued.args.tokenId).toBe(1n);
  expect(queued.args.amount).toBe(12n * USD + USD / 2n);
  expect(queued.args.accountIndex).toBe(d.index);

  // An allowance that covers the amount already is used as it is (no approve sent).
  await (await (token.connect(alice.l1) as Contract).approve(rollup, 5n * USD)).wait();
  const nonce = await provider.getTransactionCount(alice.l1.address);
  const top = await alice.topUpToken(rollup, d.index, 2n * USD);
  expect(top).toMatch(/^0x[0-9a-f]{64}$/);
  expect(await provider.getTransactionCount(alice.l1.address)).toBe(nonce + 1);
  expect(await token.allowance(alice.l1.address, rollup)).toBe(3n * USD);
  const last = (await r.queryFilter(r.filters.L1Request())).at(-1)!;
  expect([last.args.kind, last.args.accountIndex, last.args.tokenId, last.args.amount]).toEqual([2n, d.index, 1n, 2n * USD]);
});

test("refusals come before anything is sent: more than the L1 balance, no ETH for the fee, an unknown token, an unknown account, nothing", async () => {
  const have = await token.balanceOf(alice.l1.address);
  expect(have).toBe(1_000_000n * USD - 14n * USD - USD / 2n);
  await refusedBeforeSending(alice, () => alice.depositToken(rollup, 1n, have + 1n),
    new RegExp(`^deposit: an L1 balance of at least 999985\\.500001 zUSD \\(999985500001 units\\) expected, ${alice.l1.address} holds 999985\\.5 zUSD \\(999985500000 units\\)$`));
  await refusedBeforeSending(alice, () => alice.depositToken(rollup, 2n, USD), /^deposit: token 2 is not registered on the rollup \(it has tokens 0–1; 0 is ETH\)$/);
  await refusedBeforeSending(alice, () => alice.depositToken(rollup, 1n, 1n << 128n), /^deposit: at most 340282366920938463463374607431768\.211455 zUSD \(340282366920938463463374607431768211455 units\) expected \(balances stay below 2\^128 units\), got 340282366920938463463374607431768\.211456 zUSD$/);
  await refusedBeforeSending(alice, () => alice.depositToken(rollup, 1n, -1n), /^deposit: a non-negative amount expected, got -0\.000001 zUSD \(-1 units\)$/);
  // A fresh L1 key holding zUSD but no ETH cannot pay the creation fee.
  const poor = walletOf("poor", "0x" + Buffer.from(randomPrivateKey()).toString("hex"));
  await (await token.mint(poor.l1.address, 10n * USD)).wait();
  await refusedBeforeSending(poor, () => poor.depositToken(rollup, 1n, USD), /^deposit: an L1 balance of at least 0\.001 ETH \(1000000000000000 wei\) expected for the account creation fee \(before gas\), 0x[0-9a-fA-F]{40} holds 0\.0 ETH \(0 wei\)$/);
  await refusedBeforeSending(alice, () => alice.topUpToken(rollup, 200n, USD), /^top-up: account 200 does not exist on the rollup \(it has accounts 0–\d+\)$/);
  await refusedBeforeSending(alice, () => alice.topUpToken(rollup, aliceToken, 0n), /^top-up: a positive amount expected, got 0\.0 zUSD \(0 units\)$/);
  await refusedBeforeSending(alice, () => alice.topUpToken(rollup, aliceToken, have + 1n), /^top-up: an L1 balance of at least 999985\.500001 zUSD \(999985500001 units\) expected, 0x[0-9a-fA-F]{40} holds 999985\.5 zUSD/);
});

test("token 0 is ETH: depositToken and topUpToken take it as deposit and topUp do", async () => {
  const r = rollupAt(rollup, provider);
  const d = await alice.depositToken(rollup, 0n, 10n ** 15n);
  expect(d.amount).toBe(10n ** 15n);
  expect(await r.accounts(d.index)).toEqual([alice.l1.address, 0n]);
  await alice.topUpToken(rollup, d.index, 7n);
  const last = (await r.queryFilter(r.filters.L1Request())).at(-1)!;
  expect([last.args.kind, last.args.accountIndex, last.args.tokenId, last.args.amount]).toEqual([2n, d.index, 0n, 7n]);
  const poor = walletOf("poor2", "0x" + Buffer.from(randomPrivateKey()).toString("hex"));
  await refusedBeforeSending(poor, () => poor.depositToken(rollup, 0n, 1n), /^deposit: an L1 balance of at least 0\.001000000000000001 ETH/);
  await refusedBeforeSending(poor, () => poor.topUpToken(rollup, d.index, 1n), /^top-up: an L1 balance of at least 0\.000000000000000001 ETH \(1 wei\) expected/);
});
