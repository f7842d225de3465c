// The account tree: a sparse quaternary Poseidon Merkle tree (PROTOCOL.md "State").
// Only non-empty nodes are stored; an absent node stands for the empty subtree of its height,
// whose hash is precomputed, so a depth-24 tree with a few accounts costs a few maps of entries.

import { MAX_DEPTH } from "./constants.js";
import { TreeError, assertFieldElement } from "./errors.js";
import { ZkrError } from "../../core/errors.js";
import { poseidon4Unchecked } from "./poseidon.js";

/** A Merkle proof of one leaf. */
export interface MerkleProof {
  /** Leaf index, `< 2^depth`. */
  index: bigint;
  /** Leaf value (0 for an empty leaf). */
  leaf: bigint;
  /**
   * `siblings[l]` are the 3 other children of the node at height `l + 1` on the path, in increasing
   * child position; `l = 0` are the leaf's siblings. Length `depth / 2`.
   */
  siblings: Siblings;
}

/** The 3 other children of each node on a path, leaf level first. */
export type Siblings = [bigint, bigint, bigint][];

/** A proof as received from outside: any shape; verification says whether it is one. */
export type UntrustedProof = Omit<MerkleProof, "siblings"> & { siblings: readonly (readonly bigint[])[] };

const emptyCache: bigint[] = [0n];

/** `z_0 … z_levels`: the hash of an empty subtree of each height (`z_0 = 0`, the empty leaf). */
export function emptyHashes(levels: number): bigint[] {
  while (emptyCache.length <= levels) {
    const z = emptyCache[emptyCache.length - 1];
    emptyCache.push(poseidon4Unchecked(z, z, z, z));
  }
  return emptyCache.slice(0, levels + 1);
}

/** Throws TreeError unless `depth` is an even integer in [2, MAX_DEPTH]; returns the number of levels. */
export function checkDepth(depth: number): number {
  if (!Number.isInteger(depth) || depth < 2 || depth > MAX_DEPTH || depth % 2 !== 0) {
    throw new TreeError({ reason: `an even depth in [2, ${MAX_DEPTH}] expected, got ${depth}`, depth });
  }
  return depth / 2;
}

function checkIndex(index: bigint, depth: number): number {
  if (typeof index !== "bigint" || index < 0n || index >= 1n << BigInt(depth)) {
    throw new TreeError({ reason: `index in [0, 2^${depth}) expected, got ${String(index)}`, index, depth });
  }
  // Indices are < 2^24, so a JS number is exact and makes cheaper Map keys than bigint.
  return Number(index);
}

/** Hash of 4 children where `cur` sits at position `digit` among `sib` (3 values, increasing position). */
function hashWith(cur: bigint, digit: number, sib: readonly bigint[]): bigint {
  switch (digit) {
    case 0: return poseidon4Unchecked(cur, sib[0], sib[1], sib[2]);
    case 1: return poseidon4Unchecked(sib[0], cur, sib[1], sib[2]);
    case 2: return poseidon4Unchecked(sib[0], sib[1], cur, sib[2]);
    default: return poseidon4Unchecked(sib[0], sib[1], sib[2], cur);
  }
}

/**
 * Root implied by a leaf and its proof.
 * @throws TreeError for a bad depth, index or proof shape; FieldRangeError for a leaf or sibling ≥ r.
 */
export function rootFromProof(index: bigint, leaf: bigint, siblings: readonly (readonly bigint[])[], depth: number): bigint {
  const levels = checkDepth(depth);
  let pos = checkIndex(index, depth);
  assertFieldElement("leaf", leaf);
  if (!Array.isArray(siblings) || siblings.length !== levels) {
    throw new TreeError({ reason: `${levels} sibling groups expected, got ${siblings?.length}`, index, depth });
  }
  let cur = leaf;
  for (let l = 0; l < levels; l++) {
    const sib = siblings[l];
    if (!Array.isArray(sib) || sib.length !== 3) {
      throw new TreeError({ reason: `3 siblings expected at level ${l}, got ${sib?.length}`, index, depth });
    }
    for (let j = 0; j < 3; j++) assertFieldElement(`sibling ${l}.${j}`, sib[j]);
    cur = hashWith(cur, pos & 3, sib);
    pos >>= 2;
  }
  return cur;
}

/**
 * True when `proof` shows `proof.leaf` at `proof.index` under `root`. A malformed proof gives false.
 * @throws TreeError for a bad depth (a configuration error, not a bad proof).
 */
export function verifyProof(root: bigint, proof: UntrustedProof, depth: number): boolean {
  checkDepth(depth);
  try {
    return rootFromProof(proof.index, proof.leaf, proof.siblings, depth) === root;
  } catch (e) {
    if (e instanceof ZkrError) return false;
    throw e;
  }
}

