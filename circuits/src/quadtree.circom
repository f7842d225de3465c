pragma circom 2.1.0;

// Quaternary Poseidon Merkle tree: one leaf update proven along one path.
//
// A node is Poseidon(c0, c1, c2, c3). At each level the index digit p (two bits,
// lo + 2*hi) says where the running hash sits; the three siblings fill the other
// positions in increasing order:
//
//     p | c0   c1   c2   c3
//     0 | cur  s0   s1   s2
//     1 | s0   cur  s1   s2
//     2 | s0   s1   cur  s2
//     3 | s0   s1   s2   cur
//
// The old and the new leaf share the path, so the products that depend only on the
// digit and the siblings are computed once: 11 constraints per level besides the
// two Poseidon(4) hashes (about 300 each). A binary tree of the same capacity needs
// two Poseidon(2) per level pair and digit, about 60% more.

include "circomlib/circuits/poseidon.circom";

template QuadMerkleUpdate(levels) {
    signal input digits[levels][2];     // [lo, hi] bits of each base-4 digit, leaf upwards; booleans
    signal input siblings[levels][3];
    signal input oldLeaf;
    signal input newLeaf;
    signal output oldRoot;
    signal output newRoot;

    signal e3[levels];
    signal shared01[levels];            // e0 * (s0 - s1)
    signal shared12[levels];            // (e2 + e3) * (s2 - s1)
    signal cur[2][levels + 1];
    signal t0[2][levels];
    signal t1[2][levels];
    signal t2[2][levels];
    signal t3[2][levels];
    component h[2][levels];

    cur[0][0] <== oldLeaf;
    cur[1][0] <== newLeaf;
    for (var l = 0; l < levels; l++) {
        var d0 = digits[l][0];
        var d1 = digits[l][1];
        e3[l] <== d0 * d1;
        var e1 = d0 - e3[l];
        var e2 = d1 - e3[l];
        var e0 = 1 - d0 - d1 + e3[l];
        var s0 = siblings[l][0];
        var s1 = siblings[l][1];
        var s2 = siblings[l][2];
        shared01[l] <== e0 * (s0 - s1);
        shared12[l] <== (e2 + e3[l]) * (s2 - s1);
        for (var k = 0; k < 2; k++) {
            t0[k][l] <== e0 * (cur[k][l] - s0);
            t1[k][l] <== e1 * (cur[k][l] - s1);
            t2[k][l] <== e2 * (cur[k][l] - s2);
            t3[k][l] <== e3[l] * (cur[k][l] - s2);
            h[k][l] = Poseidon(4);
            h[k][l].inputs[0] <== s0 + t0[k][l];
            h[k][l].inputs[1] <== s1 + shared01[l] + t1[k][l];
            h[k][l].inputs[2] <== s1 + shared12[l] + t2[k][l];
            h[k][l].inputs[3] <== s2 + t3[k][l];
            cur[k][l + 1] <== h[k][l].out;
        }
    }
    oldRoot <== cur[0][levels];
    newRoot <== cur[1][levels];
}

// Applies a leaf update to `rootIn` when `enabled` (a boolean): the old leaf must be in
// `rootIn` at the path; when disabled the root passes through and nothing is checked.
template QuadTreeStep(levels) {
    signal input enabled;
    signal input rootIn;
    signal input digits[levels][2];
    signal input siblings[levels][3];
    signal input oldLeaf;
    signal input newLeaf;
    signal output rootOut;

    component upd = QuadMerkleUpdate(levels);
    upd.digits <== digits;
    upd.siblings <== siblings;
    upd.oldLeaf <== oldLeaf;
    upd.newLeaf <== newLeaf;
    (upd.oldRoot - rootIn) * enabled === 0;
    rootOut <== rootIn + enabled * (upd.newRoot - rootIn);
}
