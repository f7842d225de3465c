// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import "Rollup.sol";

/// Test-only: the rollup with its request-time key check relaxed to the field range, so that a
/// create-deposit with a key off the curve reaches the queue. The real contract refuses such keys
/// early; this lets the tests show that the circuit's own guard holds without that early check
/// (the request is consumed as rejected and refunded, and the rollup goes on).
contract RollupHarness is Rollup {
    constructor(
        IPoseidon6 poseidon6_,
        IPoseidon4 poseidon4_,
        IGroth16Verifier verifier_,
        uint256 genesisRoot,
        uint256 slots_,
        uint256 depth_,
        address operator_,
        uint256 exodusBlocks_,
        uint256 createFee_
    ) Rollup(poseidon6_, poseidon4_, verifier_, genesisRoot, slots_, depth_, operator_, exodusBlocks_, createFee_) {}

    function _checkKey(uint256 ax, uint256 ay) internal view override {
        if (ax >= R) revert NotAFieldElement(ax);
        if (ay >= R) revert NotAFieldElement(ay);
    }
}
