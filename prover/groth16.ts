/**
 * zkr's Groth16 prover for snarkjs zkeys. It reads like the paper:
 *
 *   1. validate the witness against the key;
 *   2. evaluate the QAP's A·w and B·w at the constraint rows, and C = (A·w)∘(B·w);
 *   3. NTTs: each of A, B, C to coefficients (inverse NTT) and onto the coset ω_{2n}·⟨ω_n⟩
 *      (forward coset NTT), where h = A·B − C is evaluated point by point — the zkey's H points
 *      are the matching Lagrange basis, so no final transform is needed;
 *   4. MSMs: A, B1 (G1) and B2 (G2) over the witness, C over the private witness, H over h;
 *   5. assemble π = (A + α + rδ, B + β + sδ, C + H + s·πA + r·πB1 − rs·δ).
 *
 * Steps 3 and 4 are the backend's (CPU worker pool or WebGPU); so are step 2 and the h of step 3
 * where the backend has Fr vector kernels (`fr`: the cpu backend), else prover/qap.ts's bigints.
 * The blinding terms of πA, πB and B1 are folded into their MSMs: α, δ (resp. β, δ) are appended
 * to the loaded bases and 1, r (resp. 1, s) to the scalars, so the backend returns the blinded
 * points directly.
 */
import { BackendError, FR_BYTES, G1_BYTES, G2_BYTES, type BasesHandle, type FrKernels, type Group, type ProverBackend, type QapHandle } from "./backend.js";
import { bigintFrKernels, scalarAt, setScalar } from "./qap.js";
import { checkScalars } from "./checked.js";
import { R, frRootOfUnity, g1Add, g1Mul, g1Neg, g1ToJson, g2BytesToJson, readG1, writeG1 } from "../core/bn254.js";
import type { PointSectionId, ProvingKey, ZkeyPoints } from "./zkey.js";
import { leToBigint } from "../core/bytes.js";
import { ZkrError } from "../core/errors.js";
import type { OnProgress } from "../core/progress.js";

/** A proof in snarkjs's JSON format. */
export interface Groth16Proof {
  pi_a: [string, string, string];
  pi_b: [[string, string], [string, string], [string, string]];
  pi_c: [string, string, string];
  protocol: "groth16";
  curve: "bn128";
}

/** Seconds per phase of one proof. */
export type ProofTimings = Record<"abc" | "ntt" | "msm" | "assemble" | "total", number>;

/** The witness does not fit the key: no other attempt or backend can help. */
export class WitnessMismatchError extends ZkrError {
  override name = "WitnessMismatchError";
}

/** Progress callback: phase name and a line. */
export type ProverLog = (line: string) => void;

function u64s(bytes: Uint8Array): BigUint64Array {
  return new BigUint64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8);
}

/**
 * Up to this domain size the five MSMs of a proof run at once (their scratch is small); above it,
 * one at a time. Measured on `zkr prove` (2 cores, paired runs, load ~1.5): the MSMs of a 2^14
 * proof 0.79–0.96 → 0.65–0.87 s, of a 2^16 proof 1.95 → 1.79 s; with the cpu backend then cutting
 * MSMs started together into fewer ranges (prover/cpu/index.ts `msm`), 1.28 s at 2^16.
 */
export const CONCURRENT_MSM_MAX_DOMAIN = 2 ** 16;

/** A uniformly random nonzero scalar from the OS's secure source. */
export function randomScalar(): bigint {
  for (;;) {
    // The Web Crypto API's secure source, the same object in Node and in browsers.
    const b = globalThis.crypto.getRandomValues(new Uint8Array(32));
    b[31] &= 0x3f; // < 2^254: rejection keeps it uniform below r
    const v = leToBigint(b);
    if (v !== 0n && v < R) return v;
  }
}

/** A prover bound to one key and one backend; the key's bases are loaded once. */
export class Groth16Prover {
  private constructor(
    readonly key: ProvingKey,
    readonly backend: ProverBackend,
    private readonly bases: { A: BasesHandle; B1: BasesHandle; B2: BasesHandle; C: BasesHandle; H: BasesHandle },
    private readonly fr: FrKernels,
    private readonly qap: QapHandle,
  ) {}

