/**
 * An insecure, single-party Groth16 setup for development: one process picks tau, alpha, beta
 * and delta itself and computes the powers-of-tau file (phase 1, prepared for phase 2) and the
 * circuit's zkey directly from them, instead of running snarkjs's ceremony steps.
 *
 * Knowing the secrets turns every group FFT and every per-point scalar multiplication of
 * snarkjs's path into a field computation followed by one fixed-base scalar multiplication by
 * the group generator, done with precomputed window tables and batched affine additions in
 * WebAssembly on all cores (see setup/wasm-plugin.ts and setup/fixedbase-engine.mjs). The files
 * are laid out byte for byte as snarkjs writes them, with one phase-1 and one phase-2
 * contribution record (proofs of knowledge and hash chain computed as snarkjs computes them),
 * so `snarkjs powersoftau verify` and `snarkjs zkey verify` accept them. The contributions are
 * named as insecure: anyone who kept the secrets could forge proofs. Never use these files for
 * anything holding value.
 *
 *   ptau sections: 1 header, 2 tauG1, 3 tauG2, 4 alphaTauG1, 5 betaTauG1, 6 betaG2,
 *                  7 contributions, 12..15 Lagrange bases of every domain 2^0..2^power at tau
 *                  (times G1, G2, alpha G1, beta G1; G1 also 2^(power+1), as snarkjs truncates it)
 *   zkey sections: 1, 2 header, 3 IC, 4 coefficients, 5 A, 6 B1, 7 B2, 8 C/delta, 9 H/delta,
 *                  10 circuit hash and the delta contribution
 *
 * What snarkjs checks and how it is met:
 * - ptau verify: the contribution's proofs of knowledge of tau, alpha, beta against the first
 *   challenge hash; the powers in every section (random linear combinations and pairings); the
 *   next-challenge hash over all points; the Lagrange sections against the powers at every
 *   level. The response hash is kept as snarkjs's 216-byte blake2b "partial hash" (the state of
 *   @noble/hashes, the copy snarkjs loads).
 * - zkey verify: rebuilds `zkey new` from the r1cs and this ptau and compares the circuit hash
 *   and sections 3..7 byte for byte, then checks C and H against it with delta. The circuit
 *   hash includes zkey new's quirk above domain 2^14 (one extra H point, read past the tauG1
 *   section, see writeZkey).
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { buildBn128 } from "ffjavascript";
import { BN254_Q, BinFileWriter, BN254_R, readR1cs, SetupError, type R1cs } from "./setup/binfile.js";
import * as K from "./setup/keys.js";
import { EnginePool, OrderedSink, runBounded, type EngineJob } from "./setup/pool.js";
import { zkrWasmPlugin } from "./setup/wasm-plugin.js";
import { bigintToLeBytes } from "../core/bytes.js";
import { circuitPower } from "./files.js";

export { SetupError };

/** The largest power this setup accepts: a domain of 2^24 (constraints + public inputs + 1). */
export const MAX_POWER = 24;

/** The name written in both contribution records. */
export const DEV_CONTRIBUTION_NAME = "zkr dev setup - INSECURE: one party knows tau/alpha/beta/delta";

export interface DevSetupOptions {
  r1csFile: string;
  ptauOut: string;
  zkeyOut: string;
  /** Powers of tau: 2^power; default the smallest the circuit needs ({@link circuitPower}). */
  power?: number;
  /** Makes the secrets (and so both files) reproducible. Tests only. */
  seed?: string;
  log?: (line: string) => void;
  /** Worker threads; default one per core. */
  workers?: number;
  /** G1 points per job (G2: a quarter); default 2^15. Tests make it small to exercise chunking. */
  chunkPoints?: number;
}

export interface DevSetupResult {
  power: number;
  seconds: { ptau: number; zkey: number };
}

/* eslint-disable @typescript-eslint/no-explicit-any */
type Fe = Uint8Array;

const G1 = 1;
const G2 = 2;
const SA = { [G1]: 64, [G2]: 128 } as const;
/** Points per job: big enough to amortise messages, small enough to balance two workers. */
const CHUNK_G1 = 1 << 15;
type Chunks = Record<number, number>;
function chunks(g1: number): Chunks {
  return { [G1]: g1, [G2]: Math.max(1, g1 >> 2) };
}

