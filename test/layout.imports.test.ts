// The folder graph of README.md ("Layout"), enforced: every relative import (static, dynamic,
// re-export, `new URL(…, import.meta.url)` of a worker file, require) is parsed from the sources
// on disk and its arrow checked against the allowed one. A new arrow means a decision: change the
// README's graph and this table together, or move the code.

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** The layers, lowest first; each may import itself and what its list names. */
const ALLOWED: Record<string, readonly string[]> = {
  core: [],
  "sequencer/model": ["core"],
  circuits: ["core"],
  prover: ["core", "circuits"],
  contracts: ["core", "sequencer/model", "circuits"],
  sequencer: ["core", "sequencer/model", "contracts"],
  bench: ["core", "sequencer/model", "circuits", "prover", "contracts", "sequencer"],
  // The browser pages: the shared prover and core (the prover page, scripts/web/bundle.ts), and the
  // model, the wallet library, the API's client and types and the contract bindings (the app,
  // scripts/web/app.ts), bundled for the browser.
  web: ["core", "sequencer/model", "contracts", "sequencer", "prover"],
  scripts: ["core", "sequencer/model", "circuits", "prover", "contracts", "sequencer", "bench"],
  bin: ["scripts"],
  types: [],
  test: ["*"],
};

const SKIP_DIRS = new Set(["node_modules", "build", ".git", "types-generated"]);
const SOURCE = /\.(ts|tsx|mts|cts|js|mjs|cjs)$/;

/** The layer a repository path belongs to, or null for files outside every layer (config files). */
export function layerOf(rel: string): string | null {
  const parts = rel.split(path.sep).join("/").split("/");
  if (parts[0] === "sequencer" && parts[1] === "model") return "sequencer/model";
  return parts.length > 1 && parts[0] in ALLOWED ? parts[0] : null;
}

/** Relative specifiers a source file imports, with their line numbers. */
export function importsOf(src: string): Array<{ spec: string; line: number }> {
  const out: Array<{ spec: string; line: number }> = [];
  const patterns = [
    /(?:^|[\s;}])(?:import|export)\s[^'"`;]*?\sfrom\s*["']([^"']+)["']/g, // import … from, export … from
    /(?:^|[\s;])import\s*["']([^"']+)["']/g, // import "x" (side effects)
    /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g, // import("x")
    /\brequire\s*\(\s*["']([^"']+)["']\s*\)/g, // require("x")
    /\bnew\s+URL\s*\(\s*["']([^"']+)["']\s*,\s*import\.meta\.url\s*\)/g, // worker and asset files
  ];
  for (const re of patterns) {
    for (const m of src.matchAll(re)) {
      if (!m[1].startsWith(".")) continue;
      const line = src.slice(0, m.index + m[0].indexOf(m[1])).split("\n").length;
      out.push({ spec: m[1], line });
    }
  }
  return out.sort((a, b) => a.line - b.line);
}

/** Every arrow outside the allowed graph in `files` (repository-relative path → source). */
export function forbiddenArrows(files: ReadonlyMap<string, string>): string[] {
  const bad: string[] = [];
  for (const [rel, src] of files) {
    const from = layerOf(rel);
    if (!from) continue;
    for (const { spec, line } of importsOf(src)) {
      const target = path.normalize(path.join(path.dirname(rel), spec));
      if (target.startsWith("..")) {
        bad.push(`${rel}:${line} imports ${spec}, outside the repository`);
        continue;
      }
      const to = layerOf(target);
      if (!to || to === from) continue;
      const ok = ALLOWED[from].includes("*") || ALLOWED[from].includes(to);
      if (!ok) bad.push(`${rel}:${line}: ${from} → ${to} (${spec}) is not in the layout`);
    }
  }
  return bad;
}

function sourceFiles(dir = ROOT, out = new Map<string, string>()): Map<string, string> {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name.startsWith(".") || SKIP_DIRS.has(e.name)) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) sourceFiles(p, out);
    else if (SOURCE.test(e.name) && !e.name.endsWith(".d.ts")) out.set(path.relative(ROOT, p), fs.readFileSync(p, "utf8"));
  }
  return out;
}

describe("the layout's import graph", () => {
  // This file's own fixtures below are imports written as strings: leave it out of the scan.
  const files = sourceFiles();
  files.delete(path.relative(ROOT, fileURLToPath(import.meta.url)));

  test("every folder imports only the layers below it (README, Layout)", () => {
    expect(files.size).toBeGreaterThan(150);
    expect(forbiddenArrows(files)).toEqual([]);
  });

  test("the graph is acyclic", () => {
    const seen = new Map<string, "open" | "done">();
    const visit = (n: string, trail: string[]): void => {
      if (seen.get(n) === "done") return;
      if (seen.get(n) === "open") throw new Error(`cycle: ${[...trail, n].join(" → ")}`);
      seen.set(n, "open");
      for (const m of ALLOWED[n]) if (m !== "*") visit(m, [...trail, n]);
      seen.set(n, "done");
    };
    for (const n of Object.keys(ALLOWED)) expect(() => visit(n, [])).not.toThrow();
  });

  test("the parser sees every form of import, and a wrong arrow is reported with file and line", () => {
    const src = [
      'import { a } from "../../prover/index.js";',
      'export { b } from "../../circuits/build.js";',
      'import type { C } from "../../contracts/deploy.js";',
      'const d = await import("../../sequencer/db.js");',
      'const w = new URL("../../prover/cpu/worker.mjs", import.meta.url);',
      'import "../../scripts/zkr.js";',
      'import { ok } from "../../core/bytes.js";',
      'import { same } from "./tx.js";',
      'import { pkg } from "ethers";',
    ].join("\n");
    const bad = forbiddenArrows(new Map([["sequencer/model/x.ts", src]]));
    expect(bad).toEqual([
      "sequencer/model/x.ts:1: sequencer/model → prover (../../prover/index.js) is not in the layout",
      "sequencer/model/x.ts:2: sequencer/model → circuits (../../circuits/build.js) is not in the layout",
      "sequencer/model/x.ts:3: sequencer/model → contracts (../../contracts/deploy.js) is not in the layout",
      "sequencer/model/x.ts:4: sequencer/model → sequencer (../../sequencer/db.js) is not in the layout",
      "sequencer/model/x.ts:5: sequencer/model → prover (../../prover/cpu/worker.mjs) is not in the layout",
      "sequencer/model/x.ts:6: sequencer/model → scripts (../../scripts/zkr.js) is not in the layout",
    ]);
    expect(forbiddenArrows(new Map([["core/x.ts", 'import { y } from "../bench/lib.js";']]))).toEqual(["core/x.ts:1: core → bench (../bench/lib.js) is not in the layout"]);
    expect(forbiddenArrows(new Map([["test/x.test.ts", 'import { y } from "../bench/lib.js";']]))).toEqual([]);
  });
});
