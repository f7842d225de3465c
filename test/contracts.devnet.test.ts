// `zkr devnet` as a child process on a free port (--port 0): it writes deployment.json, the rollup
// answers at the written address with its test ERC-20 (zUSD) registered as token 1 and held by
// anvil's accounts, and SIGINT stops anvil, removes the file and exits 0. A kept chain resumes
// with the token it had, deploying nothing. The token's artefact is compiled once and reused
// while its source and compiler stay the same.

import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Contract } from "ethers";
import { ROOT } from "../circuits/build.js";
import { compileTestContract } from "../contracts/compile.js";
import { launchDevnet } from "../contracts/devnet.js";
import { devnetProvider } from "../contracts/provider.js";

let tmp: string;
let child: ChildProcess | undefined;
let stderr = "";

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "zkr-devnet-"));
});

afterAll(() => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function waitFor<T>(what: string, f: () => T | undefined, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; devnet stderr:\n${stderr}`);
    if (child && child.exitCode !== null) throw new Error(`devnet exited (${child.exitCode}) while waiting for ${what}:\n${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test("zkr devnet deploys, writes deployment.json, and stops cleanly on SIGINT", async () => {
  const file = path.join(tmp, "deployment.json");
  child = spawn("node", [path.join(ROOT, "bin/zkr.js"), "devnet", "--port", "0", "--out", tmp], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child!.once("exit", (code, signal) => resolve({ code, signal })));

  // Dev keys may have to be made first (minutes on a cold cache).
  const dep = await waitFor("deployment.json", () => (fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : undefined), 540_000);
  expect(dep.configuration).toEqual({ txs: 4, depth: 8, circuit: "rollup_4x8" });
  expect(dep.chainId).toBe(31337);
  expect(dep.rpcUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  expect(dep.rpcUrl).not.toBe("http://127.0.0.1:0");
  for (const a of Object.values(dep.artefacts) as Array<{ file: string; sha256: string }>) {
    expect(a.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(fs.existsSync(path.join(ROOT, a.file))).toBe(true);
  }
  // No temp file is left beside it; the folder's claim says who holds it (core/instance.ts).
  expect(fs.readdirSync(tmp).sort()).toEqual(["deployment.json", "instance.json", "instance.lock"]);
  expect(JSON.parse(fs.readFileSync(path.join(tmp, "instance.json"), "utf8"))).toMatchObject({ pid: child.pid, command: "zkr devnet", endpoints: { "L1 RPC": dep.rpcUrl } });

  const provider = devnetProvider(dep.rpcUrl);
  try {
    expect(Number((await provider.getNetwork()).chainId)).toBe(dep.chainId);
    const rollup = new Contract(dep.addresses.rollup, [
      "function nextAccountIndex() view returns (uint32)",
      "function operator() view returns (address)",
      "function stateRoot() view returns (uint256)",
      "function verifier() view returns (address)",
    ], provider);
    expect(await rollup.nextAccountIndex()).toBe(0n);
    expect(await rollup.operator()).toBe(dep.operator);
    expect((await rollup.stateRoot()).toString()).toBe(dep.genesisRoot);
    expect(await rollup.verifier()).toBe(dep.addresses.verifier);
    // The test ERC-20, registered as token 1, a million of it in each of anvil's accounts 0–9.
    expect(dep.tokens).toEqual([{ id: 1, address: expect.stringMatching(/^0x[0-9a-fA-F]{40}$/), symbol: "zUSD", decimals: 6 }]);
    const tokens = new Contract(dep.addresses.rollup, ["function tokenCount() view returns (uint256)", "function tokenAddress(uint256) view returns (address)"], provider);
    expect(await tokens.tokenCount()).toBe(2n);
    expect(await tokens.tokenAddress(1)).toBe(dep.tokens[0].address);
    const zUSD = new Contract(dep.tokens[0].address, ["function balanceOf(address) view returns (uint256)", "function symbol() view returns (string)", "function decimals() view returns (uint8)"], provider);
    expect([await zUSD.symbol(), await zUSD.decimals()]).toEqual(["zUSD", 6n]);
    const accounts = (await provider.send("eth_accounts", [])) as string[];
    expect(accounts).toHaveLength(10);
    for (const a of accounts) expect(await zUSD.balanceOf(a)).toBe(10n ** 12n);
  } finally {
    provider.destroy();
  }
  await waitFor("the printed summary", () => (stdout.includes("Ctrl-C") ? true : undefined), 10_000);
  expect(stdout).toContain(dep.addresses.rollup);
  expect(stdout).toContain(`token 1:     ${dep.tokens[0].address} (zUSD, 6 decimals`);

  child.kill("SIGINT");
  expect(await exited).toEqual({ code: 0, signal: null });
  expect(fs.readdirSync(tmp)).toEqual([]);
  // anvil is gone: its port no longer answers.
  const after = devnetProvider(dep.rpcUrl);
  await expect(after.send("eth_chainId", [])).rejects.toThrow();
  after.destroy();
});

test("compileTestContract reuses an artefact only when its source, compiler and settings are the ones here", () => {
  const out = path.join(tmp, "artefacts");
  const fresh = compileTestContract("TestToken", { outDir: out });
  const file = path.join(out, "TestToken.json");
  const written = fs.statSync(file).mtimeMs;
  expect(compileTestContract("TestToken", { outDir: out, reuse: true })).toEqual(fresh);
  expect(fs.statSync(file).mtimeMs).toBe(written);
  // From another source (or another compiler): compiled again, and the file replaced.
  for (const stale of [{ ...fresh, sourceSha256: "0".repeat(64), bytecode: "0x00" }, { ...fresh, compiler: { ...fresh.compiler, version: "0.0.0" }, bytecode: "0x00" }]) {
    fs.writeFileSync(file, JSON.stringify(stale));
    expect(compileTestContract("TestToken", { outDir: out, reuse: true })).toEqual(fresh);
    expect(JSON.parse(fs.readFileSync(file, "utf8"))).toEqual(fresh);
  }
  fs.rmSync(out, { recursive: true });
});

test("a kept chain resumes with the token it had: the same address, registered once, the balances it left", async () => {
  const out = path.join(tmp, "kept");
  const first = await launchDevnet({ txs: 4, depth: 8, port: 0, out, keep: true });
  const [token] = first.deployment.tokens!;
  const erc20 = ["function balanceOf(address) view returns (uint256)", "function transfer(address,uint256) returns (bool)"];
  let p = devnetProvider(first.deployment.rpcUrl);
  try {
    const zUSD = new Contract(token.address, erc20, await p.getSigner(1));
    await (await zUSD.transfer("0x000000000000000000000000000000000000dEaD", 123n)).wait();
  } finally {
    p.destroy();
    await first.stop();
  }
  const again = await launchDevnet({ txs: 4, depth: 8, port: 0, out, keep: true });
  try {
    expect(again.resumed).toBe(true);
    expect(again.deployment.tokens).toEqual([token]);
    p = devnetProvider(again.deployment.rpcUrl);
    const rollup = new Contract(again.deployment.addresses.rollup, ["function tokenCount() view returns (uint256)"], p);
    expect(await rollup.tokenCount()).toBe(2n);
    const zUSD = new Contract(token.address, erc20, p);
    expect(await zUSD.balanceOf("0x000000000000000000000000000000000000dEaD")).toBe(123n);
    expect(await zUSD.balanceOf(await (await p.getSigner(1)).getAddress())).toBe(10n ** 12n - 123n);
  } finally {
    p.destroy();
    await again.stop();
    fs.rmSync(out, { recursive: true, force: true });
  }
});
