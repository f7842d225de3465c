/**
 * The build lock (circuits/lock.ts) between real processes: two that miss the same cache at once
 * build it once, one after the other, and the one that waited finds it made. A CI run once made
 * the 4x8 dev keys in two jest workers at the same moment and proofs stopped verifying.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { withBuildLock } from "../circuits/lock.js";

const ROOT = path.resolve(import.meta.dirname, "..");
let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "zkr-lock-"));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/**
 * A child process that builds `<dir>/thing` under the lock, like devKeys: check the cache, else
 * make it, taking until the other process is waiting. It writes what it did to `<dir>/events`
 * and what the lock said to stdout.
 */
function builder(tag: string): Promise<{ code: number | null; out: string }> {
  const script = `
    import fs from "node:fs";
    import { withBuildLock } from ${JSON.stringify(path.join(ROOT, "circuits", "lock.ts"))};
    const dir = ${JSON.stringify(dir)};
    const ev = (e) => fs.appendFileSync(dir + "/events", "${tag} " + e + "\\n");
    const made = () => fs.existsSync(dir + "/thing") ? "hit" : undefined;
    const log = (l) => { console.log(l); if (/waiting/.test(l)) fs.writeFileSync(dir + "/waiting", "${tag}"); };
    // The builder holds the lock until the other process has seen it held (however late it started).
    const otherWaits = async () => { for (let i = 0; i < 600 && !fs.existsSync(dir + "/waiting"); i++) await new Promise((ok) => setTimeout(ok, 50)); };
    await withBuildLock(dir + "/thing", "thing", log, async () => {
      ev("enter");
      const r = made() ?? (await otherWaits(), fs.writeFileSync(dir + "/thing", "${tag}"), "made");
      ev(r);
      ev("leave");
    });`;
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    p.on("error", reject);
    p.on("exit", (code) => resolve({ code, out }));
  });
}

test("two processes that miss the same cache: one builds, the other waits and finds it built", async () => {
  const [a, b] = await Promise.all([builder("A"), builder("B")]);
  expect([a.code, b.code]).toEqual([0, 0]);
  const events = fs.readFileSync(path.join(dir, "events"), "utf8").trim().split("\n");
  // Never inside together: each enter is followed by its own result and leave.
  expect(events).toHaveLength(6);
  const first = events[0][0];
  const second = first === "A" ? "B" : "A";
  expect(events).toEqual([`${first} enter`, `${first} made`, `${first} leave`, `${second} enter`, `${second} hit`, `${second} leave`]);
  expect(fs.readFileSync(path.join(dir, "thing"), "utf8")).toBe(first);
  // The one that waited said so; the lock is gone afterwards.
  expect((first === "A" ? b : a).out).toMatch(/another process is building it; waiting/);
  expect(fs.readFileSync(path.join(dir, "waiting"), "utf8")).toBe(second);
  expect(fs.existsSync(path.join(dir, "thing.lock"))).toBe(false);
}, 60_000);

test("a lock left by a killed holder goes stale and is taken over", async () => {
  const lock = path.join(dir, "thing.lock");
  fs.mkdirSync(lock);
  const old = new Date(Date.now() - 5 * 60_000);
  fs.utimesSync(lock, old, old);
  const logs: string[] = [];
  await expect(withBuildLock(path.join(dir, "thing"), "thing", (l) => logs.push(l), async () => 42)).resolves.toBe(42);
  expect(logs).toEqual([]);
  expect(fs.existsSync(lock)).toBe(false);
});

test("a build that fails releases the lock and the error reaches the caller", async () => {
  const target = path.join(dir, "sub", "thing");
  await expect(withBuildLock(target, "thing", () => {}, async () => { throw new Error("compiler crashed"); })).rejects.toThrow("compiler crashed");
  expect(fs.existsSync(`${target}.lock`)).toBe(false);
  // The next build takes it at once.
  await expect(withBuildLock(target, "thing", () => {}, async () => "ok")).resolves.toBe("ok");
});
