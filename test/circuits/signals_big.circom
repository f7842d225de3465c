pragma circom 2.1.0;

// A chain of 100000 products (domain 2^17): a proof on the cpu backend lasts long enough for
// test/cli.signals.test.ts to signal `zkr prove` mid-proof, even on a busy machine.
template Chain(n) {
    signal input a;
    signal input b;
    signal input pub1;
    signal output out;
    signal x[n];
    x[0] <== a * b + pub1;
    for (var i = 1; i < n; i++) x[i] <== x[i - 1] * (x[i - 1] + i) + pub1;
    out <== x[n - 1] * b;
}

component main {public [pub1]} = Chain(100000);
