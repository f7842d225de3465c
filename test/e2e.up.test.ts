// `npm start -- --demo` as a user runs it (`zkr up --demo`, free ports, its own folder): the devnet,
// the sequencer and the prover come up, say where they are, and the demo's deposit → transfer →
// withdraw → claim reaches every stage; then everything stops and cleans up after itself.

import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { tmpDir } from "./helpers/sequencer.js";

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
      /alice deposits 1 ETH on L1 .*: L2 account 0/,
      /both deposits are in a batch/,
      /transfer {2}: (in_batch|proving) \d+/, // a prover may take the batch before a poll sees it waiting
      /transfer {2}: verified on L1 \(block \d+\)/,
      /withdrawal: verified on L1 \(block \d+\)/,
      /alice claims 0\.1 ETH on L1 .*L1 balance \+0\.1 ETH before gas/,
      /alice: L2 account 0 holds 0\.65 ETH \(nonce 2\)/,
      /bob: L2 account 1 holds 0\.75 ETH \(nonce 0\)/,
      /demo done/,
    ]) expect(stdout).toMatch(line);
    // Stopped cleanly: the files that say a devnet runs are gone.
    expect(fs.existsSync(path.join(dir, "deployment.json"))).toBe(false);
    expect(fs.existsSync(path.join(dir, "sequencer.json"))).toBe(false);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
