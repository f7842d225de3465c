pragma circom 2.1.0;

// The batch circuit: nTx slots (RollupTx) applied in order to the state root and the
// L1 queue hash, then the fees credited to the fee account, and the SHA-256 of the
// public data (docs/PROTOCOL.md) reduced into the field as the one public signal.
//
// Cost model (constraints): per slot ~ 12.5k + 2.45k * depth/2 (two leaf updates,
// EdDSA 4.2k, queue hash, ranges) + ~5.4k for its 96 bits of SHA-256; per batch one
// fee-account update and the SHA-256 of the 152-byte header (~3 blocks of 29k).

include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";
include "circomlib/circuits/sha256/sha256.circom";
include "./quadtree.circom";
include "./tx.circom";

template Rollup(nTx, depth) {
    assert(depth % 2 == 0 && depth >= 2 && depth <= 24);
    assert(nTx >= 1);
    var levels = depth \ 2;
    var DOMAIN_BITS = 112;
    var HEADER_BITS = 4 * 256 + DOMAIN_BITS + 4 * 32;

    signal input oldRoot;
    signal input queueHashBefore;
    signal input domain;
    signal input batchNumber;
    signal input queueStart;
    signal input feeAccount;

    signal input txData[nTx];
    signal input aAx[nTx];
    signal input aAy[nTx];
    signal input aEthAddr[nTx];
    signal input aToken[nTx];
    signal input aBalance[nTx];
    signal input aNonce[nTx];
    signal input aSiblings[nTx][levels][3];
    signal input bAx[nTx];
    signal input bAy[nTx];
    signal input bEthAddr[nTx];
    signal input bToken[nTx];
    signal input bBalance[nTx];
    signal input bNonce[nTx];
    signal input bSiblings[nTx][levels][3];
    signal input sigR8x[nTx];
    signal input sigR8y[nTx];
    signal input sigS[nTx];
    signal input aEmpty[nTx];
    signal input l1Kind[nTx];
    signal input l1Token[nTx];
    signal input l1EthAddr[nTx];
    signal input l1Amount[nTx];
    signal input l1Ax[nTx];
    signal input l1Ay[nTx];

    // The fee account as it stands after the last slot.
    signal input feeAx;
    signal input feeAy;
    signal input feeEthAddr;
    signal input feeToken;
    signal input feeBalance;
    signal input feeNonce;
    signal input feeSiblings[levels][3];

    signal output publicInput;

    component domainBits = Num2Bits(DOMAIN_BITS);
    domainBits.in <== domain;

    // ---- slots --------------------------------------------------------------------
    component slot[nTx];
    var feeSum = 0;
    var l1Count = 0;
    for (var i = 0; i < nTx; i++) {
        slot[i] = RollupTx(depth);
        slot[i].data <== txData[i];
        slot[i].domain <== domain;
        slot[i].feeToken <== feeToken;
        if (i == 0) {
            slot[i].rootIn <== oldRoot;
            slot[i].queueIn <== queueHashBefore;
        } else {
            slot[i].rootIn <== slot[i - 1].rootOut;
            slot[i].queueIn <== slot[i - 1].queueOut;
        }
        slot[i].aAx <== aAx[i];
        slot[i].aAy <== aAy[i];
        slot[i].aEthAddr <== aEthAddr[i];
        slot[i].aToken <== aToken[i];
        slot[i].aBalance <== aBalance[i];
        slot[i].aNonce <== aNonce[i];
        slot[i].aSiblings <== aSiblings[i];
        slot[i].bAx <== bAx[i];
        slot[i].bAy <== bAy[i];
        slot[i].bEthAddr <== bEthAddr[i];
        slot[i].bToken <== bToken[i];
        slot[i].bBalance <== bBalance[i];
        slot[i].bNonce <== bNonce[i];
        slot[i].bSiblings <== bSiblings[i];
        slot[i].sigR8x <== sigR8x[i];
        slot[i].sigR8y <== sigR8y[i];
        slot[i].sigS <== sigS[i];
        slot[i].aEmpty <== aEmpty[i];
        slot[i].l1Kind <== l1Kind[i];
        slot[i].l1Token <== l1Token[i];
        slot[i].l1EthAddr <== l1EthAddr[i];
        slot[i].l1Amount <== l1Amount[i];
        slot[i].l1Ax <== l1Ax[i];
        slot[i].l1Ay <== l1Ay[i];
        feeSum += slot[i].fee;
        l1Count += slot[i].isL1;
    }
    signal queueHashAfter <== slot[nTx - 1].queueOut;
    signal queueEnd <== queueStart + l1Count;

    // ---- fees ---------------------------------------------------------------------
    // Collected fees go to the fee account; a batch without fees names account 0 and
    // touches nothing.
    signal totalFee <== feeSum;
    component noFee = IsZero();
    noFee.in <== totalFee;
    signal feeEnabled <== 1 - noFee.out;
    component feeAccountBits = Num2Bits(32);
    feeAccountBits.in <== feeAccount;
    var feeHigh = 0;
    for (var j = depth; j < 32; j++) {
        feeHigh += feeAccountBits.out[j];
    }
    feeHigh === 0;
    noFee.out * feeAccount === 0;
    signal feeDigits[levels][2];
    for (var l = 0; l < levels; l++) {
        feeDigits[l][0] <== feeAccountBits.out[2 * l];
        feeDigits[l][1] <== feeAccountBits.out[2 * l + 1];
    }
    signal newFeeBalance <== feeBalance + totalFee;
    component newFeeBalanceBits = Num2Bits(128);
    newFeeBalanceBits.in <== newFeeBalance;
    component oldFeeLeaf = Poseidon(6);
    oldFeeLeaf.inputs <== [feeAx, feeAy, feeEthAddr, feeToken, feeBalance, feeNonce];
    component newFeeLeaf = Poseidon(6);
    newFeeLeaf.inputs <== [feeAx, feeAy, feeEthAddr, feeToken, newFeeBalance, feeNonce];
    component feeStep = QuadTreeStep(levels);
    feeStep.enabled <== feeEnabled;
    feeStep.rootIn <== slot[nTx - 1].rootOut;
    feeStep.digits <== feeDigits;
    feeStep.siblings <== feeSiblings;
    feeStep.oldLeaf <== oldFeeLeaf.out;
    feeStep.newLeaf <== newFeeLeaf.out;
    signal newRoot <== feeStep.rootOut;

    // ---- public data --------------------------------------------------------------
    // Field elements are hashed as 256-bit big-endian words. Num2Bits(254) admits a
    // second representation (x + r) for small x, but the contract hashes the canonical
    // one, so a non-canonical encoding can only produce a public input the contract
    // rejects.
    component sha = Sha256(HEADER_BITS + 96 * nTx);
    var words[4] = [oldRoot, newRoot, queueHashBefore, queueHashAfter];
    component wordBits[4];
    for (var w = 0; w < 4; w++) {
        wordBits[w] = Num2Bits(254);
        wordBits[w].in <== words[w];
        sha.in[256 * w] <== 0;
        sha.in[256 * w + 1] <== 0;
        for (var k = 0; k < 254; k++) {
            sha.in[256 * w + 2 + k] <== wordBits[w].out[253 - k];
        }
    }
    var off = 1024;
    for (var k = 0; k < DOMAIN_BITS; k++) {
        sha.in[off + k] <== domainBits.out[DOMAIN_BITS - 1 - k];
    }
    off += DOMAIN_BITS;
    // batchNumber, queueStart, queueEnd; feeAccount's bits are already at hand.
    var u32s[3] = [batchNumber, queueStart, queueEnd];
    component u32Bits[3];
    for (var w = 0; w < 3; w++) {
        u32Bits[w] = Num2Bits(32);
        u32Bits[w].in <== u32s[w];
        for (var k = 0; k < 32; k++) {
            sha.in[off + k] <== u32Bits[w].out[31 - k];
        }
        off += 32;
    }
    for (var k = 0; k < 32; k++) {
        sha.in[off + k] <== feeAccountBits.out[31 - k];
    }
    off += 32;
    for (var i = 0; i < nTx; i++) {
        for (var k = 0; k < 96; k++) {
            sha.in[off + k] <== slot[i].dataBits[k];
        }
        off += 96;
    }

    var acc = 0;
    for (var k = 0; k < 256; k++) {
        acc += sha.out[k] * (2 ** (255 - k));
    }
    publicInput <== acc;
}
