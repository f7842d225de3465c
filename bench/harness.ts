/**
 * The benchmark harness behind `zkr bench`: zkr's backends against snarkjs on the same inputs in
 * the same run.
 *
 * 1. Kernels — at each size 2^k: G1 MSM (uniform scalars and the circom mix), G2 MSM, the forward
 *    NTT and the prover's NTT step (inverse + coset NTT of A, B, C at once), on every available
 *    backend and on ffjavascript (snarkjs's engine, called as snarkjs calls it). Every result is
 *    checked against ffjavascript's in the warm-up.
 * 2. Full proofs — per circuit configuration: dev keys (cached under build/keys/dev), a batch of
 *    signed transfers from the state model, its witness; snarkjs.groth16.prove against zkr's
 *    prover per backend (cold once, then warm as the prover service runs) and rapidsnark when its
 *    binary is on PATH. Every prover's proof is verified once.
 * 3. The circuit side per configuration: constraints, proof time, tx-data bytes and gas per
 *    transaction (gas from the latest bench/gas.ts result for that configuration).
 *
 * Contenders run interleaved (each once per round) so that a shared machine's changing load falls
 * on all of them; medians with min/max and quartiles go into the record (bench/report.ts).
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { buildBn128 } from "ffjavascript";
import { circuitName, type CircuitConfig } from "../circuits/build.js";
import { devKeys, type DevKeys } from "../circuits/devkeys.js";
import { computeWitness, releaseSnarkjs, writeWtns } from "../circuits/witness.js";
import { G1_BYTES, G2_BYTES, type BasesHandle, type Group, type ProverBackend } from "../prover/backend.js";
import { frRootOfUnity } from "../core/bn254.js";
import { Groth16Prover, createBackend, readZkey, witnessToBytes } from "../prover/index.js";
import { applyBatch } from "../sequencer/model/batch.js";
import { Scenario, user } from "./fixtures/scenario.js";
import { RESULTS_DIR, interleaved, loadavg, machine, randomBases, randomScalars, summarize, timeMs, versions } from "./lib.js";
import { rng } from "./fixtures/rng.js";
import { KERNEL_BASELINE, PROOF_BASELINE, SCHEMA, renderMarkdown, writeRun, type AdapterInfo, type BenchRun, type CircuitRow, type KernelRow, type ProofRow } from "./report.js";

/* eslint-disable @typescript-eslint/no-explicit-any */
type Curve = any;

/** Kernels by option name, with the label the tables and the plot use. */
export const KERNELS = {
  g1: "G1 MSM",
  g1mix: "G1 MSM, circom mix",
  g2: "G2 MSM",
  ntt: "NTT",
  "prover-ntt": "NTT ×3 (iNTT + coset)",
} as const;
export type KernelKey = keyof typeof KERNELS;

export interface BenchOptions {
  quick: boolean;
  /** log2 sizes of the kernels. */
  sizes: number[];
  kernels: KernelKey[];
  /** zkr backends to measure (webgpu, cpu, ffjs); the baselines always run. */
  backends: string[];
  configs: CircuitConfig[];
  /** Timed runs per kernel row, after one warm-up. */
  runs: number;
  /** Timed runs per prover and configuration, after one warm-up. */
  proofRuns: number;
  /** On a software adapter (llvmpipe), webgpu runs kernels up to 2^this only, and no full proofs. */
  softwareMaxLog: number;
  /** Skip a kernel size when this many bytes per element do not fit in free memory. */
  bytesPerElement?: number;
  /** Where results/gas-*.json are looked up. */
  resultsDir?: string;
  log?: (line: string) => void;
}

/** Parses "12,14,16" (or none) into log2 sizes in [1, 26]. */
export function parseSizes(list: string): number[] {
  if (list === "none") return [];
  return list.split(",").map((s) => {
    const n = Number(s.trim());
    if (!Number.isInteger(n) || n < 1 || n > 26) throw new Error(`--sizes: log2 sizes in [1, 26] expected, got ${s}`);
    return n;
  });
}

/** Parses "g1,g2,ntt" (or none) into kernel keys. */
export function parseKernels(list: string): KernelKey[] {
  if (list === "none") return [];
  return list.split(",").map((k) => {
    if (!(k in KERNELS)) throw new Error(`--kernels: some of ${Object.keys(KERNELS).join(", ")} expected, got ${k}`);
    return k as KernelKey;
  });
}

