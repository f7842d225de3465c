// The README's "Using the local rollup" lines, run exactly as written (`npx zkr …` as
// `node bin/zkr.js …`, with a fresh home folder for the wallets) against a real `zkr up` on free
// ports and its own folder; and the README and the CLI name the same commands.

import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { Command } from "commander";
import { ROOT } from "../core/paths.js";
import { COMMANDS } from "../scripts/commands/index.js";
import { tmpDir } from "./helpers/sequencer.js";
import { until } from "./helpers/wait.js";

const README = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");

/** The sh block under a heading of the README. */
function shBlockUnder(heading: string): string[] {
  const from = README.indexOf(`\n## ${heading}\n`);
  expect(from).toBeGreaterThan(0);
  const m = /```sh\n([\s\S]*?)```/.exec(README.slice(from));
  return m![1].split("\n").filter((l) => l.trim());
}

/** Runs `node bin/zkr.js args` the way `npx zkr args` does, in `cwd` with `env`. */
function zkr(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, "bin", "zkr.js"), ...args], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (out += c.toString()));
    child.once("exit", (code) => resolve({ code, out }));
  });
}

describe("the README's walkthrough, as written, against zkr up", () => {
  let dir: string;
  let up: ReturnType<typeof spawn> | undefined;
  let upOut = "";

  beforeAll(async () => {
    dir = tmpDir("zkr-readme-");
    fs.mkdirSync(path.join(dir, "home"));
    up = spawn(process.execPath, [path.join(ROOT, "bin", "zkr.js"), "up", "--port", "0", "--api-port", "0", "--out", path.join(dir, "devnet")], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], detached: true });
    up.stdout!.on("data", (c: Buffer) => (upOut += c.toString()));
    up.stderr!.on("data", (c: Buffer) => (upOut += c.toString()));
    await until("zkr up to be running", () => upOut.includes("zkr is running") || up!.exitCode !== null, 600_000, () => upOut);
    expect(upOut).toContain("zkr is running");
  }, 700_000);

  afterAll(async () => {
    if (up && up.exitCode === null) {
      const exited = new Promise((r) => up!.once("exit", r));
      process.kill(-up.pid!, "SIGINT");
      await exited;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test("every line succeeds and says what the comment promises", async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: path.join(dir, "home"), ZKR_DEVNET_DIR: path.join(dir, "devnet") };
    delete env.ZKR_WALLET;
    delete env.ZKR_L1_KEY;
    // What each line must print (and, for the last, the clear refusal the README's example gets here).
    const expected: [RegExp, RegExp, number?][] = [
      [/^wallet create$/, /L1 address: +0x70997970C51812dc3A010C7d01b50e0d17dc79C8/],
      // Account 0 is the operator's fee account (zkr up makes it first).
      [/^wallet deposit 1$/, /L2 account 1: 1\.0 ETH/],
      [/^wallet create --wallet bob\.json/, /L1 address: +0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC/],
      [/^wallet deposit 0\.5 --wallet bob\.json$/, /L2 account 2: 0\.5 ETH/],
      // The devnet's ERC-20: an account of token 1 each, the approval and the ETH creation fee on L1.
      [/^wallet deposit 100 --token zUSD$/, /deposit of 100\.0 zUSD into an account of token 1 \(plus the 0\.001 ETH account creation fee\)[\s\S]*L2 account 3: 100\.0 zUSD/],
      [/^wallet deposit 50 --token zUSD --wallet bob\.json$/, /L2 account 4: 50\.0 zUSD/],
      // The fee is stated before signing: zkr up's minimum, which the wallet pays by default.
      [/^wallet transfer --to 2 0\.25$/, /fee 0\.0001 ETH \(100000000000000 wei\) to account 0, the sequencer's minimum\ntransfer 1 → 2: \S+ \(pending/],
      // A zUSD account pays none: fees are collected in ETH, the fee account's token, and zkr up sets no minimum for zUSD.
      [/^wallet transfer --from 3 --to 4 12\.5$/, /^fee 0 zUSD \(the sequencer sets no minimum\)\ntransfer 3 → 4: \S+ \(pending/],
      [/^wallet withdraw 0\.1$/, /fee 0\.0001 ETH \(100000000000000 wei\) to account 0, the sequencer's minimum\nwithdrawal from 1: \S+/],
      [/^wallet status \S+ --wait$/, /: withdraw 0\.1 ETH \(fee 0\.0001 ETH\) from 1: verified \(batch \d+/],
      [/^wallet claim$/, /claimed 0\.1 ETH to 0x70997970C51812dc3A010C7d01b50e0d17dc79C8/],
      [/^wallet balance$/, /L2 account 1: 0\.6498 ETH[\s\S]*L2 account 3: 87\.5 zUSD \(spendable 87\.5[\s\S]*: 999900\.0 zUSD, claimable 0\.0 zUSD/], // 1 − 0.25 − 0.1 − two fees; 100 − 12.5
      [/^wallet exit$/, /forced exit of account 1 queued on L1/],
      [/^sync$/, /root/i],
      [/^sync --db new\.db$/, /new\.db/],
      [/^proofs$/, /proven/],
      // Batch 7 is one of this walkthrough's or not yet made, depending on how the batcher grouped it.
      [/^proofs retry 7$/, /batch 7: (no proof job|not failed \(it is (proven|proving|queued)\))/, 1],
    ];
    const lines = shBlockUnder("Using the local rollup");
    expect(lines.length).toBe(expected.length);
    let lastHash = "";
    for (const [i, line] of lines.entries()) {
      const command = line.replace(/#.*$/, "").trim().replace("<tx hash>", lastHash);
      expect(command.startsWith("npx zkr ")).toBe(true);
      const args = command.slice("npx zkr ".length).split(/\s+/);
      const [shape, output, code = 0] = expected[i];
      expect(args.join(" ")).toMatch(shape);
      const r = await zkr(args, dir, env);
      if (r.code !== code) process.stderr.write(`${command}\n${r.out}\n`);
      expect({ command, code: r.code }).toEqual({ command, code });
      expect(r.out).toMatch(output);
      const hash = /(?:transfer \d+ → \d+|withdrawal from \d+): (\S+)/.exec(r.out);
      if (hash) lastHash = hash[1];
    }
    expect(fs.existsSync(path.join(dir, "new.db"))).toBe(true);
    // A call the contract refuses is named with its arguments, not "unknown custom error".
    const refused = await zkr(["wallet", "exit", "--from", "2"], dir, env);
    expect(refused.code).toBe(1);
    expect(refused.out).toContain("zkr: the contract refused: NotAccountOwner(2, 0x70997970C51812dc3A010C7d01b50e0d17dc79C8)");
    expect(fs.statSync(path.join(dir, "home", ".zkr", "wallet.json")).mode & 0o777).toBe(0o600);
  }, 900_000);
});

test("the README and the CLI name the same commands", async () => {
  const program = new Command();
  for (const c of Object.values(COMMANDS)) (await c.load())(program);
  const leaves: string[] = [];
  const walk = (c: Command, prefix: string[]) => {
    for (const sub of c.commands) {
      const p = [...prefix, sub.name()];
      if (sub.commands.length === 0) leaves.push(p.join(" "));
      else walk(sub, p);
    }
  };
  walk(program, []);
  // The list bin/zkr.js answers `zkr --help` from is the one the commands load from.
  expect(Object.keys(JSON.parse(fs.readFileSync(path.join(ROOT, "scripts", "commands", "commands.json"), "utf8"))).sort()).toEqual(Object.keys(COMMANDS).sort());
  for (const c of Object.values(COMMANDS)) expect(c.description).toMatch(/^[a-z].{10,}/);
  // Every `zkr …` the README shows as code names a command the CLI has…
  const shown = [...README.matchAll(/(?:npx zkr|`zkr) ((?:[a-z][a-z0-9-]*)(?: [a-z][a-z0-9-]*)*)/g)].map((m) => m[1]);
  /** Whether `words` start with a command path: the words after a command with no subcommand are its arguments. */
  const known = (words: string[]): boolean => {
    let c: Command = program;
    for (const w of words) {
      const sub = c.commands.find((s) => s.name() === w);
      if (sub) c = sub;
      else return c !== program && (c.commands.length === 0 || hasDefault(c));
    }
    return c !== program;
  };
  const hasDefault = (c: Command) => Boolean((c as unknown as { _defaultCommandName?: string })._defaultCommandName);
  expect(shown.filter((s) => !known(s.split(" ")))).toEqual([]);
  // …and every command of the CLI is in the README.
  expect(leaves.filter((l) => !new RegExp(`\\bzkr ${l}\\b`).test(README))).toEqual([]);
});
