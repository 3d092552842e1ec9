// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Merkle} from "./Merkle.sol";

/// @title Chunks of a committed tensor (docs/COMMITMENTS.md): proofs and little-endian reads
/// @notice A tensor of `length` bytes is committed as 1024-byte chunks (the last may be shorter; an empty tensor
/// is one empty chunk). A proven chunk set lets a caller read any byte range those chunks cover.
library Chunks {
    uint256 internal constant CHUNK = 1024;

    /// @param index the chunk's position in the tensor
    /// @param data the chunk's bytes
    /// @param proof its audit path in the tensor's tree
    struct Chunk {
        uint256 index;
        bytes data;
        bytes32[] proof;
    }

    error ChunkInvalid(bytes32 root, uint256 index, uint256 count, uint256 length);
    error ChunkMissing(uint256 index);

    function count(uint256 length) internal pure returns (uint256) {
        return length == 0 ? 1 : (length + CHUNK - 1) / CHUNK;
    }

    /// @notice Checks each chunk's length rule and proof against `root` for a tensor of `length` bytes.
    function verify(bytes32 root, uint256 length, Chunk[] calldata cs) internal pure {
        uint256 n = count(length);
        for (uint256 i = 0; i < cs.length; i++) verifyOne(root, length, n, cs[i]);
    }

    function verifyOne(bytes32 root, uint256 length, uint256 n, Chunk calldata c) internal pure {
        uint256 want = c.index + 1 < n ? CHUNK : length - (n - 1) * CHUNK;
        if (c.index >= n || c.data.length != want
            || !Merkle.verify(root, Merkle.leafHash(c.data), c.index, n, c.proof)) {
            revert ChunkInvalid(root, c.index, n, c.data.length);
        }
    }

    /// @notice Bytes [offset, offset + len) of the tensor, taken from the (verified) chunks `cs`.
    function read(Chunk[] calldata cs, uint256 offset, uint256 len) internal pure returns (bytes memory out) {
        out = new bytes(len);
        uint256 done = 0;
        while (done < len) {
            uint256 pos = offset + done;
            bytes calldata d = find(cs, pos / CHUNK);
            uint256 from = pos % CHUNK;
            uint256 take = d.length - from;
            if (take > len - done) take = len - done;
            for (uint256 i = 0; i < take; i++) out[done + i] = d[from + i];
            done += take;
        }
    }

    function find(Chunk[] calldata cs, uint256 index) internal pure returns (bytes calldata) {
        for (uint256 i = 0; i < cs.length; i++) if (cs[i].index == index) return cs[i].data;
        revert ChunkMissing(index);
    }

    /// @notice The signed little-endian integer of `n` bytes at `offset` of the tensor.
    function int_(Chunk[] calldata cs, uint256 offset, uint256 n) internal pure returns (int256) {
        return le(read(cs, offset, n), 0, n);
    }

    /// @notice The signed little-endian integer of `n` (1, 2, 4 or 8) bytes at `offset` of `b`.
    function le(bytes memory b, uint256 offset, uint256 n) internal pure returns (int256 v) {
        uint256 u = 0;
        for (uint256 i = n; i > 0; i--) u = (u << 8) | uint8(b[offset + i - 1]);
        uint256 bits = n * 8;
        v = u >= 1 << (bits - 1) ? int256(u) - int256(1 << bits) : int256(u);
    }
}