/**
 * Window width for `points` fixed-base multiplications in one group: minimises
 * windows * (table entries + points), both costing about one batched affine addition per
 * window (the workers share both the table rows and the points). At most 16 bits, so a G2
 * table stays at 128 MiB per worker.
 */
export function windowBits(points: number): number {
  let best = 4;
  let bestCost = Infinity;
  for (let w = 4; w <= 16; w++) {
    const cost = Math.ceil(254 / w) * (2 ** w + points);
    if (cost < bestCost) {
      bestCost = cost;
      best = w;
    }
  }
  return best;
}

/** An engine job and where its output goes. */
interface Item {
  /** Makes the job when it is dispatched (so large inputs are copied out only then). */
  job: () => EngineJob | Promise<EngineJob>;
  /** Section and byte position of the job's `lem` output. */
  section?: number;
  pos?: number;
  /** Sequence number in an ordered hash stream, for jobs whose hash form is needed. */
  seq?: number;
}

type Spec = Record<string, unknown> & { count: number };

/** A fixed-base multiplication item. */
function mul(
  w: Record<number, number>,
  group: 1 | 2,
  spec: Spec | (() => Spec),
  forms: ("lem" | "u" | "c")[],
  where: { section?: number; pos?: number; seq?: number } = {},
): Item {
  return { ...where, job: () => ({ type: "mul", group, w: w[group], spec: typeof spec === "function" ? spec() : spec, forms }) };
}

/** Runs items on the pool: `lem` outputs to the file, hash forms to the ordered sink. */
function runItems(pool: EnginePool, items: Item[], writer: BinFileWriter, sink?: OrderedSink<Uint8Array>, hashForm: "u" | "c" = "u"): Promise<void> {
  return runBounded(
    pool,
    items.length,
    (i) => items[i].job(),
    async (i, res) => {
      const it = items[i];
      if (it.seq !== undefined && sink) sink.push(it.seq, res[hashForm]);
      if (it.section !== undefined) await writer.write(it.section, it.pos ?? 0, res.lem);
    },
  );
}

/**
 * Builds the window tables of both groups once: each worker computes a share of the rows and
 * the others copy them in.
 */
async function buildTables(pool: EnginePool, w: Record<number, number>): Promise<void> {
  const P = pool.size;
  const parts: { group: number; from: number; to: number; worker: number }[] = [];
  for (const group of [G1, G2]) {
    const nWin = Math.ceil(254 / w[group]);
    for (let i = 0; i < P; i++) {
      const from = Math.floor((i * nWin) / P);
      const to = Math.floor(((i + 1) * nWin) / P);
      if (to > from) parts.push({ group, from, to, worker: (i + group - 1) % P });
    }
  }
  const rows = await Promise.all(parts.map((p) => pool.run({ type: "tableRows", group: p.group, w: w[p.group], from: p.from, to: p.to }, p.worker)));
  const copies: Promise<unknown>[] = [];
  parts.forEach((p, j) => {
    for (let i = 0; i < P; i++) {
      if (i !== p.worker) copies.push(pool.run({ type: "tableSet", group: p.group, w: w[p.group], from: p.from, rows: rows[j].rows }, i));
    }
  });
  await Promise.all(copies);
}

/** The chunk size of zkey_new.js's hashHPoints (see the H points of the circuit hash). */
const SNARKJS_H_HASH_CHUNK = 1 << 14;

