// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Chunks} from "./Chunks.sol";
import {Fixed} from "./Fixed.sol";
import {OneStepBase} from "./OneStepBase.sol";
import {LayerNormStep} from "./LayerNormStep.sol";
import {ReduceStep} from "./ReduceStep.sol";
import {PoolStep} from "./PoolStep.sol";
import {LutStep} from "./LutStep.sol";
import {AddStep} from "./AddStep.sol";

/// @title The one-step checkers of the row-wise, reducing and element-wise ops: LayerNorm, ReduceMean, Gather,
/// MaxPool2d, AvgPool2d, Lut, Add, Reshape
abstract contract RowSteps is OneStepBase {
    // ---- LayerNorm (7) ----

    function _layerNorm(Context calldata c, Proof calldata p, Header memory h, uint256 e) internal pure returns (int256) {
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

    // ---- ReduceMean (13), Gather (14) ----

    struct Red {
        uint256 outer;
        uint256 n; // the axis length
        uint256 inner;
        uint256 xBytes;
        uint256 index; // Gather's index
    }

    /// @dev The input is [outer, n, inner] around the axis: inner from the op's length rule, the input's length from
    /// its producer's rule, the output's (outer · inner elements) from the game.
    function _reduce(Context calldata c, Proof calldata p, Header memory h, uint256 e) internal pure returns (int256) {
        bytes32 got = keccak256(p.lengths);
        if (got != c.lengthsHash || p.lengths.length != 16 * (c.opCount + 1)) revert LengthsInvalid(c.lengthsHash, got);
        Chunks.verify(p.paramRoot, h.p0 + (h.kind == GATHER ? 8 : 4), p.params);
        Operand calldata o = p.operands[0];
        uint256 producer = _operandOrInput(c, o, h.inputs[0]);
        Red memory r;
        r.xBytes = Fixed.bytesOf(_operandDtype(c, p, o, producer));
        r.inner = uint32(bytes4(p.lengths[16 * c.op + 12:16 * c.op + 16]));
        uint256 outElements = c.outLen / Fixed.bytesOf(h.dtype);
        uint256 inElements = _length(c, p, producer) / r.xBytes;
        if (r.inner == 0 || outElements % r.inner != 0) revert GeometryInvalid(0, 0, r.inner);
        r.outer = outElements / r.inner;
        r.n = inElements / outElements;
        if (r.n == 0 || r.outer * r.n * r.inner != inElements) revert GeometryInvalid(r.outer, r.n, r.inner);
        Chunks.verify(o.opRoot, inElements * r.xBytes, o.chunks);
        uint256 base = (e / r.inner) * r.n * r.inner + e % r.inner; // x[o, 0, i]
        if (h.kind == GATHER) {
            r.index = uint256(Chunks.int_(p.params, h.p0 + 4, 4));
            if (r.index >= r.n) revert GeometryInvalid(r.outer, r.n, r.inner);
            return Chunks.int_(o.chunks, (base + r.index * r.inner) * r.xBytes, r.xBytes);
        }
        int256[] memory xs = new int256[](r.n);
        for (uint256 k = 0; k < r.n; k++) xs[k] = Chunks.int_(o.chunks, (base + k * r.inner) * r.xBytes, r.xBytes);
        return ReduceStep.mean(xs);
    }

    // ---- MaxPool2d (10), AvgPool2d (11) ----

    struct Pool {
        uint256 kh;
        uint256 kw;
        uint256 sh;
        uint256 sw;
        uint256 padTop;
        uint256 padLeft;
        uint256 h;
        uint256 wd;
        uint256 oh;
        uint256 ow;
        uint256 xBytes;
    }

    /// @dev The input is [1, C, H, W]: H and W from the op's rule (`aux` = H·2^16 + W), C from the input's length.
    function _pool(Context calldata c, Proof calldata p, Header memory h, uint256 e) internal pure returns (int256) {
        Pool memory v;
        v.kh = uint256(Chunks.int_(p.params, h.p0, 4));
        v.kw = uint256(Chunks.int_(p.params, h.p0 + 4, 4));
        v.sh = uint256(Chunks.int_(p.params, h.p0 + 8, 4));
        v.sw = uint256(Chunks.int_(p.params, h.p0 + 12, 4));
        if (Chunks.int_(p.params, h.p0 + 16, 4) != 4) revert GeometryInvalid(0, 0, 0);
        v.padTop = uint256(Chunks.int_(p.params, h.p0 + 20, 4));
        v.padLeft = uint256(Chunks.int_(p.params, h.p0 + 24, 4));
        Chunks.verify(p.paramRoot, h.p0 + 36, p.params);
        bytes32 got = keccak256(p.lengths);
        if (got != c.lengthsHash || p.lengths.length != 16 * (c.opCount + 1)) revert LengthsInvalid(c.lengthsHash, got);
        uint256 aux = uint32(bytes4(p.lengths[16 * c.op + 12:16 * c.op + 16]));
        v.h = aux >> 16;
        v.wd = aux & 0xffff;
        Operand calldata o = p.operands[0];
        uint256 producer = _operandOrInput(c, o, h.inputs[0]);
        v.xBytes = Fixed.bytesOf(_operandDtype(c, p, o, producer));
        uint256 inElements = _length(c, p, producer);
        inElements /= v.xBytes;
        uint256 bottom = uint256(Chunks.int_(p.params, h.p0 + 28, 4));
        uint256 right = uint256(Chunks.int_(p.params, h.p0 + 32, 4));
        if (v.h * v.wd == 0 || inElements % (v.h * v.wd) != 0 || v.h + v.padTop + bottom < v.kh
            || v.wd + v.padLeft + right < v.kw) revert GeometryInvalid(inElements, v.h, v.wd);
        v.oh = (v.h + v.padTop + bottom - v.kh) / v.sh + 1;
        v.ow = (v.wd + v.padLeft + right - v.kw) / v.sw + 1;
        if (inElements / (v.h * v.wd) * v.oh * v.ow * Fixed.bytesOf(h.dtype) != c.outLen) {
            revert ShapeInvalid(c.outLen, v.oh * v.ow);
        }
        Chunks.verify(o.opRoot, inElements * v.xBytes, o.chunks);
        return PoolStep.reduce(_window(o, v, e), h.kind == MAX_POOL);
    }

    /// @dev The input cells of output e's window that lie inside the input.
    function _window(Operand calldata o, Pool memory v, uint256 e) private pure returns (int256[] memory cells) {
        uint256[5] memory b = _bounds(v, e); // channel, y0, y1, x0, x1
        uint256 n = b[4] - b[3];
        cells = new int256[]((b[2] - b[1]) * n);
        for (uint256 y = b[1]; y < b[2]; y++) {
            bytes memory row = Chunks.read(o.chunks, ((b[0] * v.h + y) * v.wd + b[3]) * v.xBytes, n * v.xBytes);
            for (uint256 x = 0; x < n; x++) cells[(y - b[1]) * n + x] = Chunks.le(row, x * v.xBytes, v.xBytes);
        }
    }

    /// @dev [channel, y0, y1, x0, x1]: the window of output e, clipped to the input (OPS.md, "Window").
    function _bounds(Pool memory v, uint256 e) private pure returns (uint256[5] memory b) {
        b[0] = e / (v.oh * v.ow);
        uint256 top = ((e / v.ow) % v.oh) * v.sh; // window origin, padded coordinates
        uint256 left = (e % v.ow) * v.sw;
        b[1] = top > v.padTop ? top - v.padTop : 0;
        b[2] = top + v.kh - v.padTop < v.h ? top + v.kh - v.padTop : v.h;
        b[3] = left > v.padLeft ? left - v.padLeft : 0;
        b[4] = left + v.kw - v.padLeft < v.wd ? left + v.kw - v.padLeft : v.wd;
    }

    // ---- element-wise: Lut (5), Add (6), Reshape (9) ----

    function _elementwise(Context calldata c, Proof calldata p, Header memory h, uint256 e) internal pure returns (int256) {
        uint256 elements = c.outLen / Fixed.bytesOf(h.dtype);
        (int256 x, uint256 xBytes) = _element(c, p.operands[0], h.inputs[0], elements, e);
        if (h.kind == RESHAPE) { // the same bytes: y[e] = x[e]
            Chunks.verify(p.paramRoot, h.p0 + 4 + 4 * uint256(Chunks.int_(p.params, h.p0, 4)), p.params);
            return x;
        }
        if (h.kind == LUT) {
            if (xBytes == 4) revert DtypeInvalid(3);
            Chunks.verify(p.paramRoot, h.p0 + 4 + 2 * LutStep.tableCount(xBytes), p.params);
            return Chunks.int_(p.params, h.p0 + 4 + 2 * LutStep.tableIndex(x, xBytes), 2);
        }
        Chunks.verify(p.paramRoot, h.p0 + 13, p.params);
        (int256 b,) = _element(c, p.operands[1], h.inputs[1], elements, e);
        return AddStep.element(x, b, Chunks.int_(p.params, h.p0, 4), Chunks.int_(p.params, h.p0 + 4, 4),
            uint256(Chunks.int_(p.params, h.p0 + 8, 4)), Chunks.int_(p.params, h.p0 + 12, 1) != 0, Fixed.maxOf(h.dtype));
    }

    /// @dev Element e of an operand with `elements` elements (the same shape as the output).
    function _element(Context calldata c, Operand calldata o, uint256 valueId, uint256 elements, uint256 e)
        private pure returns (int256 x, uint256 xBytes)
    {
        _operand(c, o, valueId);
        xBytes = Fixed.bytesOf(_operandBytes(o));
        Chunks.verify(o.opRoot, elements * xBytes, o.chunks);
        x = Chunks.int_(o.chunks, e * xBytes, xBytes);
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
