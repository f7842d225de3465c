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

test("the build carries the cpu backend's WebAssembly module, byte for byte what the source assembles", async () => {
  await run("scripts/build-js.mjs");
  const { PREBUILT_FILE } = await import("../prover/cpu/wasm/module.js");
  const { buildCpuWasmCode } = await import("../prover/cpu/wasm/assemble.js");
  const stored = JSON.parse(fs.readFileSync(path.join(ROOT, "build", "js", "prover", "cpu", "wasm", PREBUILT_FILE), "utf8")) as { code: string; staticEnd: number; frOne: number };
  const fresh = buildCpuWasmCode();
  expect({ staticEnd: stored.staticEnd, frOne: stored.frOne }).toEqual({ staticEnd: fresh.staticEnd, frOne: fresh.frOne });
  expect(Buffer.from(stored.code, "base64").equals(Buffer.from(fresh.code))).toBe(true);
}, 60_000);

// `zkr X --help` only prints: it must not load what X's work needs (the libraries below take
// 0.1–1 s each to load). A module-resolution hook records every module the process loads.
test("--help of every command loads none of ethers, snarkjs, SQLite, Dawn, piscina or the model's crypto", async () => {
  const { COMMANDS } = await import("../scripts/commands/index.js");
  const hook = `import { appendFileSync } from "node:fs"; export async function resolve(s, c, next) { const r = await next(s, c); appendFileSync(process.env.ZKR_TRACE_FILE, r.url + "\\n"); return r; }`;
  const register = `import { register } from "node:module"; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hook)}`)});`;
  const heavy = /node_modules\/(ethers|snarkjs|better-sqlite3|webgpu|piscina|circomlibjs|poseidon-lite|ffjavascript|bullmq|ioredis)\/|\/sequencer\/model\/(state|keys)\.|\/prover\/(cpu|webgpu)\//;
  const dir = fs.mkdtempSync(path.join(ROOT, "build", "trace-"));
  try {
    await run("scripts/build-js.mjs");
    for (const name of Object.keys(COMMANDS)) {
      const file = path.join(dir, `${name}.txt`);
      const r = await promisify(execFile)(process.execPath, ["--import", `data:text/javascript,${encodeURIComponent(register)}`, "bin/zkr.js", name, "--help"], {
        cwd: ROOT,
        env: { ...process.env, ZKR_TRACE_FILE: file },
      });
      expect(r.stdout).toContain(`Usage: zkr ${name}`);
      const loaded = fs.readFileSync(file, "utf8").split("\n");
      // The hook saw the command's own file, so an empty list below is not a blind spot.
      expect(loaded.some((u) => u.endsWith(`/scripts/commands/${name}.js`))).toBe(true);
      expect({ name, heavy: loaded.filter((u) => heavy.test(u)) }).toEqual({ name, heavy: [] });
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 180_000);
