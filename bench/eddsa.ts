/**
 * EdDSA-Poseidon verification: zkr's verifier (sequencer/model/eddsa.ts) against the outside
 * implementations on the same signatures, in the same run:
 * - @zk-kit/eddsa-poseidon `verifySignature` (what keys.verify used before) and circomlibjs
 *   `eddsa.verifyPoseidon`, on the first `--ref` signatures;
 * - zkr single `verify`: a key seen for the first time (its table is built and cached), with the
 *   key cache off (one-shot wNAF), and with the key cached;
 * - zkr `verifyBatch` at each `--batches` size, keys not cached (and cached, for comparison);
 * - the Poseidon(5) hash alone (poseidon-lite, zkr's kernel), since it is most of the cost.
 *
 *   npx tsx bench/eddsa.ts [--n 512] [--ref 8] [--runs 15] [--batches 1,16,64,256]
 *
 * Signatures: `--n` distinct keys, one message each, made from random scalars with zkr's fixed-base
 * code (S = k + 8·h·a; signing is not measured). Every verdict is checked: all true, and a spoiled
 * copy of each reference signature false in every implementation. After a warm-up, `--runs` rounds
 * time every configuration once, round-robin (the machine is shared: load then hits every row
 * alike); each row reports the median and the fastest run. Prints a Markdown table and writes bench/results/eddsa-<date>.json
 * with the machine and its load average.
 */
import { randomBytes } from "node:crypto";
import { ROOT } from "../core/paths.js";
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { buildEddsa } from "circomlibjs";
import { poseidon5 } from "poseidon-lite";
import { BABYJUB_SUBORDER, configureEddsaVerifier, verify, verifyBatch, type EddsaBatchItem } from "../sequencer/model/index.js";
import { babyjubMulBase, poseidon5Wasm } from "../sequencer/model/babyjub-fast.js";
import { SNARK_FIELD } from "../sequencer/model/constants.js";

const zk = createRequire(import.meta.url)("@zk-kit/eddsa-poseidon/blake-1") as typeof import("@zk-kit/eddsa-poseidon");

interface Row {
  name: string;
  /** Signatures per timed pass. */
  count: number;
  /** Median microseconds per signature over the runs. */
  usPerSig: number;
  /** Fastest run: the least disturbed by other load on the machine. */
  usPerSigMin: number;
  perSecond: number;
  /** Microseconds per signature of each run. */
  runs: number[];
}

/** A timed configuration: `before` (untimed) then `pass`, which handles `count` signatures. */
interface Config {
  name: string;
  count: number;
  pass: () => void;
  before?: () => void;
}

function args() {
  const { values } = parseArgs({
    options: { n: { type: "string", default: "512" }, ref: { type: "string", default: "8" }, runs: { type: "string", default: "15" }, batches: { type: "string", default: "1,16,64,256" } },
  });
  const n = Number(values.n);
  const ref = Number(values.ref);
  const runs = Number(values.runs);
  const batches = values.batches.split(",").map(Number);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--n: a positive integer expected, got ${values.n}`);
  if (!Number.isInteger(ref) || ref < 1 || ref > n) throw new Error(`--ref: an integer in [1, --n] expected, got ${values.ref}`);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs: a positive integer expected, got ${values.runs}`);
  if (batches.some((b) => !Number.isInteger(b) || b < 1 || b > n)) throw new Error(`--batches: sizes in [1, --n] expected, got ${values.batches}`);
  return { n, ref, runs, batches };
}

const random = (bytes: number, mod: bigint): bigint => BigInt("0x" + randomBytes(bytes).toString("hex")) % mod;

