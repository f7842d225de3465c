pragma circom 2.1.0;

// A small circuit for ceremony and prover tests: c = a * b with a few extra constraints so the
// domain is not trivial. One public output, one public input.
template CeremonyToy(n) {
    signal input a;
    signal input b;
    signal input pub;
    signal output c;
    signal acc[n];
    acc[0] <== a * b;
    for (var i = 1; i < n; i++) {
        acc[i] <== acc[i - 1] * b + pub;
    }
    c <== acc[n - 1];
}

component main {public [pub]} = CeremonyToy(40);
