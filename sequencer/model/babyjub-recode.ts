// Scalar recodings for Baby Jubjub multiplications (babyjub-fixedbase.ts, babyjub-varbase.ts,
// babyjub-msm.ts): signed fixed windows and width-w NAF over little-endian 32-bit words.

/**
 * Signed-digit recoding with fixed windows: `k = Σ dⱼ·2^(c·j)`, dⱼ ∈ [−2^(c−1), 2^(c−1)], into
 * `out` (length `windows`). `words`: the scalar's little-endian 32-bit words, one zero word of
 * padding past the last window. Returns the final carry (0 when k < 2^(c·windows − 1)).
 */
export function signedWindows(words: Uint32Array, c: number, windows: number, out: Int32Array): number {
  const half = 1 << (c - 1);
  const full = 1 << c;
  let carry = 0;
  for (let j = 0; j < windows; j++) {
    let d = bitsAt(words, j * c, c) + carry;
    if (d > half) {
      d -= full;
      carry = 1;
    } else carry = 0;
    out[j] = d;
  }
  return carry;
}

/**
 * Width-w non-adjacent form: digits odd in (−2^(w−1), 2^(w−1)) or 0, at least w − 1 zeros between
 * nonzero ones, `k = Σ out[i]·2^i`. `out` needs `bits + 1` entries (the top one takes a final
 * carry); words as for {@link signedWindows}, zero-padded past `bits`. Returns 1 + the highest
 * nonzero position (0 for k = 0).
 */
export function wnaf(words: Uint32Array, bits: number, w: number, out: Int8Array): number {
  const full = 1 << w;
  const half = full >> 1;
  out.fill(0, 0, bits + 1);
  let carry = 0;
  let pos = 0;
  let top = 0;
  while (pos < bits) {
    const window = bitsAt(words, pos, w) + carry;
    if ((window & 1) === 0) {
      pos += 1;
      continue;
    }
    if (window < half) {
      out[pos] = window;
      carry = 0;
    } else {
      out[pos] = window - full;
      carry = 1;
    }
    top = pos + 1;
    pos += w;
  }
  if (carry) {
    // With k < 2^bits a negative digit means its window held a set bit below `bits`, so the carry
    // lands exactly at position `bits`.
    if (pos !== bits) throw new RangeError(`wnaf: scalar below 2^${bits} expected`);
    out[bits] = 1;
    top = bits + 1;
  }
  return top;
}

/** `w` bits of the word array at bit `pos` (w ≤ 24). */
function bitsAt(words: Uint32Array, pos: number, w: number): number {
  const i = pos >>> 5;
  const sh = pos & 31;
  let v = words[i] >>> sh;
  if (sh + w > 32) v |= words[i + 1] << (32 - sh);
  return v & ((1 << w) - 1);
}

/** Bits of k ≥ 0 (0 for 0). */
export function bitLength(k: bigint): number {
  if (k === 0n) return 0;
  const hex = k.toString(16);
  return 4 * (hex.length - 1) + (32 - Math.clz32(parseInt(hex[0], 16)));
}

/**
 * The n little-endian 32-bit words of 0 ≤ k < 2^(32·n). The recodings read a little past a scalar's
 * last bit: leave zero words above it (the default 10 words hold 256-bit scalars with 2 spare).
 */
export function scalarWords(k: bigint, n = 10, out = new Uint32Array(n)): Uint32Array {
  let v = k;
  for (let i = 0; i < n; i++) {
    out[i] = Number(v & 0xffffffffn);
    v >>= 32n;
  }
  if (v !== 0n) throw new RangeError(`scalarWords: scalar below 2^${32 * n} expected`);
  return out;
}