function makeItems(n: number): EddsaBatchItem[] {
  const l = BABYJUB_SUBORDER;
  return Array.from({ length: n }, () => {
    const a = 1n + random(40, l - 1n);
    const k = random(40, l);
    const msg = random(40, SNARK_FIELD);
    const A = babyjubMulBase(a);
    const R = babyjubMulBase(k);
    const h = poseidon5([R[0], R[1], A[0], A[1], msg]);
    return { msg, sig: { r8x: R[0], r8y: R[1], s: (k + 8n * h * a) % l }, pk: [A[0], A[1]] };
  });
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * One warm-up pass of each configuration, then `runs` rounds that time every configuration once,
 * round-robin: load from elsewhere on the machine then spreads over all rows alike.
 */
function measure(configs: Config[], runs: number): Row[] {
  for (const c of configs) {
    c.before?.();
    c.pass();
  }
  const us = configs.map(() => [] as number[]);
  for (let i = 0; i < runs; i++) {
    configs.forEach((c, j) => {
      c.before?.();
      const t = performance.now();
      c.pass();
      us[j].push(((performance.now() - t) * 1000) / c.count);
    });
  }
  return configs.map((c, j) => {
    const usPerSig = median(us[j]);
    console.error(`${c.name}: median ${usPerSig.toFixed(1)}, min ${Math.min(...us[j]).toFixed(1)} µs/signature`);
    return { name: c.name, count: c.count, usPerSig, usPerSigMin: Math.min(...us[j]), perSecond: 1e6 / usPerSig, runs: us[j] };
  });
}

async function main(): Promise<void> {
  const { n, ref, runs, batches } = args();
  const loadBefore = os.loadavg();
  const items = makeItems(n);
  const refItems = items.slice(0, ref);
  const spoiled = refItems.map((it) => ({ ...it, msg: (it.msg + 1n) % SNARK_FIELD }));
  const ed = await buildEddsa();
  const F = ed.F;
  const refArgs = (it: EddsaBatchItem) => [F.e(it.msg), { R8: [F.e(it.sig.r8x), F.e(it.sig.r8y)], S: it.sig.s }, [F.e(it.pk[0]), F.e(it.pk[1])]] as const;
  const zkVerify = (it: EddsaBatchItem) => zk.verifySignature(it.msg, { R8: [it.sig.r8x, it.sig.r8y], S: it.sig.s }, it.pk);
  const clVerify = (it: EddsaBatchItem) => ed.verifyPoseidon(...refArgs(it)) as boolean;

  // verdicts
  const check = (what: string, got: boolean[], want: boolean) => {
    if (got.some((v) => v !== want)) throw new Error(`${what}: every verdict ${want} expected, got ${got.filter((v) => v !== want).length} otherwise`);
  };
  check("zk-kit", refItems.map(zkVerify), true);
  check("zk-kit, spoiled", spoiled.map(zkVerify), false);
  check("circomlibjs", refItems.map(clVerify), true);
  check("circomlibjs, spoiled", spoiled.map(clVerify), false);
  check("zkr verify", items.map((it) => verify(it.msg, it.sig, it.pk)), true);
  check("zkr verify, spoiled", spoiled.map((it) => verify(it.msg, it.sig, it.pk)), false);
  check("zkr verifyBatch", verifyBatch(items), true);
  check("zkr verifyBatch, spoiled", verifyBatch(spoiled), false);

  const all = (f: (it: EddsaBatchItem) => boolean, set: EddsaBatchItem[]) => () => {
    for (const it of set) f(it);
  };
  const ours = (it: EddsaBatchItem) => verify(it.msg, it.sig, it.pk);
  const cacheOn = () => configureEddsaVerifier({ keyCacheSize: 2 * n });
  const cacheCleared = () => {
    configureEddsaVerifier({ keyCacheSize: 0 });
    cacheOn();
  };
  const cacheOff = () => configureEddsaVerifier({ keyCacheSize: 0 });
  const cacheWarm = () => {
    cacheOn();
    for (const it of items) ours(it);
  };
  const configs: Config[] = [
    { name: "@zk-kit/eddsa-poseidon verifySignature", count: ref, pass: all(zkVerify, refItems) },
    { name: "circomlibjs eddsa.verifyPoseidon", count: ref, pass: all(clVerify, refItems) },
    { name: "zkr verify, new key (table built and cached)", count: n, pass: all(ours, items), before: cacheCleared },
    { name: "zkr verify, key cache off", count: n, pass: all(ours, items), before: cacheOff },
    { name: "zkr verify, cached key", count: n, pass: all(ours, items), before: cacheWarm },
  ];
  for (const b of batches) {
    const chunks = Array.from({ length: Math.floor(n / b) }, (_, i) => items.slice(i * b, (i + 1) * b));
    const pass = () => {
      for (const c of chunks) verifyBatch(c);
    };
    configs.push({ name: `zkr verifyBatch ×${b}, keys not cached`, count: chunks.length * b, pass, before: cacheCleared });
    configs.push({ name: `zkr verifyBatch ×${b}, keys cached`, count: chunks.length * b, pass, before: cacheWarm });
  }
  const hashInputs = items.map((it) => [it.sig.r8x, it.sig.r8y, it.pk[0], it.pk[1], it.msg]);
  configs.push({ name: "Poseidon(5) alone: poseidon-lite", count: ref, pass: () => refItems.forEach((_, i) => poseidon5(hashInputs[i])) });
  configs.push({ name: "Poseidon(5) alone: zkr kernel", count: n, pass: () => hashInputs.forEach((x) => poseidon5Wasm(x)) });
  const rows = measure(configs, runs);
  configureEddsaVerifier({ keyCacheSize: 1024 });

  const machine = { cpu: os.cpus()[0]?.model ?? "unknown", cores: os.cpus().length, node: process.version, os: `${os.platform()} ${os.release()}`, memoryGiB: Math.round(os.totalmem() / 2 ** 30) };
  const loadAfter = os.loadavg();
  const zkUs = rows[0].usPerSig;
  const lines = [
    `EdDSA-Poseidon verification — ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, one thread; ${runs} runs round-robin; load average ${loadBefore[0].toFixed(1)} → ${loadAfter[0].toFixed(1)}`,
    "",
    "| what | µs / signature (median) | (fastest run) | signatures / s (median) | × faster than zk-kit |",
    "|---|---:|---:|---:|---:|",
    ...rows.map((r) => `| ${r.name} | ${r.usPerSig.toFixed(1)} | ${r.usPerSigMin.toFixed(1)} | ${Math.round(r.perSecond).toLocaleString("en-US")} | ${(zkUs / r.usPerSig).toFixed(0)} |`),
  ];
  console.log(lines.join("\n"));
  const date = new Date().toISOString().slice(0, 10);
  const dir = path.join(ROOT, "bench", "results");
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `eddsa-${date}.json`);
  fs.writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), machine, loadAverage: { before: loadBefore, after: loadAfter }, n, ref, runs, rows }, null, 2) + "\n");
  console.error(`wrote ${path.relative(process.cwd(), file)}`);
}

await main();
