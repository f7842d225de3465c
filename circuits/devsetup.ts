/**
 * An insecure, single-party Groth16 setup for development: one process picks tau, alpha, beta
 * and delta itself and computes the powers-of-tau file (phase 1, prepared for phase 2) and the
 * circuit's zkey directly from them, instead of running snarkjs's ceremony steps.
 *
 * Knowing the secrets turns every group FFT and every per-point scalar multiplication of
 * snarkjs's path into a field computation followed by one fixed-base scalar multiplication by
 * the group generator, done with precomputed window tables and batched affine additions in
 * WebAssembly on all cores. The files are laid out byte for byte as snarkjs writes them, with one
 * phase-1 and one phase-2 contribution record (proofs of knowledge and hash chain computed as
 * snarkjs computes them), so `snarkjs powersoftau verify` and `snarkjs zkey verify` accept them.
 * The contributions are named as insecure: anyone who kept the secrets could forge proofs. Never
 * use these files for anything holding value.
 *
 * This file draws the secrets and runs the steps, one job per file under setup/:
 *   ptau.ts        phase 1: the powers-of-tau file (its sections and what snarkjs checks)
 *   zkey.ts        phase 2: the zkey (its sections, the circuit hash, the delta contribution)
 *   jobs.ts        the worker pool, the shared window tables, job items and their scheduling
 *   engine.ts      the per-worker engine (fixed-base multiplications, scalars, the r1cs wire
 *                  sums), run by engine-task.ts on core/pool.ts
 *   wasm-plugin.ts the WebAssembly kernels the engine adds to ffjavascript's bn128 module
 *   keys.ts        proofs of knowledge, hashes and point forms as snarkjs computes them
 *   binfile.ts     the r1cs reader and the sectioned file writer
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { buildBn128 } from "ffjavascript";
import { readR1cs, SetupError } from "./setup/binfile.js";
import * as K from "./setup/keys.js";
import { CHUNK_G1, G1, G2, buildTables, chunks, startEnginePool, windowBits } from "./setup/jobs.js";
import { writePtau } from "./setup/ptau.js";
import { countCoefficients, writeZkey } from "./setup/zkey.js";
import { zkrWasmPlugin } from "./setup/wasm-plugin.js";
import { circuitPower } from "./files.js";
import type { OnProgress } from "../core/progress.js";

export { SetupError, windowBits };
export { DEV_CONTRIBUTION_NAME } from "./setup/keys.js";

/** The largest power this setup accepts: a domain of 2^24 (constraints + public inputs + 1). */
export const MAX_POWER = 24;

export interface DevSetupOptions {
  r1csFile: string;
  ptauOut: string;
  zkeyOut: string;
  /** Powers of tau: 2^power; default the smallest the circuit needs ({@link circuitPower}). */
  power?: number;
  /** Makes the secrets (and so both files) reproducible. Tests only. */
  seed?: string;
  log?: (line: string) => void;
  /** Jobs done of each long step, for a progress bar. */
  progress?: OnProgress;
  /** Worker threads; default one per core. */
  workers?: number;
  /** G1 points per job (G2: a quarter); default 2^15. Tests make it small to exercise chunking. */
  chunkPoints?: number;
}

export interface DevSetupResult {
  power: number;
  seconds: { ptau: number; zkey: number };
}

 
type Fe = Uint8Array;

