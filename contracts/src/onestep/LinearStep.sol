// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Fixed} from "./Fixed.sol";
import {Chunks} from "./Chunks.sol";

/// @title One output element of Linear (op 1), docs/OPS.md §6
/// @notice acc = Bias[n] + Σ_k x[i,k]·W[n,k]; v = Requant(acc, Mult[n], Shift[n]); ReLU if set; then either
/// Saturate(v, max) or, with a fused table, Table[Saturate(v, 32767) + 32768] (the caller reads that one entry).
library LinearStep {
    /// @param x row i of the input: K elements of `xBytes` bytes each, little-endian
    /// @param w row n of the weights: K int8
    /// @return v the value before saturation / table lookup
    function preActivation(bytes memory x, uint256 xBytes, bytes memory w, int256 bias, int256 mult, uint256 shift,
        bool relu) internal pure returns (int256 v)
    {
        int256 acc = bias;
        uint256 k = w.length;
        for (uint256 t = 0; t < k; t++) {
            acc += Chunks.le(x, t * xBytes, xBytes) * int256(int8(uint8(w[t])));
        }
        v = Fixed.requant(acc, mult, shift);
        if (relu && v < 0) v = 0;
    }

    /// @notice The table index of a fused activation: Saturate(v, 32767) + 32768.
    function tableIndex(int256 v) internal pure returns (uint256) {
        return uint256(Fixed.saturate(v, 32767) + 32768);
    }
}
