// Seeded pseudo-random numbers for reproducible property tests (SplitMix64 on bigint).
// Not for keys or anything secret: the point is that a failing seed fails the same way every run.

const MASK64 = (1n << 64n) - 1n;

/** A deterministic random source. */
export interface Rng {
  /** Next 64 uniformly random bits. */
  next64(): bigint;
  /** Uniform integer in [0, 2^bits). */
  bigint(bits: number): bigint;
  /** Uniform integer in [0, n) for a bigint bound (rejection sampling, no modulo bias). */
  below(n: bigint): bigint;
  /** Uniform integer in [0, n) for a small positive n. */
  int(n: number): number;
  /** n random bytes. */
  bytes(n: number): Uint8Array;
  /** A random element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
}

/** SplitMix64 seeded with `seed`. */
export function rng(seed: bigint | number): Rng {
  let state = BigInt(seed) & MASK64;
  const next64 = (): bigint => {
    state = (state + 0x9e3779b97f4a7c15n) & MASK64;
    let z = state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
    return z ^ (z >> 31n);
  };
  const bigint = (bits: number): bigint => {
    let v = 0n;
    for (let have = 0; have < bits; have += 64) v = (v << 64n) | next64();
    return v & ((1n << BigInt(bits)) - 1n);
  };
  const below = (n: bigint): bigint => {
    if (n <= 0n) throw new Error(`below: positive bound expected, got ${n}`);
    const bits = (n - 1n).toString(2).length;
    for (;;) {
      const v = bigint(bits);
      if (v < n) return v;
    }
  };
  const int = (n: number): number => Number(below(BigInt(n)));
  const bytes = (n: number): Uint8Array => Uint8Array.from({ length: n }, () => Number(next64() & 0xffn));
  const pick = <T>(items: readonly T[]): T => items[int(items.length)];
  return { next64, bigint, below, int, bytes, pick };
}
