pragma circom 2.1.0;

// A small circuit for the dev-setup tests: two public inputs and one output (so IC has four
// points), wires that appear in A only, in B only and in neither, a chain of products, and an
// odd number of wires (so per-wire arrays are not a multiple of 64 bytes).
template DevSetupToy(n) {
    signal input a;
    signal input b;
    signal input pub1;
    signal input pub2;
    signal output out;
    signal acc[n];
    acc[0] <== a * b + pub1;
    for (var i = 1; i < n; i++) {
        acc[i] <== acc[i - 1] * (acc[i - 1] + pub2) + i;
    }
    out <== acc[n - 1] * a;
}

component main {public [pub1, pub2]} = DevSetupToy(21);
