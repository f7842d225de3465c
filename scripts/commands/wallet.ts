/**
 * `zkr wallet`: a user's wallet against a running devnet (`zkr up`). The keys live in one file
 * readable by its owner only (0600): a BabyJubJub key for L2 and an Ethereum key for L1, by
 * default one of anvil's funded development accounts.
 *
 *   zkr wallet create [--l1-account 1]     new L2 key, L1 key of anvil account 1
 *   zkr wallet create --l1-key-file k.hex  … or the L1 key in a file of mode 0600 (or ZKR_L1_KEY);
 *                                          never on the command line, where others can read it
 *   zkr wallet deposit 1.5                 L1: deposit 1.5 ETH into a new L2 account
 *   zkr wallet deposit 100 --token zUSD    … or a registered ERC-20 (by symbol or id) into a new
 *                                          account of that token (approving exactly the amount)
 *   zkr wallet transfer --to 3 0.25        L2: signed transfer, sent to the sequencer; its fee is
 *                                          the sequencer's minimum (/info) unless --fee says more,
 *                                          stated before signing; amounts in the account's token
 *   zkr wallet withdraw 0.1                L2: signed withdrawal (the same fee)
 *   zkr wallet claim [--token zUSD]        L1: collect verified withdrawals (of ETH by default)
 *   zkr wallet exit                        L1: forced exit of the whole balance
 *   zkr wallet balance                     L2 accounts in their tokens, L1 balances, claimable
 *   zkr wallet status <tx hash>            a transaction's stage
 */
import type { Command } from "commander";
import { descriptionOf } from "./index.js";
import os from "node:os";
import path from "node:path";
import { DEVNET_DIR, DEPLOYMENT_FILE } from "../../contracts/devnet-files.js";
import { int } from "./options.js";
import type { Common, InToken } from "./wallet-actions.js";

/** What each subcommand does (./wallet-actions.ts), loaded when one runs: `--help` loads neither ethers nor the wallet. */
const actions = () => import("./wallet-actions.js");

const DEFAULT_WALLET = process.env.ZKR_WALLET ?? path.join(os.homedir(), ".zkr", "wallet.json");


function common(c: Command): Command {
  return c
    .option("--wallet <file>", "wallet file (0600)", DEFAULT_WALLET)
    .option("--deployment <file>", "the devnet's deployment.json", path.join(DEVNET_DIR, DEPLOYMENT_FILE))
    .option("--api <url>", "the sequencer's API (default: from zkr up's sequencer.json)");
}

export function registerWallet(program: Command): void {
  const wallet = program.command("wallet").description(descriptionOf("wallet"));

  common(wallet.command("create").description("make a new wallet file (0600): a fresh L2 key and a funded devnet L1 key"))
    .option("--l1-account <n>", "anvil development account for L1 (0 is the operator)", int("l1-account"), 1)
    .option("--l1-key-file <file>", "a file (mode 0600) holding an Ethereum private key, instead of a development account; or set ZKR_L1_KEY")
    .action(async (o: Common & { l1Account: number; l1KeyFile?: string }) => (await actions()).create(o));

  common(wallet.command("deposit").description("L1: deposit ETH or a registered ERC-20 into a new L2 account, and wait until the sequencer has made it").argument("<amount>", "amount in ETH, or in the token of --token"))
    .option("--token <id|symbol>", "a registered ERC-20 (zUSD on the devnet) instead of ETH; its allowance is set to the amount")
    .option("--no-wait", "return once the L1 transaction is mined, before the account exists on L2")
    .action(async (amount: string, o: Common & InToken & { wait: boolean }) => (await actions()).deposit(amount, o));

  common(wallet.command("transfer").description("L2: send an account's token to another account of that token").argument("<amount>", "amount in the sending account's token"))
    .requiredOption("--to <index>", "receiving account")
    .option("--from <index>", "sending account (default: the wallet's first)")
    .option("--fee <amount>", "fee to the operator's fee account, in the account's token (default: the sequencer's minimum)")
    .action(async (amount: string, o: Common & { to: string; fee?: string }) => (await actions()).transfer(amount, o));

  common(wallet.command("withdraw").description("L2: withdraw to the account's L1 address (then 'claim')").argument("<amount>", "amount in the account's token"))
    .option("--from <index>", "account (default: the wallet's first)")
    .option("--fee <amount>", "fee to the operator's fee account, in the account's token (default: the sequencer's minimum)")
    .action(async (amount: string, o: Common & { fee?: string }) => (await actions()).withdraw(amount, o));

  common(wallet.command("claim").description("L1: collect the withdrawals verified batches credited"))
    .option("--token <id|symbol>", "a registered ERC-20's withdrawals instead of ETH's")
    .action(async (o: Common & InToken) => (await actions()).claim(o));

  common(wallet.command("exit").description("L1: force the exit of an account's whole balance (when the operator ignores withdrawals)"))
    .option("--from <index>", "account (default: the wallet's first)")
    .action(async (o: Common) => (await actions()).exitAccount(o));

  common(wallet.command("balance").description("the wallet's L2 accounts in their tokens, L1 balances and claimable withdrawals"))
    .action(async (o: Common) => (await actions()).balance(o));

  common(wallet.command("status").description("a transaction's stage: pending → in batch → proving → proven → submitted → verified").argument("<hash>", "transaction hash"))
    .option("--wait", "follow it, a line per stage, until it is verified on L1 (or dropped)")
    .action(async (hash: string, o: Common & { wait?: boolean }) => (await actions()).status(hash, o));
}
