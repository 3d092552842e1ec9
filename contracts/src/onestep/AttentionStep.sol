// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Fixed} from "./Fixed.sol";
import {Chunks} from "./Chunks.sol";

/// @title One output element of Attention (op 15), docs/OPS.md §6, for one query position and one head
/// @notice scores_j = Saturate(Requant(Σ_t q_t·k_{j,t}, ScoreMult, ScoreShift), 32767) over the keys j; the
/// Softmax (4) row formula turns them into probabilities P_j (the caller looks up Table[m − score_j]); then
/// y = Saturate(Requant(Σ_j P_j·v_j, OutMult, OutShift), max).
library AttentionStep {
    /// @param q the query row (dk elements of `qBytes` bytes); k the key rows of the head, one per key position,
    /// each dk int8
    function scores(bytes memory q, uint256 qBytes, bytes[] memory k, int256 mult, uint256 shift)
        internal pure returns (int256[] memory s, int256 m)
    {
        s = new int256[](k.length);
        m = type(int256).min;
        for (uint256 j = 0; j < k.length; j++) {
            int256 acc = 0;
            bytes memory kj = k[j];
            for (uint256 t = 0; t < kj.length; t++) acc += Chunks.le(q, t * qBytes, qBytes) * int256(int8(uint8(kj[t])));
            s[j] = Fixed.saturate(Fixed.requant(acc, mult, shift), 32767);
            if (s[j] > m) m = s[j];
        }
    }

    /// @param e the table entries Table[m − score_j] (0 where m − score_j is past the table)
    /// @param v the value element v[j, h, d] for each key position j
    function mix(int256[] memory e, int256[] memory v, int256 mult, uint256 shift, int256 max)
        internal pure returns (int256)
    {
        int256 sum = 0;
        for (uint256 j = 0; j < e.length; j++) sum += e[j];
        int256 inv = int256(1 << 61) / sum;
        int256 acc = 0;
        for (uint256 j = 0; j < e.length; j++) {
            int256 p = (e[j] * inv + int256(1 << 45)) >> 46;
            if (p > 32767) p = 32767;
            acc += p * v[j];
        }
        return Fixed.saturate(Fixed.requant(acc, mult, shift), max);
    }
}