  /**
   * Loads the key's point sections into the backend (with the blinding bases appended), one
   * section at a time: each load already spreads over the backend's threads, and one at a time
   * the backend's staging copy (up to a whole section) exists once, not five times over. Peak
   * memory: bench/README.md's whole-process table.
   *
   * `points`: the key's point sections left in its file (prover/zkey-file.ts openZkey; the key's
   * own are then empty). Each section (from the file or the key) and its blinding bases are
   * written straight into the backend's staging memory where it takes them so (`loadBasesFrom`),
   * else into one array for `loadBases`.
   */
  static async create(key: ProvingKey, backend: ProverBackend, points?: ZkeyPoints): Promise<Groth16Prover> {
    const loaded: BasesHandle[] = [];
    const fr = backend.fr ?? bigintFrKernels(backend);
    let qap: QapHandle | undefined;
    const load = async (group: Group, id: PointSectionId, inKey: Uint8Array, ...extra: Uint8Array[]): Promise<BasesHandle> => {
      const size = points ? points.size(id) : inKey.length;
      const bytes = size + extra.reduce((k, e) => k + e.length, 0);
      const fill = async (dst: Uint8Array) => {
        if (points) await points.read(id, dst.subarray(0, size));
        else dst.set(inKey);
        let o = size;
        for (const e of extra) {
          dst.set(e, o);
          o += e.length;
        }
      };
      if (backend.loadBasesFrom) return backend.loadBasesFrom(group, bytes / (group === "G1" ? G1_BYTES : G2_BYTES), fill);
      if (!points && extra.length === 0) return backend.loadBases(group, inKey);
      const b = new Uint8Array(bytes);
      await fill(b);
      return backend.loadBases(group, b);
    };
    try {
      loaded.push(await load("G1", 5, key.A, key.alpha1, key.delta1));
      loaded.push(await load("G1", 6, key.B1, key.beta1, key.delta1));
      loaded.push(await load("G2", 7, key.B2, key.beta2, key.delta2));
      loaded.push(await load("G1", 8, key.C));
      loaded.push(await load("G1", 9, key.H));
      qap = await fr.loadQap(key.coefs);
    } catch (err) {
      await Promise.all(loaded.map((b) => b.release()));
      throw err;
    }
    const [A, B1, B2, C, H] = loaded;
    // The backend holds the points now: the prover keeps the rest of the key, not the sections
    // (nor the matrices, where the backend holds them too).
    const none = new Uint8Array(0);
    const coefs = !backend.fr ? key.coefs : { ...key.coefs, count: 0, matrix: none, constraint: new Uint32Array(0), signal: new Uint32Array(0), valueIndex: new Uint32Array(0), values: [] };
    return new Groth16Prover({ ...key, A: none, B1: none, B2: none, C: none, H: none, coefs }, backend, { A, B1, B2, C, H }, fr, qap);
  }

  /** Releases the backend's copies of the bases. */
  async release(): Promise<void> {
    await Promise.all([...Object.values(this.bases), this.qap].map((b) => b.release()));
  }

