// The committed ethers bindings (contracts/types, TypeChain) match the contracts' current ABIs.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { BINDINGS_DIR, generateBindings } from "../contracts/bindings.js";

test("contracts/types is what TypeChain generates from the current sources (run npx tsx contracts/bindings.ts after a change)", async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "zkr-bindings-"));
  try {
    const files = await generateBindings(tmp);
    expect(files.length).toBeGreaterThan(0);
    const rel = (dir: string, list: string[]) => list.map((f) => path.relative(dir, f)).sort();
    const committed = fs.readdirSync(BINDINGS_DIR, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
    expect(rel(BINDINGS_DIR, committed)).toEqual(rel(tmp, files));
    for (const f of rel(tmp, files)) {
      expect(fs.readFileSync(path.join(BINDINGS_DIR, f), "utf8")).toBe(fs.readFileSync(path.join(tmp, f), "utf8"));
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
