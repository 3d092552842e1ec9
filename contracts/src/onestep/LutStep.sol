// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title One output element of Lut (op 5), docs/OPS.md §6
/// @notice y = Table[x + 128] for an I8 input (256 entries), Table[x + 32768] for I16 (65536 entries); the caller
/// reads that one entry.
library LutStep {
    function tableIndex(int256 x, uint256 xBytes) internal pure returns (uint256) {
        return uint256(x + (xBytes == 1 ? int256(128) : int256(32768)));
    }

    function tableCount(uint256 xBytes) internal pure returns (uint256) {
        return xBytes == 1 ? 256 : 65536;
    }
}
