/**
 * Sequencer API benchmark: signed transfers accepted per second (202 Accepted, stored in SQLite)
 * by the sequencer's HTTP API, measured from outside the sequencer process.
 *
 *   npx tsx bench/api.ts --txs 20000 --accounts 200 --clients 32
 *
 * 1. A fresh sequencer database gets `--accounts` funded accounts (through the L1 queue, applied by
 *    batches, as on a chain) and the sequencer starts as a child process on it (no L1, no prover:
 *    during the run the batcher makes batches, signatures checked again by applyBatch, until
 *    `maxUnprovenBatches` (8) wait for proofs; then only the API runs).
 * 2. `--txs` transfers are signed beforehand (EdDSA-Poseidon, each account's nonces in order) and
 *    cached in build/bench-api/ by their parameters, since signing is not what is measured.
 * 3. `--clients` concurrent HTTP/1.1 keep-alive clients send them; each owns a set of accounts
 *    and sends an account's next nonce only after the previous one was accepted (the mempool
 *    refuses nonce gaps), round-robin over its accounts.
 * 4. `--verify-threads` (default: one per core beyond the first) verify signatures off the main
 *    thread; 0 verifies on it.
 * 5. The result: accepted per second over the whole run, latency percentiles, refusals (should be
 *    none), and a check that the database holds exactly the accepted transactions.
 *
 * Writes bench/results/api-<date>.json with the machine. The clients run on the same machine and
 * share its cores with the sequencer (stated in the result).
 */
import { spawnSequencer } from "../sequencer/process.js";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { ROOT } from "../circuits/build.js";
import { startPool } from "../core/pool.js";
import { privateKeyFromSeed, publicKey } from "../sequencer/model/keys.js";
import { type TxJson } from "../sequencer/codec.js";
import { openDatabase } from "../sequencer/db.js";
import { seedDatabase } from "./fixtures/seed.js";
import { defaultVerifyThreads } from "../sequencer/config.js";
import { CHAIN_ID, TEST_ROLLUP, seedOf, type SignJob, type SignedTransfer } from "./sign-task.js";

