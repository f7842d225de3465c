/**
 * Phase 1 of the dev setup (circuits/devsetup.ts): the powers-of-tau file, prepared for phase 2,
 * written directly from tau, alpha and beta.
 *
 *   sections: 1 header, 2 tauG1, 3 tauG2, 4 alphaTauG1, 5 betaTauG1, 6 betaG2, 7 contributions,
 *             12..15 Lagrange bases of every domain 2^0..2^power at tau (times G1, G2, alpha G1,
 *             beta G1; G1 also 2^(power+1), as snarkjs truncates it)
 *
 * `snarkjs powersoftau verify` checks the contribution's proofs of knowledge of tau, alpha, beta
 * against the first challenge hash; the powers in every section (random linear combinations and
 * pairings); the next-challenge hash over all points; the Lagrange sections against the powers at
 * every level. The response hash is kept as snarkjs's 216-byte blake2b "partial hash" (the state
 * of @noble/hashes, the copy snarkjs loads).
 */
import { bigintToLeBytes } from "../../core/bytes.js";
import { BN254_Q, BinFileWriter } from "./binfile.js";
import * as K from "./keys.js";
import { G1, G2, OrderedSink, SA, jobCounter, mul, runBounded, runItems, type Chunks, type EnginePool, type Item, type Tables } from "./jobs.js";
import type { OnProgress } from "../../core/progress.js";

 
type Fe = Uint8Array;

/** What phase 1 needs. */
export interface PtauCtx {
  curve: any;
  pool: EnginePool;
  tables: Tables;
  CHUNK: Chunks;
  power: number;
  tau: Fe;
  alpha: Fe;
  beta: Fe;
  /** The setup's random source (the proofs of knowledge draw from it). */
  rng: unknown;
  out: string;
  log: (line: string) => void;
  progress?: OnProgress;
  /** When the setup started, for the log's times. */
  t0: number;
}

/**
 * Writes the ptau file to `ctx.out` and returns where its tauG1 points start (zkey's circuit
 * hash reads them back). On failure the partial file is removed.
 */
export async function writePtau(ctx: PtauCtx): Promise<{ tauG1Offset: number }> {
  const { curve, pool, tables, CHUNK, power, tau, alpha, beta, rng, log, t0 } = ctx;
  const Fr = curve.Fr;
  const n = 2 ** power;
  const challenge = K.firstChallengeHash(curve, power);
  const keys = {
    tau: K.ptauPubKey(curve, tau, 0, challenge, rng),
    alpha: K.ptauPubKey(curve, alpha, 1, challenge, rng),
    beta: K.ptauPubKey(curve, beta, 2, challenge, rng),
  };
  const params = K.contributionParams(K.DEV_CONTRIBUTION_NAME);
  const contribSize = 4 + (64 + 128 + 64 + 64 + 128) + (6 * 64 + 3 * 128) + 216 + 64 + 4 + params.byteLength;
  const ptau = await BinFileWriter.create(ctx.out, "ptau", 1, [
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
        geomItems.push(mul(tables, group, { kind: "geom", count: k, first, inc: tau }, ["lem", "c"], { section, pos: i0 * SA[group], seq: seq++ }));
        first = Fr.mul(first, tauCh);
      }
    };
    geom(2, G1, 2 * n - 1, Fr.one);
    geom(3, G2, n, Fr.one);
    geom(4, G1, n, alpha);
    geom(5, G1, n, beta);
    geom(6, G2, 1, beta);
    const lagItems = [
      ...lagrangeItems(curve, tables, CHUNK, 12, G1, power + 1, tau, Fr.one, true),
      ...lagrangeItems(curve, tables, CHUNK, 13, G2, power, tau, Fr.one, false),
      ...lagrangeItems(curve, tables, CHUNK, 14, G1, power, tau, alpha, false),
      ...lagrangeItems(curve, tables, CHUNK, 15, G1, power, tau, beta, false),
    ];
    const respSink = new OrderedSink<Uint8Array>((c) => resp.update(c));
    log(`ptau: ${geomItems.length + lagItems.length} jobs`);
    await runItems(pool, [...geomItems, ...lagItems], ptau, respSink, "c", jobCounter("dev keys: ptau", geomItems.length + lagItems.length, ctx.progress));
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
    const hashed = jobCounter("dev keys: ptau hash", uItems.length, ctx.progress);
    await runBounded(
      pool,
      uItems.length,
      async (i) => ({ type: "toU", group: uItems[i].group, lem: await ptau.read(uItems[i].section, uItems[i].pos, uItems[i].count * SA[uItems[i].group]) }),
      (i, res) => {
        nextSink.push(i, res.u);
        hashed();
      },
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
    const tauG1Offset = ptau.slot(2).offset;
    await ptau.close();
    return { tauG1Offset };
  } catch (err) {
    await ptau.abort();
    throw err;
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
  tables: Tables,
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
      items.push(mul(tables, group, { kind: "lagrange", count, tau, A, Bc, first, step: omega }, ["lem"], { section, pos: (N - 1 + j0) * SA[group] }));
    }
  }
  return items;
}
