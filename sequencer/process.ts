/**
 * The sequencer as a child process (`sequencer/main.ts <config.json>`), for supervisors, tests and
 * benchmarks. Once its API listens, main.ts writes one JSON line on stdout:
 * `{"listening":"http://host:port","pid":…}`; {@link spawnSequencer} waits for it.
 */
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import path from "node:path";
import { ROOT } from "../core/paths.js";

// The source, run through tsx, whether this file runs from source or compiled (build/js).
const MAIN = path.join(ROOT, "sequencer", "main.ts");

/** The line main.ts announces itself with. */
export function listeningLine(url: string): string {
  return JSON.stringify({ listening: url, pid: process.pid }) + "\n";
}

/**
 * Starts `sequencer/main.ts configFile` (stdout piped; the caller chooses stderr and env) and
 * resolves with the process and its API URL once it listens; rejects if it exits first.
 */
export async function spawnSequencer(configFile: string, opts: Pick<SpawnOptions, "env" | "cwd"> & { stderr?: "pipe" | "inherit" } = {}): Promise<{ proc: ChildProcess; url: string }> {
  const proc = spawn(process.execPath, ["--import", "tsx", MAIN, configFile], { env: opts.env, cwd: opts.cwd, stdio: ["ignore", "pipe", opts.stderr ?? "pipe"] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    proc.stdout!.on("data", (c: Buffer) => {
      out += c.toString();
      const m = /\{"listening":"([^"]+)"/.exec(out);
      if (m) resolve(m[1]);
    });
    proc.once("exit", (code, signal) => reject(new Error(`sequencer exited (${signal ?? code}) before listening`)));
  });
  return { proc, url };
}
