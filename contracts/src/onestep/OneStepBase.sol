// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Merkle} from "./Merkle.sol";
import {Chunks} from "./Chunks.sol";
import {Fixed} from "./Fixed.sol";

/// @title What every one-step checker shares: op kinds, errors, the proof's types, header and operand proofs
/// @dev See {OneStepVerifier}.
abstract contract OneStepBase {
    uint8 internal constant LINEAR = 1;
    uint8 internal constant CONV2D = 2;
    uint8 internal constant LUT = 5;
    uint8 internal constant ADD = 6;
    uint8 internal constant LAYER_NORM = 7;
    uint8 internal constant RESHAPE = 9;
    uint8 internal constant EMBED = 12;
    uint8 internal constant MAX_POOL = 10;
    uint8 internal constant AVG_POOL = 11;
    uint8 internal constant REDUCE_MEAN = 13;
    uint8 internal constant GATHER = 14;
    uint8 internal constant ATTENTION = 15;

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
    error InputInvalid(bytes32 inputRoot, bytes32 given);
    error TokenInvalid(uint256 position, int256 id, uint256 vocab);
    error AttentionLayoutUnsupported(uint256 operand);
    error LengthsInvalid(bytes32 lengthsHash, bytes32 given);
    error GeometryInvalid(uint256 outer, uint256 n, uint256 inner);

    /// @param weightsRoot the model's registered weights root
    /// @param traceRoot the trace root operands are proven against: the game passes the challenger's, which agrees
    /// with the worker's on every op before `op` (DisputeGame.oneStep)
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
        bytes32 inputRoot; // tensor root of the job's input bytes (docs/COMMITMENTS.md)
        bytes32 lengthsHash; // keccak-256 of the model's length rules (DisputeGame.Shape)
    }

    /// @notice One input of the disputed op: the output of an earlier op.
    struct Operand {
        bytes32 opRoot; // the producer's output root, proven against `Context.traceRoot`
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
        Operand[] operands; // one per op input, in order (Embed: none, it reads `input`)
        bytes input; // the job's input bytes, for Embed, and for ReduceMean/Gather when their input's length needs it
        bytes lengths; // the model's length rules, for ReduceMean and Gather; empty otherwise
    }

    /// @dev What the header of an op's encoding says.
    struct Header {
        uint256 kind;
        uint256 dtype;
        uint256 p0; // offset of the first parameter
        uint256[] inputs;
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

    /// @notice An operand that may be the graph input (one-input models only): its chunks are then proven against the
    /// job's input root, its length comes from the input's rule (record `opCount` of the length rules, `_length`) and
    /// its dtype from that rule's aux (see {_operandDtype}); no trace or weights proof. Returns the producer op, or
    /// `opCount` for the graph input. The caller must have checked `p.lengths` against `c.lengthsHash`.
    function _operandOrInput(Context calldata c, Operand calldata o, uint256 valueId) internal pure returns (uint256) {
        if (valueId >= c.inputCount) return _operand(c, o, valueId);
        if (c.inputCount != 1) revert ModelInputUnsupported(valueId);
        if (o.opRoot != c.inputRoot) revert InputInvalid(c.inputRoot, o.opRoot);
        return c.opCount;
    }

    /// @notice The dtype of an operand from {_operandOrInput}: the graph input's from its rule's aux, else the
    /// producer's header.
    function _operandDtype(Context calldata c, Proof calldata p, Operand calldata o, uint256 producer)
        internal pure returns (uint256 dtype)
    {
        if (producer != c.opCount) return _operandBytes(o);
        dtype = uint32(bytes4(p.lengths[16 * producer + 12:16 * producer + 16]));
        if (dtype < 1 || dtype > 3) revert DtypeInvalid(dtype);
    }

    /// @notice Proves an operand's roots and chunks; returns its element size in bytes.
    function _operand(Context calldata c, Operand calldata o, uint256 valueId) internal pure returns (uint256 producer) {
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

    function _operandBytes(Operand calldata o) internal pure returns (uint256) {
        bytes calldata d = o.header.data;
        uint256 nameLen = uint256(Chunks.le(d[1:5], 0, 4));
        uint256 dtype = uint8(d[5 + nameLen]);
        if (dtype < 1 || dtype > 3) revert DtypeInvalid(dtype);
        return dtype;
    }

    /// @dev Op `op`'s output length from its rule, or the graph input's for `op == opCount` (the whole job input
    /// checked against the input root when the rule depends on the input's length).
    function _length(Context calldata c, Proof calldata p, uint256 op) internal pure returns (uint256) {
        bytes calldata rule = p.lengths[16 * op:16 * op + 16];
        uint256 num = uint32(bytes4(rule[0:4]));
        uint256 add = uint32(bytes4(rule[8:12]));
        if (num == 0) return add;
        bytes32 given = Chunks.rootOf(p.input);
        if (given != c.inputRoot) revert InputInvalid(c.inputRoot, given);
        return num * p.input.length / uint32(bytes4(rule[4:8])) + add;
    }
}
