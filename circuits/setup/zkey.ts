/**
 * Phase 2 of the dev setup (circuits/devsetup.ts): the circuit's zkey, written directly from tau,
 * alpha, beta and delta as snarkjs's `zkey new` on the dev ptau followed by one `zkey contribute`
 * would write it.
 *
 *   sections: 1, 2 header, 3 IC, 4 coefficients, 5 A, 6 B1, 7 B2, 8 C/delta, 9 H/delta,
 *             10 circuit hash and the delta contribution
 *
 * `snarkjs zkey verify` rebuilds `zkey new` from the r1cs and the ptau and compares the circuit
 * hash and sections 3..7 byte for byte, then checks C and H against it with delta. The circuit
 * hash includes zkey new's quirk above domain 2^14 (one extra H point, read past the tauG1
 * section, see writeZkey).
 */
import fs from "node:fs";
import { bigintToLeBytes } from "../../core/bytes.js";
import { WorkerTaskError } from "../../core/pool.js";
import { BN254_Q, BN254_R, BinFileWriter, SetupError, type R1cs } from "./binfile.js";
import * as K from "./keys.js";
import { G1, G2, OrderedSink, SA, jobCounter, mul, runItems, type Chunks, type EnginePool, type Item, type Tables } from "./jobs.js";
import type { OnProgress } from "../../core/progress.js";

 
type Fe = Uint8Array;

/** The chunk size of zkey_new.js's hashHPoints (see the H points of the circuit hash). */
const SNARKJS_H_HASH_CHUNK = 1 << 14;

function be32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, false);
  return b;
}

/** What phase 2 needs. */
export interface ZkeyCtx {
  curve: any;
  pool: EnginePool;
  tables: Tables;
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
  progress?: OnProgress;
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
export async function writeZkey(ctx: ZkeyCtx): Promise<void> {
  const { curve, pool, tables, r1cs, nPublic, cirPower, power, tau, alpha, beta, delta, log } = ctx;
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
    .catch((err: unknown) => {
      // the engine's own message (the pool's error wraps it as its cause)
      const inner = err instanceof WorkerTaskError ? err.cause : err;
      const msg = inner && typeof inner === "object" && typeof (inner as Error).message === "string" ? (inner as Error).message : String(inner);
      throw new SetupError(r1cs.file, `constraints: ${msg.split("\n")[0]}`);
    });
  wiresP.catch(() => {}); // awaited below; avoid an unhandled rejection meanwhile

  const params = K.contributionParams(K.DEV_CONTRIBUTION_NAME);
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
            return mul(tables, group, spec, forms).job();
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
        early.push(mul(tables, G1, { kind: "lagrange", count: k, tau, A, Bc, first: Fr.exp(om, 2 * i0 + 1), step }, ["lem"], { section: 9, pos: i0 * 64 }));
      }
    }
    log(`zkey: ${early.length + late.length} jobs`);
    const all = runItems(pool, [...early, ...late], zk, sink, "u", jobCounter("dev keys: zkey", early.length + late.length, ctx.progress));
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
export function countCoefficients(r1cs: R1cs): number {
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