async function signAll(nTx: number, nAcc: number, threads: number): Promise<TxJson[][]> {
  const cacheDir = path.join(ROOT, "build", "bench-api");
  const cache = path.join(cacheDir, `txs-${nTx}-${nAcc}.json`);
  if (fs.existsSync(cache)) return JSON.parse(fs.readFileSync(cache, "utf8")) as TxJson[][];
  const perAcc = Math.ceil(nTx / nAcc);
  const jobs: SignJob[] = Array.from({ length: nAcc }, (_, a) => ({ from: a, to: (a + 1) % nAcc, nonces: Array.from({ length: perAcc }, (_, n) => n) }));
  const t = performance.now();
  const pool = await startPool<SignJob[], SignedTransfer[]>({ name: "bench signing", module: new URL("./sign-task.ts", import.meta.url), threads });
  const parts = await Promise.all(Array.from({ length: threads }, (_, w) => pool.run(jobs.filter((_, i) => i % threads === w)))).finally(() => pool.destroy());
  const byAcc: TxJson[][] = Array.from({ length: nAcc }, () => []);
  for (const p of parts) for (const x of p) byAcc[x.from][x.nonce] = x.json;
  let total = 0;
  for (const list of byAcc) {
    list.length = Math.min(list.length, Math.max(0, nTx - total));
    total += list.length;
  }
  console.error(`signed ${total} transfers in ${((performance.now() - t) / 1000).toFixed(1)} s on ${threads} threads (cached in ${path.relative(ROOT, cache)})`);
  fs.mkdirSync(cacheDir, { recursive: true });
  fs.writeFileSync(cache, JSON.stringify(byAcc));
  return byAcc;
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux); NaN elsewhere. */
function cpuSeconds(pid: number): number {
  try {
    const f = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return NaN;
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main(): Promise<void> {
  const { values: a } = parseArgs({
    options: {
      txs: { type: "string", default: "20000" },
      accounts: { type: "string", default: "200" },
      clients: { type: "string", default: "32" },
      "sign-threads": { type: "string", default: String(Math.max(1, os.availableParallelism())) },
      "verify-threads": { type: "string" },
    },
  });
  const nTx = Number(a.txs);
  const nAcc = Number(a.accounts);
  const nClients = Number(a.clients);
  const verifyThreads = a["verify-threads"] === undefined ? defaultVerifyThreads() : Number(a["verify-threads"]);
  if (nAcc > 256 || nAcc < 2) throw new Error("--accounts: 2..256 (a depth-8 tree)");
  const byAcc = await signAll(nTx, nAcc, Number(a["sign-threads"]));

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zkr-bench-api-"));
  const dbPath = path.join(dir, "sequencer.db");
  seedDatabase(dbPath, { chainId: CHAIN_ID, rollup: TEST_ROLLUP, depth: 8, slots: 4 }, Array.from({ length: nAcc }, (_, i) => publicKey(privateKeyFromSeed(seedOf(i)))));
  const configFile = path.join(dir, "config.json");
  fs.writeFileSync(configFile, JSON.stringify({ dbPath, chainId: Number(CHAIN_ID), rollup: TEST_ROLLUP, slots: 4, depth: 8, batchMaxWaitMs: 1000, maxUnprovenBatches: 8, tickMs: 50, verifyThreads, api: { host: "127.0.0.1", port: 0 } }));
  const { proc: child, url } = await spawnSequencer(configFile, { cwd: ROOT, stderr: "inherit" });
  const { hostname, port } = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: nClients });
  const post = (body: string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request({ host: hostname, port, path: "/txs", method: "POST", agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } }, (res) => {
        let data = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (data += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: data }));
      });
      req.on("error", reject);
      req.end(body);
    });

  // Each client owns accounts c, c + nClients, …; sends round-robin over them, in nonce order.
  const latencies: number[] = [];
  const refusals: Record<string, number> = {};
  let accepted = 0;
  const client = async (c: number) => {
    const mine = byAcc.filter((_, i) => i % nClients === c).map((l) => l.map((j) => JSON.stringify(j)));
    const depth = Math.max(...mine.map((l) => l.length), 0);
    for (let n = 0; n < depth; n++) {
      for (const list of mine) {
        if (n >= list.length) continue;
        const t = performance.now();
        const r = await post(list[n]);
        latencies.push(performance.now() - t);
        if (r.status === 202) accepted++;
        else {
          const code = `${r.status} ${(JSON.parse(r.body) as { error: string }).error}`;
          refusals[code] = (refusals[code] ?? 0) + 1;
        }
      }
    }
  };
  // Warm-up: the first transaction of each account (JIT, connections), not counted in the rate.
  const warm = byAcc.map((l) => l.shift()!).filter(Boolean);
  await Promise.all(Array.from({ length: nClients }, async (_, c) => { for (let i = c; i < warm.length; i += nClients) await post(JSON.stringify(warm[i])); }));
  const loadBefore = os.loadavg()[0];
  const cpu0 = cpuSeconds(child.pid!);
  const clientCpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: nClients }, (_, c) => client(c)));
  const seconds = (performance.now() - t0) / 1000;
  const serverCpu = cpuSeconds(child.pid!) - cpu0;
  const clientUsage = process.cpuUsage(clientCpu0);
  const clientCpu = (clientUsage.user + clientUsage.system) / 1e6;
  agent.destroy();
  child.kill("SIGTERM");
  await new Promise((r) => child.once("exit", r));

  const db = openDatabase(dbPath);
  const stored = (db.prepare("SELECT COUNT(*) AS n FROM txs WHERE status != 'dropped'").get() as { n: number }).n;
  const batches = (db.prepare("SELECT COUNT(*) AS n FROM batches WHERE status = 'created'").get() as { n: number }).n;
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
  latencies.sort((x, y) => x - y);
  const sent = latencies.length;
  const result = {
    benchmark: "sequencer API: signed transfers accepted per second",
    date: new Date().toISOString(),
    command: `npx tsx bench/api.ts --txs ${nTx} --accounts ${nAcc} --clients ${nClients} --verify-threads ${verifyThreads}`,
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, memGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, platform: `${os.platform()} ${os.release()}`, loadAvgBefore: loadBefore },
    setup: { accounts: nAcc, clients: nClients, verifyThreads, http: "HTTP/1.1 keep-alive, node:http client", sequencer: "child process (node:http, better-sqlite3 WAL synchronous=NORMAL), no L1, no prover", sharedCores: "the clients run on the same machine" },
    sent,
    accepted,
    refusals,
    seconds: Number(seconds.toFixed(3)),
    acceptedPerSecond: Math.round(accepted / seconds),
    // Less load-dependent: accepted per CPU-second of the sequencer process (all its threads).
    serverCpuSeconds: Number(serverCpu.toFixed(2)),
    acceptedPerServerCpuSecond: Math.round(accepted / serverCpu),
    clientCpuSeconds: Number(clientCpu.toFixed(2)),
    latencyMs: { p50: Number(percentile(latencies, 50).toFixed(2)), p90: Number(percentile(latencies, 90).toFixed(2)), p99: Number(percentile(latencies, 99).toFixed(2)), max: Number(latencies[sent - 1].toFixed(2)) },
    storedInDatabase: stored,
    storedMatchesAccepted: stored === accepted + warm.length,
    batchesMadeDuringRun: batches,
  };
  console.log(JSON.stringify(result, null, 2));
  const out = path.join(ROOT, "bench", "results", `api-${result.date.slice(0, 10)}.json`);
  fs.writeFileSync(out, JSON.stringify(result, null, 2) + "\n");
  console.error(`${result.acceptedPerSecond} transfers/s accepted (${accepted} in ${seconds.toFixed(2)} s, p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms; ${result.acceptedPerServerCpuSecond} per CPU-second of the sequencer, load ${loadBefore.toFixed(1)}); written to ${path.relative(ROOT, out)}`);
  if (!result.storedMatchesAccepted) throw new Error(`the database holds ${stored} transactions, ${accepted + warm.length} were accepted`);
}

await main();
