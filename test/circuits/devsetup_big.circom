pragma circom 2.1.0;

// The dev-setup toy with 17000 products: its domain is 2^15, above the 2^14 chunk in which
// snarkjs's zkey new hashes the H points (a case with its own quirk, see circuits/devsetup.ts).
template DevSetupBig(n) {
    signal input a;
    signal input b;
    signal input pub1;
    signal output out;
    signal acc[n];
    acc[0] <== a * b + pub1;
    for (var i = 1; i < n; i++) {
        acc[i] <== acc[i - 1] * (acc[i - 1] + pub1) + i;
    }
    out <== acc[n - 1] * a;
}

component main {public [pub1]} = DevSetupBig(17000);
