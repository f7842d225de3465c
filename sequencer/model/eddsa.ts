// EdDSA-Poseidon verification as the circuit does it (circomlib's EdDSAPoseidonVerifier, used by
// circuits/src/tx.circom), fast: one signature in ≈ 0.1–0.2 ms instead of ≈ 30 ms through
// @zk-kit/eddsa-poseidon, and batches through one multi-scalar multiplication.
//
// Acceptance rules. A signature (R8, S) on M under A is accepted exactly when
//   1. M, R8x, R8y, Ax, Ay and S are field elements (integers in [0, r)) and S < l;
//   2. R8 and A are on the curve (the circuit does not check this: rejecting off-curve points only
//      costs liveness, and zk-kit rejects them too);
//   3. 8·A is not the identity (the circuit's `isZero(dbl3.x)`; zk-kit accepts such keys);
//   4. S·B8 = R8 + h·(8·A) with h = Poseidon(R8x, R8y, Ax, Ay, M), an exact equation (no cofactor
//      on R8): with A on the curve 8·A lies in the subgroup of order l, so h·8A = (h mod l)·8A,
//      and the equation forces R8 into that subgroup too.
// The circuit's EscalarMulAny computes h·8A correctly for every 8A of order l (its Montgomery
// additions only meet multiples below 2^149 of the base), and its EscalarMulFix meets an exceptional
// addition only for particular scalars S (density ≈ 2^-240): S is fixed by a hash of R8, so no one
// can aim a valid signature at them. Within those bounds, rule 4 is what the circuit enforces.
//
// Batch verification. After rules 1–3 per item, each R8 is tested for membership in the subgroup of
// order l (octic character, babyjub-wasm.ts; an R8 outside it fails rule 4 anyway, so this only
// rejects what single verification rejects). Then every term of
//   Σ zᵢ·(Sᵢ·B8 − R8ᵢ − hᵢ·8Aᵢ) = 0,   zᵢ uniform 128-bit from the OS CSPRNG,
// lies in a group of prime order l, so if any item is bad the sum vanishes with probability at most
// 2^-128. (The cofactored form 8·Σ… = 0 would accept R8 + a torsion point, which the circuit
// rejects: clearing the cofactor is not an option here.) The sum is one fixed-base multiplication
// (Σ zᵢSᵢ mod l)·B8 plus one MSM over the R8ᵢ and the distinct keys. When it fails, the batch is
// halved until each bad item is isolated; a single item is checked with z = 1 (deterministic).

import { randomBytes } from "node:crypto";
import type { PublicKey, Signature } from "./keys.js";
import { BABYJUB_SUBORDER } from "./babyjub.js";
import { E, EXT_BYTES, NIELS_BYTES, RAW_BYTES } from "./babyjub-wasm.js";
import { BabyJubEngine, babyjubEngine } from "./babyjub-engine.js";
import { scalarWords } from "./babyjub-recode.js";
import { KEY_TABLE_BYTES, type KeyTable } from "./babyjub-varbase.js";
import { SNARK_FIELD } from "./constants.js";
import { ZkrError } from "../../core/errors.js";
import { leToBigint } from "../../core/bytes.js";

/** One signature to verify. */
export interface EddsaBatchItem {
  msg: bigint;
  sig: Signature;
  pk: PublicKey;
}

/** Options of {@link configureEddsaVerifier}. */
export interface EddsaVerifierOptions {
  /**
   * Public keys whose precomputed tables (9 KB each) are kept, least recently used evicted first.
   * A cached key verifies in about half the time of a new one; 0 disables the cache. Default 1024.
   */
  keyCacheSize?: number;
}

const DEFAULT_KEY_CACHE = 1024;
const l = BABYJUB_SUBORDER;

function isField(v: unknown): v is bigint {
  return typeof v === "bigint" && v >= 0n && v < SNARK_FIELD;
}

