// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title The arithmetic primitives of docs/OPS.md §2, on int256
/// @notice int256 holds every intermediate of a loaded model exactly (the engine's int64 bounds, OPS.md §3), and
/// Solidity's `>>` on a signed integer is an arithmetic shift (floor), as OPS.md requires.
library Fixed {
    /// @notice Requant(acc, mult, shift) = (acc·mult + 2^(shift−1)) >> shift: round to nearest, ties toward +∞.
    function requant(int256 acc, int256 mult, uint256 shift) internal pure returns (int256) {
        return (acc * mult + int256(1 << (shift - 1))) >> shift;
    }

    function saturate(int256 v, int256 max) internal pure returns (int256) {
        return v > max ? max : v < -max ? -max : v;
    }

    /// @notice floor(√v) for v ≥ 0.
    function isqrt(int256 v) internal pure returns (int256) {
        return int256(Math.sqrt(uint256(v)));
    }

    /// @notice The largest value of a dtype (1 = I8, 2 = I16, 3 = I32), OPS.md §1.
    function maxOf(uint256 dtype) internal pure returns (int256) {
        return dtype == 1 ? int256(127) : dtype == 2 ? int256(32767) : int256(2147483647);
    }

    function bytesOf(uint256 dtype) internal pure returns (uint256) {
        return dtype == 1 ? 1 : dtype == 2 ? 2 : 4;
    }
}
