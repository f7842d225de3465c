/**
 * `zkr setup --dev`: insecure development keys in seconds to minutes, with a loud warning, for a
 * rollup configuration (compiled, and the keys cached by circuit) or for any circuit's `.r1cs`
 * (`--r1cs`, a circuit compiled with plain circom). Production keys come from `zkr ceremony`.
 */
import type { Command } from "commander";
import { descriptionOf } from "./index.js";
import path from "node:path";
import { int } from "./options.js";

interface SetupOptions {
  txs?: number;
  depth?: number;
  r1cs?: string;
  out?: string;
  dev?: boolean;
  force?: boolean;
}

export function registerSetup(program: Command): void {
  program
    .command("setup")
    .description(descriptionOf("setup"))
    .option("--txs <n>", "rollup: transactions per batch", int("txs"))
    .option("--depth <d>", "rollup: account-index bits of the state tree", int("depth"))
    .option("--r1cs <file>", "any circuit instead: its .r1cs (circom --r1cs); keys named after it")
    .option("--out <dir>", "with --r1cs: where the keys go (default: the .r1cs's folder)")
    .option("--dev", "insecure single-party setup for development and tests")
    .option("--force", "rollup: make new keys even when cached ones match the circuit; --r1cs: replace existing files")
    .action(async (o: SetupOptions) => {
      if (!o.dev) {
        throw new Error("zkr setup makes development keys only (--dev); production keys come from a multi-party 'zkr ceremony'");
      }
      const rollup = o.txs !== undefined || o.depth !== undefined;
      if (o.r1cs !== undefined && rollup) throw new Error("setup: either --r1cs or --txs with --depth, not both");
      if (o.r1cs === undefined && (o.txs === undefined || o.depth === undefined)) {
        throw new Error("setup: --r1cs <file>, or --txs <n> with --depth <d> (the rollup), expected");
      }
      if (o.out !== undefined && o.r1cs === undefined) throw new Error("setup: --out goes with --r1cs (the rollup's keys go to build/keys/dev)");
      const [{ DEV_KEYS_WARNING, devKeys, devKeysForR1cs }, { progressBars }] = await Promise.all([import("../../circuits/devkeys.js"), import("./progress.js")]);
      const rel = (f: string) => path.relative(process.cwd(), f) || ".";
      console.error(DEV_KEYS_WARNING);
      const bars = progressBars();
      const keys = await (o.r1cs !== undefined
        ? devKeysForR1cs(o.r1cs, { outDir: o.out, force: o.force, log: (l) => bars.log(`setup  ${l}`), progress: bars.progress })
        : devKeys({ txs: o.txs!, depth: o.depth! }, { log: (l) => bars.log(`setup  ${l}`), progress: bars.progress, force: o.force })
      ).finally(() => bars.stop());
      console.log(`proving key:       ${rel(keys.zkey)}`);
      console.log(`verification key:  ${rel(keys.vkey)}`);
      console.log(`Solidity verifier: ${rel(keys.verifier)}`);
      console.log(`powers of tau:     ${rel(keys.ptau)} (2^${keys.power})`);
      console.error(DEV_KEYS_WARNING);
    });
}
