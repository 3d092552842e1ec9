// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Chunks} from "./Chunks.sol";
import {Fixed} from "./Fixed.sol";
import {OneStepBase} from "./OneStepBase.sol";
import {LinearStep} from "./LinearStep.sol";
import {Conv2dStep} from "./Conv2dStep.sol";
import {EmbedStep} from "./EmbedStep.sol";
import {AttentionStep} from "./AttentionStep.sol";

/// @title The one-step checkers of the ops with weights or products: Linear, Conv2d, Embed, Attention
/// @dev Each decodes the parameters it needs from the proven encoding chunks, reads the proven input chunks and
/// hands plain values to its library in this folder.
abstract contract DenseSteps is OneStepBase {
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

    function _linear(Context calldata c, Proof calldata p, Header memory h, uint256 e) internal pure returns (int256) {
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

    // ---- Conv2d (2) ----

    struct Conv {
        uint256 cout;
        uint256 cin;
        uint256 kh;
        uint256 kw;
        uint256 sh;
        uint256 sw;
        uint256 padTop;
        uint256 padLeft;
        bool relu;
        uint256 w; // offset of W's elements
        uint256 bias; // offset of Bias's elements
        uint256 mult;
        uint256 shift;
        uint256 h; // input height, width
        uint256 wd;
        uint256 oh; // output height, width
        uint256 ow;
        uint256 xBytes;
    }

    /// @dev The input is [1, Cin, H, W]: W from the op's rule (`aux`), H from the input's length (its producer's rule,
    /// or the graph input's: ResNet's first Conv2d reads the image, proven chunk by chunk against the input root).
    function _conv(Context calldata c, Proof calldata p, Header memory h, uint256 e) internal pure returns (int256) {
        Conv memory v = _convParams(p, h);
        bytes32 got = keccak256(p.lengths);
        if (got != c.lengthsHash || p.lengths.length != 16 * (c.opCount + 1)) revert LengthsInvalid(c.lengthsHash, got);
        Operand calldata o = p.operands[0];
        uint256 producer = _operandOrInput(c, o, h.inputs[0]);
        v.xBytes = Fixed.bytesOf(_operandDtype(c, p, o, producer));
        v.wd = uint32(bytes4(p.lengths[16 * c.op + 12:16 * c.op + 16]));
        uint256 inElements = _length(c, p, producer) / v.xBytes;
        if (v.wd == 0 || inElements % (v.cin * v.wd) != 0) revert GeometryInvalid(v.cin, 0, v.wd);
        v.h = inElements / (v.cin * v.wd);
        uint256 padBottom = uint256(Chunks.int_(p.params, h.p0 + 36, 4));
        uint256 padRight = uint256(Chunks.int_(p.params, h.p0 + 40, 4));
        if (v.h + v.padTop + padBottom < v.kh || v.wd + v.padLeft + padRight < v.kw) revert GeometryInvalid(v.cin, v.h, v.wd);
        v.oh = (v.h + v.padTop + padBottom - v.kh) / v.sh + 1;
        v.ow = (v.wd + v.padLeft + padRight - v.kw) / v.sw + 1;
        if (v.cout * v.oh * v.ow * Fixed.bytesOf(h.dtype) != c.outLen) revert ShapeInvalid(c.outLen, v.cout * v.oh * v.ow);
        Chunks.verify(o.opRoot, inElements * v.xBytes, o.chunks);
        return _convElement(p, o, v, e, Fixed.maxOf(h.dtype));
    }

    function _convParams(Proof calldata p, Header memory h) private pure returns (Conv memory v) {
        v.cout = uint256(Chunks.int_(p.params, h.p0, 4));
        v.cin = uint256(Chunks.int_(p.params, h.p0 + 4, 4));
        v.kh = uint256(Chunks.int_(p.params, h.p0 + 8, 4));
        v.kw = uint256(Chunks.int_(p.params, h.p0 + 12, 4));
        v.sh = uint256(Chunks.int_(p.params, h.p0 + 16, 4));
        v.sw = uint256(Chunks.int_(p.params, h.p0 + 20, 4));
        if (Chunks.int_(p.params, h.p0 + 24, 4) != 4) revert GeometryInvalid(0, 0, 0);
        v.padTop = uint256(Chunks.int_(p.params, h.p0 + 28, 4));
        v.padLeft = uint256(Chunks.int_(p.params, h.p0 + 32, 4));
        v.relu = Chunks.int_(p.params, h.p0 + 44, 1) != 0;
        v.w = h.p0 + 49;
        v.bias = v.w + v.cout * v.cin * v.kh * v.kw + 4;
        v.mult = v.bias + 8 * v.cout + 4;
        v.shift = v.mult + 4 * v.cout + 4;
        Chunks.verify(p.paramRoot, v.shift + 4 * v.cout, p.params);
    }

    struct Win {
        uint256[] idx; // the operand's chunk indices ({Chunks.indices})
        uint256 co;
        uint256 oy;
        uint256 left; // ox·SW: the window's first column, padded coordinates
        uint256 dx0; // the filter columns whose cells lie inside the input: [dx0, dx1)
        uint256 dx1;
    }

    function _convElement(Proof calldata p, Operand calldata o, Conv memory v, uint256 e, int256 max)
        private pure returns (int256)
    {
        Win memory w;
        w.idx = Chunks.indices(o.chunks);
        w.co = e / (v.oh * v.ow);
        w.oy = (e / v.ow) % v.oh;
        w.left = (e % v.ow) * v.sw;
        w.dx0 = w.left < v.padLeft ? v.padLeft - w.left : 0;
        w.dx1 = w.left + v.kw > v.padLeft + v.wd ? v.padLeft + v.wd - w.left : v.kw;
        bytes memory filter = Chunks.read(p.params, v.w + w.co * v.cin * v.kh * v.kw, v.cin * v.kh * v.kw);
        int256 acc = Chunks.int_(p.params, v.bias + 8 * w.co, 8);
        if (w.dx1 > w.dx0) {
            for (uint256 r = 0; r < v.cin * v.kh; r++) acc += _convRow(o, v, w, filter, r);
        }
        return Conv2dStep.finish(acc, Chunks.int_(p.params, v.mult + 4 * w.co, 4),
            uint256(Chunks.int_(p.params, v.shift + 4 * w.co, 4)), v.relu, max);
    }

    /// @dev The products of window row r = ci·KH + dy (0 if the row lies in the padding).
    function _convRow(Operand calldata o, Conv memory v, Win memory w, bytes memory filter, uint256 r)
        private pure returns (int256)
    {
        uint256 offset;
        {
            uint256 top = w.oy * v.sh + r % v.kh; // iy + padTop
            if (top < v.padTop || top >= v.padTop + v.h) return 0;
            offset = (((r / v.kh) * v.h + top - v.padTop) * v.wd + w.left + w.dx0 - v.padLeft) * v.xBytes;
        }
        return _convTaps(o, w.idx, v.xBytes, filter, r * v.kw + w.dx0, offset, w.dx1 - w.dx0);
    }

    /// @dev Σ_t x[offset + t]·filter[f + t] over n cells, read in place from the chunk that holds them (copied first
    /// when they span two chunks).
    function _convTaps(Operand calldata o, uint256[] memory idx, uint256 xBytes, bytes memory filter, uint256 f,
        uint256 offset, uint256 n) private pure returns (int256 acc)
    {
        (bool found, bytes calldata d, uint256 from) = Chunks.locate(o.chunks, idx, offset, n * xBytes);
        if (!found) return Conv2dStep.addRow(0, Chunks.read(o.chunks, offset, n * xBytes), xBytes, filter, f);
        // unchecked: |x| ≤ 32767, |w| ≤ 127 and at most Cin·KH·KW < 2^32 products, so |acc| < 2^54, far inside int256;
        // offsets are below the chunk and filter lengths, which the (still checked) index accesses enforce.
        unchecked {
            if (xBytes == 1) {
                for (uint256 t = 0; t < n; t++) acc += int256(int8(uint8(d[from + t]))) * int256(int8(uint8(filter[f + t])));
            } else {
                for (uint256 t = 0; t < n; t++) {
                    uint256 at2 = from + 2 * t;
                    int256 x = int256(int16(uint16(uint8(d[at2])) | (uint16(uint8(d[at2 + 1])) << 8)));
                    acc += x * int256(int8(uint8(filter[f + t])));
                }
            }
        }
    }

    // ---- Embed (12) ----

    struct Emb {
        uint256 vocab;
        uint256 d;
        uint256 maxPositions;
        uint256 wordMult; // offsets of the elements of WordMult, Pos, PosMult, Type
        uint256 pos;
        uint256 posMult;
        uint256 typ;
    }

    /// @dev The graph input is the job input (one I32 tensor of token ids, [1, S]); the output is [1, S, D], so the
    /// worker's declared output length is checked here too. The input comes whole (a few hundred bytes of ids) and is
    /// checked by recomputing its tensor root against the job's input root.
    function _embed(Context calldata c, Proof calldata p, Header memory h, uint256 e) internal pure returns (int256) {
        if (c.inputCount != 1 || h.inputs[0] != 0) revert ModelInputUnsupported(h.inputs[0]);
        bytes32 given = Chunks.rootOf(p.input);
        if (given != c.inputRoot) revert InputInvalid(c.inputRoot, given);
        Emb memory m;
        m.vocab = uint256(Chunks.int_(p.params, h.p0, 4));
        m.d = uint256(Chunks.int_(p.params, h.p0 + 4, 4));
        m.maxPositions = uint256(Chunks.int_(p.params, h.p0 + 8, 4));
        m.wordMult = h.p0 + 24 + m.vocab * m.d + 4;
        m.pos = m.wordMult + 4 * m.vocab + 4;
        m.posMult = m.pos + m.maxPositions * m.d + 4;
        m.typ = m.posMult + 4 * m.maxPositions + 4;
        Chunks.verify(p.paramRoot, m.typ + m.d, p.params);
        uint256 seq = p.input.length / 4;
        if (seq * 4 != p.input.length || c.outLen != seq * m.d * Fixed.bytesOf(h.dtype)) revert ShapeInvalid(c.outLen, m.d);
        uint256 s = e / m.d;
        uint256 j = e % m.d;
        int256 id = Chunks.le(p.input[4 * s:4 * s + 4], 0, 4);
        if (id < 0 || uint256(id) >= m.vocab) revert TokenInvalid(s, id, m.vocab);
        EmbedStep.Terms memory t;
        t.word = Chunks.int_(p.params, h.p0 + 24 + uint256(id) * m.d + j, 1);
        t.wordMult = Chunks.int_(p.params, m.wordMult + 4 * uint256(id), 4);
        t.pos = Chunks.int_(p.params, m.pos + s * m.d + j, 1);
        t.posMult = Chunks.int_(p.params, m.posMult + 4 * s, 4);
        t.typ = Chunks.int_(p.params, m.typ + j, 1);
        t.typeMult = Chunks.int_(p.params, h.p0 + 16, 4);
        t.shift = uint256(Chunks.int_(p.params, h.p0 + 12, 4));
        t.max = Fixed.maxOf(h.dtype);
        return EmbedStep.element(t);
    }

    // ---- Attention (15) ----

    struct Att {
        uint256 heads;
        uint256 dk;
        uint256 dv;
        uint256 seq;
        uint256 s; // query position
        uint256 h; // head
        uint256 d; // value feature
        uint256 table; // offset of the table's count
        uint256 tableCount;
        uint256 out; // offset of OutMult
    }

    /// @dev The permutations must be the in-place head layout ([0,2,1,3] for q, v and the output, [0,2,3,1] for k),
    /// and each input a Reshape to [1, S or −1, H, D]; output element e is then (s, h, d) of [1, S, H, Dv].
    function _attention(Context calldata c, Proof calldata p, Header memory h, uint256 e) internal pure returns (int256) {
        Att memory a;
        a.table = h.p0 + 8;
        a.tableCount = uint256(Chunks.int_(p.params, a.table, 4));
        a.out = a.table + 4 + 4 * a.tableCount;
        Chunks.verify(p.paramRoot, a.out + 88, p.params);
        if (keccak256(Chunks.read(p.params, a.out + 8, 80)) != keccak256(_layout())) revert AttentionLayoutUnsupported(3);
        uint256 hq;
        uint256 hk;
        uint256 hv;
        (hq, a.dk) = _heads(p.operands[0], 0);
        uint256 dk2;
        (hk, dk2) = _heads(p.operands[1], 1);
        (hv, a.dv) = _heads(p.operands[2], 2);
        if (hq != hk || hq != hv || a.dk != dk2) revert AttentionLayoutUnsupported(1);
        a.heads = hq;
        uint256 elements = c.outLen / Fixed.bytesOf(h.dtype);
        a.seq = elements / (a.heads * a.dv);
        if (a.seq * a.heads * a.dv != elements || a.seq == 0) revert ShapeInvalid(c.outLen, a.heads * a.dv);
        a.s = e / (a.heads * a.dv);
        a.h = (e / a.dv) % a.heads;
        a.d = e % a.dv;
        return _attentionMix(c, p, h, a);
    }

    function _attentionMix(Context calldata c, Proof calldata p, Header memory h, Att memory a)
        private pure returns (int256)
    {
        (int256[] memory sc, int256 m) = _scores(c, p, h, a);
        int256[] memory ev = new int256[](a.seq);
        for (uint256 j = 0; j < a.seq; j++) {
            uint256 gap = uint256(m - sc[j]);
            ev[j] = gap < a.tableCount ? Chunks.int_(p.params, a.table + 4 + 4 * gap, 4) : int256(0);
        }
        int256[] memory v = _values(c, p, h, a);
        return AttentionStep.mix(ev, v, Chunks.int_(p.params, a.out, 4), uint256(Chunks.int_(p.params, a.out + 4, 4)),
            Fixed.maxOf(h.dtype));
    }

    function _layout() private pure returns (bytes memory) {
        return abi.encodePacked(_perm(0, 2, 1, 3), _perm(0, 2, 3, 1), _perm(0, 2, 1, 3), _perm(0, 2, 1, 3));
    }

    function _perm(uint8 a, uint8 b, uint8 c, uint8 d) private pure returns (bytes memory) {
        return abi.encodePacked(uint32(0x04000000), bytes4(uint32(a) << 24), bytes4(uint32(b) << 24),
            bytes4(uint32(c) << 24), bytes4(uint32(d) << 24));
    }

    /// @dev (H, D) of an operand produced by a Reshape to [1, S or −1, H, D] (read from the producer's header chunk).
    function _heads(Operand calldata o, uint256 which) private pure returns (uint256 heads, uint256 d) {
        bytes calldata x = o.header.data;
        uint256 nameLen = uint256(Chunks.le(x[1:5], 0, 4));
        uint256 p0 = 10 + nameLen + 4 * uint256(Chunks.le(x[6 + nameLen:10 + nameLen], 0, 4));
        if (uint8(x[0]) != RESHAPE || x.length < p0 + 20 || Chunks.le(x[p0:p0 + 4], 0, 4) != 4
            || Chunks.le(x[p0 + 4:p0 + 8], 0, 4) != 1) revert AttentionLayoutUnsupported(which);
        heads = uint256(Chunks.le(x[p0 + 12:p0 + 16], 0, 4));
        d = uint256(Chunks.le(x[p0 + 16:p0 + 20], 0, 4));
        if (heads == 0 || d == 0) revert AttentionLayoutUnsupported(which);
    }

    function _scores(Context calldata c, Proof calldata p, Header memory h, Att memory a)
        private pure returns (int256[] memory, int256)
    {
        (bytes memory q, uint256 qBytes) = _query(c, p.operands[0], h.inputs[0], a);
        bytes[] memory keys = _keys(c, p.operands[1], h.inputs[1], a);
        return AttentionStep.scores(q, qBytes, keys, Chunks.int_(p.params, h.p0, 4),
            uint256(Chunks.int_(p.params, h.p0 + 4, 4)));
    }

    function _keys(Context calldata c, Operand calldata k, uint256 valueId, Att memory a)
        private pure returns (bytes[] memory keys)
    {
        _operand(c, k, valueId);
        if (_operandBytes(k) != 1) revert DtypeInvalid(_operandBytes(k));
        uint256 row = a.heads * a.dk;
        Chunks.verify(k.opRoot, a.seq * row, k.chunks);
        keys = new bytes[](a.seq);
        for (uint256 j = 0; j < a.seq; j++) keys[j] = Chunks.read(k.chunks, j * row + a.h * a.dk, a.dk);
    }

    function _query(Context calldata c, Operand calldata q, uint256 valueId, Att memory a)
        private pure returns (bytes memory x, uint256 qBytes)
    {
        _operand(c, q, valueId);
        qBytes = Fixed.bytesOf(_operandBytes(q));
        uint256 row = a.heads * a.dk;
        Chunks.verify(q.opRoot, a.seq * row * qBytes, q.chunks);
        x = Chunks.read(q.chunks, (a.s * row + a.h * a.dk) * qBytes, a.dk * qBytes);
    }

    function _values(Context calldata c, Proof calldata p, Header memory h, Att memory a)
        private pure returns (int256[] memory v)
    {
        Operand calldata o = p.operands[2];
        _operand(c, o, h.inputs[2]);
        if (_operandBytes(o) != 1) revert DtypeInvalid(_operandBytes(o));
        uint256 row = a.heads * a.dv;
        Chunks.verify(o.opRoot, a.seq * row, o.chunks);
        v = new int256[](a.seq);
        for (uint256 j = 0; j < a.seq; j++) v[j] = Chunks.int_(o.chunks, j * row + a.h * a.dv + a.d, 1);
    }
}