/** The well-formed fields of an item, or null (rule 1). Never throws. */
function parse(msg: unknown, sig: unknown, pk: unknown): { msg: bigint; r8x: bigint; r8y: bigint; s: bigint; ax: bigint; ay: bigint } | null {
  if (!isField(msg) || sig === null || typeof sig !== "object" || !Array.isArray(pk) || pk.length !== 2) return null;
  const { r8x, r8y, s } = sig as Partial<Signature>;
  const [ax, ay] = pk as unknown[];
  if (!isField(r8x) || !isField(r8y) || !isField(s) || s >= l || !isField(ax) || !isField(ay)) return null;
  return { msg, r8x, r8y, s, ax, ay };
}

interface KeyEntry {
  ay: bigint;
  table: KeyTable;
}

/** The verifier's state: the engine, scratch addresses and the key cache. */
class Verifier {
  readonly e: BabyJubEngine;
  private readonly R: number;
  private readonly A: number;
  private readonly acc: number;
  private readonly hRaw: number;
  private readonly words = new Uint32Array(10);
  private capacity: number;
  private readonly keys = new Map<bigint, KeyEntry>();
  private readonly slots: number[] = [];

  constructor(capacity: number) {
    this.e = babyjubEngine();
    this.R = this.e.alloc(EXT_BYTES);
    this.A = this.e.alloc(EXT_BYTES);
    this.acc = this.e.alloc(EXT_BYTES);
    this.hRaw = this.e.alloc(RAW_BYTES);
    this.capacity = capacity;
  }

  setCapacity(capacity: number): void {
    this.capacity = capacity;
    while (this.keys.size > capacity) this.evictOldest();
  }

  private evictOldest(): void {
    const [ax, entry] = this.keys.entries().next().value as [bigint, KeyEntry];
    this.keys.delete(ax);
    this.slots.push(entry.table.at);
  }

  /** The cached table of a key, refreshed as most recently used; undefined when absent. */
  cachedKey(ax: bigint, ay: bigint): KeyTable | undefined {
    const entry = this.keys.get(ax);
    if (entry === undefined || entry.ay !== ay) return undefined;
    this.keys.delete(ax);
    this.keys.set(ax, entry);
    return entry.table;
  }

  /**
   * Loads A at `at` and replaces it by 8·A; false when A is off the curve or of small order
   * (rules 2 and 3).
   */
  loadKey(ax: bigint, ay: bigint, at: number): boolean {
    const { e } = this;
    if (!e.loadPoint([ax, ay], at)) return false;
    e.k.bj_dblNoT(at, at);
    e.k.bj_dblNoT(at, at);
    e.k.bj_dbl(at, at);
    return e.k.bj_isIdentity(at) === 0;
  }

  /** Caches the table of the valid key whose 8·A is at `a8`; null when the cache is off. */
  insertKey(ax: bigint, ay: bigint, a8: number): KeyTable | null {
    if (this.capacity <= 0) return null;
    if (this.keys.size >= this.capacity) this.evictOldest();
    const at = this.slots.pop() ?? this.e.alloc(KEY_TABLE_BYTES);
    const table = this.e.buildKeyTable(a8, at);
    const old = this.keys.get(ax);
    if (old !== undefined) {
      this.keys.delete(ax);
      this.slots.push(old.table.at);
    }
    this.keys.set(ax, { ay, table });
    return table;
  }

  verify(msgIn: unknown, sigIn: unknown, pkIn: unknown): boolean {
    const p = parse(msgIn, sigIn, pkIn);
    if (p === null) return false;
    const { e, R, A, acc, hRaw, words } = this;
    if (!e.loadPoint([p.r8x, p.r8y], R)) return false;
    let table = this.cachedKey(p.ax, p.ay);
    if (table === undefined) {
      if (!this.loadKey(p.ax, p.ay, A)) return false;
      table = this.insertKey(p.ax, p.ay, A) ?? undefined;
    }
    e.poseidon5([p.r8x, p.r8y, p.ax, p.ay, p.msg], hRaw);
    e.rawWords(hRaw, words);
    // acc = S·B8 − h·8A, compared with R8
    if (table !== undefined) e.mulKeyTable(table, words, acc, true);
    else e.mulWnaf(A, words, acc, true);
    e.addMulBase(acc, p.s);
    return e.k.bj_eqAffine(acc, R) === 1;
  }

