// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Fixed} from "./Fixed.sol";

/// @title One output element of Embed (op 12), docs/OPS.md §6
/// @notice Position s, feature j, id = ids[s]:
/// y = Saturate((Word[id, j]·WordMult[id] + Pos[s, j]·PosMult[s] + Type[j]·TypeMult + 2^(Shift−1)) >> Shift, max).
library EmbedStep {
    struct Terms {
        int256 word; // Word[id, j]
        int256 wordMult; // WordMult[id]
        int256 pos; // Pos[s, j]
        int256 posMult; // PosMult[s]
        int256 typ; // Type[j]
        int256 typeMult;
        uint256 shift;
        int256 max;
    }

    function element(Terms memory t) internal pure returns (int256) {
        int256 v = t.word * t.wordMult + t.pos * t.posMult + t.typ * t.typeMult;
        return Fixed.saturate((v + int256(1 << (t.shift - 1))) >> t.shift, t.max);
    }
}
