// core/instance.ts: one running instance per folder. A second claim is refused with the holder's
// pid, command and endpoints; a released folder, or one whose holder was killed, can be claimed;
// and `zkr up` on a claimed folder stops before it compiles or deletes anything.
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { claimFolder, FolderInUseError } from "../core/instance.js";
import { ROOT } from "../circuits/build.js";
import { tmpDir } from "./helpers/sequencer.js";

/** Runs `node args…` in the repository; resolves with its exit code and output. */
function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.once("exit", (code) => resolve({ code, out }));
  });
}

test("a claimed folder is refused to a second claim, naming the holder; released, it can be claimed again", async () => {
  const dir = tmpDir("zkr-instance-");
  const a = await claimFolder(dir, "zkr up");
  a.setEndpoints({ "L1 RPC": "http://127.0.0.1:8545", API: "http://127.0.0.1:8080" });
  const err = await claimFolder(dir, "zkr devnet").catch((e: unknown) => e);
  expect(err).toBeInstanceOf(FolderInUseError);
  const e = err as FolderInUseError;
  expect(e.holder?.pid).toBe(process.pid);
  expect(e.message).toContain(`is in use by zkr up (pid ${process.pid}, since `);
  expect(e.message).toContain("L1 RPC: http://127.0.0.1:8545");
  expect(e.message).toContain("API: http://127.0.0.1:8080");
  expect(e.message).toContain(`kill ${process.pid}`);
  await a.release();
  await a.release();
  expect(fs.existsSync(path.join(dir, "instance.json"))).toBe(false);
  const b = await claimFolder(dir, "zkr devnet");
  expect(JSON.parse(fs.readFileSync(path.join(dir, "instance.json"), "utf8"))).toMatchObject({ pid: process.pid, command: "zkr devnet" });
  await b.release();
  fs.rmSync(dir, { recursive: true, force: true });
});

test("a holder killed with SIGKILL leaves a folder the next instance takes over", async () => {
  const dir = tmpDir("zkr-instance-");
  // A holder in another process: claims, says so, then waits to be killed.
  const holder = spawn(
    process.execPath,
    ["--import", "tsx", "-e", `const { claimFolder } = await import(${JSON.stringify(path.join(ROOT, "core", "instance.ts"))}); await claimFolder(${JSON.stringify(dir)}, "zkr up"); console.log("held"); setInterval(() => {}, 1000);`],
    { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] },
  );
  await new Promise<void>((resolve, reject) => {
    holder.stdout.on("data", (d) => String(d).includes("held") && resolve());
    holder.once("exit", (code) => reject(new Error(`the holder exited (${code})`)));
  });
  await expect(claimFolder(dir, "zkr devnet")).rejects.toThrow(`is in use by zkr up (pid ${holder.pid}`);
  const exited = new Promise((r) => holder.once("exit", r));
  holder.kill("SIGKILL");
  await exited;
  const c = await claimFolder(dir, "zkr devnet");
  expect(c.info.pid).toBe(process.pid);
  await c.release();
  fs.rmSync(dir, { recursive: true, force: true });
}, 60_000);

test("zkr up on a folder another instance holds stops at once, naming it, and touches none of its files", async () => {
  const dir = tmpDir("zkr-instance-");
  const claim = await claimFolder(dir, "zkr up");
  claim.setEndpoints({ API: "http://127.0.0.1:8080" });
  const db = path.join(dir, "sequencer.db");
  fs.writeFileSync(db, "the running instance's database");
  const r = await run(["bin/zkr.js", "up", "--out", dir, "--port", "0", "--api-port", "0"]);
  expect(r.code).toBe(1);
  expect(r.out).toContain(`zkr: ${dir} is in use by zkr up (pid ${process.pid}`);
  expect(r.out).toContain("API: http://127.0.0.1:8080");
  expect(r.out).toContain("--out <dir>");
  expect(r.out).not.toMatch(/compiling with|dev setup:|deployed|zkr is running/);
  expect(fs.readFileSync(db, "utf8")).toBe("the running instance's database");
  expect(JSON.parse(fs.readFileSync(path.join(dir, "instance.json"), "utf8")).pid).toBe(process.pid);
  await claim.release();
  fs.rmSync(dir, { recursive: true, force: true });
}, 120_000);
