/**
 * End-to-end throughput of the whole rollup, as a user sees it: `zkr up` (anvil, the sequencer,
 * `--provers K` prover processes) gets a bounded load of signed transfers from many accounts
 * through its HTTP API, and the bench follows every one until L1 has verified its batch. Reports
 * sustained tx/s from the first submission to the last verification, latency percentiles from
 * submission to each stage (in a batch, proven, submitted, verified), gas and calldata per
 * transaction from the L1 receipts, and the provers' utilisation; one run per K, each on a fresh
 * devnet. Writes bench/results/throughput-<date>.{json,md,svg} with the machine.
 *
 *   npx zkr bench throughput [--txs 4 --depth 8] [--provers 1,2] [--accounts 8] [--transfers 64]
 *   npm run bench:throughput -- …   (the same)
 *
 * Everything runs on this machine: the provers share its cores with anvil, the sequencer and the
 * load (bench/README.md says what 2 cores can and cannot show).
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseEther } from "ethers";
import { devnetProvider } from "../contracts/provider.js";
import { ApiError, SequencerClient, type TxView } from "../sequencer/client.js";
import { ZkrWallet, devnetAccountKey } from "../sequencer/wallet.js";
import { randomPrivateKey } from "../sequencer/model/keys.js";
import { ROOT, fmt, resultStamp, loadavg, machine, markdownTable, writeJson } from "./lib.js";
import { linesSvg } from "./plot.js";

const STAGES = ["in_batch", "proven", "submitted", "verified"] as const;
type Stage = (typeof STAGES)[number];
const RANK: Record<TxView["stage"], number> = { pending: 0, dropped: -1, in_batch: 1, proving: 1, proven: 2, submitted: 3, verified: 4 };
/** anvil's accounts 1–9 make the deposits (0 is the operator). */
const L1_ACCOUNTS = 9;

/** What {@link runThroughput} takes. */
export interface ThroughputOptions {
  config: { txs: number; depth: number };
  /** Prover processes, one run each. */
  provers: number[];
  accounts: number;
  transfers: number;
  out: string;
}

const say = (l: string) => console.error(`throughput  ${l}`);

