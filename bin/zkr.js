#!/usr/bin/env node
// Entry of the `zkr` command. A named command registers the TypeScript loader and runs from source
// (scripts/zkr.ts loads only that command). Without one — `zkr`, `zkr --help`, `zkr --version`, a
// typo — the answer comes from the command list alone, with no TypeScript loaded, at once.
import { readFileSync } from "node:fs";

const read = (rel) => JSON.parse(readFileSync(new URL(rel, import.meta.url), "utf8"));
const commands = read("../scripts/commands/commands.json");
const args = process.argv.slice(2);
const named = args[0] === "help" ? args[1] : args.find((a) => !a.startsWith("-"));

if (named !== undefined && Object.hasOwn(commands, named)) {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../scripts/zkr.ts");
} else {
  const { Command } = await import("commander");
  const pkg = read("../package.json");
  const program = new Command().name("zkr").description(pkg.description).version(pkg.version).showHelpAfterError().configureHelp({ sortSubcommands: true });
  for (const [name, description] of Object.entries(commands)) program.command(name).description(description);
  program.parse(process.argv);
}
