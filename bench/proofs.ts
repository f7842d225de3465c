/**
 * The full-proof and circuit rows of a benchmark run, per circuit configuration: dev keys (cached
 * under build/keys/dev), a batch of signed transfers and its witness (bench/fixtures/transfer-batch.ts);
 * snarkjs.groth16.prove against zkr's prover per backend (cold once, then warm as the prover
 * service runs) and rapidsnark when its binary is on PATH, every prover's proof verified once;
 * then the circuit side: constraints, proof time, tx-data bytes and gas per transaction (gas from
 * the latest bench/gas.ts result for that configuration).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { circuitName } from "../circuits/build.js";
import { devKeys } from "../circuits/devkeys.js";
import { releaseSnarkjs } from "../circuits/witness.js";
import { Groth16Prover, readZkey } from "../prover/index.js";
import { RESULTS_DIR, interleaved, summarize, timeMs } from "./lib.js";
import { transferBatch } from "./fixtures/transfer-batch.js";
import { gasFromResults } from "./gas-results.js";
import { findRapidsnark, run$ } from "./rapidsnark.js";
import type { BenchOptions } from "./options.js";
import { PROOF_BASELINE, type CircuitRow, type ProofRow } from "./report.js";
import type { BenchBackends, BenchRecord } from "./backends.js";

/** Proves each configuration of `o` with every contender; returns the proof and circuit rows. */
export async function runProofs(o: BenchOptions, started: BenchBackends, rec: BenchRecord): Promise<{ proofs: ProofRow[]; circuit: CircuitRow[] }> {
  const { skipped, log } = rec;
  const { backends, software } = started;
  const proofs: ProofRow[] = [];
  const circuit: CircuitRow[] = [];
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
  return { proofs, circuit };
}
