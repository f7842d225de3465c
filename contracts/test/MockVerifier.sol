// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// Test-only stand-in for the Groth16 verifier: it accepts exactly the public inputs the test
/// registered, as if their proofs existed. The fuzz of the rollup contract registers the public
/// input of each batch the model builds (an honest operator's batch); any other batch, such as a
/// hostile one with altered calldata or queue range, hashes to an input never registered and is
/// refused, as the real verifier would refuse it for want of a proof.
contract MockVerifier {
    mapping(uint256 => bool) public proven;

    function prove(uint256 publicInput) external {
        proven[publicInput] = true;
    }

    function verifyProof(uint256[2] calldata, uint256[2][2] calldata, uint256[2] calldata, uint256[1] calldata pubSignals)
        external
        view
        returns (bool)
    {
        return proven[pubSignals[0]];
    }
}
