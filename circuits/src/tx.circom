pragma circom 2.1.0;

// One slot of a batch: proves any one transaction type (noop, deposit, transfer,
// withdraw, forced exit) against the state root and the L1 queue hash it receives,
// and hands the next root and queue hash to the following slot.
//
// The slot's 12 bytes of data-availability data are the source of truth: the circuit
// cuts type, indices, amounts and fee out of their bits (see docs/PROTOCOL.md), so the
// public data and the state transition cannot disagree.
//
// Every slot pays for the most expensive type (a transfer): two leaf updates (A, the
// sender or the L1 target; B, the receiver), one EdDSA-Poseidon verification and one
// queue hash; the parts a type does not use are switched off by enable flags.
//
// No L1 request can make a slot unprovable: each is either applied or consumed as
// rejected (type 5), and the circuit decides which from the request and the state alone
// (rejected exactly when it cannot apply), so neither the depositor nor the operator picks.
// Values an L1 request controls never reach a gadget that can fail when it is disabled:
// the EdDSA verifier sees the base point, not the account's key, in unsigned slots.

include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";
include "circomlib/circuits/eddsaposeidon.circom";
include "./quadtree.circom";
include "./float.circom";

// Bits [a, b) of an MSB-first bit array read as a big-endian number.
function sliceValue(bits, a, b) {
    var x = 0;
    for (var k = a; k < b; k++) {
        x = x * 2 + bits[k];
    }
    return x;
}

