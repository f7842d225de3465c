#!/usr/bin/env node
// Entry of the `zkr` command.
// - Without a command — `zkr`, `zkr --help`, `zkr --version`, a typo — the answer comes from the
//   command list alone (scripts/commands/commands.json), with no TypeScript loaded.
// - A named command runs compiled from build/js (scripts/build-js.mjs, run by `npm install`) while
//   that build is newer than every source file, so it starts without the TypeScript loader; an
//   edited source (or no build) runs from source through tsx instead, never stale code.
//   ZKR_CLI_TRACE=1 says which on stderr.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { SOURCE_DIRS } from "../scripts/build-js.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const read = (rel) => JSON.parse(readFileSync(root + rel, "utf8"));
const commands = read("scripts/commands/commands.json");
const args = process.argv.slice(2);
const named = args[0] === "help" ? args[1] : args.find((a) => !a.startsWith("-"));

/** Whether build/js is newer than every file it was compiled from (the folders scripts/build-js.mjs reads). */
function compiledIsFresh() {
  let builtAt;
  try {
    builtAt = read("build/js/stamp.json").builtAt;
  } catch {
    return false;
  }
  const newer = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.name.startsWith(".") || e.name === "node_modules" || e.name === "results") continue;
      const p = `${dir}/${e.name}`;
      if (e.isDirectory() ? newer(p) : /\.(ts|mjs|json)$/.test(e.name) && statSync(p).mtimeMs > builtAt) return true;
    }
    return false;
  };
  return !SOURCE_DIRS.some((d) => newer(root + d));
}

if (named !== undefined && Object.hasOwn(commands, named)) {
  if (compiledIsFresh()) {
    if (process.env.ZKR_CLI_TRACE) process.stderr.write(`zkr: running build/js (${performance.now().toFixed(0)} ms after start)\n`);
    await import("../build/js/scripts/zkr.js");
  } else {
    if (process.env.ZKR_CLI_TRACE) process.stderr.write("zkr: running the sources through tsx\n");
    const { register } = await import("tsx/esm/api");
    register();
    await import("../scripts/zkr.ts");
  }
} else {
  const { Command } = await import("commander");
  const pkg = read("package.json");
  const program = new Command().name("zkr").description(pkg.description).version(pkg.version).showHelpAfterError().configureHelp({ sortSubcommands: true });
  for (const [name, description] of Object.entries(commands)) program.command(name).description(description);
  program.parse(process.argv);
}
