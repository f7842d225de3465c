// Attacks on where private keys live. Another user of the machine reads what it is allowed to
// read: a config or key file of mode 0644, the command lines of every process (`ps`,
// /proc/PID/cmdline), error messages that quote a file. So: the sequencer refuses a config file
// that holds the operator's key and that its group or others can read (or takes the key from
// ZKR_OPERATOR_KEY); `zkr wallet create` takes an L1 key only from a file of mode 0600 or from
// ZKR_L1_KEY, never from its command line; wallet files are made 0600 whatever the umask and
// refused when others can read them; `zkr up` writes its sequencer.json 0600; no refusal quotes a
// key. The sequencer runs as the real process (sequencer/main.ts); the wallet command through the
// real CLI definition.

import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Command } from "commander";
import { Wallet } from "ethers";
import { createWalletFile, readWalletFile } from "../sequencer/wallet.js";
import { registerWallet } from "../scripts/commands/wallet.js";
import { http, tmpDir } from "./helpers/sequencer.js";

const MAIN = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "sequencer", "main.ts");
/** Keys of no account anyone uses. */
const OPERATOR_KEY = "0x" + "1a".repeat(32);
const OTHER_KEY = "0x" + "2b".repeat(32);
const L1_KEY = "0x" + "3c".repeat(32);
/** A key whose hex starts with a letter: V8's JSON.parse error quotes its first 10 characters. */
const LEAKY_KEY = "0x" + "cd".repeat(32);
/** Nothing listens there: the sequencer's L1 loop fails and retries, its API serves regardless. */
const DEAD_RPC = "http://127.0.0.1:9";
/** A process that never exits or never listens fails its test in a minute (no timing is asserted). */
const GUARD_MS = 60_000;

