/**
 * The `zkr` command line. Each command lives in its own file under `scripts/commands/` and
 * registers itself on the program here; scripts/commands/index.ts lists them and loads only the one that runs.
 */
import { Command } from "commander";
import fs from "node:fs";
import path from "node:path";
import { ROOT } from "../core/paths.js";
import { ZkrError } from "../core/errors.js";
import { COMMANDS, type CommandEntry, type CommandName } from "./commands/index.js";
import { exitOnSignals, isSupervised, runSupervised, watchSupervisor } from "./supervise.js";

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string; description: string };

const program = new Command()
  .name("zkr")
  .description(pkg.description)
  .version(pkg.version)
  .showHelpAfterError()
  .configureHelp({ sortSubcommands: true });

// Only the command that runs is loaded (`zkr help X` loads X). Without one, bin/zkr.js answers
// from the command list and this file is not loaded at all.
const args = process.argv.slice(2);
const named = args[0] === "help" ? args[1] : args.find((a) => !a.startsWith("-"));
const isCommand = (n: string | undefined): n is CommandName => n !== undefined && Object.hasOwn(COMMANDS, n);
if (!isCommand(named)) throw new Error(`scripts/zkr.ts: a command expected (bin/zkr.js answers without one), got ${JSON.stringify(named)}`);

// Help is only printed: no child for it.
const wantsHelp = args[0] === "help" || args.some((a) => a === "-h" || a === "--help");
const supervised = (COMMANDS[named] as CommandEntry).supervised;
if (supervised && !isSupervised() && !wantsHelp && (supervised === true || (await supervised(args)))) {
  // A long command runs in a child that this process stops on SIGINT/SIGTERM (scripts/supervise.ts).
  process.exitCode = await runSupervised(named);
} else {
  if (isSupervised()) watchSupervisor();
  else if (supervised && !wantsHelp) exitOnSignals(named);
  await run(named);
}

async function run(name: CommandName): Promise<void> {
  (await COMMANDS[name].load())(program);
  try {
    await program.parseAsync(process.argv);
  } catch (err) {
    // zkr's own errors carry their hints (metaMessages, details) in `message`; ethers's errors say it
    // best in `shortMessage`.
    const e = err as Error & { shortMessage?: string };
    const revert = (e as { code?: string }).code === "CALL_EXCEPTION" ? (await import("../contracts/errors.js")).decodeRevert(e) : undefined;
    console.error(`zkr: ${revert ? `the contract refused: ${revert}` : e instanceof ZkrError ? e.message : (e.shortMessage ?? e.message)}`);
    if (process.env.ZKR_DEBUG) console.error(e.stack);
    process.exitCode = 1;
  } finally {
    // snarkjs keeps worker threads alive; a failed step must not leave the process hanging.
    await (await import("../circuits/witness.js")).releaseSnarkjs();
  }
}
