// `npm start -- --demo` as a user runs it (`zkr up --demo`, free ports, its own folder): the devnet,
// the sequencer and the prover come up, say where they are, and the demo's deposit → transfer →
// withdraw → claim reaches every stage; then everything stops and cleans up after itself. A Ctrl-C
// stops it quietly and in order; a SIGKILL takes its children with it.

import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { tmpDir } from "./helpers/sequencer.js";
import { alive, until } from "./helpers/wait.js";
import { parseEther } from "ethers";
import { devnetProvider } from "../contracts/provider.js";
import { SequencerClient } from "../sequencer/client.js";
import { ZkrWallet, devnetAccountKey } from "../sequencer/wallet.js";
import { randomPrivateKey } from "../sequencer/model/keys.js";

test("zkr up --demo brings the rollup up, runs deposit → transfer → withdraw → claim, and stops", async () => {
  const dir = tmpDir("zkr-up-");
  try {
    const child = spawn(process.execPath, ["bin/zkr.js", "up", "--demo", "--exit-after-demo", "--port", "0", "--api-port", "0", "--out", dir], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c)));
    if (code !== 0) process.stderr.write(stderr);
    expect(code).toBe(0);
    for (const line of [
      /L1 RPC: +http:\/\/127\.0\.0\.1:\d+ \(anvil, chain id 31337\)/,
      /rollup: +0x[0-9a-fA-F]{40}/,
      /sequencer: +http:\/\/127\.0\.0\.1:\d+/,
      /database: +\S+sequencer\.db/,
      /prover: +pid \d+/,
      // The operator's fee account is the chain's first, made before the sequencer starts.
      /fees: +L2 account 0, the operator's \(wallet \S+operator-wallet\.json\); at least 0\.0001 ETH per transfer or withdrawal/,
      /mempool: +at most 1000000 pending transactions, then 503 with Retry-After: 1/,
      /alice deposits 1 ETH on L1 .*: L2 account 1/,
      /bob deposits 0\.5 ETH on L1 .*: L2 account 2/,
      /both deposits are in a batch/,
      /alice → bob 0\.25 ETH, fee 0\.0001 ETH to account 0 \(L2 transfer/,
      /alice withdraws 0\.1 ETH, fee 0\.0001 ETH to account 0 \(L2 withdrawal/,
      /transfer {2}: (in_batch|proving) \d+/, // a prover may take the batch before a poll sees it waiting
      /transfer {2}: verified on L1 \(block \d+\)/,
      /withdrawal: verified on L1 \(block \d+\)/,
      /alice claims 0\.1 ETH on L1 .*L1 balance \+0\.1 ETH before gas/,
      // 1 − 0.25 − 0.1 − two fees of 0.0001; the fees are the operator's: 1.5 ETH in, 0.1 out, 1.4 on L2.
      /alice: L2 account 1 holds 0\.6498 ETH \(nonce 2\)/,
      /bob: L2 account 2 holds 0\.75 ETH \(nonce 0\)/,
      /operator: L2 account 0 \(fees\) holds 0\.0002 ETH/,
      /demo done/,
    ]) expect(stdout).toMatch(line);
    // Stopped cleanly: the files that say a devnet runs are gone.
    expect(fs.existsSync(path.join(dir, "deployment.json"))).toBe(false);
    expect(fs.existsSync(path.join(dir, "sequencer.json"))).toBe(false);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/** Starts `zkr up` in its own process group (as a terminal runs it) on `dir`; resolves once it is up. */
async function startUp(dir: string, extra: string[] = []) {
  const child = spawn(process.execPath, ["bin/zkr.js", "up", "--port", "0", "--api-port", "0", "--out", dir, ...extra], { stdio: ["ignore", "pipe", "pipe"], detached: true });
  let out = "";
  child.stdout.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr.on("data", (c: Buffer) => (out += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  await until("zkr up to be running", () => out.includes("zkr is running") || child.exitCode !== null, 600_000, () => out);
  expect(out).toContain("zkr is running");
  const dep = JSON.parse(fs.readFileSync(path.join(dir, "deployment.json"), "utf8")) as { rpcUrl: string };
  const seq = JSON.parse(fs.readFileSync(path.join(dir, "sequencer.json"), "utf8")) as { proverPids: number[]; apiUrl: string };
  return { child, exited, output: () => out, rpcUrl: dep.rpcUrl, proverPid: seq.proverPids[0], apiUrl: seq.apiUrl, rollup: (dep as unknown as { addresses: { rollup: string } }).addresses.rollup };
}

/** Whether anything answers JSON-RPC at `url`. */
async function answers(url: string): Promise<boolean> {
  try {
    await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }) });
    return true;
  } catch {
    return false;
  }
}

test("Ctrl-C stops every part in order, without error lines, exits 0 and keeps nothing; a SIGKILL of zkr up takes anvil and the prover with it", async () => {
  const dir = tmpDir("zkr-up-stop-");
  try {
    // Ctrl-C at a terminal: SIGINT to the whole foreground process group.
    const a = await startUp(dir);
    // First, what it gives the browser app: the app's line, this run's operator token (in
    // sequencer.json, 0600), which the API's operator actions take and nothing else does, and the
    // devnet's RPC URL as the public one.
    expect(a.output()).toMatch(/ app: +http:\/\/127\.0\.0\.1:\d+\/app\/ +\(explorer and wallet\)\n +dashboard: +http:\/\/127\.0\.0\.1:\d+\/app\/#\/operator\?token=[0-9a-f]{64}\n/);
    const endpoints = path.join(dir, "sequencer.json");
    const { operatorToken } = JSON.parse(fs.readFileSync(endpoints, "utf8")) as { operatorToken: string };
    expect([operatorToken, fs.statSync(endpoints).mode & 0o777]).toEqual([expect.stringMatching(/^[0-9a-f]{64}$/), 0o600]);
    const retry = (auth: string) => fetch(`${a.apiUrl}/proofs/999/retry`, { method: "POST", body: "{}", headers: { "content-type": "application/json", authorization: auth } });
    expect([(await retry(`Bearer ${operatorToken}`)).status, (await retry(`Bearer ${"0".repeat(64)}`)).status]).toEqual([404, 401]);
    expect(await (await fetch(`${a.apiUrl}/info`)).json()).toMatchObject({ l1Rpc: a.rpcUrl, devnet: true });
    // zkr up built the app (or found it fresh) and serves it.
    const app = await fetch(`${a.apiUrl}/app/`);
    expect([app.status, app.headers.get("content-type")]).toEqual([200, "text/html; charset=utf-8"]);
    const before = a.output().length;
    process.kill(-a.child.pid!, "SIGINT");
    expect(await a.exited).toEqual({ code: 0, signal: null });
    const afterStop = a.output().slice(before);
    expect(afterStop).toContain("stopping");
    expect(afterStop).not.toMatch(/error|ECONNREFUSED|destroyed|retrying|FATAL/i);
    expect(fs.readdirSync(dir)).toEqual([]);
    expect(await answers(a.rpcUrl)).toBe(false);
    expect(alive(a.proverPid)).toBe(false);

    // Killed outright: its children notice the closed pipe and stop.
    const b = await startUp(dir);
    process.kill(b.child.pid!, "SIGKILL");
    await b.exited;
    await until("anvil to stop", async () => !(await answers(b.rpcUrl)), 60_000);
    await until("the prover to stop", () => !alive(b.proverPid), 60_000);
    // The folder is free again: the next zkr up takes it over.
    const c = await startUp(dir);
    process.kill(-c.child.pid!, "SIGINT");
    expect(await c.exited).toEqual({ code: 0, signal: null });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 1_200_000);

test("zkr up --provers 2 proves two batches at once; a prover killed mid-proof is started again, its batch proved again, and L1 verifies every batch in order", async () => {
  const dir = tmpDir("zkr-up-provers-");
  let started: Awaited<ReturnType<typeof startUp>> | undefined;
  try {
    const up = (started = await startUp(dir, ["--provers", "2"]));
    expect(up.output()).toMatch(/provers: +2, pids \d+, \d+ \(zkr prover --db \S+, cpu backend, \d+ threads? each; 2 batches proved at once\)/);
    const pids = () => (JSON.parse(fs.readFileSync(path.join(dir, "sequencer.json"), "utf8")) as { proverPids: number[] }).proverPids;
    const [first, second] = pids();
    expect([alive(first), alive(second)]).toEqual([true, true]);

    // Eight deposits from eight L1 accounts, sent at once: two full batches (4 slots) or more.
    const provider = devnetProvider(up.rpcUrl);
    let indices: bigint[];
    try {
      const wallets = Array.from({ length: 8 }, (_, i) => new ZkrWallet({ version: 1, l2Key: Buffer.from(randomPrivateKey()).toString("hex"), l1Key: devnetAccountKey(i + 1) }, provider));
      indices = (await Promise.all(wallets.map((w) => w.deposit(up.rollup, parseEther("0.1"))))).map((d) => d.index);
    } finally {
      provider.destroy();
    }
    const client = new SequencerClient(up.apiUrl);
    const batches = async () => {
      const out: { n: number; status: string; job: Awaited<ReturnType<SequencerClient["batch"]>>["proofJob"]; verifiedBlock: number | null }[] = [];
      for (let n = 0; ; n++) {
        const b = await client.batch(n).catch(() => undefined);
        if (!b) return out;
        out.push({ n, status: b.status, job: b.proofJob, verifiedBlock: b.verifiedBlock });
      }
    };
    // Both provers hold a job at the same moment.
    let held: { n: number; worker: string }[] = [];
    await until("two batches proving at once, on two provers", async () => {
      held = (await batches()).filter((b) => b.job?.status === "proving").map((b) => ({ n: b.n, worker: b.job!.worker! }));
      return new Set(held.map((h) => h.worker)).size === 2;
    }, 300_000, up.output);
    // The prover of the later batch (the one furthest from done) is killed mid-proof.
    const victim = held.reduce((a, b) => (b.n > a.n ? b : a));
    const slot = Number(/^up-prover-(\d+)$/.exec(victim.worker)![1]);
    process.kill(pids()[slot - 1], "SIGKILL");
    await until("the killed prover to be started again", () => up.output().includes(`prover ${slot} exited (SIGKILL); starting it again`) && pids()[slot - 1] > 0 && pids()[slot - 1] !== [first, second][slot - 1], 120_000, up.output);
    expect(alive(pids()[slot - 1])).toBe(true);

    // Every batch verified on L1; the victim's batch on a second attempt after its lease ran out.
    let all: Awaited<ReturnType<typeof batches>> = [];
    await until("every batch verified on L1", async () => {
      all = await batches();
      const made = await Promise.all(indices.map((i) => client.account(i).then(() => true, () => false)));
      return all.length >= 2 && all.every((b) => b.status === "verified") && made.every(Boolean);
    }, 600_000, () => JSON.stringify(all) + "\n" + up.output());
    const again = all.find((b) => b.n === victim.n)!;
    // (a second attempt: the first one's lease ran out with its prover; a success clears the error)
    expect(again.job!.attempts).toBeGreaterThanOrEqual(2);
    // L1 verified them in order: blocks never go back as batch numbers go up.
    const blocks = all.map((b) => Number(b.verifiedBlock));
    expect(blocks).toEqual([...blocks].sort((a, b) => a - b));

    const running = pids();
    process.kill(-up.child.pid!, "SIGINT");
    expect(await up.exited).toEqual({ code: 0, signal: null });
    expect(running.map(alive)).toEqual([false, false]);
  } finally {
    if (started && started.child.exitCode === null) {
      process.kill(-started.child.pid!, "SIGINT");
      await started.exited;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 1_200_000);

test("zkr up --keep resumes its chain and database after a SIGKILL; a plain zkr up refuses the kept chain; --fresh discards it", async () => {
  const dir = tmpDir("zkr-up-keep-");
  const deposit = async (up: { rpcUrl: string; rollup: string }, l1Account: number, eth: string) => {
    const provider = devnetProvider(up.rpcUrl);
    try {
      const w = new ZkrWallet({ version: 1, l2Key: Buffer.from(randomPrivateKey()).toString("hex"), l1Key: devnetAccountKey(l1Account) }, provider);
      return (await w.deposit(up.rollup, parseEther(eth))).index;
    } finally {
      provider.destroy();
    }
  };
  const account = (apiUrl: string, i: bigint) => new SequencerClient(apiUrl).account(i).catch(() => undefined);
  try {
    const a = await startUp(dir, ["--keep"]);
    expect(await deposit(a, 1, "1")).toBe(1n); // account 0 is the operator's fee account
    await until("account 1 on L2", async () => (await account(a.apiUrl, 1n)) !== undefined, 120_000);
    process.kill(a.child.pid!, "SIGKILL");
    await a.exited;
    await until("the prover to stop", () => !alive(a.proverPid), 60_000);

    // A plain start would discard the kept chain: it refuses and says what to do.
    const plain = spawn(process.execPath, ["bin/zkr.js", "up", "--port", "0", "--api-port", "0", "--out", dir], { stdio: ["ignore", "pipe", "pipe"] });
    let plainOut = "";
    plain.stderr.on("data", (c: Buffer) => (plainOut += c.toString()));
    expect(await new Promise((r) => plain.once("exit", r))).toBe(1);
    expect(plainOut).toMatch(/holds a kept chain \(anvil-state\.json, from a launch with --keep\)/);
    expect(plainOut).toContain("Resume it with --keep, or discard it with --fresh.");

    const b = await startUp(dir, ["--keep"]);
    expect(b.output()).toContain("resumed:");
    expect(b.output()).toMatch(/fees: +L2 account 0, the operator's/);
    expect(b.rollup).toBe(a.rollup);
    const acc = await account(b.apiUrl, 1n);
    expect(acc?.balance.toString()).toBe(parseEther("1").toString());
    // The chain goes on from where it was, with the same fee account: the next deposit makes account 2.
    expect(await deposit(b, 2, "0.5")).toBe(2n);
    await until("account 2 on L2", async () => (await account(b.apiUrl, 2n)) !== undefined, 120_000);
    process.kill(-b.child.pid!, "SIGINT");
    expect(await b.exited).toEqual({ code: 0, signal: null });
    expect(fs.readdirSync(dir).sort()).toEqual(expect.arrayContaining(["anvil-state.json", "deployment.json", "operator-wallet.json", "sequencer.db"]));

    const c = await startUp(dir, ["--fresh"]);
    expect(c.output()).not.toContain("resumed:");
    expect(await account(c.apiUrl, 1n)).toBeUndefined();
    process.kill(-c.child.pid!, "SIGINT");
    expect(await c.exited).toEqual({ code: 0, signal: null });
    expect(fs.readdirSync(dir)).toEqual([]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 1_200_000);