/** Parses "webgpu,cpu" into zkr backend names (webgpu, cpu, ffjs). */
export function parseBackends(list: string): string[] {
  return list.split(",").filter(Boolean).map((b) => {
    if (!["webgpu", "cpu", "ffjs"].includes(b)) throw new Error(`--backends: some of webgpu, cpu, ffjs expected, got ${b}`);
    return b;
  });
}

const run$ = promisify(execFile);
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

/** A rapidsnark prover binary on PATH, or why there is none. */
export async function findRapidsnark(): Promise<{ bin: string } | { why: string }> {
  const dirs = (process.env.PATH ?? "").split(path.delimiter).filter(Boolean);
  for (const name of ["rapidsnark", "prover"]) {
    for (const d of dirs) {
      const bin = path.join(d, name);
      try {
        fs.accessSync(bin, fs.constants.X_OK);
      } catch {
        continue;
      }
      // `prover` is a common name: accept it only when its usage line speaks of a zkey.
      const usage = await run$(bin, [], { timeout: 5000 }).then((r) => r.stdout + r.stderr, (e: { stdout?: string; stderr?: string }) => `${e.stdout ?? ""}${e.stderr ?? ""}`);
      if (name === "rapidsnark" || /zkey/i.test(usage)) return { bin };
    }
  }
  return { why: "no `rapidsnark` or rapidsnark `prover` binary on PATH" };
}

/** The latest bench/gas.ts result for a configuration: gas and whole-call calldata per slot of a transfers batch. */
export function gasFromResults(dir: string, config: string): { gasPerTx: number; calldataBytesPerSlot: number; source: string } | { why: string } {
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /^gas-.*\.json$/.test(f)).sort().reverse() : [];
  for (const f of files) {
    const data = JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")) as { rows?: { config: string; batch?: { transfers?: { perSlot: number; calldataBytesPerSlot: number } } }[] };
    const row = data.rows?.find((r) => r.config === config)?.batch?.transfers;
    if (row) return { gasPerTx: row.perSlot, calldataBytesPerSlot: row.calldataBytesPerSlot, source: `bench/results/${f} (bench/gas.ts on anvil: submitBatch gasUsed of a full batch of transfers ÷ slots, 21,000 base included)` };
  }
  return { why: `no bench/gas.ts result for ${config}: run \`npx tsx bench/gas.ts --configs ${config.replace("rollup_", "")}\`` };
}

/** A full batch of signed transfers at a configuration, its witness (bytes and .wtns file) and tx-data bytes per transfer. */
async function transferBatch(keys: DevKeys, config: CircuitConfig): Promise<{ witness: Uint8Array; wtns: string; txDataBytesPerTx: number }> {
  if (config.txs < 2) throw new Error(`bench: configurations of 2 or more transactions expected (a transfer needs two accounts), got ${config.txs}`);
  const s = new Scenario(config.depth);
  const users = Array.from({ length: config.txs }, (_, i) => user(`bench-${i}`));
  const deposits = users.map((u) => s.create(u, 0n, 10n ** 18n));
  applyBatch(s.state, deposits, s.queue, { slots: config.txs });
  const transfers = users.map((_, i) => s.transfer(BigInt(i), BigInt((i + 1) % config.txs), 10n ** 17n));
  const batch = applyBatch(s.state, transfers, s.queue, { slots: config.txs, feeAccount: 0n });
  const witness = await computeWitness(keys.circuit.wasm, batch.witnessInputs as unknown as Record<string, unknown>);
  const wtns = path.join(keys.dir, "bench-transfers.wtns");
  writeWtns(wtns, witness);
  return { witness: witnessToBytes(witness), wtns, txDataBytesPerTx: batch.txData.length / config.txs };
}

