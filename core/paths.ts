/**
 * Where zkr's checkout is: every file path of the repository is built from here. This file runs
 * from `core/` or, compiled, from `build/js/core/` (scripts/build-js.mjs): the root is the nearest
 * folder above it that holds zkr's package.json.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

function findRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, "package.json");
    if (fs.existsSync(pkg) && (JSON.parse(fs.readFileSync(pkg, "utf8")) as { name?: string }).name === "zkr") return dir;
    if (path.dirname(dir) === dir) throw new Error(`zkr's package.json not found above ${from}`);
  }
}

/** The repository root. */
export const ROOT = findRoot(path.dirname(fileURLToPath(import.meta.url)));
