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

    /// @notice The tensor root of `data` (docs/COMMITMENTS.md): the tree over its 1024-byte chunks.
    function rootOf(bytes calldata data) internal pure returns (bytes32) {
        uint256 n = count(data.length);
        bytes32[] memory leaves = new bytes32[](n);
        for (uint256 i = 0; i < n; i++) {
            uint256 end = (i + 1) * CHUNK;
            if (end > data.length) end = data.length;
            leaves[i] = Merkle.leafHash(data[i * CHUNK:end]);
        }
        return Merkle.treeRoot(leaves);
    }

    /// @notice Checks each chunk's length rule and proof against `root` for a tensor of `length` bytes.
    /// Chunks must come in strictly increasing index order (so that {find} can search them).
    function verify(bytes32 root, uint256 length, Chunk[] calldata cs) internal pure {
        uint256 n = count(length);
        for (uint256 i = 0; i < cs.length; i++) {
            if (i > 0 && cs[i].index <= cs[i - 1].index) revert ChunkInvalid(root, cs[i].index, n, cs[i].data.length);
            verifyOne(root, length, n, cs[i]);
        }
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
        uint256 pos = offset;
        uint256 end = offset + len;
        bytes calldata d = find(cs, pos / CHUNK);
        uint256 from = pos % CHUNK;
        if (from + len <= d.length) return d[from:from + len]; // the common case: inside one chunk
        while (pos < end) {
            d = find(cs, pos / CHUNK);
            from = pos % CHUNK;
            uint256 take = d.length - from;
            if (take > end - pos) take = end - pos;
            out = bytes.concat(out, d[from:from + take]);
            pos += take;
        }
    }

    /// @notice The chunks' indices, in memory: for many reads from one chunk set ({readAt}), a search over memory is
    /// much cheaper than one over the calldata array of structs.
    function indices(Chunk[] calldata cs) internal pure returns (uint256[] memory idx) {
        idx = new uint256[](cs.length);
        for (uint256 i = 0; i < cs.length; i++) idx[i] = cs[i].index;
    }

    /// @notice Where bytes [offset, offset + len) of the tensor lie when they lie inside one chunk: that chunk's data
    /// and the offset in it (`found` false when they span two chunks; reverts `ChunkMissing` when the chunk is not
    /// there). `idx` comes from {indices}.
    function locate(Chunk[] calldata cs, uint256[] memory idx, uint256 offset, uint256 len)
        internal pure returns (bool found, bytes calldata d, uint256 from)
    {
        uint256 index = offset / CHUNK;
        from = offset % CHUNK;
        uint256 lo = 0;
        uint256 hi = idx.length;
        while (lo < hi) {
            uint256 mid = (lo + hi) / 2;
            if (idx[mid] == index) {
                d = cs[mid].data;
                return (from + len <= d.length, d, from);
            }
            if (idx[mid] < index) lo = mid + 1;
            else hi = mid;
        }
        revert ChunkMissing(index);
    }

    /// @notice The data of the chunk with `index`, by binary search over the (verified, increasing) indices.
    function find(Chunk[] calldata cs, uint256 index) internal pure returns (bytes calldata) {
        uint256 lo = 0;
        uint256 hi = cs.length;
        while (lo < hi) {
            uint256 mid = (lo + hi) / 2;
            uint256 probe = cs[mid].index;
            if (probe == index) return cs[mid].data;
            if (probe < index) lo = mid + 1;
            else hi = mid;
        }
        revert ChunkMissing(index);
    }

    /// @notice The signed little-endian integer of `n` bytes at `offset` of the tensor.
    function int_(Chunk[] calldata cs, uint256 offset, uint256 n) internal pure returns (int256) {
        return le(read(cs, offset, n), 0, n);
    }

    /// @notice {le} over calldata.
    function leAt(bytes calldata b, uint256 offset, uint256 n) internal pure returns (int256 v) {
        uint256 u = 0;
        for (uint256 i = n; i > 0; i--) u = (u << 8) | uint8(b[offset + i - 1]);
        uint256 bits = n * 8;
        v = u >= 1 << (bits - 1) ? int256(u) - int256(1 << bits) : int256(u);
    }

    /// @notice The signed little-endian integer of `n` (1, 2, 4 or 8) bytes at `offset` of `b`.
    function le(bytes memory b, uint256 offset, uint256 n) internal pure returns (int256 v) {
        uint256 u = 0;
        for (uint256 i = n; i > 0; i--) u = (u << 8) | uint8(b[offset + i - 1]);
        uint256 bits = n * 8;
        v = u >= 1 << (bits - 1) ? int256(u) - int256(1 << bits) : int256(u);
    }
}
