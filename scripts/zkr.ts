/**
 * The `zkr` command line. Each command lives in its own file under `scripts/commands/` and
 * registers itself on the program here; scripts/commands/index.ts lists them and loads only the one that runs.
 */
import { Command } from "commander";
import { createRequire } from "node:module";
import { ZkrError } from "../core/errors.js";
import { COMMANDS, type CommandEntry, type CommandName } from "./commands/index.js";
import { isSupervised, runSupervised, watchSupervisor } from "./supervise.js";

const pkg = createRequire(import.meta.url)("../package.json") as { version: string; description: string };

const program = new Command()
  .name("zkr")
  .description(pkg.description)
  .version(pkg.version)
  .showHelpAfterError()
  .configureHelp({ sortSubcommands: true });

// Only the command that runs is loaded (`zkr help X` loads X). With none named (`zkr`, `zkr
// --help`, a typo) each command is listed by its description alone, without loading its code.
const args = process.argv.slice(2);
const named = args[0] === "help" ? args[1] : args.find((a) => !a.startsWith("-"));
const isCommand = (n: string | undefined): n is CommandName => n !== undefined && Object.hasOwn(COMMANDS, n);

if (isCommand(named) && (COMMANDS[named] as CommandEntry).supervised && !isSupervised()) {
  // A long command runs in a child that this process stops on SIGINT/SIGTERM (scripts/supervise.ts).
  process.exitCode = await runSupervised(named);
} else {
  if (isSupervised()) watchSupervisor();
  await run();
}

async function run(): Promise<void> {
  if (isCommand(named)) {
    (await COMMANDS[named].load())(program);
  } else {
    for (const [name, c] of Object.entries(COMMANDS)) program.command(name).description(c.description);
  }
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
    if (isCommand(named)) await (await import("../circuits/witness.js")).releaseSnarkjs();
  }
}
