/**
 * `zkr setup --dev`: compile a rollup configuration and make insecure development keys for it
 * in seconds to minutes (cached by circuit), with a loud warning. Production keys come from
 * `zkr ceremony`.
 */
import type { Command } from "commander";
import { descriptionOf } from "./index.js";
import path from "node:path";
import { DEV_KEYS_WARNING, devKeys } from "../../circuits/devkeys.js";
import { int } from "./options.js";
import { progressBars } from "./progress.js";


export function registerSetup(program: Command): void {
  program
    .command("setup")
    .description(descriptionOf("setup"))
    .requiredOption("--txs <n>", "transactions per batch", int("txs"))
    .requiredOption("--depth <d>", "account-index bits of the state tree", int("depth"))
    .option("--dev", "insecure single-party setup for development and tests")
    .option("--force", "make new keys even when cached ones match the circuit")
    .action(async (o: { txs: number; depth: number; dev?: boolean; force?: boolean }) => {
      if (!o.dev) {
        throw new Error("zkr setup makes development keys only (--dev); production keys come from a multi-party 'zkr ceremony'");
      }
      console.error(DEV_KEYS_WARNING);
      const bars = progressBars();
      const keys = await devKeys({ txs: o.txs, depth: o.depth }, { log: (l) => bars.log(`setup  ${l}`), progress: bars.progress, force: o.force }).finally(() => bars.stop());
      const rel = (f: string) => path.relative(process.cwd(), f);
      console.log(`proving key:       ${rel(keys.zkey)}`);
      console.log(`verification key:  ${rel(keys.vkey)}`);
      console.log(`Solidity verifier: ${rel(keys.verifier)}`);
      console.log(`powers of tau:     ${rel(keys.ptau)} (2^${keys.power})`);
      console.error(DEV_KEYS_WARNING);
    });
}