function be32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, false);
  return b;
}

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
  const pool = await EnginePool.create(curve.tm.code as Uint8Array, { pG1gen: curve.tm.pG1gen, pG2gen: curve.tm.pG2gen }, opts.workers);
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
      // As snarkjs's createPTauKey: the three private keys first, then the proofs.
      tau = Fr.fromRng(rng);
      alpha = Fr.fromRng(rng);
      beta = Fr.fromRng(rng);
      // tau must lie outside every evaluation domain (2^(power+1) roots of unity).
      const bad = Fr.isZero(tau) || Fr.isZero(alpha) || Fr.isZero(beta) || Fr.eq(Fr.exp(tau, 2 * n), Fr.one);
      if (!bad) break;
    }
    secrets.push(tau, alpha, beta);

    // ---- phase 1 ----
    const challenge = K.firstChallengeHash(curve, power);
    const keys = {
      tau: K.ptauPubKey(curve, tau, 0, challenge, rng),
      alpha: K.ptauPubKey(curve, alpha, 1, challenge, rng),
      beta: K.ptauPubKey(curve, beta, 2, challenge, rng),
    };

    // Point counts per group, for the window tables.
    const g1Count = 12 * n + nPublic + 1 + 2 * (1 << cirPower) + 4 * r1cs.nVars;
    const g2Count = 3 * n + r1cs.nVars;
    const w = { [G1]: windowBits(g1Count), [G2]: windowBits(g2Count) };
    log(`dev setup: power ${power} (circuit needs ${cirPower}), ${pool.size} workers, windows G1 ${w[G1]} / G2 ${w[G2]} bits`);
    await buildTables(pool, w);
    log(`tables built in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    const params = K.contributionParams(DEV_CONTRIBUTION_NAME);
    const contribSize = 4 + (64 + 128 + 64 + 64 + 128) + (6 * 64 + 3 * 128) + 216 + 64 + 4 + params.byteLength;
    const ptau = await BinFileWriter.create(ptauTmp, "ptau", 1, [
      { id: 1, size: 4 + 32 + 4 + 4 },
      { id: 2, size: (2 * n - 1) * 64 },
      { id: 3, size: n * 128 },
      { id: 4, size: n * 64 },
      { id: 5, size: n * 64 },
      { id: 6, size: 128 },
      { id: 7, size: contribSize },
      { id: 12, size: (4 * n - 1) * 64 },
      { id: 13, size: (2 * n - 1) * 128 },
      { id: 14, size: (2 * n - 1) * 64 },
      { id: 15, size: (2 * n - 1) * 64 },
    ]);
    let tauG1Offset = 0;
    try {
      // Powers: tau^i, alpha tau^i, beta tau^i (and beta G2), hashed compressed in the response.
      const resp = K.blake2bResumable();
      resp.update(challenge);
      let seq = 0;
      const geomItems: Item[] = [];
      const geom = (section: number, group: 1 | 2, count: number, factor: Fe) => {
        const ch = CHUNK[group];
        const tauCh = Fr.exp(tau, ch);
        let first = factor;
        for (let i0 = 0; i0 < count; i0 += ch) {
          const k = Math.min(ch, count - i0);
          geomItems.push(mul(w, group, { kind: "geom", count: k, first, inc: tau }, ["lem", "c"], { section, pos: i0 * SA[group], seq: seq++ }));
          first = Fr.mul(first, tauCh);
        }
      };
      geom(2, G1, 2 * n - 1, Fr.one);
      geom(3, G2, n, Fr.one);
      geom(4, G1, n, alpha);
      geom(5, G1, n, beta);
      geom(6, G2, 1, beta);
      const lagItems = [
        ...lagrangeItems(curve, w, CHUNK, 12, G1, power + 1, tau, Fr.one, true),
        ...lagrangeItems(curve, w, CHUNK, 13, G2, power, tau, Fr.one, false),
        ...lagrangeItems(curve, w, CHUNK, 14, G1, power, tau, alpha, false),
        ...lagrangeItems(curve, w, CHUNK, 15, G1, power, tau, beta, false),
      ];
      const respSink = new OrderedSink<Uint8Array>((c) => resp.update(c));
      log(`ptau: ${geomItems.length + lagItems.length} jobs`);
      await runItems(pool, [...geomItems, ...lagItems], ptau, respSink, "c");
      if (respSink.consumed !== seq) throw new Error("internal: response hash incomplete");
      const partialHash = K.toPartialHash(resp);
      resp.update(K.ptauPubKeyBytes(curve, keys, "U"));
      const responseHash = resp.digest();
      log(`ptau: sections written in ${((performance.now() - t0) / 1000).toFixed(1)} s, hashing`);

      // Next challenge: the response hash, then every point of sections 2..6 uncompressed.
      const next = K.blake2b512();
      next.update(responseHash);
      const uItems: { section: number; group: 1 | 2; pos: number; count: number }[] = [];
      for (const [section, group, count] of [
        [2, G1, 2 * n - 1],
        [3, G2, n],
        [4, G1, n],
        [5, G1, n],
        [6, G2, 1],
      ] as const) {
        const ch = CHUNK[group] * 2;
        for (let i0 = 0; i0 < count; i0 += ch) uItems.push({ section, group, pos: i0 * SA[group], count: Math.min(ch, count - i0) });
      }
      const nextSink = new OrderedSink<Uint8Array>((u) => next.update(u));
      await runBounded(
        pool,
        uItems.length,
        async (i) => ({ type: "toU", group: uItems[i].group, lem: await ptau.read(uItems[i].section, uItems[i].pos, uItems[i].count * SA[uItems[i].group]) }),
        (i, res) => nextSink.push(i, res.u),
      );
      const nextChallenge = new Uint8Array(next.digest());

      // Contribution record (section 7) and header (section 1).
      const G = curve.G1;
      const GG = curve.G2;
      const aff1 = (s: Fe) => G.toAffine(G.timesFr(G.g, s));
      const aff2 = (s: Fe) => GG.toAffine(GG.timesFr(GG.g, s));
      const c7 = new Uint8Array(contribSize);
      const dv7 = new DataView(c7.buffer);
      let o = 0;
      dv7.setUint32(o, 1, true);
      o += 4;
      for (const b of [K.g1LEM(curve, aff1(tau)), K.g2LEM(curve, aff2(tau)), K.g1LEM(curve, aff1(alpha)), K.g1LEM(curve, aff1(beta)), K.g2LEM(curve, aff2(beta))]) {
        c7.set(b, o);
        o += b.byteLength;
      }
      c7.set(K.ptauPubKeyBytes(curve, keys, "LEM"), o);
      o += 6 * 64 + 3 * 128;
      c7.set(partialHash, o);
      o += 216;
      c7.set(nextChallenge, o);
      o += 64;
      dv7.setUint32(o, 0, true); // type 0: a contribution (not a beacon)
      o += 4;
      c7.set(params, o);
      await ptau.write(7, 0, c7);
      const h1 = new Uint8Array(44);
      const dv1 = new DataView(h1.buffer);
      dv1.setUint32(0, 32, true);
      h1.set(bigintToLeBytes(BN254_Q, 32), 4);
      dv1.setUint32(36, power, true);
      dv1.setUint32(40, power, true);
      await ptau.write(1, 0, h1);
      tauG1Offset = ptau.slot(2).offset;
      await ptau.close();
    } catch (err) {
      await ptau.abort();
      throw err;
    }
    const tPtau = performance.now();
    log(`ptau: done in ${((tPtau - t0) / 1000).toFixed(1)} s`);

    // ---- phase 2 ----
    let delta: Fe;
    do delta = Fr.fromRng(rng);
    while (Fr.isZero(delta));
    secrets.push(delta);
    await writeZkey({ curve, pool, w, r1cs, nPublic, cirPower, power, tau, alpha, beta, delta, rng, out: zkeyTmp, log, ptauFile: ptauTmp, tauG1Offset, nCoefs, CHUNK });
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
    await pool.terminate();
    await curve.terminate();
  }
}

/**
 * Jobs for a Lagrange section: for each level k = 0..maxLevel the 2^k points
 * factor * L_j(tau) * G, L_j the Lagrange basis of the 2^k-th roots of unity,
 *   L_j(tau) = (tau^N - 1) / N * w^j / (tau - w^j),
 * which is what snarkjs's group inverse FFT of (G, tau G, ..., tau^(N-1) G) gives. At the top
 * G1 level (`truncateTop`) snarkjs transforms only 2N-1 powers (the last one is zero), which
 * removes the term tau^(N-1) w^j / N from each point.
 */
function lagrangeItems(
  curve: any,
  w: Record<number, number>,
  CHUNK: Chunks,
  section: number,
  group: 1 | 2,
  maxLevel: number,
  tau: Fe,
  factor: Fe,
  truncateTop: boolean,
): Item[] {
  const Fr = curve.Fr;
  const items: Item[] = [];
  for (let k = 0; k <= maxLevel; k++) {
    const N = 2 ** k;
    const omega = Fr.w[k];
    const invN = Fr.inv(Fr.e(N));
    const A = Fr.mul(factor, Fr.mul(Fr.sub(Fr.exp(tau, N), Fr.one), invN));
    const Bc = truncateTop && k === maxLevel ? Fr.mul(factor, Fr.mul(Fr.exp(tau, N - 1), invN)) : Fr.zero;
    const ch = CHUNK[group];
    for (let j0 = 0; j0 < N; j0 += ch) {
      const count = Math.min(ch, N - j0);
      const first = j0 === 0 ? Fr.one : Fr.exp(omega, j0);
      items.push(mul(w, group, { kind: "lagrange", count, tau, A, Bc, first, step: omega }, ["lem"], { section, pos: (N - 1 + j0) * SA[group] }));
    }
  }
  return items;
}

interface ZkeyCtx {
  curve: any;
  pool: EnginePool;
  w: Record<number, number>;
  r1cs: R1cs;
  nPublic: number;
  cirPower: number;
  power: number;
  tau: Fe;
  alpha: Fe;
  beta: Fe;
  delta: Fe;
  rng: unknown;
  out: string;
  log: (line: string) => void;
  /** The finished ptau and where its tauG1 points start (for the circuit hash). */
  ptauFile: string;
  tauG1Offset: number;
  /** Entries of the coefficient section (A and B terms, plus one per public input and one). */
  nCoefs: number;
  CHUNK: Chunks;
}

/**
 * The zkey snarkjs's `zkey new` would write from this ptau, followed by one `zkey contribute`
 * with delta: A, B1, B2, IC and the coefficients as `zkey new` computes them, C and H divided
 * by delta, and the circuit hash over the δ = 1 points (C and H's tau^i (tau^n - 1) G1).
 */
async function writeZkey(ctx: ZkeyCtx): Promise<void> {
  const { curve, pool, w, r1cs, nPublic, cirPower, power, tau, alpha, beta, delta, log } = ctx;
  const Fr = curve.Fr;
  const nVars = r1cs.nVars;
  const nc = 2 ** cirPower;
  const m = r1cs.nConstraints + nPublic + 1;

  const { nCoefs, CHUNK } = ctx;

  // L_c(tau) on the circuit's domain, then (in a worker, while the other jobs start) the wire
  // polynomials at tau and the coefficients.
  const omega = Fr.w[cirPower];
  const wiresP = pool
    .run({
      type: "scalars",
      spec: { kind: "lagrange", count: m, tau, A: Fr.mul(Fr.sub(Fr.exp(tau, nc), Fr.one), Fr.inv(Fr.e(nc))), Bc: Fr.zero, first: Fr.one, step: omega },
    })
    .then((L) =>
      pool.run({ type: "wires", constraints: r1cs.constraints.slice(), nConstraints: r1cs.nConstraints, nVars, nPublic, L: L.mont, alpha, beta }),
    )
    .catch((err: Error) => {
      throw new SetupError(r1cs.file, `constraints: ${err.message.split("\n")[0].replace(/^setup worker: (Error: )?/, "")}`);
    });
  wiresP.catch(() => {}); // awaited below; avoid an unhandled rejection meanwhile

  const params = K.contributionParams(DEV_CONTRIBUTION_NAME);
  const contribSize = 64 + 4 + (64 * 3 + 128 + 64 + 4) + params.byteLength;
  const zk = await BinFileWriter.create(ctx.out, "zkey", 1, [
    { id: 1, size: 4 },
    { id: 2, size: 4 + 32 + 4 + 32 + 4 * 3 + 64 * 2 + 128 * 2 + 64 + 128 },
    { id: 3, size: (nPublic + 1) * 64 },
    { id: 4, size: 4 + nCoefs * 44 },
    { id: 5, size: nVars * 64 },
    { id: 6, size: nVars * 64 },
    { id: 7, size: nVars * 128 },
    { id: 8, size: (nVars - nPublic - 1) * 64 },
    { id: 9, size: nc * 64 },
    { id: 10, size: contribSize },
  ]);
  const ptauFh = await fs.promises.open(ctx.ptauFile, "r");
  try {
    const G = curve.G1;
    const GG = curve.G2;
    const alpha1 = G.toAffine(G.timesFr(G.g, alpha));
    const beta1 = G.toAffine(G.timesFr(G.g, beta));
    const beta2 = GG.toAffine(GG.timesFr(GG.g, beta));
    const delta1 = G.toAffine(G.timesFr(G.g, delta));
    const delta2 = GG.toAffine(GG.timesFr(GG.g, delta));
    const invDelta = Fr.inv(delta);

    // The circuit hash stream, in zkey_new.js's order. Jobs that need the wire sums wait for
    // them; they are queued after the ones that do not.
    const cs = K.blake2b512();
    const sink = new OrderedSink<Uint8Array>((u) => cs.update(u));
    let seq = 0;
    const bytes = (b: Uint8Array) => sink.push(seq++, b);
    const early: Item[] = [];
    const late: Item[] = [];
    const mont = (which: "a" | "b" | "c", from: number, to: number, group: 1 | 2, section: number | undefined, forms: ("lem" | "u")[], factor?: Fe) => {
      const ch = CHUNK[group];
      for (let i0 = from; i0 < to; i0 += ch) {
        const k = Math.min(ch, to - i0);
        const where = { section, pos: (i0 - from) * SA[group], seq: forms.includes("u") ? seq++ : undefined };
        late.push({
          ...where,
          job: async () => {
            const arr = (await wiresP)[which];
            const spec = { kind: "mont", count: k, data: arr.slice(i0 * 32, (i0 + k) * 32), ...(factor ? { factor } : {}) };
            return mul(w, group, spec, forms).job();
          },
        });
      }
    };
    bytes(K.g1U(curve, alpha1));
    bytes(K.g1U(curve, beta1));
    bytes(K.g2U(curve, beta2));
    bytes(K.g2U(curve, GG.g)); // gamma2
    bytes(K.g1U(curve, G.g)); // delta1 before the contribution
    bytes(K.g2U(curve, GG.g)); // delta2 before the contribution
    bytes(be32(nPublic + 1));
    mont("c", 0, nPublic + 1, G1, 3, ["lem", "u"]);
    bytes(be32(nc - 1));
    // zkey_new hashes tau^(i+n) G1 - tau^i G1 for i < n-1 (what H is checked against), from
    // the ptau's tauG1 section.
    const readTau = async (from: number, count: number) => {
      const b = new Uint8Array(count * 64);
      const { bytesRead } = await ptauFh.read(b, 0, b.byteLength, ctx.tauG1Offset + from * 64);
      if (bytesRead !== b.byteLength) throw new Error("internal: short read of tauG1");
      return b;
    };
    for (let i0 = 0; i0 < nc - 1; i0 += CHUNK[G1]) {
      const k = Math.min(CHUNK[G1], nc - 1 - i0);
      early.push({ seq: seq++, job: async () => ({ type: "subU", a: await readTau(nc + i0, k), b: await readTau(i0, k) }) });
    }
    if (nc > SNARKJS_H_HASH_CHUNK) {
      // zkey_new.js's hashHPoints hashes in chunks of 2^14 but gives every chunk the full
      // length, so above 2^14 it hashes n points, not n-1: the last one from the 64 bytes at
      // tauG1 index 2n-1, which is the next section's header and first bytes when the ptau's
      // power is the circuit's. Hash the same bytes through the same wasm operations.
      early.push({ seq: seq++, job: async () => ({ type: "subAffineU", a: await readTau(2 * nc - 1, 1), b: await readTau(nc - 1, 1) }) });
    }
    bytes(be32(nVars - nPublic - 1));
    mont("c", nPublic + 1, nVars, G1, undefined, ["u"]);
    bytes(be32(nVars));
    mont("a", 0, nVars, G1, 5, ["lem", "u"]);
    bytes(be32(nVars));
    mont("b", 0, nVars, G1, 6, ["lem", "u"]);
    bytes(be32(nVars));
    mont("b", 0, nVars, G2, 7, ["lem", "u"]);
    const nHashed = seq;
    // Not hashed: the contributed C and H.
    mont("c", nPublic + 1, nVars, G1, 8, ["lem"], invDelta);
    {
      // H_i: odd points 2i+1 of the Lagrange basis of the doubled domain (truncated when the
      // doubled domain is the ptau's top level), divided by delta.
      const k2 = cirPower + 1;
      const N = 2 ** k2;
      const om = Fr.w[k2];
      const invN = Fr.inv(Fr.e(N));
      const A = Fr.mul(invDelta, Fr.mul(Fr.sub(Fr.exp(tau, N), Fr.one), invN));
      const Bc = cirPower === power ? Fr.mul(invDelta, Fr.mul(Fr.exp(tau, N - 1), invN)) : Fr.zero;
      const step = Fr.square(om);
      const ch = CHUNK[G1];
      for (let i0 = 0; i0 < nc; i0 += ch) {
        const k = Math.min(ch, nc - i0);
        early.push(mul(w, G1, { kind: "lagrange", count: k, tau, A, Bc, first: Fr.exp(om, 2 * i0 + 1), step }, ["lem"], { section: 9, pos: i0 * 64 }));
      }
    }
    log(`zkey: ${early.length + late.length} jobs`);
    const all = runItems(pool, [...early, ...late], zk, sink, "u");
    const wires = await wiresP.catch(async (err) => {
      await all.catch(() => {});
      throw err;
    });
    log(`zkey: wire polynomials evaluated (${nCoefs} coefficients)`);
    if (wires.coefs.byteLength !== 4 + nCoefs * 44) throw new Error("internal: coefficient count");
    await zk.write(4, 0, wires.coefs);
    await all;
    if (sink.consumed !== nHashed) throw new Error("internal: circuit hash incomplete");
    const csHash = new Uint8Array(cs.digest());

    // The delta contribution (zkey_contribute.js).
    const rng = ctx.rng;
    const g1_s = G.toAffine(G.fromRng(rng));
    const g1_sx = G.toAffine(G.timesFr(g1_s, delta));
    const transcript = new Uint8Array(K.blake2b512().update(csHash).update(K.g1U(curve, g1_s)).update(K.g1U(curve, g1_sx)).digest());
    const g2_sp = K.hashToG2(curve, transcript);
    const g2_spx = GG.toAffine(GG.timesFr(g2_sp, delta));

    const one = new Uint8Array(4);
    new DataView(one.buffer).setUint32(0, 1, true);
    await zk.write(1, 0, one);
    const h2 = new Uint8Array(zk.slot(2).size);
    const dv2 = new DataView(h2.buffer);
    let o = 0;
    dv2.setUint32(o, 32, true);
    h2.set(bigintToLeBytes(BN254_Q, 32), o + 4);
    dv2.setUint32(o + 36, 32, true);
    h2.set(bigintToLeBytes(BN254_R, 32), o + 40);
    dv2.setUint32(o + 72, nVars, true);
    dv2.setUint32(o + 76, nPublic, true);
    dv2.setUint32(o + 80, nc, true);
    o = 84;
    for (const b of [K.g1LEM(curve, alpha1), K.g1LEM(curve, beta1), K.g2LEM(curve, beta2), K.g2LEM(curve, GG.g), K.g1LEM(curve, delta1), K.g2LEM(curve, delta2)]) {
      h2.set(b, o);
      o += b.byteLength;
    }
    await zk.write(2, 0, h2);

    const c10 = new Uint8Array(contribSize);
    const dv10 = new DataView(c10.buffer);
    o = 0;
    c10.set(csHash, 0);
    dv10.setUint32(64, 1, true);
    o = 68;
    for (const b of [K.g1LEM(curve, delta1), K.g1LEM(curve, g1_s), K.g1LEM(curve, g1_sx), K.g2LEM(curve, g2_spx), transcript]) {
      c10.set(b, o);
      o += b.byteLength;
    }
    dv10.setUint32(o, 0, true); // type 0
    o += 4;
    c10.set(params, o);
    await zk.write(10, 0, c10);
    await zk.close();
  } catch (err) {
    await zk.abort();
    throw err;
  } finally {
    await ptauFh.close();
  }
}

/**
 * Walks the r1cs constraints section (checking its structure and the signal ids) and returns
 * the number of A and B terms, which snarkjs's coefficient section lists.
 */
function countCoefficients(r1cs: R1cs): number {
  const b = r1cs.constraints;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let pos = 0;
  let count = 0;
  for (let c = 0; c < r1cs.nConstraints; c++) {
    for (let matrix = 0; matrix < 3; matrix++) {
      if (pos + 4 > b.byteLength) throw new SetupError(r1cs.file, `constraints section ends inside constraint ${c}`);
      const nTerms = dv.getUint32(pos, true);
      pos += 4;
      if (pos + nTerms * 36 > b.byteLength) throw new SetupError(r1cs.file, `constraints section ends inside constraint ${c}`);
      for (let t = 0; t < nTerms; t++) {
        const sig = dv.getUint32(pos, true);
        if (sig >= r1cs.nVars) throw new SetupError(r1cs.file, `constraint ${c} uses signal ${sig}, but the circuit has ${r1cs.nVars} wires`);
        pos += 36;
      }
      if (matrix < 2) count += nTerms;
    }
  }
  if (pos !== b.byteLength) throw new SetupError(r1cs.file, `constraints section has ${b.byteLength - pos} bytes after constraint ${r1cs.nConstraints - 1}`);
  return count;
}
