// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Merkle} from "./Merkle.sol";
import {Chunks} from "./Chunks.sol";
import {Fixed} from "./Fixed.sol";
import {LinearStep} from "./LinearStep.sol";
import {LayerNormStep} from "./LayerNormStep.sol";

/// @title The on-chain one-step check: recomputes one output element of one op (DESIGN D5, docs/PROTOCOL.md)
/// @notice Everything it reads is proven: the op's canonical encoding (docs/OPS.md §4) chunk by chunk against the
/// op's parameter root, which is proven against the model's weights root (docs/VMODEL.md); each input of the op
/// (an earlier op's output) chunk by chunk against that op's output root, proven against the trace root; each
/// input's element type from its producer's encoding header. Supported op kinds: Linear (1, with ReLU and the
/// fused 65536-entry activation table) and LayerNorm (7, with and without the fused residual add). Any other kind
/// reverts `OneStepUnsupported(kind)`; so does an op that reads a graph input directly (`ModelInputUnsupported`).
/// @dev Stateless and pure, so the shared test vectors call it directly (`eth_call`).
contract OneStepVerifier {
    uint8 internal constant LINEAR = 1;
    uint8 internal constant LAYER_NORM = 7;

    error OneStepUnsupported(uint256 opKind);
    error ModelInputUnsupported(uint256 valueId);
    error OperandNotEarlier(uint256 op, uint256 producer);
    error ParamRootInvalid(uint256 op, bytes32 paramRoot);
    error OperandRootInvalid(uint256 producer, bytes32 opRoot);
    error OperandHeaderInvalid(uint256 producer);
    error OperandCount(uint256 expected, uint256 given);
    error ElementOutOfRange(uint256 element, uint256 outLen);
    error ShapeInvalid(uint256 outLen, uint256 rowElements);
    error TableCountInvalid(int256 count);
    error DtypeInvalid(uint256 dtype);

    /// @param weightsRoot the model's registered weights root
    /// @param traceRoot the worker's trace root
    /// @param op the disputed op's index
    /// @param opCount ops in the model; inputCount graph inputs (value ids below it are graph inputs)
    /// @param outLen byte length of the op's output (declared by the worker in the game)
    /// @param chunkIndex the disputed output chunk; elementInChunk the element inside it
    struct Context {
        bytes32 weightsRoot;
        bytes32 traceRoot;
        uint256 op;
        uint256 opCount;
        uint256 inputCount;
        uint256 outLen;
        uint256 chunkIndex;
        uint256 elementInChunk;
    }

    /// @notice One input of the disputed op: the output of an earlier op.
    struct Operand {
        bytes32 opRoot; // the producer's output root, proven against the trace root
        bytes32[] traceProof;
        bytes32 paramRoot; // the producer's parameter root, proven against the weights root
        bytes32[] weightsProof;
        Chunks.Chunk header; // chunk 0 of the producer's encoding: its output element type
        Chunks.Chunk[] chunks; // the chunks of the operand the element needs
    }

    struct Proof {
        bytes32 paramRoot; // the disputed op's parameter root
        bytes32[] weightsProof;
        bool table; // Linear: whether the encoding carries a fused activation table
        Chunks.Chunk[] params; // chunks of the op's encoding; chunk 0 (the header) always
        Operand[] operands; // one per op input, in order
    }

    /// @dev What the header of an op's encoding says.
    struct Header {
        uint256 kind;
        uint256 dtype;
        uint256 p0; // offset of the first parameter
        uint256[] inputs;
    }

    /// @notice The correct value of the element, and the output element size in bytes.
    function recompute(Context calldata c, Proof calldata p) external pure returns (int256 value, uint256 outBytes) {
        if (!Merkle.verify(c.weightsRoot, Merkle.leafHashOf(p.paramRoot), c.op, c.opCount, p.weightsProof)) {
            revert ParamRootInvalid(c.op, p.paramRoot);
        }
        Header memory h = header(p.params);
        if (h.kind != LINEAR && h.kind != LAYER_NORM) revert OneStepUnsupported(h.kind);
        if (h.dtype != 1 && h.dtype != 2) revert DtypeInvalid(h.dtype);
        outBytes = Fixed.bytesOf(h.dtype);
        if (p.operands.length != h.inputs.length) revert OperandCount(h.inputs.length, p.operands.length);
        uint256 e = c.chunkIndex * (Chunks.CHUNK / outBytes) + c.elementInChunk;
        if ((e + 1) * outBytes > c.outLen || c.elementInChunk >= Chunks.CHUNK / outBytes) {
            revert ElementOutOfRange(e, c.outLen);
        }
        value = h.kind == LINEAR ? _linear(c, p, h, e) : _layerNorm(c, p, h, e);
    }

    /// @notice kind U8, name Str, output dtype U8, input ids I32s (docs/OPS.md §4).
    function header(Chunks.Chunk[] calldata cs) public pure returns (Header memory h) {
        h.kind = uint256(Chunks.int_(cs, 0, 1)) & 0xff;
        uint256 nameLen = uint256(Chunks.int_(cs, 1, 4));
        h.dtype = uint256(Chunks.int_(cs, 5 + nameLen, 1)) & 0xff;
        uint256 n = uint256(Chunks.int_(cs, 6 + nameLen, 4));
        h.inputs = new uint256[](n);
        for (uint256 i = 0; i < n; i++) h.inputs[i] = uint256(Chunks.int_(cs, 10 + nameLen + 4 * i, 4));
        h.p0 = 10 + nameLen + 4 * n;
    }

    /// @notice Proves an operand's roots and chunks; returns its element size in bytes.
    function _operand(Context calldata c, Operand calldata o, uint256 valueId) private pure returns (uint256 producer) {
        if (valueId < c.inputCount) revert ModelInputUnsupported(valueId);
        producer = valueId - c.inputCount;
        if (producer >= c.op) revert OperandNotEarlier(c.op, producer);
        if (!Merkle.verify(c.traceRoot, Merkle.leafHashOf(o.opRoot), producer, c.opCount, o.traceProof)) {
            revert OperandRootInvalid(producer, o.opRoot);
        }
        if (!Merkle.verify(c.weightsRoot, Merkle.leafHashOf(o.paramRoot), producer, c.opCount, o.weightsProof)) {
            revert ParamRootInvalid(producer, o.paramRoot);
        }
        if (o.header.index != 0 || !Merkle.verifyFirst(o.paramRoot, Merkle.leafHash(o.header.data), o.header.proof)) {
            revert OperandHeaderInvalid(producer);
        }
    }

    function _operandBytes(Operand calldata o) private pure returns (uint256) {
        bytes calldata d = o.header.data;
        uint256 nameLen = uint256(Chunks.le(d[1:5], 0, 4));
        uint256 dtype = uint8(d[5 + nameLen]);
        if (dtype != 1 && dtype != 2) revert DtypeInvalid(dtype);
        return dtype;
    }

    // ---- Linear (1) ----

    struct Lin {
        uint256 n;
        uint256 k;
        bool relu;
        uint256 w; // offset of W's elements
        uint256 bias; // offset of Bias's elements
        uint256 mult;
        uint256 shift;
        uint256 table; // offset of the table's count
    }

    function _linear(Context calldata c, Proof calldata p, Header memory h, uint256 e) private pure returns (int256) {
        Lin memory l;
        l.n = uint256(Chunks.int_(p.params, h.p0, 4));
        l.k = uint256(Chunks.int_(p.params, h.p0 + 4, 4));
        l.relu = Chunks.int_(p.params, h.p0 + 8, 1) != 0;
        l.w = h.p0 + 13;
        l.bias = l.w + l.n * l.k + 4;
        l.mult = l.bias + 8 * l.n + 4;
        l.shift = l.mult + 4 * l.n + 4;
        l.table = l.shift + 4 * l.n;
        Chunks.verify(p.paramRoot, l.table + 4 + (p.table ? 2 * 65536 : 0), p.params);
        int256 tableCount = Chunks.int_(p.params, l.table, 4);
        if (tableCount != (p.table ? int256(65536) : int256(0))) revert TableCountInvalid(tableCount);

        uint256 outBytes = Fixed.bytesOf(h.dtype);
        uint256 rows = c.outLen / (l.n * outBytes);
        if (rows * l.n * outBytes != c.outLen) revert ShapeInvalid(c.outLen, l.n);
        bytes memory x = _linearRow(c, p.operands[0], h.inputs[0], rows, e / l.n, l.k);
        int256 v = _linearAcc(p, l, x, e % l.n);
        if (!p.table) return Fixed.saturate(v, Fixed.maxOf(h.dtype));
        return Chunks.int_(p.params, l.table + 4 + 2 * LinearStep.tableIndex(v), 2);
    }

    function _linearRow(Context calldata c, Operand calldata o, uint256 valueId, uint256 rows, uint256 i, uint256 k)
        private pure returns (bytes memory x)
    {
        _operand(c, o, valueId);
        uint256 xBytes = Fixed.bytesOf(_operandBytes(o));
        Chunks.verify(o.opRoot, rows * k * xBytes, o.chunks);
        x = Chunks.read(o.chunks, i * k * xBytes, k * xBytes);
    }

    function _linearAcc(Proof calldata p, Lin memory l, bytes memory x, uint256 n) private pure returns (int256) {
        return LinearStep.preActivation(x, x.length / l.k, Chunks.read(p.params, l.w + n * l.k, l.k),
            Chunks.int_(p.params, l.bias + 8 * n, 8), Chunks.int_(p.params, l.mult + 4 * n, 4),
            uint256(Chunks.int_(p.params, l.shift + 4 * n, 4)), l.relu);
    }

    // ---- LayerNorm (7) ----

    function _layerNorm(Context calldata c, Proof calldata p, Header memory h, uint256 e) private pure returns (int256) {
        LayerNormStep.Params memory q;
        q.d = uint256(Chunks.int_(p.params, h.p0, 4));
        q.eps = Chunks.int_(p.params, h.p0 + 4, 8);
        q.shift = uint256(Chunks.int_(p.params, h.p0 + 12, 4));
        uint256 g = h.p0 + 20; // G's elements
        uint256 b = g + 4 * q.d + 4; // B's elements
        uint256 a = b + 8 * q.d; // AddMultA
        Chunks.verify(p.paramRoot, a + 12, p.params);
        uint256 j = e % q.d;
        q.g = Chunks.int_(p.params, g + 4 * j, 4);
        q.b = Chunks.int_(p.params, b + 8 * j, 8);
        q.addMultA = Chunks.int_(p.params, a, 4);
        q.addMultB = Chunks.int_(p.params, a + 4, 4);
        q.addShift = uint256(Chunks.int_(p.params, a + 8, 4));
        q.max = Fixed.maxOf(h.dtype);

        return _layerNormRows(c, p, h, q, e);
    }

    function _layerNormRows(Context calldata c, Proof calldata p, Header memory h, LayerNormStep.Params memory q,
        uint256 e) private pure returns (int256)
    {
        uint256 elements = c.outLen / Fixed.bytesOf(h.dtype);
        if (elements % q.d != 0) revert ShapeInvalid(c.outLen, q.d);
        (bytes memory xa, uint256 aBytes) = _row(c, p.operands[0], h.inputs[0], elements, e / q.d, q.d);
        bytes memory xb;
        uint256 bBytes;
        if (h.inputs.length == 2) (xb, bBytes) = _row(c, p.operands[1], h.inputs[1], elements, e / q.d, q.d);
        else q.addShift = 0;
        return LayerNormStep.element(q, LayerNormStep.rowValues(q, xa, aBytes, xb, bBytes), e % q.d);
    }

    function _row(Context calldata c, Operand calldata o, uint256 valueId, uint256 elements, uint256 row, uint256 d)
        private pure returns (bytes memory x, uint256 xBytes)
    {
        _operand(c, o, valueId);
        xBytes = Fixed.bytesOf(_operandBytes(o));
        Chunks.verify(o.opRoot, elements * xBytes, o.chunks);
        x = Chunks.read(o.chunks, row * d * xBytes, d * xBytes);
    }
}
