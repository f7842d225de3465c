pragma circom 2.1.0;

// A circuit as a user brings it, compiled by test/cli.circom.test.ts with circom2's own CLI
// (`-l node_modules/circomlib/circuits`): knowledge of a Poseidon preimage (a, b) of the public
// `hash`, and the output prod = a·b·(a+1)·…·(a+n−1). Public signals: [prod, hash].
include "poseidon.circom";

template PoseidonPreimage(n) {
    signal input a;
    signal input b;
    signal input hash;
    signal output prod;

    component h = Poseidon(2);
    h.inputs[0] <== a;
    h.inputs[1] <== b;
    hash === h.out;

    signal acc[n];
    acc[0] <== a * b;
    for (var i = 1; i < n; i++) {
        acc[i] <== acc[i - 1] * (a + i);
    }
    prod <== acc[n - 1];
}

component main {public [hash]} = PoseidonPreimage(8);
