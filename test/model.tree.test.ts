// Poseidon, the quaternary account tree and account leaves, checked against circomlibjs as an
// independent implementation: dense recomputation of small trees, proofs, sparse depth-24 behaviour.

import {
  FieldRangeError, QuadTree, SNARK_FIELD, TreeError, ZkrError, emptyHashes, leafHash, poseidon, rootFromProof,
  validateAccount, verifyProof, type Account,
} from "../sequencer/model/index.js";
import { bigintPoseidon, refPoseidon } from "./helpers/circomlibjs-ref.js";
import { rng } from "../bench/fixtures/rng.js";

let refHash: (xs: bigint[]) => bigint;

beforeAll(async () => {
  refHash = bigintPoseidon(await refPoseidon());
});

describe("poseidon", () => {
  test("matches circomlibjs for 1..6 and 16 inputs", () => {
    const r = rng(1);
    for (const n of [1, 2, 3, 4, 5, 6, 16]) {
      for (let k = 0; k < 5; k++) {
        const xs = Array.from({ length: n }, () => r.below(SNARK_FIELD));
        expect(poseidon(xs)).toBe(refHash(xs));
      }
      const edge = Array.from({ length: n }, (_, i) => (i % 2 === 0 ? SNARK_FIELD - 1n : 0n));
      expect(poseidon(edge)).toBe(refHash(edge));
    }
  });

  test("rejects inputs outside [0, r) instead of reducing them", () => {
    expect(() => poseidon([SNARK_FIELD])).toThrow(FieldRangeError);
    expect(() => poseidon([1n, -1n])).toThrow(FieldRangeError);
  });

  test("rejects 0 or more than 16 inputs", () => {
    expect(() => poseidon([])).toThrow(ZkrError);
    expect(() => poseidon(new Array<bigint>(17).fill(0n))).toThrow(/1 to 16 inputs expected, got 17/);
  });
});

/** Every node of a dense tree, recomputed from scratch with circomlibjs: layers[0] = leaves, last = [root]. */
function denseLayers(leaves: bigint[]): bigint[][] {
  const layers = [leaves];
  while (layers[layers.length - 1].length > 1) {
    const below = layers[layers.length - 1];
    const up: bigint[] = [];
    for (let i = 0; i < below.length; i += 4) up.push(refHash(below.slice(i, i + 4)));
    layers.push(up);
  }
  return layers;
}

