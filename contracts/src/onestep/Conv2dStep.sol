// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Fixed} from "./Fixed.sol";
import {Chunks} from "./Chunks.sol";

/// @title One output element of Conv2d (op 2), docs/OPS.md §6
/// @notice acc = Bias[co] + Σ_ci Σ_dy Σ_dx x[ci, iy, ix]·W[co, ci, dy, dx] over the window cells inside the input
/// (zero padding adds nothing); v = Requant(acc, Mult[co], Shift[co]); ReLU if set; y = Saturate(v, max).
library Conv2dStep {
    /// @notice Adds the products of one window row: `x` holds the input cells ix0 … ix0 + n − 1 of row (ci, iy), `w`
    /// the filter W[co, ci, dy, ·] (KW int8), `dx0` the filter column of ix0.
    function addRow(int256 acc, bytes memory x, uint256 xBytes, bytes memory w, uint256 dx0) internal pure returns (int256) {
        uint256 n = x.length / xBytes;
        for (uint256 t = 0; t < n; t++) acc += Chunks.le(x, t * xBytes, xBytes) * int256(int8(uint8(w[dx0 + t])));
        return acc;
    }

    function finish(int256 acc, int256 mult, uint256 shift, bool relu, int256 max) internal pure returns (int256) {
        int256 v = Fixed.requant(acc, mult, shift);
        if (relu && v < 0) v = 0;
        return Fixed.saturate(v, max);
    }
}