  verifyBatch(items: readonly EddsaBatchItem[]): boolean[] {
    const n = items.length;
    const ok = new Array<boolean>(n).fill(false);
    if (n === 0) return ok;
    const { e } = this;
    const mark = e.mark();
    try {
      const rNiels = e.scratch(n * NIELS_BYTES);
      const aExt = e.scratch(n * EXT_BYTES);
      const aNiels = e.scratch(n * NIELS_BYTES);
      const tmp = e.scratch(EXT_BYTES);
      const live: number[] = [];
      const s: bigint[] = new Array(n);
      const h: bigint[] = new Array(n);
      const keyOf = new Int32Array(n);
      const keyTables: (KeyTable | undefined)[] = [];
      // distinct keys of the batch: ax → [ay, key index] (key index −1: invalid key)
      const keyIndex = new Map<bigint, [bigint, number][]>();
      let nKeys = 0;
      for (let i = 0; i < n; i++) {
        try {
          const it = items[i];
          const p = it === null || typeof it !== "object" ? null : parse(it.msg, it.sig, it.pk);
          if (p === null) continue;
          if (!e.loadPoint([p.r8x, p.r8y], tmp) || !e.inSubgroup(tmp, p.r8y)) continue;
          let kid = keyIndex.get(p.ax)?.find(([ay]) => ay === p.ay)?.[1];
          if (kid === undefined) {
            kid = -1;
            const at = aExt + nKeys * EXT_BYTES;
            const cached = this.cachedKey(p.ax, p.ay);
            if (cached !== undefined) {
              // the table's first entry is 8A as (Y−X, Y+X, 2Z, ·): (2X, 2Y, 2Z) is the same point
              e.k.fr_sub(cached.at + E, cached.at, at);
              e.k.fr_add(cached.at + E, cached.at, at + E);
              e.k.fr_copy(cached.at + 2 * E, at + 2 * E);
              keyTables[nKeys] = cached;
              kid = nKeys++;
            } else if (this.loadKey(p.ax, p.ay, at)) kid = nKeys++;
            const list = keyIndex.get(p.ax) ?? [];
            list.push([p.ay, kid]);
            keyIndex.set(p.ax, list);
          }
          if (kid < 0) continue;
          e.k.bj_affineToNiels(tmp, rNiels + i * NIELS_BYTES);
          e.poseidon5([p.r8x, p.r8y, p.ax, p.ay, p.msg], this.hRaw);
          h[i] = e.readRaw(this.hRaw);
          s[i] = p.s;
          keyOf[i] = kid;
          live.push(i);
        } catch {
          // malformed beyond what parse catches: false, as verify() would answer
        }
      }
      e.batchToNiels(aExt, nKeys, aNiels);
      const acc = e.scratch(EXT_BYTES);
      const keyScalar = new Array<bigint>(nKeys);
      const keyUsed = new Uint8Array(nKeys);

      // Whether Σ zᵢ·(Sᵢ·B8 − R8ᵢ − hᵢ·8Aᵢ) = 0 over `set` (z = 1 for a single item).
      const equation = (set: readonly number[]): boolean => {
        const table = set.length === 1 ? keyTables[keyOf[set[0]]] : undefined;
        if (table !== undefined) {
          // one item, key cached: S·B8 − h·8A = R8 through the key's table, as verify() does
          const i = set[0];
          e.mulKeyTable(table, scalarWords(h[i], 10, this.words), acc, true);
          e.addMulBase(acc, s[i]);
          e.k.bj_subNiels(acc, rNiels + i * NIELS_BYTES, acc);
          return e.k.bj_isIdentity(acc) === 1;
        }
        const z: bigint[] = [];
        if (set.length === 1) z.push(1n);
        else {
          const bytes = randomBytes(16 * set.length);
          for (let j = 0; j < set.length; j++) z.push(leToBigint(bytes, 16 * j, 16));
        }
        let sB = 0n;
        const bases: number[] = [];
        const scalars: bigint[] = [];
        keyUsed.fill(0);
        set.forEach((i, j) => {
          sB += z[j] * s[i];
          bases.push(rNiels + i * NIELS_BYTES);
          scalars.push(z[j]);
          const kid = keyOf[i];
          keyScalar[kid] = (keyUsed[kid] ? keyScalar[kid] : 0n) + z[j] * h[i];
          keyUsed[kid] = 1;
        });
        for (let kid = 0; kid < nKeys; kid++) {
          if (!keyUsed[kid]) continue;
          bases.push(aNiels + kid * NIELS_BYTES);
          scalars.push(keyScalar[kid] % l);
        }
        e.msm(bases, scalars, new Array<boolean>(bases.length).fill(true), acc);
        e.addMulBase(acc, sB % l);
        return e.k.bj_isIdentity(acc) === 1;
      };

      // Verifies `set`, marking `ok`; `failed`: the set is already known to hold a bad item.
      const check = (set: readonly number[], failed: boolean): boolean => {
        if (set.length === 0) return true;
        if (!failed && equation(set)) {
          for (const i of set) ok[i] = true;
          return true;
        }
        if (set.length === 1) return false;
        const mid = set.length >> 1;
        const leftOk = check(set.slice(0, mid), false);
        // the whole failed: if the left half passed, the bad item is on the right
        check(set.slice(mid), leftOk);
        return false;
      };
      check(live, false);
      return ok;
    } finally {
      e.release(mark);
    }
  }
}

