// The CLI runs compiled (build/js, scripts/build-js.mjs) while that build is newer than every
// source, and from source through tsx as soon as one is edited: never stale code.
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { ROOT } from "../core/paths.js";

const run = (...args: string[]) => promisify(execFile)(process.execPath, args, { cwd: ROOT, env: { ...process.env, ZKR_CLI_TRACE: "1" } });

test("a fresh build runs compiled; an edited source runs from source; the answers are the same", async () => {
  await run("scripts/build-js.mjs");
  const stamp = JSON.parse(fs.readFileSync(path.join(ROOT, "build", "js", "stamp.json"), "utf8")) as { files: number };
  expect(stamp.files).toBeGreaterThan(100);
  const compiled = await run("bin/zkr.js", "proofs", "list", "--help");
  expect(compiled.stderr).toContain("zkr: running build/js");
  expect(compiled.stdout).toContain("Usage: zkr proofs list");

  // A source newer than the build (its content unchanged: only what the CLI checks moves).
  const source = path.join(ROOT, "scripts", "commands", "proofs.ts");
  const { atime, mtime } = fs.statSync(source);
  const later = new Date(Date.now() + 60_000);
  fs.utimesSync(source, later, later);
  try {
    const fromSource = await run("bin/zkr.js", "proofs", "list", "--help");
    expect(fromSource.stderr).toContain("zkr: running the sources through tsx");
    expect(fromSource.stdout).toBe(compiled.stdout);
  } finally {
    fs.utimesSync(source, atime, mtime);
    await run("scripts/build-js.mjs");
  }
  expect((await run("bin/zkr.js", "proofs", "list", "--help")).stderr).toContain("zkr: running build/js");
}, 120_000);