  /**
   * Proves a full witness (nVars scalars, wire 0 = 1). `blinding` fixes r and s (tests only);
   * by default both come from the OS's secure random source.
   */
  async prove(
    witness: Uint8Array,
    opts: { blinding?: { r: bigint; s: bigint }; log?: ProverLog; progress?: OnProgress } = {},
  ): Promise<{ proof: Groth16Proof; publicSignals: string[]; timings: ProofTimings }> {
    const key = this.key;
    const log = opts.log ?? (() => {});
    // Progress in parts: A·w and B·w, the three polynomials' transforms, the five MSMs, assembly.
    let parts = 0;
    const part = <T>(x: T): T => {
      opts.progress?.({ step: "proof", done: ++parts, total: 10, unit: "parts" });
      return x;
    };
    opts.progress?.({ step: "proof", done: 0, total: 10, unit: "parts" });
    const n = key.domainSize;
    const t0 = performance.now();
    const lap = (() => {
      let last = t0;
      return () => {
        const now = performance.now();
        const s = (now - last) / 1000;
        last = now;
        return s;
      };
    })();

    // 1. validate
    if (witness.length !== key.nVars * FR_BYTES) {
      throw new WitnessMismatchError(`witness: ${key.nVars} values expected by ${key.file}, got ${witness.length / FR_BYTES}`);
    }
    try {
      checkScalars("prover", witness, key.nVars, "witness");
    } catch (err) {
      throw new WitnessMismatchError((err as BackendError).message.replace(/^prover: /, ""));
    }
    const w = u64s(witness);
    if (scalarAt(w, 0) !== 1n) throw new WitnessMismatchError(`witness[0]: 1 expected (the constant wire), got ${scalarAt(w, 0)}`);

    // 2. A·w, B·w at the rows, C = A∘B; 3. each to coefficients, then onto the odd points of the
    // 2n domain, where h = A·B − C point by point.
    let abc = 0;
    let steps = 0;
    const h = await this.fr.quotient(this.qap, witness, frRootOfUnity(key.power + 1), () => {
      if (steps++ === 0) {
        abc = lap();
        log(`abc: ${abc.toFixed(2)} s (${n} rows${this.backend.fr ? "" : ", bigint"})`);
      }
      part(undefined);
    });
    const ntt = lap();
    log(`ntt: ${ntt.toFixed(2)} s (6 transforms of 2^${key.power})`);

    // 4. MSMs, with the blinding folded into A, B1, B2.
    const r = opts.blinding?.r ?? randomScalar();
    const s = opts.blinding?.s ?? randomScalar();
    const withTail = (tail: bigint, out = new Uint8Array(witness.length + 2 * FR_BYTES)) => {
      out.set(witness);
      const ow = u64s(out);
      setScalar(ow, key.nVars, 1n);
      setScalar(ow, key.nVars + 1, tail);
      return out;
    };
    const msms: [BasesHandle, () => Uint8Array][] = [
      [this.bases.A, () => withTail(r)],
      [this.bases.B1, () => withTail(s)],
      [this.bases.B2, () => withTail(s)],
      [this.bases.C, () => witness.subarray((key.nPublic + 1) * FR_BYTES)],
      [this.bases.H, () => h],
    ];
    let results: Uint8Array[];
    if (n <= CONCURRENT_MSM_MAX_DOMAIN) {
      // Small: all five at once, so the main thread's planning of one overlaps the workers' ranges
      // of another and a worker that finishes its range early takes the next MSM's.
      // Largest first (B2 in G2, then H), so that the pool's queue ends with the short ones.
      results = [];
      await Promise.all(
        [2, 4, 0, 1, 3].map(async (k) => {
          const [bases, scalars] = msms[k];
          results[k] = part(await this.backend.msm(bases, scalars()));
        }),
      );
    } else {
      // One MSM at a time: each already spreads over the backend's threads, and one at a time the
      // backend's scratch (about half the points' size again, per MSM) exists once, not five times.
      results = [];
      for (const [bases, scalars] of msms) results.push(part(await this.backend.msm(bases, scalars())));
    }
    const [piA, piB1, piB, msmC, msmH] = results;
    const msm = lap();
    log(`msm: ${msm.toFixed(2)} s (A, B1, C over ${key.nVars} wires in G1, B2 in G2, H over 2^${key.power})`);

    // 5. πC = C + H + s·πA + r·πB1 − rs·δ.
    const a = readG1(piA);
    let c = g1Add(readG1(msmC), readG1(msmH));
    c = g1Add(c, g1Mul(a, s));
    c = g1Add(c, g1Mul(readG1(piB1), r));
    c = g1Add(c, g1Neg(g1Mul(readG1(key.delta1), (r * s) % R)));
    const cBytes = new Uint8Array(64);
    writeG1(c, cBytes);
    const publicSignals: string[] = [];
    for (let i = 1; i <= key.nPublic; i++) publicSignals.push(scalarAt(w, i).toString());
    const proof: Groth16Proof = {
      pi_a: g1ToJson(a),
      pi_b: g2BytesToJson(piB),
      pi_c: g1ToJson(readG1(cBytes)),
      protocol: "groth16",
      curve: "bn128",
    };
    const assemble = part(lap());
    const total = (performance.now() - t0) / 1000;
    log(`assemble: ${assemble.toFixed(2)} s; total ${total.toFixed(2)} s`);
    return { proof, publicSignals, timings: { abc, ntt, msm, assemble, total } };
  }
}