describe("QuadTree", () => {
  test("empty subtree hashes follow z_{h+1} = Poseidon(z_h ×4)", () => {
    const z = emptyHashes(12);
    expect(z[0]).toBe(0n);
    for (let h = 0; h < 12; h++) expect(z[h + 1]).toBe(refHash([z[h], z[h], z[h], z[h]]));
    expect(new QuadTree(24).root).toBe(z[12]);
    expect(new QuadTree(2).root).toBe(z[1]);
  });

  test.each([4, 6])("depth %i: root equals dense circomlibjs recomputation after each random update", (depth) => {
    const r = rng(depth);
    const n = 1 << depth;
    const leaves = new Array<bigint>(n).fill(0n);
    const tree = new QuadTree(depth);
    for (let step = 0; step < 40; step++) {
      const i = r.int(n);
      // Every fourth write empties a leaf, so deletions from the sparse maps are exercised too.
      const v = step % 4 === 3 ? 0n : r.below(SNARK_FIELD);
      leaves[i] = v;
      tree.set(BigInt(i), v);
      expect(tree.root).toBe(denseLayers(leaves)[depth / 2][0]);
    }
    expect(tree.size).toBe(leaves.filter((x) => x !== 0n).length);
    for (let i = 0; i < n; i++) expect(tree.get(BigInt(i))).toBe(leaves[i]);
  });

  test.each([4, 6])("depth %i: proofs are the dense tree's siblings and round-trip for every index", (depth) => {
    const r = rng(100 + depth);
    const n = 1 << depth;
    const leaves = Array.from({ length: n }, () => (r.int(3) === 0 ? 0n : r.below(SNARK_FIELD)));
    const tree = new QuadTree(depth);
    leaves.forEach((v, i) => tree.set(BigInt(i), v));
    const layers = denseLayers(leaves);
    const root = layers[layers.length - 1][0];
    for (let i = 0; i < n; i++) {
      const p = tree.proof(BigInt(i));
      expect(p.index).toBe(BigInt(i));
      expect(p.leaf).toBe(leaves[i]);
      expect(p.siblings).toHaveLength(depth / 2);
      let pos = i;
      for (let l = 0; l < depth / 2; l++) {
        const base = pos - (pos % 4);
        const expected = [0, 1, 2, 3].filter((j) => base + j !== pos).map((j) => layers[l][base + j]);
        expect(p.siblings[l]).toEqual(expected);
        pos = Math.floor(pos / 4);
      }
      expect(rootFromProof(p.index, p.leaf, p.siblings, depth)).toBe(root);
      expect(QuadTree.rootFromProof(p.index, p.leaf, p.siblings, depth)).toBe(root);
      expect(tree.verifyProof(p)).toBe(true);
      expect(verifyProof(root, p, depth)).toBe(true);
    }
  });

  test("tampered proofs fail without throwing", () => {
    const r = rng(7);
    const tree = new QuadTree(6);
    // Dense, so that no two siblings are equal empty subtrees and every swap changes the root.
    for (let i = 0; i < 64; i++) tree.set(BigInt(i), r.below(SNARK_FIELD));
    const p = tree.proof(13n);
    expect(tree.verifyProof(p)).toBe(true);
    expect(tree.verifyProof({ ...p, leaf: p.leaf + 1n })).toBe(false);
    expect(tree.verifyProof({ ...p, index: 14n })).toBe(false);
    const swapped = p.siblings.map((g) => g.slice());
    [swapped[1][0], swapped[1][1]] = [swapped[1][1], swapped[1][0]];
    expect(tree.verifyProof({ ...p, siblings: swapped })).toBe(false);
    const bumped = p.siblings.map((g) => g.slice());
    bumped[2][2] += 1n;
    expect(tree.verifyProof({ ...p, siblings: bumped })).toBe(false);
    // Malformed shapes and out-of-range values are "not a proof", not exceptions.
    expect(tree.verifyProof({ ...p, siblings: p.siblings.slice(1) })).toBe(false);
    expect(tree.verifyProof({ ...p, siblings: [p.siblings[0].slice(1), ...p.siblings.slice(1)] })).toBe(false);
    expect(tree.verifyProof({ ...p, index: 64n })).toBe(false);
    expect(tree.verifyProof({ ...p, leaf: SNARK_FIELD })).toBe(false);
    expect(() => rootFromProof(p.index, p.leaf, p.siblings.slice(1), 6)).toThrow(TreeError);
  });

  test("depth 24 stays sparse: a few leaves, proofs verify, emptying returns the empty root", () => {
    const r = rng(24);
    const tree = new QuadTree(24);
    const empty = tree.root;
    const idx = [0n, 1n, 4n, (1n << 24n) - 1n, r.bigint(24), r.bigint(24)];
    const vals = idx.map(() => r.below(SNARK_FIELD));
    idx.forEach((i, k) => tree.set(i, vals[k]));
    for (const [k, i] of idx.entries()) {
      const p = tree.proof(i);
      expect(p.leaf).toBe(vals[k]);
      expect(p.siblings).toHaveLength(12);
      expect(tree.verifyProof(p)).toBe(true);
    }
    const unset = tree.proof(12345n);
    expect(unset.leaf).toBe(0n);
    expect(tree.verifyProof(unset)).toBe(true);
    expect(new Map(tree.entries()).size).toBe(new Set(idx).size);
    for (const i of idx) tree.set(i, 0n);
    expect(tree.root).toBe(empty);
    expect(tree.size).toBe(0);
  });

  test("clone is independent in both directions", () => {
    const a = new QuadTree(8);
    a.set(3n, 33n);
    const rootA = a.root;
    const b = a.clone();
    expect(b.root).toBe(rootA);
    b.set(5n, 55n);
    expect(a.root).toBe(rootA);
    expect(a.get(5n)).toBe(0n);
    a.set(7n, 77n);
    expect(b.get(7n)).toBe(0n);
    const check = new QuadTree(8);
    check.set(3n, 33n);
    check.set(5n, 55n);
    expect(b.root).toBe(check.root);
    const c = b.clone();
    c.set(5n, 0n);
    expect(b.get(5n)).toBe(55n);
    expect(c.get(5n)).toBe(0n);
  });

  test("bad depth, index and leaf raise typed errors", () => {
    for (const d of [0, 1, 3, 26, 2.5, -2]) expect(() => new QuadTree(d)).toThrow(TreeError);
    const t = new QuadTree(4);
    expect(() => t.get(16n)).toThrow(TreeError);
    expect(() => t.set(-1n, 1n)).toThrow(TreeError);
    expect(() => t.proof(1n << 24n)).toThrow(/index in \[0, 2\^4\) expected, got 16777216/);
    expect(() => t.set(0n, SNARK_FIELD)).toThrow(FieldRangeError);
    expect(() => verifyProof(0n, t.proof(0n), 5)).toThrow(TreeError);
    let caught: unknown;
    try {
      t.get(99n);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(TreeError);
    expect((caught as TreeError).index).toBe(99n);
    expect((caught as TreeError).depth).toBe(4);
    expect((caught as TreeError).name).toBe("TreeError");
  });
});

describe("account leaves", () => {
  const acc: Account = { ax: 1n, ay: 2n, ethAddr: (1n << 160n) - 1n, tokenId: 7n, balance: (1n << 128n) - 1n, nonce: (1n << 40n) - 1n };

  test("leafHash is Poseidon of the six fields in order", () => {
    const r = rng(5);
    for (let k = 0; k < 5; k++) {
      const a: Account = {
        ax: r.below(SNARK_FIELD), ay: r.below(SNARK_FIELD), ethAddr: r.bigint(160),
        tokenId: r.bigint(32), balance: r.bigint(128), nonce: r.bigint(40),
      };
      expect(leafHash(a)).toBe(refHash([a.ax, a.ay, a.ethAddr, a.tokenId, a.balance, a.nonce]));
    }
    expect(leafHash(acc)).toBe(refHash([acc.ax, acc.ay, acc.ethAddr, acc.tokenId, acc.balance, acc.nonce]));
  });

  test("field widths are enforced", () => {
    expect(() => validateAccount(acc)).not.toThrow();
    expect(() => leafHash({ ...acc, ethAddr: 1n << 160n })).toThrow(/account.ethAddr: a value in \[0, 2\^160\) expected/);
    expect(() => leafHash({ ...acc, tokenId: 1n << 32n })).toThrow(FieldRangeError);
    expect(() => leafHash({ ...acc, balance: 1n << 128n })).toThrow(FieldRangeError);
    expect(() => leafHash({ ...acc, nonce: 1n << 40n })).toThrow(FieldRangeError);
    expect(() => leafHash({ ...acc, ax: SNARK_FIELD })).toThrow(FieldRangeError);
    expect(() => leafHash({ ...acc, balance: -1n })).toThrow(FieldRangeError);
  });
});
