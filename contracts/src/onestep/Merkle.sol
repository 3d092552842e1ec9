// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title RFC 6962 Merkle proofs over SHA-256 (docs/COMMITMENTS.md)
/// @notice Leaves `sha256(0x00 ‖ data)`, nodes `sha256(0x01 ‖ left ‖ right)`; proofs are audit paths from the leaf up.
library Merkle {
    function leafHash(bytes memory data) internal pure returns (bytes32) {
        return sha256(abi.encodePacked(bytes1(0x00), data));
    }

    function leafHashOf(bytes32 root) internal pure returns (bytes32) {
        return sha256(abi.encodePacked(bytes1(0x00), root));
    }

    function nodeHash(bytes32 left, bytes32 right) internal pure returns (bytes32) {
        return sha256(abi.encodePacked(bytes1(0x01), left, right));
    }

    /// @notice The verifier of docs/COMMITMENTS.md, bit for bit. `count` must come from a trusted source.
    function verify(bytes32 root, bytes32 leaf, uint256 index, uint256 count, bytes32[] calldata proof)
        internal pure returns (bool)
    {
        if (index >= count) return false;
        bytes32 node = leaf;
        uint256 p = 0;
        while (count > 1) {
            if ((index ^ 1) < count) {
                if (p == proof.length) return false;
                node = (index & 1) == 0 ? nodeHash(node, proof[p]) : nodeHash(proof[p], node);
                p++;
            }
            index >>= 1;
            count -= count / 2;
        }
        return p == proof.length && node == root;
    }

    /// @notice Verifies leaf 0 without knowing the leaf count. Leaf 0's path is the left spine, and the 0x00/0x01
    /// domain separation means a path of the wrong length cannot reach the root, so any proof that verifies proves
    /// the tree's real first leaf.
    function verifyFirst(bytes32 root, bytes32 leaf, bytes32[] calldata proof) internal pure returns (bool) {
        bytes32 node = leaf;
        for (uint256 p = 0; p < proof.length; p++) node = nodeHash(node, proof[p]);
        return node == root;
    }

    /// @notice The tree root over `leaves` (n ≥ 1), bottom-up: pair neighbours, carry an odd last node up unchanged.
    /// Overwrites `leaves`.
    function treeRoot(bytes32[] memory leaves) internal pure returns (bytes32) {
        uint256 n = leaves.length;
        while (n > 1) {
            uint256 m = 0;
            for (uint256 i = 0; i + 1 < n; i += 2) leaves[m++] = nodeHash(leaves[i], leaves[i + 1]);
            if (n % 2 == 1) leaves[m++] = leaves[n - 1];
            n = m;
        }
        return leaves[0];
    }

    /// @notice The split of a subtree of `size > 1` leaves: its left child holds the largest power of two `< size`.
    function split(uint256 size) internal pure returns (uint256 k) {
        k = 1;
        while (k << 1 < size) k <<= 1;
    }
}
