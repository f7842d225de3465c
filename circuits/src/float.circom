pragma circom 2.1.0;

// Decimal floats of the data-availability encoding: value = m * 10^e with a 5-bit
// exponent. 10^e is a product over the exponent's bits, so decoding costs 5
// constraints whatever the mantissa width.

// eBits: the exponent, most significant bit first (booleans). m: the mantissa (range
// is the caller's, usually because it was cut from range-checked bits).
template FloatDecode() {
    signal input eBits[5];
    signal input m;
    signal output pow;      // 10^e
    signal output value;    // m * 10^e

    signal acc[5];
    acc[0] <== 1 + eBits[0] * (10 ** 16 - 1);
    for (var i = 1; i < 5; i++) {
        acc[i] <== acc[i - 1] * (1 + eBits[i] * (10 ** (2 ** (4 - i)) - 1));
    }
    pow <== acc[4];
    value <== m * pow;
}