/** `zkr up` on free ports in its own folder; resolves once it is running. */
async function startUp(config: ThroughputOptions["config"], dir: string, provers: number): Promise<{ child: ChildProcess; rpcUrl: string; rollup: string; apiUrl: string; output: () => string }> {
  const args = ["bin/zkr.js", "up", "--port", "0", "--api-port", "0", "--out", dir, "--txs", String(config.txs), "--depth", String(config.depth), "--provers", String(provers)];
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let out = "";
  child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (out += c.toString()));
  const deadline = Date.now() + 3_600_000;
  while (!out.includes("zkr is running")) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`zkr up did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const dep = JSON.parse(fs.readFileSync(path.join(dir, "deployment.json"), "utf8")) as { rpcUrl: string; addresses: { rollup: string } };
  const seq = JSON.parse(fs.readFileSync(path.join(dir, "sequencer.json"), "utf8")) as { apiUrl: string };
  return { child, rpcUrl: dep.rpcUrl, rollup: dep.addresses.rollup, apiUrl: seq.apiUrl, output: () => out };
}

async function stopUp(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  process.kill(-child.pid!, "SIGINT");
  await exited;
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] : NaN;
};

interface RunResult {
  provers: number;
  threadsPerProver: number;
  transfers: number;
  wallSeconds: number;
  txPerSecond: number;
  /** Seconds from submission to each stage, over every transfer. */
  latency: Record<Stage, { p50: number; p90: number; max: number }>;
  batches: number;
  /** Transfers per batch, on average (the rest of each batch's slots are empty). */
  fill: number;
  gasPerTx: number;
  gasPerBatch: number;
  calldataBytesPerTx: number;
  /** Σ proving time ÷ (K × wall): how busy the provers were. */
  proverUtilisation: number;
  provingSeconds: { p50: number; max: number };
  /** Cumulative verified transfers against seconds since the first submission. */
  curve: { t: number; verified: number }[];
}

async function run(o: ThroughputOptions, provers: number): Promise<RunResult> {
  const { config, accounts: nAccounts, transfers: nTransfers } = o;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zkr-throughput-"));
  say(`${provers} prover(s): starting zkr up (rollup_${config.txs}x${config.depth})`);
  const up = await startUp(config, dir, provers);
  const threads = Number(/(\d+) threads?/.exec(up.output().split("\n").find((l) => /provers?: /.test(l)) ?? "")?.[1] ?? NaN);
  const provider = devnetProvider(up.rpcUrl);
  const client = new SequencerClient(up.apiUrl);
  try {
    // The senders: one deposit each, from anvil's accounts in turn (one L1 account's deposits in order).
    const wallets = Array.from({ length: nAccounts }, (_, i) => new ZkrWallet({ version: 1, l2Key: Buffer.from(randomPrivateKey()).toString("hex"), l1Key: devnetAccountKey(1 + (i % L1_ACCOUNTS)) }, provider));
    const indices = new Array<bigint>(nAccounts);
    await Promise.all(
      Array.from({ length: Math.min(L1_ACCOUNTS, nAccounts) }, async (_, l1) => {
        for (let i = l1; i < nAccounts; i += L1_ACCOUNTS) indices[i] = (await wallets[i].deposit(up.rollup, parseEther("1"))).index;
      }),
    );
    for (const i of indices) while (!(await client.account(i).then(() => true, () => false))) await new Promise((r) => setTimeout(r, 200));
    say(`${nAccounts} accounts on L2; sending ${nTransfers} transfers`);

    // The load: each account sends its share in turn (its nonces in order), all accounts at once.
    const seen = new Map<string, Partial<Record<Stage | "submit", number>>>();
    const t0 = performance.now();
    const now = () => (performance.now() - t0) / 1000;
    await Promise.all(
      wallets.map(async (w, i) => {
        for (let k = i; k < nTransfers; k += nAccounts) {
          const tx = await w.signTransfer(client, indices[i], indices[(i + 1) % nAccounts], parseEther("0.001"));
          for (;;) {
            try {
              seen.set(await client.submit(tx), { submit: now() });
              break;
            } catch (err) {
              // A full mempool says when to come back.
              if (!(err instanceof ApiError) || err.status !== 503) throw err;
              await new Promise((r) => setTimeout(r, 500));
            }
          }
        }
      }),
    );
    // Every transfer followed to L1 verification.
    const deadline = Date.now() + 3_600_000;
    for (;;) {
      const open = [...seen].filter(([, s]) => s.verified === undefined);
      if (!open.length) break;
      if (Date.now() > deadline) throw new Error(`${open.length} transfers not verified after an hour`);
      for (let j = 0; j < open.length; j += 32) {
        await Promise.all(
          open.slice(j, j + 32).map(async ([hash, s]) => {
            const v = await client.tx(hash);
            if (v.stage === "dropped") throw new Error(`transfer ${hash} dropped: ${v.reason}`);
            const t = now();
            for (const st of STAGES) if (RANK[v.stage] >= RANK[st] && s[st] === undefined) s[st] = t;
          }),
        );
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    const wall = Math.max(...[...seen.values()].map((s) => s.verified!));

    // What L1 paid: the batches that hold the transfers, their receipts and calldata.
    const batchNumbers = new Set<number>();
    for (const hash of seen.keys()) batchNumbers.add((await client.tx(hash)).batch!);
    let gas = 0n;
    let calldata = 0;
    const proving: number[] = [];
    for (const n of batchNumbers) {
      const b = await client.batch(n);
      const receipt = await provider.getTransactionReceipt(b.l1Tx!);
      const tx = await provider.getTransaction(b.l1Tx!);
      gas += receipt!.gasUsed;
      calldata += (tx!.data.length - 2) / 2;
      if (b.proofJob?.provingMs !== undefined && b.proofJob.provingMs !== null) proving.push(b.proofJob.provingMs / 1000);
    }
    const latency = Object.fromEntries(
      STAGES.map((st) => {
        const xs = [...seen.values()].map((s) => s[st]! - s.submit!);
        return [st, { p50: pct(xs, 50), p90: pct(xs, 90), max: Math.max(...xs) }];
      }),
    ) as RunResult["latency"];
    const verifiedAt = [...seen.values()].map((s) => s.verified!).sort((a, b) => a - b);
    const r: RunResult = {
      provers,
      threadsPerProver: threads,
      transfers: nTransfers,
      wallSeconds: wall,
      txPerSecond: nTransfers / wall,
      latency,
      batches: batchNumbers.size,
      fill: nTransfers / batchNumbers.size,
      gasPerTx: Number(gas) / nTransfers,
      gasPerBatch: Number(gas) / batchNumbers.size,
      calldataBytesPerTx: calldata / nTransfers,
      proverUtilisation: proving.reduce((a, b) => a + b, 0) / (provers * wall),
      provingSeconds: { p50: pct(proving, 50), max: Math.max(...proving) },
      curve: verifiedAt.map((t, i) => ({ t, verified: i + 1 })),
    };
    say(`${provers} prover(s): ${fmt(r.txPerSecond)} tx/s over ${fmt(wall)} s; verified p50 ${fmt(latency.verified.p50)} s`);
    return r;
  } finally {
    provider.destroy();
    await stopUp(up.child);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs one devnet per prover count, writes throughput-<date>.{json,md,svg} into `o.out` and prints the table. */
export async function runThroughput(o: ThroughputOptions): Promise<{ json: string }> {
  const { config, accounts: nAccounts, transfers: nTransfers } = o;
  for (const [k, v] of Object.entries({ txs: config.txs, depth: config.depth, accounts: nAccounts, transfers: nTransfers, ...Object.fromEntries(o.provers.map((p, i) => [`provers[${i}]`, p])) })) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`--${k.replace(/\[.*/, "")}: a positive integer expected, got ${v}`);
  }
  const loadBefore = loadavg();
  const date = new Date().toISOString();
  const runs: RunResult[] = [];
  for (const k of o.provers) runs.push(await run(o, k));
  const record = {
    schema: "zkr-throughput/1",
    date,
    configuration: { name: `rollup_${config.txs}x${config.depth}`, ...config },
    load: { accounts: nAccounts, transfers: nTransfers, amount: "0.001 ETH each, to the next account" },
    machine: machine(),
    loadavg: { before: loadBefore, after: loadavg() },
    runs,
    notes: [
      "one machine: anvil, the sequencer, the K provers and the load share its cores; K provers each get cores/K worker threads",
      "tx/s: transfers ÷ seconds from the first submission to the last L1 verification (deposits before the load are not counted)",
    ],
  };
  const file = path.join(o.out, `throughput-${resultStamp(date)}.json`);
  writeJson(file, record);
  const ms = (x: number) => fmt(x);
  const md = [
    `# End-to-end throughput: ${record.configuration.name}, ${nTransfers} transfers from ${nAccounts} accounts`,
    "",
    `- machine: ${record.machine.cpu}, ${record.machine.cores} cores, ${record.machine.memoryGiB} GiB; load ${loadBefore.join(" ")} → ${record.loadavg.after.join(" ")}`,
    `- from submission through the API to verification on L1 (anvil), every part on this machine`,
    "",
    markdownTable(
      ["provers", "threads each", "tx/s", "wall s", "batches", "tx/batch", "in batch p50/p90", "proven p50/p90", "verified p50/p90/max", "gas/tx", "calldata B/tx", "prover busy"],
      runs.map((r) => [
        String(r.provers), String(r.threadsPerProver), fmt(r.txPerSecond), fmt(r.wallSeconds), String(r.batches), fmt(r.fill),
        `${ms(r.latency.in_batch.p50)} / ${ms(r.latency.in_batch.p90)}`, `${ms(r.latency.proven.p50)} / ${ms(r.latency.proven.p90)}`,
        `${ms(r.latency.verified.p50)} / ${ms(r.latency.verified.p90)} / ${ms(r.latency.verified.max)}`,
        fmt(r.gasPerTx), fmt(r.calldataBytesPerTx), `${Math.round(r.proverUtilisation * 100)}%`,
      ]),
      ["r", "r", "r", "r", "r", "r", "r", "r", "r", "r", "r", "r"],
    ),
    "",
    "Latencies in seconds from each transfer's submission.",
    "",
  ].join("\n");
  fs.writeFileSync(file.replace(/\.json$/, ".md"), md);
  const colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"];
  fs.writeFileSync(
    file.replace(/\.json$/, ".svg"),
    linesSvg({
      title: `Transfers verified on L1 over time: ${record.configuration.name}`,
      subtitle: `${nTransfers} transfers from ${nAccounts} accounts, submitted at t = 0; ${record.machine.cores} cores`,
      xLabel: "seconds since the first submission",
      yLabel: "transfers verified on L1",
      series: runs.map((r, i) => ({ label: `${r.provers} prover${r.provers === 1 ? "" : "s"}: ${fmt(r.txPerSecond)} tx/s`, color: colors[i % colors.length], points: [{ x: 0, y: 0 }, ...r.curve.map((c) => ({ x: c.t, y: c.verified }))], attrs: { provers: String(r.provers) } })),
    }),
  );
  console.log(md);
  console.log(`written: ${path.relative(process.cwd(), file)}, .md and .svg`);
  return { json: file };
}

/** The options as `zkr bench throughput` (scripts/commands/bench.ts) parses them. */
export function throughputOptions(o: { txs: string; depth: string; provers: string; accounts: string; transfers: string; out: string }): ThroughputOptions {
  return { config: { txs: Number(o.txs), depth: Number(o.depth) }, provers: o.provers.split(",").map(Number), accounts: Number(o.accounts), transfers: Number(o.transfers), out: o.out };
}
