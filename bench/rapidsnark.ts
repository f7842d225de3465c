/** Finding a rapidsnark prover binary for the full-proof comparison (bench/proofs.ts). */
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";

/** execFile as a promise. */
export const run$ = promisify(execFile);

/** A rapidsnark prover binary on PATH, or why there is none. */
export async function findRapidsnark(): Promise<{ bin: string } | { why: string }> {
  const dirs = (process.env.PATH ?? "").split(path.delimiter).filter(Boolean);
  for (const name of ["rapidsnark", "prover"]) {
    for (const d of dirs) {
      const bin = path.join(d, name);
      try {
        fs.accessSync(bin, fs.constants.X_OK);
      } catch {
        continue;
      }
      // `prover` is a common name: accept it only when its usage line speaks of a zkey.
      const usage = await run$(bin, [], { timeout: 5000 }).then((r) => r.stdout + r.stderr, (e: { stdout?: string; stderr?: string }) => `${e.stdout ?? ""}${e.stderr ?? ""}`);
      if (name === "rapidsnark" || /zkey/i.test(usage)) return { bin };
    }
  }
  return { why: "no `rapidsnark` or rapidsnark `prover` binary on PATH" };
}
