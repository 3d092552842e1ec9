// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Merkle} from "./Merkle.sol";
import {Chunks} from "./Chunks.sol";
import {Fixed} from "./Fixed.sol";
import {DenseSteps} from "./DenseSteps.sol";
import {RowSteps} from "./RowSteps.sol";

/// @title The on-chain one-step check: recomputes one output element of one op (DESIGN D5, docs/PROTOCOL.md)
/// @notice Everything it reads is proven: the op's canonical encoding (docs/OPS.md §4) chunk by chunk against the
/// op's parameter root, which is proven against the model's weights root (docs/VMODEL.md); each input of the op
/// (an earlier op's output) chunk by chunk against that op's output root, proven against `Context.traceRoot`; each
/// input's element type from its producer's encoding header. Supported op kinds: Linear (1, with ReLU and the
/// fused 65536-entry activation table), Lut (5), Add (6), LayerNorm (7, with and without the fused residual add),
/// Reshape (9, a copy), Embed (12, which reads the job input: its bytes come with the proof and are checked
/// against the job's input root) and Attention (15, in the head layout the compiler emits for BERT-style models:
/// q, k, v reshaped to [1, S, H, D] by Reshape ops, heads read and written in place), ReduceMean (13) and Gather (14)
/// (their geometry from the model's registered length rules: the input's length and the size after the axis) and
/// Conv2d (2; the input's width from the rules too), MaxPool2d (10) and AvgPool2d (11) (the input's height and width
/// from the rules). Conv2d, the pools, ReduceMean and Gather also take the graph input of a one-input model (ResNet's
/// first Conv2d reads the image): its chunks are proven against the job's input root, its length and dtype come
/// from the input's length rule (record `opCount`). Any other kind reverts `OneStepUnsupported(kind)`; any other op
/// that reads a graph input directly, or a graph input of a model with several, reverts `ModelInputUnsupported`.
/// @dev Stateless and pure, so the shared test vectors call it directly (`eth_call`).
contract OneStepVerifier is DenseSteps, RowSteps {
    /// @notice The correct value of the element, and the output element size in bytes.
    function recompute(Context calldata c, Proof calldata p) external pure returns (int256 value, uint256 outBytes) {
        if (!Merkle.verify(c.weightsRoot, Merkle.leafHashOf(p.paramRoot), c.op, c.opCount, p.weightsProof)) {
            revert ParamRootInvalid(c.op, p.paramRoot);
        }
        Header memory h = header(p.params);
        if (!supported(h.kind)) revert OneStepUnsupported(h.kind);
        if (h.dtype < 1 || h.dtype > 3) revert DtypeInvalid(h.dtype);
        outBytes = Fixed.bytesOf(h.dtype);
        uint256 operands = h.kind == EMBED ? 0 : h.inputs.length;
        if (p.operands.length != operands) revert OperandCount(operands, p.operands.length);
        uint256 e = c.chunkIndex * (Chunks.CHUNK / outBytes) + c.elementInChunk;
        if ((e + 1) * outBytes > c.outLen || c.elementInChunk >= Chunks.CHUNK / outBytes) {
            revert ElementOutOfRange(e, c.outLen);
        }
        if (h.kind == LINEAR) value = _linear(c, p, h, e);
        else if (h.kind == LAYER_NORM) value = _layerNorm(c, p, h, e);
        else if (h.kind == EMBED) value = _embed(c, p, h, e);
        else if (h.kind == ATTENTION) value = _attention(c, p, h, e);
        else if (h.kind == REDUCE_MEAN || h.kind == GATHER) value = _reduce(c, p, h, e);
        else if (h.kind == CONV2D) value = _conv(c, p, h, e);
        else if (h.kind == MAX_POOL || h.kind == AVG_POOL) value = _pool(c, p, h, e);
        else value = _elementwise(c, p, h, e);
    }

    /// @notice Whether the one-step can recompute an element of an op of this kind.
    function supported(uint256 kind) public pure returns (bool) {
        return kind == LINEAR || kind == LUT || kind == ADD || kind == LAYER_NORM || kind == RESHAPE || kind == EMBED
            || kind == ATTENTION || kind == REDUCE_MEAN || kind == GATHER || kind == CONV2D
            || kind == MAX_POOL || kind == AVG_POOL;
    }
}
