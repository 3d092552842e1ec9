// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title One output element of ReduceMean (op 13) and Gather (op 14), docs/OPS.md §6
/// @notice Both see the input as [outer, n, inner] around their axis. ReduceMean: y[o, i] = RoundDiv(Σ_k x[o, k, i], n),
/// ties away from zero. Gather: y[o, i] = x[o, Index, i] (a copy; no arithmetic).
library ReduceStep {
    /// @notice RoundDiv(s, n) = floor((2s + n) / 2n) for s ≥ 0, −floor((−2s + n) / 2n) otherwise (n > 0).
    function roundDiv(int256 s, int256 n) internal pure returns (int256) {
        return s >= 0 ? (2 * s + n) / (2 * n) : -((-2 * s + n) / (2 * n));
    }

    /// @param xs the n elements x[o, 0 … n, i]
    function mean(int256[] memory xs) internal pure returns (int256) {
        int256 s = 0;
        for (uint256 k = 0; k < xs.length; k++) s += xs[k];
        return roundDiv(s, int256(xs.length));
    }
}
