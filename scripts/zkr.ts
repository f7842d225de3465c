/**
 * The `zkr` command line. Each command lives in its own file under `scripts/commands/` and
 * registers itself on the program here.
 */
import { Command } from "commander";
import { createRequire } from "node:module";
import { releaseSnarkjs } from "../circuits/witness.js";
import { ZkrError } from "../core/errors.js";
import { registerBench } from "./commands/bench.js";
import { registerCircuits } from "./commands/circuits.js";
import { registerCeremony } from "./commands/ceremony.js";
import { registerDemo } from "./commands/demo.js";
import { registerDevnet } from "./commands/devnet.js";
import { registerProofs } from "./commands/proofs.js";
import { registerProve } from "./commands/prove.js";
import { registerProver } from "./commands/prover.js";
import { registerSetup } from "./commands/setup.js";
import { registerSync } from "./commands/sync.js";
import { registerUp } from "./commands/up.js";
import { registerWallet } from "./commands/wallet.js";

const pkg = createRequire(import.meta.url)("../package.json") as { version: string; description: string };

const program = new Command()
  .name("zkr")
  .description(pkg.description)
  .version(pkg.version)
  .showHelpAfterError()
  .configureHelp({ sortSubcommands: true });

registerBench(program);
registerCircuits(program);
registerCeremony(program);
registerDemo(program);
registerDevnet(program);
registerProofs(program);
registerProve(program);
registerProver(program);
registerSetup(program);
registerSync(program);
registerUp(program);
registerWallet(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  // zkr's own errors carry their hints (metaMessages, details) in `message`; ethers's errors say it
  // best in `shortMessage`.
  const e = err as Error & { shortMessage?: string };
  console.error(`zkr: ${e instanceof ZkrError ? e.message : (e.shortMessage ?? e.message)}`);
  if (process.env.ZKR_DEBUG) console.error(e.stack);
  process.exitCode = 1;
} finally {
  // snarkjs keeps worker threads alive; a failed step must not leave the process hanging.
  await releaseSnarkjs();
}