template RollupTx(depth) {
    var levels = depth \ 2;
    var BALANCE_BITS = 128;
    var NONCE_BITS = 40;
    var TOKEN_BITS = 32;

    // Slot data: the 96-bit big-endian integer of the slot's 12 bytes.
    signal input data;
    signal output dataBits[96];            // MSB first, for the public-data hash

    signal input domain;                   // the rollup's domain, range-checked by the caller
    signal input feeToken;                 // token of the batch's fee account
    signal input rootIn;
    signal input queueIn;
    signal output rootOut;
    signal output queueOut;
    signal output isL1;                    // consumes one queue entry
    signal output fee;                     // fee collected, in feeToken

    // Account A: sender, or target of an L1 request. For a create-deposit these are
    // the new account's fields with balance and nonce 0.
    signal input aAx;
    signal input aAy;
    signal input aEthAddr;
    signal input aToken;
    signal input aBalance;
    signal input aNonce;
    signal input aSiblings[levels][3];
    // Account B: receiver of a transfer.
    signal input bAx;
    signal input bAy;
    signal input bEthAddr;
    signal input bToken;
    signal input bBalance;
    signal input bNonce;
    signal input bSiblings[levels][3];
    // EdDSA-Poseidon signature of a transfer or withdraw.
    signal input sigR8x;
    signal input sigR8y;
    signal input sigS;
    // 1 when account A's leaf is empty (a create-deposit, or a rejected request of an
    // account whose create was rejected).
    signal input aEmpty;
    // L1 queue entry consumed by a deposit, a forced exit or a rejected request.
    signal input l1Kind;                   // 1 create-deposit, 2 top-up, 3 forced exit; 0 in L2 slots
    signal input l1Token;
    signal input l1EthAddr;
    signal input l1Amount;
    signal input l1Ax;
    signal input l1Ay;

    // ---- decode the data ----------------------------------------------------------
    component dataN2B = Num2Bits(96);
    dataN2B.in <== data;
    for (var k = 0; k < 96; k++) {
        dataBits[k] <== dataN2B.out[95 - k];
    }

    // Type: bits 0..2. Valid values are 0..5: 1xx forces the middle bit to 0.
    signal b0 <== dataBits[0];
    signal b1 <== dataBits[1];
    signal b2 <== dataBits[2];
    b0 * b1 === 0;
    signal isWithdraw <== b1 * b2;         // 011
    signal isRejected <== b0 * b2;         // 101
    signal isTransfer <== b1 - isWithdraw; // 010
    signal isDeposit <== b2 - isWithdraw - isRejected;   // 001
    signal isForcedExit <== b0 - isRejected;             // 100
    signal isNoop <== 1 - b0 - b1 - b2 + isWithdraw + isRejected;
    signal isSigned <== isTransfer + isWithdraw;
    isL1 <== isDeposit + isForcedExit + isRejected;

    // Indices: A at bits 3..26, B at bits 27..50; only the low `depth` bits may be set.
    var idxA = sliceValue(dataBits, 3, 27);
    var idxB = sliceValue(dataBits, 27, 51);
    var highA = 0;
    var highB = 0;
    for (var j = depth; j < 24; j++) {
        highA += dataBits[26 - j];
        highB += dataBits[50 - j];
    }
    highA === 0;
    isTransfer * highB === 0;
    signal digitsA[levels][2];
    signal digitsB[levels][2];
    for (var l = 0; l < levels; l++) {
        digitsA[l][0] <== dataBits[26 - 2 * l];
        digitsA[l][1] <== dataBits[26 - 2 * l - 1];
        digitsB[l][0] <== dataBits[50 - 2 * l];
        digitsB[l][1] <== dataBits[50 - 2 * l - 1];
    }

    // Canonical data: a noop is all zeros; a deposit or a rejected request carries only its index.
    isNoop * data === 0;
    (isDeposit + isRejected) * sliceValue(dataBits, 27, 96) === 0;

    // Amounts. Every view is decoded; the type picks one.
    component amountT = FloatDecode();      // transfer: bits 51..82
    component amountW = FloatDecode();      // withdraw: bits 27..82
    component amountF = FloatDecode();      // forced exit: bits 27..95
    component feeF = FloatDecode();         // transfer and withdraw: bits 83..95
    for (var k = 0; k < 5; k++) {
        amountT.eBits[k] <== dataBits[51 + k];
        amountW.eBits[k] <== dataBits[27 + k];
        amountF.eBits[k] <== dataBits[27 + k];
        feeF.eBits[k] <== dataBits[83 + k];
    }
    amountT.m <== sliceValue(dataBits, 56, 83);
    amountW.m <== sliceValue(dataBits, 32, 83);
    amountF.m <== sliceValue(dataBits, 32, 96);
    feeF.m <== sliceValue(dataBits, 88, 96);

    signal amountTransfer <== isTransfer * amountT.value;
    signal amountWithdraw <== isWithdraw * amountW.value;
    signal amountExit <== isForcedExit * amountF.value;
    signal debitA <== amountTransfer + amountWithdraw + amountExit;
    fee <== isSigned * feeF.value;
    signal creditA <== isDeposit * l1Amount;

    // ---- L1 queue entry -----------------------------------------------------------
    // kind: 1 create-deposit (bits 01), 2 top-up (10), 3 forced exit (11); 0 in L2 slots.
    component kindBits = Num2Bits(2);
    kindBits.in <== l1Kind;
    signal kindExit <== kindBits.out[0] * kindBits.out[1];
    signal kindCreate <== kindBits.out[0] - kindExit;
    signal kindTopUp <== kindBits.out[1] - kindExit;
    (1 - isL1) * l1Kind === 0;
    isL1 * (1 - kindCreate - kindTopUp - kindExit) === 0;
    isDeposit * kindExit === 0;                              // a deposit slot takes a deposit
    isForcedExit * (1 - kindExit) === 0;                     // a forced-exit slot takes a forced exit
    signal createTerm <== isDeposit * kindCreate;            // an applied create-deposit
    component l1TokenBits = Num2Bits(TOKEN_BITS);
    l1TokenBits.in <== l1Token;
    component l1AmountBits = Num2Bits(BALANCE_BITS);
    l1AmountBits.in <== l1Amount;
    component qHash = Poseidon(6);
    qHash.inputs[0] <== queueIn;
    qHash.inputs[1] <== l1Kind + 4 * idxA + (2 ** 26) * l1Token;
    qHash.inputs[2] <== l1EthAddr;
    qHash.inputs[3] <== l1Amount;
    qHash.inputs[4] <== l1Ax;
    qHash.inputs[5] <== l1Ay;
    queueOut <== queueIn + isL1 * (qHash.out - queueIn);

    // The request must match the account: a create fills an empty leaf with the
    // request's key and address; every request names the account's token; a forced
    // exit comes from the account's own L1 address.
    isL1 * (aToken - l1Token) === 0;
    createTerm * (aAx - l1Ax) === 0;
    createTerm * (aAy - l1Ay) === 0;
    createTerm * (aEthAddr - l1EthAddr) === 0;
    createTerm * aBalance === 0;
    createTerm * aNonce === 0;
    isForcedExit * (aEthAddr - l1EthAddr) === 0;

    // ---- validity of an L1 request ----------------------------------------------------
    // A request is rejected exactly when it cannot apply:
    //   create-deposit: its key (Ax, Ay) is not on the curve a·x² + y² = 1 + d·x²·y²;
    //   top-up: the leaf is empty (its create was rejected), or balance + amount ≥ 2^128;
    //   forced exit: the leaf is empty.
    aEmpty * (aEmpty - 1) === 0;
    (1 - isL1) * aEmpty === 0;                               // L2 slots act on existing accounts
    isDeposit * (aEmpty - kindCreate) === 0;                 // applied: a create fills an empty leaf, a top-up an existing one
    isForcedExit * aEmpty === 0;
    signal keyX2 <== l1Ax * l1Ax;
    signal keyY2 <== l1Ay * l1Ay;
    signal keyX2Y2 <== keyX2 * keyY2;
    component keyOnCurve = IsZero();
    keyOnCurve.in <== 168700 * keyX2 + keyY2 - 1 - 168696 * keyX2Y2;
    component topUpSum = Num2Bits(BALANCE_BITS + 1);         // aBalance < 2^128 (below), l1Amount < 2^128
    topUpSum.in <== aBalance + l1Amount;
    signal overflow <== topUpSum.out[BALANCE_BITS];
    signal emptyOrOverflow <== aEmpty + overflow - aEmpty * overflow;
    signal badCreate <== kindCreate * (1 - keyOnCurve.out);
    signal badTopUp <== kindTopUp * emptyOrOverflow;
    signal badExit <== kindExit * aEmpty;
    signal invalid <== badCreate + badTopUp + badExit;
    isL1 * (isRejected - invalid) === 0;

    // ---- account A ----------------------------------------------------------------
    component aNonceBits = Num2Bits(NONCE_BITS);
    aNonceBits.in <== aNonce;
    signal newBalanceA <== aBalance + creditA - debitA - fee;
    component newBalanceABits = Num2Bits(BALANCE_BITS);     // no underflow, no overflow
    newBalanceABits.in <== newBalanceA;
    signal newNonceA <== aNonce + isSigned;

    component oldLeafA = Poseidon(6);
    oldLeafA.inputs[0] <== aAx;
    oldLeafA.inputs[1] <== aAy;
    oldLeafA.inputs[2] <== aEthAddr;
    oldLeafA.inputs[3] <== aToken;
    oldLeafA.inputs[4] <== aBalance;
    oldLeafA.inputs[5] <== aNonce;
    component newLeafA = Poseidon(6);
    newLeafA.inputs[0] <== aAx;
    newLeafA.inputs[1] <== aAy;
    newLeafA.inputs[2] <== aEthAddr;
    newLeafA.inputs[3] <== aToken;
    newLeafA.inputs[4] <== newBalanceA;
    newLeafA.inputs[5] <== newNonceA;

    // The leaf before: 0 when empty. After: the same leaf for a rejected request (the
    // state does not change; the step still proves what the leaf is).
    signal oldLeafAValue <== (1 - aEmpty) * oldLeafA.out;
    signal newLeafAValue <== newLeafA.out + isRejected * (oldLeafAValue - newLeafA.out);
    component stepA = QuadTreeStep(levels);
    stepA.enabled <== 1 - isNoop;
    stepA.rootIn <== rootIn;
    stepA.digits <== digitsA;
    stepA.siblings <== aSiblings;
    stepA.oldLeaf <== oldLeafAValue;
    stepA.newLeaf <== newLeafAValue;

    // A forced exit pays the balance B as m * 10^e with m = floor(B / 10^e) (what stays
    // behind is below 10^e) and e the smallest exponent whose mantissa fits in 64 bits:
    // e = 0, or B >= 2^64 * 10^(e-1), i.e. 10 * B >= 2^64 * 10^e.
    signal exitRest <== isForcedExit * (amountF.pow - 1 - newBalanceA);
    component exitRestBits = Num2Bits(104);                  // 10^31 < 2^104
    exitRestBits.in <== exitRest;
    component expIsZero = IsZero();
    expIsZero.in <== sliceValue(dataBits, 27, 32);
    signal exitScaled <== isForcedExit * (1 - expIsZero.out);
    signal exitMinimal <== exitScaled * (10 * aBalance - (2 ** 64) * amountF.pow);
    component exitMinimalBits = Num2Bits(BALANCE_BITS + 4);  // 10 * B < 2^132
    exitMinimalBits.in <== exitMinimal;

    // Fees are paid in the fee account's token only.
    component sameFeeToken = IsEqual();
    sameFeeToken.in[0] <== aToken;
    sameFeeToken.in[1] <== feeToken;
    fee * (1 - sameFeeToken.out) === 0;

    // ---- signature ----------------------------------------------------------------
    // circomlib's verifier computes with its key even when disabled, and some points
    // (off the curve) admit no witness at all. In unsigned slots it gets the base point
    // B8, so what an L1 request wrote as a key can never make a slot unprovable.
    var B8x = 5299619240641551281634865583518297030282874472190772894086521144482721001553;
    var B8y = 16950150798460657717958625567821834550301663161624707787222815936182638968203;
    component sig = EdDSAPoseidonVerifier();
    sig.enabled <== isSigned;
    sig.Ax <== isSigned * (aAx - B8x) + B8x;
    sig.Ay <== isSigned * (aAy - B8y) + B8y;
    sig.R8x <== sigR8x;
    sig.R8y <== sigR8y;
    sig.S <== sigS;
    sig.M <== data + (2 ** 96) * aNonce + (2 ** 136) * domain;

    // ---- account B ----------------------------------------------------------------
    isTransfer * (bToken - aToken) === 0;
    component selfTransfer = IsZero();
    selfTransfer.in <== idxA - idxB;
    isTransfer * selfTransfer.out === 0;

    signal newBalanceB <== bBalance + amountTransfer;
    component newBalanceBBits = Num2Bits(BALANCE_BITS);
    newBalanceBBits.in <== newBalanceB;

    component oldLeafB = Poseidon(6);
    oldLeafB.inputs[0] <== bAx;
    oldLeafB.inputs[1] <== bAy;
    oldLeafB.inputs[2] <== bEthAddr;
    oldLeafB.inputs[3] <== bToken;
    oldLeafB.inputs[4] <== bBalance;
    oldLeafB.inputs[5] <== bNonce;
    component newLeafB = Poseidon(6);
    newLeafB.inputs[0] <== bAx;
    newLeafB.inputs[1] <== bAy;
    newLeafB.inputs[2] <== bEthAddr;
    newLeafB.inputs[3] <== bToken;
    newLeafB.inputs[4] <== newBalanceB;
    newLeafB.inputs[5] <== bNonce;

    // An empty leaf (0) is never the Poseidon of an account, so a transfer to an
    // index without an account cannot satisfy this step.
    component stepB = QuadTreeStep(levels);
    stepB.enabled <== isTransfer;
    stepB.rootIn <== stepA.rootOut;
    stepB.digits <== digitsB;
    stepB.siblings <== bSiblings;
    stepB.oldLeaf <== oldLeafB.out;
    stepB.newLeaf <== newLeafB.out;
    rootOut <== stepB.rootOut;
}