let verifier: Verifier | null = null;
let capacity = DEFAULT_KEY_CACHE;

function instance(): Verifier {
  verifier ??= new Verifier(capacity);
  return verifier;
}

/** Sets the verifier's options (the key cache's size); applies to later calls. */
export function configureEddsaVerifier(options: EddsaVerifierOptions): void {
  if (options.keyCacheSize !== undefined) {
    if (!Number.isInteger(options.keyCacheSize) || options.keyCacheSize < 0) {
      throw new ZkrError(`configureEddsaVerifier: keyCacheSize a non-negative integer expected, got ${String(options.keyCacheSize)}`);
    }
    capacity = options.keyCacheSize;
    verifier?.setCapacity(capacity);
  }
}

/**
 * Builds the WebAssembly module, the fixed-base table and the verifier now (≈ 0.1–0.3 s, once per
 * thread) rather than in the first verification: call it at startup where latency matters.
 */
export function warmUpEddsaVerifier(): void {
  instance();
}

/**
 * Verifies an EdDSA-Poseidon signature exactly as the circuit would accept it (see the header's
 * rules). Never throws: malformed input of any kind gives false.
 */
export function verifyEddsa(msg: bigint, sig: Signature, pk: PublicKey): boolean {
  try {
    return instance().verify(msg, sig, pk);
  } catch {
    return false;
  }
}

/**
 * Verifies many signatures at once; `result[i]` is exactly `verifyEddsa(items[i].msg,
 * items[i].sig, items[i].pk)` (but for a 2^-128 chance that a bad item passes with good ones).
 * Never throws on malformed items. Cheapest per signature for batches of new keys; see
 * bench/README.md for the numbers.
 */
export function verifyBatch(items: readonly EddsaBatchItem[]): boolean[] {
  if (!Array.isArray(items)) return [];
  return instance().verifyBatch(items);
}