/** Runs the benchmark and returns its record (nothing written). */
export async function runBench(o: BenchOptions): Promise<BenchRun> {
  const log = o.log ?? (() => {});
  const t0 = performance.now();
  const date = new Date().toISOString();
  const start = loadavg();
  const skipped: BenchRun["skipped"] = [];
  const notes: string[] = [];
  const kernels: KernelRow[] = [];
  const proofs: ProofRow[] = [];
  const circuit: CircuitRow[] = [];
  let adapter: AdapterInfo | null = null;

  // Backends: a requested one that cannot start is skipped with its reason, printed and recorded.
  const backends = new Map<string, ProverBackend>();
  for (const name of o.backends) {
    try {
      const b = await createBackend(name, (l) => log(l));
      backends.set(name, b);
      const a = (b as { adapter?: AdapterInfo }).adapter;
      if (a?.software && o.softwareMaxLog <= 0) {
        // --software-max-log 0 (--quick): skip before paying for the kernels' compilation (minutes on llvmpipe)
        const why = `${a.name} is a software adapter, left out (--software-max-log ${o.softwareMaxLog})`;
        skipped.push({ what: `backend ${name}`, why });
        log(`skipped backend ${name}: ${why}`);
        backends.delete(name);
        await b.close();
        continue;
      }
      if (a) {
        adapter = { name: a.name, backend: a.backend, software: a.software };
        const warm = (b as { warm?: () => Promise<void> }).warm;
        if (warm) {
          log(`${name}: compiling kernels…`);
          adapter.compileMs = await timeMs(() => warm.call(b));
          log(`${name}: kernels compiled in ${(adapter.compileMs / 1000).toFixed(1)} s`);
        }
        if (a.software) {
          const why = `${a.name} is a software adapter (correct, but orders of magnitude slower than a GPU): webgpu kernels and proofs up to 2^${o.softwareMaxLog} only`;
          notes.push(`webgpu: ${why}`);
          log(`note: ${why}`);
        }
      }
    } catch (err) {
      const why = (err as Error).message;
      skipped.push({ what: `backend ${name}`, why });
      log(`skipped backend ${name}: ${why}`);
    }
  }
  const software = (name: string) => name === "webgpu" && adapter?.software === true;

  try {
    // 1. Kernels.
    if (o.kernels.length && o.sizes.length) {
      const curve: Curve = await buildBn128();
      const next = rng(20261121n).next64;
      try {
        for (const logn of o.sizes) {
          const n = 2 ** logn;
          const need = n * (o.bytesPerElement ?? 1024);
          if (need > os.freemem() * 0.6) {
            skipped.push({ what: `kernels at 2^${logn}`, why: `needs about ${(need / 2 ** 30).toFixed(1)} GiB, ${(os.freemem() / 2 ** 30).toFixed(1)} GiB free` });
            log(`skipped 2^${logn}: not enough free memory`);
            continue;
          }
          const active = [...backends.entries()].filter(([name]) => !software(name) || logn <= o.softwareMaxLog);
          for (const [name] of backends) if (!active.some(([a]) => a === name)) skipped.push({ what: `${name} kernels at 2^${logn}`, why: `software adapter, sizes above 2^${o.softwareMaxLog} skipped` });
          const row = async (key: KernelKey, contenders: Record<string, () => Promise<Uint8Array>>, check: (name: string, out: Uint8Array) => Promise<void> | void) => {
            const runs = await interleaved(o.runs, contenders, check);
            const base = summarize(runs[KERNEL_BASELINE]).median;
            for (const [b, times] of Object.entries(runs)) {
              const ms = summarize(times);
              kernels.push({ kernel: KERNELS[key], logSize: logn, backend: b, ms, ratio: ms.median / base });
            }
            log(`${KERNELS[key]} 2^${logn}: ${Object.entries(runs).map(([b, t]) => `${b} ${summarize(t).median.toFixed(1)} ms`).join(", ")}`);
          };

          for (const g of ["G1", "G2"] as Group[]) {
            const keys = (g === "G1" ? (["g1", "g1mix"] as const) : (["g2"] as const)).filter((k) => o.kernels.includes(k));
            if (!keys.length) continue;
            const G = g === "G1" ? curve.G1 : curve.G2;
            const size = g === "G1" ? G1_BYTES : G2_BYTES;
            const bases = await randomBases(curve, g, n, next);
            const handles: [string, ProverBackend, BasesHandle][] = [];
            for (const [name, b] of active) handles.push([name, b, await b.loadBases(g, bases)]);
            try {
              for (const key of keys) {
                const sc = randomScalars(n, key === "g1mix", next);
                let ref = "";
                const contenders: Record<string, () => Promise<Uint8Array>> = {
                  [KERNEL_BASELINE]: async () => {
                    const p = G.toAffine(await G.multiExpAffine(bases, sc));
                    const out = new Uint8Array(size);
                    if (!G.isZero(p)) G.toRprLEM(out, 0, p);
                    return out;
                  },
                };
                for (const [name, b, h] of handles) contenders[name] = () => b.msm(h, sc);
                await row(key, contenders, (name, out) => {
                  if (name === KERNEL_BASELINE) ref = hex(out);
                  else if (hex(out) !== ref) throw new Error(`bench: ${KERNELS[key]} 2^${logn}: ${name} disagrees with ${KERNEL_BASELINE}`);
                });
              }
            } finally {
              for (const [, , h] of handles) await h.release();
            }
          }

          const Fr = curve.Fr;
          const fromMont = async (m: Uint8Array) => hex(new Uint8Array(await Fr.batchFromMontgomery(m)));
          if (o.kernels.includes("ntt")) {
            const v = randomScalars(n, false, next);
            const vm = await Fr.batchToMontgomery(v);
            let ref = "";
            // ffjavascript keeps values in Montgomery form, as snarkjs does: its timed run is Fr.fft alone.
            const contenders: Record<string, () => Promise<Uint8Array>> = { [KERNEL_BASELINE]: () => Fr.fft(vm) };
            for (const [name, b] of active) contenders[name] = () => b.ntt(v);
            await row("ntt", contenders, async (name, out) => {
              if (name === KERNEL_BASELINE) ref = await fromMont(out);
              else if (hex(out) !== ref) throw new Error(`bench: NTT 2^${logn}: ${name} disagrees with ${KERNEL_BASELINE}`);
            });
          }
          if (o.kernels.includes("prover-ntt")) {
            // The prover's step: for A, B, C at once, inverse NTT then a forward NTT on the coset ω_2n·⟨ω_n⟩.
            const shift = frRootOfUnity(logn + 1);
            const vs = [0, 1, 2].map(() => randomScalars(n, false, next));
            const vms: Uint8Array[] = await Promise.all(vs.map((v) => Fr.batchToMontgomery(v)));
            const inc = Fr.e(shift);
            let ref = "";
            const first = (outs: Uint8Array[]) => outs[0];
            const contenders: Record<string, () => Promise<Uint8Array>> = {
              [KERNEL_BASELINE]: async () => first(await Promise.all(vms.map(async (vm) => new Uint8Array(await Fr.fft(await Fr.batchApplyKey(await Fr.ifft(vm), Fr.e(1), inc)))))),
            };
            for (const [name, b] of active) contenders[name] = async () => first(await Promise.all(vs.map(async (v) => b.ntt(await b.ntt(v, { inverse: true }), { coset: shift }))));
            await row("prover-ntt", contenders, async (name, out) => {
              if (name === KERNEL_BASELINE) ref = await fromMont(out);
              else if (hex(out) !== ref) throw new Error(`bench: prover NTT 2^${logn}: ${name} disagrees with ${KERNEL_BASELINE}`);
            });
          }
        }
      } finally {
        await curve.terminate();
      }
    }

    // 2. Full proofs, and 3. the circuit side.
    const rapid = o.configs.length ? await findRapidsnark() : { why: "no configurations" };
    if ("why" in rapid && o.configs.length) {
      skipped.push({ what: "rapidsnark", why: rapid.why });
      log(`skipped rapidsnark: ${rapid.why}`);
    }
    for (const config of o.configs) {
      const name = circuitName(config);
      const keys = await devKeys(config, { log });
      const batch = await transferBatch(keys, config);
      const snarkjs = await import("snarkjs");
      const vk = JSON.parse(fs.readFileSync(keys.vkey, "utf8"));
      const verify = async (who: string, proof: unknown, publicSignals: unknown) => {
        if (!(await snarkjs.groth16.verify(vk, publicSignals, proof))) throw new Error(`bench: ${who}'s proof of ${name} does not verify`);
      };
      const contenders: Record<string, () => Promise<unknown>> = {
        [PROOF_BASELINE]: () => snarkjs.groth16.prove(keys.zkey, batch.wtns),
      };
      const checks: Record<string, (out: unknown) => Promise<void>> = {
        [PROOF_BASELINE]: async (out) => verify(PROOF_BASELINE, (out as { proof: unknown }).proof, (out as { publicSignals: unknown }).publicSignals),
      };
      const provers: Groth16Prover[] = [];
      const phases: Record<string, Record<string, number>> = {};
      const warmed = new Set<string>();
      try {
        for (const [bname, backend] of backends) {
          if (software(bname) && keys.power > o.softwareMaxLog) {
            skipped.push({ what: `${bname} proof of ${name}`, why: `software adapter: its MSMs and NTTs would run at 2^${keys.power}, above --software-max-log ${o.softwareMaxLog}` });
            continue;
          }
          // Cold: read the zkey, load the bases, prove — what snarkjs does on every call.
          // It is also this prover's warm-up: its proof is verified here.
          let prover: Groth16Prover | undefined;
          let first: unknown;
          const cold = await timeMs(async () => {
            prover = await Groth16Prover.create(readZkey(keys.zkey), backend);
            first = await prover.prove(batch.witness);
          });
          provers.push(prover!);
          proofs.push({ config: name, prover: bname, mode: "cold", ms: summarize([cold]), ratio: null });
          log(`${name}: zkr ${bname} cold ${(cold / 1000).toFixed(2)} s`);
          contenders[bname] = async () => {
            const r = await prover!.prove(batch.witness);
            phases[bname] = r.timings;
            return r;
          };
          checks[bname] = async (out) => verify(`zkr ${bname}`, (out as { proof: unknown }).proof, (out as { publicSignals: unknown }).publicSignals);
          await checks[bname](first);
          warmed.add(bname);
        }
        if ("bin" in rapid) {
          const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zkr-bench-rapidsnark-"));
          const files = { proof: path.join(dir, "proof.json"), public: path.join(dir, "public.json") };
          contenders.rapidsnark = () => run$(rapid.bin, [keys.zkey, batch.wtns, files.proof, files.public]);
          checks.rapidsnark = async () => verify("rapidsnark", JSON.parse(fs.readFileSync(files.proof, "utf8")), JSON.parse(fs.readFileSync(files.public, "utf8")));
        }
        log(`${name}: ${Object.keys(contenders).join(", ")}: warm-up (zkr's was the cold run) and ${o.proofRuns} runs each, interleaved…`);
        const runs = await interleaved(o.proofRuns, contenders, (who, out) => checks[who](out), warmed);
        const base = summarize(runs[PROOF_BASELINE]).median;
        for (const p of proofs) if (p.config === name && p.mode === "cold") p.ratio = p.ms.median / base;
        const perTx: Record<string, number> = {};
        for (const [who, times] of Object.entries(runs)) {
          const ms = summarize(times);
          proofs.push({ config: name, prover: who, mode: "warm", ms, ratio: ms.median / base, ...(phases[who] ? { phases: phases[who] } : {}) });
          perTx[who] = ms.median / config.txs;
          log(`${name}: ${who} ${(ms.median / 1000).toFixed(2)} s (${(ms.median / base).toFixed(2)} × snarkjs)`);
        }
        const gas = gasFromResults(o.resultsDir ?? RESULTS_DIR, name);
        const constraints = keys.circuit.manifest.constraints;
        circuit.push({
          config: name,
          txs: config.txs,
          depth: config.depth,
          constraints,
          power: keys.power,
          constraintsPerTx: Math.round(constraints / config.txs),
          proofMsPerTx: perTx,
          calldataBytesPerTx: batch.txDataBytesPerTx,
          calldataBytesPerSlotOnChain: "why" in gas ? null : gas.calldataBytesPerSlot,
          gasPerTx: "why" in gas ? null : gas.gasPerTx,
          gasSource: "why" in gas ? gas.why : gas.source,
        });
      } finally {
        for (const p of provers) await p.release();
        await releaseSnarkjs();
      }
    }
  } finally {
    for (const b of backends.values()) await b.close();
  }

  const end = loadavg();
  const m = machine();
  if (Math.max(start[0], end[0]) > m.cores * 0.75) {
    notes.push(`the machine was shared: load average ${start[0]} at start and ${end[0]} at end on ${m.cores} cores; absolute times carry that load, ratios within the run less so`);
  }
  return {
    schema: SCHEMA,
    date,
    quick: o.quick,
    wallSeconds: Math.round((performance.now() - t0) / 100) / 10,
    machine: m,
    loadavg: { start, end },
    versions: versions(),
    adapter,
    options: { sizes: o.sizes, kernels: o.kernels, backends: o.backends, configs: o.configs.map(circuitName), runs: o.runs, proofRuns: o.proofRuns },
    kernels,
    proofs,
    circuit,
    skipped,
    notes,
  };
}

/**
 * Runs the benchmark, writes its JSON, Markdown and SVG into `outDir` (default bench/results) and
 * prints the Markdown and the files: what `zkr bench` and the scripts beside this file do.
 */
export async function runAndReport(o: BenchOptions, outDir = RESULTS_DIR): Promise<{ run: BenchRun; files: { json: string; md: string; svg: string } }> {
  const run = await runBench(o);
  const files = writeRun(run, outDir);
  console.log("\n" + renderMarkdown(run));
  const rel = (f: string) => path.relative(process.cwd(), f);
  console.log(`written: ${rel(files.json)}, ${rel(files.md)}, ${rel(files.svg)} (${run.wallSeconds} s)`);
  return { run, files };
}
