// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Fixed} from "./Fixed.sol";

/// @title One output element of Add (op 6), docs/OPS.md §6
/// @notice v = (a·MultA + b·MultB + 2^(Shift−1)) >> Shift (one rounding); ReLU if set; y = Saturate(v, max).
library AddStep {
    function element(int256 a, int256 b, int256 multA, int256 multB, uint256 shift, bool relu, int256 max)
        internal pure returns (int256)
    {
        int256 v = (a * multA + b * multB + int256(1 << (shift - 1))) >> shift;
        if (relu && v < 0) v = 0;
        return Fixed.saturate(v, max);
    }
}
