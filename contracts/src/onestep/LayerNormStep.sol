// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Fixed} from "./Fixed.sol";
import {Chunks} from "./Chunks.sol";

/// @title One output element of LayerNorm (op 7), docs/OPS.md §6
/// @notice Needs the whole row (and, with the fused residual add, the whole row of both inputs) but only G[j], B[j]
/// of the parameters.
library LayerNormStep {
    struct Params {
        uint256 d;
        int256 eps;
        uint256 shift;
        int256 g; // G[j]
        int256 b; // B[j]
        int256 addMultA;
        int256 addMultB;
        uint256 addShift; // 0: one input
        int256 max; // max(OutType)
    }

    /// @notice x_i of the row: the input itself, or Saturate((a·AddMultA + b·AddMultB + 2^(AddShift−1)) >> AddShift, 32767).
    function rowValues(Params memory p, bytes memory a, uint256 aBytes, bytes memory b, uint256 bBytes)
        internal pure returns (int256[] memory x)
    {
        x = new int256[](p.d);
        for (uint256 i = 0; i < p.d; i++) {
            int256 v = Chunks.le(a, i * aBytes, aBytes);
            if (p.addShift != 0) {
                v = Fixed.saturate((v * p.addMultA + Chunks.le(b, i * bBytes, bBytes) * p.addMultB
                    + int256(1 << (p.addShift - 1))) >> p.addShift, 32767);
            }
            x[i] = v;
        }
    }

    /// @notice y_j of a row with values `x`.
    function element(Params memory p, int256[] memory x, uint256 j) internal pure returns (int256) {
        int256 d = int256(p.d);
        int256 sum = 0;
        for (uint256 i = 0; i < p.d; i++) sum += x[i];
        int256 q = 0;
        for (uint256 i = 0; i < p.d; i++) {
            int256 c = d * x[i] - sum;
            q += c * c;
        }
        int256 r = Fixed.isqrt(q / d + p.eps);
        if (r < 1) r = 1;
        int256 inv = int256(1 << 47) / r;
        int256 t = ((d * x[j] - sum) * inv + int256(1 << 31)) >> 32;
        return Fixed.saturate((t * p.g + p.b + int256(1 << (p.shift - 1))) >> p.shift, p.max);
    }
}