let dir: string;
beforeAll(() => {
  dir = tmpDir("zkr-attack-secrets-");
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Writes a file and gives it exactly `mode`, whatever the umask. */
function writeWithMode(name: string, text: string, mode: number): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  fs.chmodSync(f, mode);
  return f;
}

/** Neither the key nor any 8 hex digits of it appear in `text`. */
function expectNoKeyIn(text: string, key: string): void {
  const hex = key.replace(/^0x/, "").toLowerCase();
  for (let i = 0; i + 8 <= hex.length; i += 4) expect(text.toLowerCase()).not.toContain(hex.slice(i, i + 8));
}

function configJson(name: string, l1?: Record<string, unknown>): string {
  return JSON.stringify({
    dbPath: path.join(dir, `${name}.db`), chainId: 31337, rollup: "0x" + "00".repeat(19) + "01", slots: 4, depth: 8, verifyThreads: 0, api: { host: "127.0.0.1", port: 0 },
    ...(l1 ? { l1: { rpcUrl: DEAD_RPC, deployBlock: 0, pollMs: 60_000, ...l1 } } : {}),
  });
}

/**
 * Starts sequencer/main.ts on a config file; resolves when it exits or once it listens (then the
 * caller stops it), whichever comes first.
 */
async function runSequencer(configFile: string, env: Record<string, string> = {}) {
  const baseEnv = { ...process.env };
  delete baseEnv.ZKR_OPERATOR_KEY;
  const proc = spawn(process.execPath, ["--import", "tsx", MAIN, configFile], { env: { ...baseEnv, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  proc.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
  const first = await new Promise<{ code: number | null } | { url: string }>((resolve) => {
    proc.stdout.on("data", (c: Buffer) => {
      stdout += c.toString();
      const m = /\{"listening":"([^"]+)"/.exec(stdout);
      if (m) resolve({ url: m[1] });
    });
    void exited.then((code) => resolve({ code }));
  });
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM");
    return exited;
  };
  return { first, stop, output: () => ({ stdout, stderr }) };
}

describe("the sequencer's operator key", () => {
  test("a config file holding the key that group or others can read is refused: exit 1, a clear message, the key not shown", async () => {
    for (const mode of [0o644, 0o640, 0o604]) {
      const file = writeWithMode(`shared-${mode.toString(8)}.json`, configJson("shared", { operatorKey: OPERATOR_KEY }), mode);
      const run = await runSequencer(file);
      const listened = "url" in run.first;
      await run.stop();
      expect({ mode: mode.toString(8), listened, first: run.first }).toEqual({ mode: mode.toString(8), listened: false, first: { code: 1 } });
      const { stdout, stderr } = run.output();
      expect(stderr).toMatch(new RegExp(`config ${file.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}: mode 0600 expected \\(it holds a private key\\), got 0${mode.toString(8)}; run 'chmod 600 `));
      expect(stderr).not.toMatch(/^\s+at /m); // a message, not a stack trace
      expectNoKeyIn(stdout + stderr, OPERATOR_KEY);
    }
  }, 3 * GUARD_MS);

  test("the same config with mode 0600 runs, signing with that key", async () => {
    const file = writeWithMode("private.json", configJson("private", { operatorKey: OPERATOR_KEY }), 0o600);
    const run = await runSequencer(file);
    try {
      expect(run.first).toEqual({ url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) });
      const h = await http((run.first as { url: string }).url + "/health", "GET");
      expect(h.body.operator).toBe(new Wallet(OPERATOR_KEY).address);
    } finally {
      expect(await run.stop()).toBe(0);
    }
    expectNoKeyIn(run.output().stdout + run.output().stderr, OPERATOR_KEY);
  }, GUARD_MS);

  test("ZKR_OPERATOR_KEY instead: the config may omit the key and be readable by others", async () => {
    const file = writeWithMode("env.json", configJson("env", {}), 0o644);
    const run = await runSequencer(file, { ZKR_OPERATOR_KEY: OTHER_KEY });
    try {
      expect(run.first).toEqual({ url: expect.any(String) });
      const h = await http((run.first as { url: string }).url + "/health", "GET");
      expect(h.body.operator).toBe(new Wallet(OTHER_KEY).address);
    } finally {
      expect(await run.stop()).toBe(0);
    }
  }, GUARD_MS);

  test("a key in both the config and ZKR_OPERATOR_KEY is refused rather than one picked silently", async () => {
    const file = writeWithMode("both.json", configJson("both", { operatorKey: OPERATOR_KEY }), 0o600);
    const run = await runSequencer(file, { ZKR_OPERATOR_KEY: OTHER_KEY });
    await run.stop();
    expect(run.first).toEqual({ code: 1 });
    expect(run.output().stderr).toMatch(/operator key: one source expected, got both l1\.operatorKey in .* and ZKR_OPERATOR_KEY/);
  }, GUARD_MS);

  test("loadConfigFile: every way to get it wrong is refused without quoting the key", async () => {
    const { loadConfigFile } = await import("../sequencer/main.js");
    const env = {};
    // No key anywhere.
    expect(() => loadConfigFile(writeWithMode("none.json", configJson("none", {}), 0o600), env)).toThrow(/l1\.operatorKey in .* \(mode 0600\) or ZKR_OPERATOR_KEY expected, got neither/);
    // Not a key: refused by shape, its text not repeated.
    for (const bad of [OPERATOR_KEY.slice(0, 40), OPERATOR_KEY + "00", "0x" + "zz".repeat(32), 12345]) {
      const f = writeWithMode("badkey.json", configJson("badkey", { operatorKey: bad }), 0o600);
      let message = "";
      try { loadConfigFile(f, env); } catch (e) { message = (e as Error).message; }
      expect(message).toMatch(/l1\.operatorKey in .*: a private key \(0x and 64 hex digits\) expected/);
      expectNoKeyIn(message, OPERATOR_KEY);
    }
    expect(() => loadConfigFile(writeWithMode("envbad.json", configJson("envbad", {}), 0o600), { ZKR_OPERATOR_KEY: "0x1234" })).toThrow(/ZKR_OPERATOR_KEY: a private key/);
    // Broken JSON around a key: V8's own message would quote the start of the text.
    for (const text of [LEAKY_KEY.slice(2), `operatorKey=${LEAKY_KEY}`, `{"l1": {"operatorKey": "${LEAKY_KEY}",}}`]) {
      let message = "";
      try { loadConfigFile(writeWithMode("broken.json", text, 0o600), env); } catch (e) { message = (e as Error).message; }
      expect(message).toMatch(/JSON expected, it does not parse/);
      expectNoKeyIn(message, LEAKY_KEY);
    }
    // A key without L1 settings is no key; a config without L1 needs no mode.
    expect(loadConfigFile(writeWithMode("nol1.json", configJson("nol1"), 0o644), env).l1).toBeUndefined();
    // The API's operator token is a secret too: in a file others can read it is refused, unquoted.
    const token = "7e".repeat(32);
    const withToken = (name: string, mode: number) => writeWithMode(name, JSON.stringify({ ...JSON.parse(configJson(name)), api: { host: "127.0.0.1", port: 0, operatorToken: token } }), mode);
    let tokenMessage = "";
    try { loadConfigFile(withToken("token644.json", 0o644), env); } catch (e) { tokenMessage = (e as Error).message; }
    expect(tokenMessage).toMatch(/api\.operatorToken in .*: a config only its owner may read expected; .*mode 0600 expected/);
    expectNoKeyIn(tokenMessage, token);
    expect(loadConfigFile(withToken("token600.json", 0o600), env).api.operatorToken).toBe(token);
    // Keys are taken with or without 0x and spaces around, and used as 0x-lowercase.
    expect(loadConfigFile(writeWithMode("upper.json", configJson("upper", { operatorKey: ` ${OPERATOR_KEY.slice(2).toUpperCase()}\n` }), 0o600), env).l1?.operatorKey).toBe(OPERATOR_KEY);
  });
});

describe("zkr wallet create's L1 key", () => {
  /** Runs `zkr wallet <args>` through the real command definitions, in this process. */
  async function zkrWallet(args: string[], env: Record<string, string> = {}) {
    const program = new Command().exitOverride();
    let out = "";
    let err = "";
    program.configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (err += s) });
    registerWallet(program);
    for (const c of program.commands) for (const s of c.commands) s.exitOverride().configureOutput({ writeOut: (x) => (out += x), writeErr: (x) => (err += x) });
    const log = console.log;
    const saved = process.env.ZKR_L1_KEY;
    delete process.env.ZKR_L1_KEY;
    Object.assign(process.env, env);
    console.log = (...a: unknown[]) => void (out += a.join(" ") + "\n");
    try {
      await program.parseAsync(["wallet", ...args], { from: "user" });
      return { ok: true, out, err };
    } catch (e) {
      return { ok: false, out, err: err + (e as Error).message };
    } finally {
      console.log = log;
      delete process.env.ZKR_L1_KEY;
      if (saved !== undefined) process.env.ZKR_L1_KEY = saved;
    }
  }

  test("--l1-key <hex> is gone: a key on the command line is refused and no wallet is written", async () => {
    const wallet = path.join(dir, "argv-wallet.json");
    const r = await zkrWallet(["create", "--wallet", wallet, "--l1-key", L1_KEY]);
    expect(r.ok).toBe(false);
    expect(r.err).toMatch(/unknown option '--l1-key'/);
    expect(fs.existsSync(wallet)).toBe(false);
  });

  test("--l1-key-file must be mode 0600: a key file others can read is refused, its key not shown", async () => {
    for (const mode of [0o644, 0o640, 0o604]) {
      const keyFile = writeWithMode(`l1-${mode.toString(8)}.hex`, L1_KEY + "\n", mode);
      const wallet = path.join(dir, `shared-key-wallet-${mode.toString(8)}.json`);
      const r = await zkrWallet(["create", "--wallet", wallet, "--l1-key-file", keyFile]);
      expect({ ok: r.ok, err: r.err }).toEqual({ ok: false, err: expect.stringMatching(new RegExp(`L1 key file .*: mode 0600 expected \\(it holds a private key\\), got 0${mode.toString(8)}; run 'chmod 600 `)) });
      expect(fs.existsSync(wallet)).toBe(false);
      expectNoKeyIn(r.out + r.err, L1_KEY);
    }
  });

  test("--l1-key-file of mode 0600, or ZKR_L1_KEY: the wallet holds that key, in a file of mode 0600 whatever the umask", async () => {
    const umask = process.umask(0o000);
    try {
      const keyFile = writeWithMode("l1.hex", L1_KEY.slice(2) + "\n", 0o600);
      const w1 = path.join(dir, "keyfile-wallet.json");
      const r1 = await zkrWallet(["create", "--wallet", w1, "--l1-key-file", keyFile]);
      expect(r1).toMatchObject({ ok: true });
      expect(r1.out).toContain(`L1 address: ${new Wallet(L1_KEY).address}`);
      expect(readWalletFile(w1).l1Key).toBe(L1_KEY);
      expect(fs.statSync(w1).mode & 0o777).toBe(0o600);
      expectNoKeyIn(r1.out + r1.err, L1_KEY);

      const w2 = path.join(dir, "env-wallet.json");
      const r2 = await zkrWallet(["create", "--wallet", w2], { ZKR_L1_KEY: OTHER_KEY });
      expect(r2).toMatchObject({ ok: true });
      expect(readWalletFile(w2).l1Key).toBe(OTHER_KEY);
      expect(fs.statSync(w2).mode & 0o777).toBe(0o600);
    } finally {
      process.umask(umask);
    }
  });

  test("a key in both --l1-key-file and ZKR_L1_KEY, or a file that holds no key, is refused and writes nothing", async () => {
    const keyFile = writeWithMode("l1-both.hex", L1_KEY, 0o600);
    const w = path.join(dir, "both-wallet.json");
    expect((await zkrWallet(["create", "--wallet", w, "--l1-key-file", keyFile], { ZKR_L1_KEY: OTHER_KEY })).err).toMatch(/L1 key: one source expected, got both --l1-key-file and ZKR_L1_KEY/);
    const notKey = writeWithMode("l1-bad.hex", L1_KEY.slice(0, 50), 0o600);
    const r = await zkrWallet(["create", "--wallet", w, "--l1-key-file", notKey]);
    expect(r.err).toMatch(/a private key \(0x and 64 hex digits\) expected/);
    expectNoKeyIn(r.err, L1_KEY);
    expect((await zkrWallet(["create", "--wallet", w, "--l1-key-file", path.join(dir, "missing.hex")])).err).toMatch(/L1 key file .*missing\.hex: not readable \(ENOENT\)/);
    expect(fs.existsSync(w)).toBe(false);
  });
});