function tmpName(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${crypto.randomBytes(4).toString("hex")}.tmp`);
}

/**
 * Computes a powers-of-tau file and a Groth16 zkey for `r1csFile` from secrets this process
 * draws (or derives from `seed`) and forgets. Both files are written under temporary names and
 * renamed into place once both are complete.
 */
export async function devSetup(opts: DevSetupOptions): Promise<DevSetupResult> {
  const log = opts.log ?? (() => {});
  const t0 = performance.now();
  const r1cs = readR1cs(opts.r1csFile);
  const nPublic = r1cs.nOutputs + r1cs.nPubInputs;
  if (r1cs.nVars < nPublic + 1) throw new SetupError(r1cs.file, `r1cs has ${r1cs.nVars} wires but ${nPublic} public signals`);
  const cirPower = circuitPower(r1cs.nConstraints, nPublic);
  if (cirPower > MAX_POWER) {
    throw new SetupError(
      r1cs.file,
      `circuit too big: ${r1cs.nConstraints} constraints + ${nPublic} public signals need 2^${cirPower} > 2^${MAX_POWER}, the largest dev setup`,
    );
  }
  const power = opts.power ?? cirPower;
  if (!Number.isInteger(power) || power < cirPower || power > MAX_POWER) {
    throw new SetupError(
      r1cs.file,
      `power ${power} not usable: the circuit (${r1cs.nConstraints} constraints, ${nPublic} public) needs ${cirPower}..${MAX_POWER}`,
    );
  }
  // The coefficient section's size, and a check of the constraints section's structure.
  const nCoefs = countCoefficients(r1cs) + nPublic + 1;
  if (path.resolve(opts.ptauOut) === path.resolve(opts.zkeyOut)) throw new SetupError(opts.zkeyOut, "ptauOut and zkeyOut are the same file");
  for (const f of [opts.ptauOut, opts.zkeyOut]) fs.mkdirSync(path.dirname(path.resolve(f)), { recursive: true });

  const CHUNK = chunks(opts.chunkPoints ?? CHUNK_G1);
  if (!Number.isInteger(CHUNK[G1]) || CHUNK[G1] < 1) throw new SetupError(opts.r1csFile, `chunkPoints must be a positive integer`);
  const curve: any = await buildBn128(true, zkrWasmPlugin);
  const Fr = curve.Fr;
  const pool = await startEnginePool({ code: curve.tm.code as Uint8Array, consts: { pG1gen: curve.tm.pG1gen, pG2gen: curve.tm.pG2gen } }, opts.workers).catch(async (err: unknown) => {
    await curve.terminate();
    throw err;
  });
  const ptauTmp = tmpName(opts.ptauOut);
  const zkeyTmp = tmpName(opts.zkeyOut);
  const secrets: Fe[] = [];
  try {
    // ---- secrets ----
    const seed32 =
      opts.seed !== undefined
        ? new Uint8Array(crypto.createHash("sha256").update("zkr-dev-setup\0").update(opts.seed).digest())
        : new Uint8Array(crypto.randomBytes(32));
    const rng = K.chachaFrom(seed32);
    seed32.fill(0);
    const n = 2 ** power;
    let tau: Fe, alpha: Fe, beta: Fe;
    for (;;) {
      // As snarkjs's createPTauKey: the three private keys first, then the proofs (in writePtau).
      tau = Fr.fromRng(rng);
      alpha = Fr.fromRng(rng);
      beta = Fr.fromRng(rng);
      // tau must lie outside every evaluation domain (2^(power+1) roots of unity).
      const bad = Fr.isZero(tau) || Fr.isZero(alpha) || Fr.isZero(beta) || Fr.eq(Fr.exp(tau, 2 * n), Fr.one);
      if (!bad) break;
    }
    secrets.push(tau, alpha, beta);

    // Point counts per group, for the window tables.
    const g1Count = 12 * n + nPublic + 1 + 2 * (1 << cirPower) + 4 * r1cs.nVars;
    const g2Count = 3 * n + r1cs.nVars;
    const w = { [G1]: windowBits(g1Count), [G2]: windowBits(g2Count) };
    log(`dev setup: power ${power} (circuit needs ${cirPower}), ${pool.size} workers, windows G1 ${w[G1]} / G2 ${w[G2]} bits`);
    const tables = await buildTables(pool, w);
    log(`tables built in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    // ---- phase 1 ----
    const { tauG1Offset } = await writePtau({ curve, pool, tables, CHUNK, power, tau, alpha, beta, rng, out: ptauTmp, log, progress: opts.progress, t0 });
    const tPtau = performance.now();
    log(`ptau: done in ${((tPtau - t0) / 1000).toFixed(1)} s`);

    // ---- phase 2 ----
    let delta: Fe;
    do delta = Fr.fromRng(rng);
    while (Fr.isZero(delta));
    secrets.push(delta);
    await writeZkey({ curve, pool, tables, r1cs, nPublic, cirPower, power, tau, alpha, beta, delta, rng, out: zkeyTmp, log, progress: opts.progress, ptauFile: ptauTmp, tauG1Offset, nCoefs, CHUNK });
    const tZkey = performance.now();
    log(`zkey: done in ${((tZkey - tPtau) / 1000).toFixed(1)} s`);

    fs.renameSync(ptauTmp, opts.ptauOut);
    fs.renameSync(zkeyTmp, opts.zkeyOut);
    return { power, seconds: { ptau: (tPtau - t0) / 1000, zkey: (tZkey - tPtau) / 1000 } };
  } catch (err) {
    for (const f of [ptauTmp, zkeyTmp]) fs.rmSync(f, { force: true });
    throw err;
  } finally {
    for (const s of secrets) s.fill(0);
    await pool.destroy();
    await curve.terminate();
  }
}
