// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ReduceStep} from "./ReduceStep.sol";

/// @title One output element of MaxPool2d (op 10) and AvgPool2d (op 11), docs/OPS.md §6
/// @notice Over the window cells inside the input (padding excluded, never empty): the maximum, or
/// RoundDiv(Σ, cells) (ties away from zero).
library PoolStep {
    function reduce(int256[] memory cells, bool max) internal pure returns (int256 v) {
        if (!max) return ReduceStep.mean(cells);
        v = cells[0];
        for (uint256 i = 1; i < cells.length; i++) if (cells[i] > v) v = cells[i];
    }
}