describe("wallet files", () => {
  test("are made 0600 in a 0700 folder whatever the umask, never over an existing file or a planted symlink", () => {
    const umask = process.umask(0o000);
    try {
      const file = path.join(dir, "new-folder", "wallet.json");
      createWalletFile(file, L1_KEY);
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
      expect(() => createWalletFile(file, OTHER_KEY)).toThrow(/a new file expected, one exists/);
      expect(readWalletFile(file).l1Key).toBe(L1_KEY);
      // Someone who can write the folder plants a link to a file they can read: no key goes there.
      const bait = writeWithMode("bait.txt", "", 0o666);
      const planted = path.join(dir, "planted-wallet.json");
      fs.symlinkSync(bait, planted);
      expect(() => createWalletFile(planted, L1_KEY)).toThrow(/a new file expected, one exists/);
      expect(fs.readFileSync(bait, "utf8")).toBe("");
    } finally {
      process.umask(umask);
    }
  });

  test("are not written with a malformed L1 key (which no read would accept)", () => {
    expect(() => createWalletFile(path.join(dir, "bad-key-wallet.json"), "0x1234")).toThrow(/L1 key: 0x and 64 hex digits expected/);
    expect(fs.existsSync(path.join(dir, "bad-key-wallet.json"))).toBe(false);
  });

  test("are refused when group or others can read them, naming the fix", () => {
    const file = path.join(dir, "shared-wallet.json");
    createWalletFile(file, L1_KEY);
    for (const mode of [0o644, 0o640, 0o604, 0o660]) {
      fs.chmodSync(file, mode);
      expect(() => readWalletFile(file)).toThrow(new RegExp(`mode 0600 expected.*got 0${mode.toString(8)}.*chmod 600 `));
    }
  });

  test("a damaged wallet file is refused without quoting any of its key", () => {
    for (const [i, text] of [LEAKY_KEY.slice(2), `l1Key=${LEAKY_KEY}`, LEAKY_KEY, `{"version":1,"l1Key":"${LEAKY_KEY}",}`, `{"l1Key": ${LEAKY_KEY}}`, "null", "[]"].entries()) {
      const f = writeWithMode(`damaged-${i}.json`, text, 0o600);
      let message = "";
      try { readWalletFile(f); } catch (e) { message = (e as Error).message; }
      expect(message).toMatch(/JSON expected, it does not parse|not a zkr wallet file/);
      expectNoKeyIn(message, LEAKY_KEY);
    }
  });

  test("a FIFO or a folder in place of a key file is refused, not waited on", async () => {
    const { readPrivateFile } = await import("../sequencer/secrets.js");
    const fifo = path.join(dir, "fifo.hex");
    execFileSync("mkfifo", ["-m", "600", fifo]);
    expect(() => readPrivateFile(fifo, "L1 key file")).toThrow(/a regular file expected/);
    expect(() => readPrivateFile(dir, "L1 key file")).toThrow(/a regular file expected/);
  });
});

test("zkr up writes its sequencer.json with mode 0600 whatever the umask", async () => {
  const { writeEndpointsFile } = await import("../scripts/commands/up.js");
  const umask = process.umask(0o000);
  try {
    const file = path.join(dir, "sequencer.json");
    // It holds the API's operator token.
    writeEndpointsFile(file, { apiUrl: "http://127.0.0.1:1", dbPath: "x.db", proverPids: [1], pid: 2, operatorToken: "ab".repeat(32), appUrl: null });
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(fs.readFileSync(file, "utf8"))).toMatchObject({ apiUrl: "http://127.0.0.1:1", operatorToken: "ab".repeat(32) });
  } finally {
    process.umask(umask);
  }
});