/** Sparse quaternary Poseidon Merkle tree of `depth` index bits (`depth / 2` levels). */
export class QuadTree {
  /** Index bits; leaves are `0 … 2^depth − 1`. */
  readonly depth: number;
  /** Levels of inner nodes, `depth / 2`. */
  readonly levels: number;
  private readonly empty: bigint[];
  /** `nodes[h]`: non-empty nodes of height h (0 = leaves, `levels` = root), keyed by position. */
  private nodes: Map<number, bigint>[];
  /** Copy-on-write: `owned[h]` is false while `nodes[h]` may be shared with a clone. */
  private owned: boolean[];

  /** @throws TreeError unless `depth` is even and in [2, 24]. */
  constructor(depth: number) {
    this.levels = checkDepth(depth);
    this.depth = depth;
    this.empty = emptyHashes(this.levels);
    this.nodes = Array.from({ length: this.levels + 1 }, () => new Map<number, bigint>());
    this.owned = this.nodes.map(() => true);
  }

  /** The root hash; the empty tree's root is `z_levels`. */
  get root(): bigint {
    return this.node(this.levels, 0);
  }

  /** Number of non-empty leaves. */
  get size(): number {
    return this.nodes[0].size;
  }

  /** Leaf at `index` (0 when empty). @throws TreeError for an index outside [0, 2^depth). */
  get(index: bigint): bigint {
    return this.node(0, checkIndex(index, this.depth));
  }

  /**
   * Writes a leaf and rehashes its path (`depth / 2` Poseidon calls). Setting 0 empties the leaf.
   * @throws TreeError for a bad index; FieldRangeError for a leaf outside [0, r).
   */
  set(index: bigint, leaf: bigint): void {
    let pos = checkIndex(index, this.depth);
    assertFieldElement("leaf", leaf);
    let value = leaf;
    this.write(0, pos, value);
    for (let h = 1; h <= this.levels; h++) {
      pos >>= 2;
      const c = pos << 2;
      value = poseidon4Unchecked(this.node(h - 1, c), this.node(h - 1, c + 1), this.node(h - 1, c + 2), this.node(h - 1, c + 3));
      this.write(h, pos, value);
    }
  }

  /** Merkle proof of the leaf at `index` (empty leaves too). @throws TreeError for a bad index. */
  proof(index: bigint): MerkleProof {
    let pos = checkIndex(index, this.depth);
    const leaf = this.node(0, pos);
    const siblings: Siblings = [];
    for (let h = 0; h < this.levels; h++) {
      const base = pos & ~3;
      const group: bigint[] = [];
      for (let j = 0; j < 4; j++) if (base + j !== pos) group.push(this.node(h, base + j));
      siblings.push(group as [bigint, bigint, bigint]);
      pos >>= 2;
    }
    return { index, leaf, siblings };
  }

  /** True when `proof` verifies against this tree's current root and depth. */
  verifyProof(proof: UntrustedProof): boolean {
    return verifyProof(this.root, proof, this.depth);
  }

  /** See the standalone {@link rootFromProof}. */
  static rootFromProof(index: bigint, leaf: bigint, siblings: readonly (readonly bigint[])[], depth: number): bigint {
    return rootFromProof(index, leaf, siblings, depth);
  }

  /** See the standalone {@link verifyProof}. */
  static verifyProof(root: bigint, proof: UntrustedProof, depth: number): boolean {
    return verifyProof(root, proof, depth);
  }

  /** Non-empty leaves as `[index, leaf]`, in no particular order. */
  *entries(): IterableIterator<[bigint, bigint]> {
    for (const [k, v] of this.nodes[0]) yield [BigInt(k), v];
  }

  /** Independent copy in O(levels): maps are shared until either tree writes to them. */
  clone(): QuadTree {
    const copy = Object.create(QuadTree.prototype) as QuadTree;
    Object.assign(copy, {
      depth: this.depth,
      levels: this.levels,
      empty: this.empty,
      nodes: this.nodes.slice(),
      owned: this.nodes.map(() => false),
    });
    this.owned = this.nodes.map(() => false);
    return copy;
  }

  private node(h: number, pos: number): bigint {
    return this.nodes[h].get(pos) ?? this.empty[h];
  }

  private write(h: number, pos: number, value: bigint): void {
    if (!this.owned[h]) {
      this.nodes[h] = new Map(this.nodes[h]);
      this.owned[h] = true;
    }
    // A node equal to the empty hash of its height is the empty subtree: drop it to stay sparse.
    if (value === this.empty[h]) this.nodes[h].delete(pos);
    else this.nodes[h].set(pos, value);
  }
}
