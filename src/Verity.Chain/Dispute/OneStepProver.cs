using System.Numerics;
using Verity.Commitments;
using V = Verity.Chain.Generated.OneStepVerifier;

namespace Verity.Chain.Dispute;

/// <summary>
/// Builds the proof the on-chain <c>OneStepVerifier</c> needs to recompute one element of one op's output: the
/// chunks of the op's encoding it reads, and for each input the producer's roots, header chunk and the chunks of
/// the input it reads (for a graph input, the job input's chunks against its tensor root). The offsets mirror <c>contracts/src/onestep/OneStepVerifier.sol</c>; the shared test vectors
/// check that the two agree with the engine.
/// </summary>
public static class OneStepProver
{
    public const int ChunkBytes = TensorCommitment.ChunkBytes;

    /// <summary>Op kinds the on-chain one-step can recompute: Linear, Conv2d, Lut, Add, LayerNorm, Reshape, MaxPool2d,
    /// AvgPool2d, Embed, ReduceMean, Gather, Attention (in the compiler's head layout).</summary>
    public static readonly IReadOnlySet<int> Supported = new HashSet<int> { 1, 2, 5, 6, 7, 9, 10, 11, 12, 13, 14, 15 };

    /// <summary>The verifier's context for element <paramref name="elementInChunk"/> of chunk
    /// <paramref name="chunkIndex"/> of op <paramref name="op"/>'s output in <paramref name="trace"/>.</summary>
    public static V.Context Context(DisputeModel model, DisputeTrace trace, int op, int chunkIndex, int elementInChunk) => new()
    {
        WeightsRoot = model.WeightsRoot.ToArray(), TraceRoot = trace.Root.ToArray(), Op = op, OpCount = model.OpCount,
        InputCount = model.InputCount, OutLen = trace.Outputs[op].Length, ChunkIndex = chunkIndex, ElementInChunk = elementInChunk,
        InputRoot = TensorCommitment.Root(trace.Input).ToArray(), LengthsHash = model.LengthsHash.ToArray(),
    };

    public static V.Proof Prove(DisputeModel model, DisputeTrace trace, int op, int chunkIndex, int elementInChunk)
    {
        var enc = model.Encodings[op];
        var h = OpHeader.Parse(enc);
        if (!Supported.Contains(h.Kind)) throw new NotSupportedException($"the on-chain one-step has no checker for op kind {h.Kind}");
        int e = chunkIndex * (ChunkBytes / h.OutBytes) + elementInChunk;
        var ranges = new List<(int Offset, int Length)> { (0, h.P0 + 24) };
        var operands = new List<V.Operand>();
        var table = false;
        if (h.Kind == 1)
        {
            int n = I32(enc, h.P0), k = I32(enc, h.P0 + 4);
            int w = h.P0 + 13, bias = w + n * k + 4, mult = bias + 8 * n + 4, shift = mult + 4 * n + 4, tab = shift + 4 * n;
            int i = e / n, col = e % n;
            table = I32(enc, tab) != 0;
            var x = Operand(model, trace, op, h.Inputs[0], out var xBytes);
            var row = trace.Outputs[h.Inputs[0] - model.InputCount].AsSpan(i * k * xBytes, k * xBytes);
            operands.Add(WithChunks(x, trace.Outputs[h.Inputs[0] - model.InputCount], [(i * k * xBytes, k * xBytes)]));
            ranges.AddRange([(w + col * k, k), (bias + 8 * col, 8), (mult + 4 * col, 4), (shift + 4 * col, 4), (tab, 4)]);
            if (table)
            {
                long acc = BitConverter.ToInt64(enc, bias + 8 * col);
                for (var t = 0; t < k; t++) acc += Le(row, t * xBytes, xBytes) * unchecked((sbyte)enc[w + col * k + t]);
                int m = I32(enc, mult + 4 * col), s = I32(enc, shift + 4 * col);
                var v = (long)((new BigInteger(acc) * m + (BigInteger.One << (s - 1))) >> s);
                if (enc[h.P0 + 8] != 0 && v < 0) v = 0;
                ranges.Add((tab + 4 + 2 * (int)(Math.Clamp(v, -32767, 32767) + 32768), 2));
            }
        }
        else if (h.Kind == 12) // Embed: token id = input[s]; Word[id, j], WordMult[id], Pos[s, j], PosMult[s], Type[j]
        {
            int vocab = I32(enc, h.P0), d = I32(enc, h.P0 + 4), maxPos = I32(enc, h.P0 + 8);
            int s = e / d, j = e % d, id = BitConverter.ToInt32(trace.Input, 4 * s);
            int word = h.P0 + 24, wordMult = word + vocab * d + 4, pos = wordMult + 4 * vocab + 4, posMult = pos + maxPos * d + 4, typ = posMult + 4 * maxPos + 4;
            ranges.AddRange([(word + id * d + j, 1), (wordMult + 4 * id, 4), (pos + s * d + j, 1), (posMult + 4 * s, 4), (typ + j, 1)]);
        }
        else if (h.Kind == 15) // Attention: query row (s, h), all key rows and value elements of head h, table entries
        {
            int tableCount = I32(enc, h.P0 + 8), outAt = h.P0 + 12 + 4 * tableCount;
            var dims = h.Inputs.Select(id => ReshapeDims(model.Encodings[id - model.InputCount])).ToArray();
            int heads = dims[0].Heads, dk = dims[0].D, dv = dims[2].D;
            int seq = trace.Outputs[op].Length / h.OutBytes / (heads * dv);
            int s = e / (heads * dv), hd = e / dv % heads, d = e % dv;
            var q = Operand(model, trace, op, h.Inputs[0], out var qBytes);
            var k = Operand(model, trace, op, h.Inputs[1], out _);
            var v = Operand(model, trace, op, h.Inputs[2], out _);
            byte[] qData = trace.Outputs[h.Inputs[0] - model.InputCount], kData = trace.Outputs[h.Inputs[1] - model.InputCount];
            operands.Add(WithChunks(q, qData, [((s * heads * dk + hd * dk) * qBytes, dk * qBytes)]));
            operands.Add(WithChunks(k, kData, Enumerable.Range(0, seq).Select(j => (j * heads * dk + hd * dk, dk))));
            operands.Add(WithChunks(v, trace.Outputs[h.Inputs[2] - model.InputCount], Enumerable.Range(0, seq).Select(j => (j * heads * dv + hd * dv + d, 1))));
            int mult = I32(enc, h.P0), shift = I32(enc, h.P0 + 4);
            var scores = new long[seq];
            for (var j = 0; j < seq; j++)
            {
                long acc = 0;
                for (var t = 0; t < dk; t++)
                    acc += Le(qData, (s * heads * dk + hd * dk + t) * qBytes, qBytes) * unchecked((sbyte)kData[j * heads * dk + hd * dk + t]);
                scores[j] = Math.Clamp((long)((new BigInteger(acc) * mult + (BigInteger.One << (shift - 1))) >> shift), -32767, 32767);
            }
            long m = scores.Max();
            foreach (var sc in scores)
                if (m - sc < tableCount) ranges.Add((h.P0 + 12 + 4 * (int)(m - sc), 4));
            ranges.Add((outAt, 88));
        }
        else if (h.Kind == 2) // Conv2d: the filter of co, its bias/mult/shift, and the window rows of every input channel
        {
            int cout = I32(enc, h.P0), cin = I32(enc, h.P0 + 4), kh = I32(enc, h.P0 + 8), kw = I32(enc, h.P0 + 12);
            int sh = I32(enc, h.P0 + 16), sw = I32(enc, h.P0 + 20), padTop = I32(enc, h.P0 + 28), padLeft = I32(enc, h.P0 + 32);
            int w = h.P0 + 49, bias = w + cout * cin * kh * kw + 4, mult = bias + 8 * cout + 4, shift = mult + 4 * cout + 4;
            int width = model.InnerOf(op);
            var x = Operand(model, trace, op, h.Inputs[0], out var xBytes);
            var xData = Value(model, trace, h.Inputs[0]);
            int height = xData.Length / xBytes / (cin * width);
            int outH = (height + padTop + I32(enc, h.P0 + 36) - kh) / sh + 1, outW = (width + padLeft + I32(enc, h.P0 + 40) - kw) / sw + 1;
            int co = e / (outH * outW), oy = e / outW % outH, left = e % outW * sw;
            int dx0 = Math.Max(0, padLeft - left), dx1 = Math.Min(kw, padLeft + width - left);
            var rows = new List<(int, int)>();
            for (var ci = 0; ci < cin; ci++)
                for (var dy = 0; dy < kh; dy++)
                {
                    int iy = oy * sh + dy - padTop;
                    if (iy >= 0 && iy < height && dx1 > dx0) rows.Add((((ci * height + iy) * width + left + dx0 - padLeft) * xBytes, (dx1 - dx0) * xBytes));
                }
            operands.Add(WithChunks(x, xData, rows));
            ranges.AddRange([(h.P0, 49), (w + co * cin * kh * kw, cin * kh * kw), (bias + 8 * co, 8), (mult + 4 * co, 4), (shift + 4 * co, 4)]);
        }
        else if (h.Kind is 10 or 11) // pools: the window rows of one channel
        {
            int kh = I32(enc, h.P0), kw = I32(enc, h.P0 + 4), sh = I32(enc, h.P0 + 8), sw = I32(enc, h.P0 + 12);
            int padTop = I32(enc, h.P0 + 20), padLeft = I32(enc, h.P0 + 24), aux = model.InnerOf(op);
            int height = aux >> 16, width = aux & 0xffff;
            var x = Operand(model, trace, op, h.Inputs[0], out var xBytes);
            int outH = (height + padTop + I32(enc, h.P0 + 28) - kh) / sh + 1, outW = (width + padLeft + I32(enc, h.P0 + 32) - kw) / sw + 1;
            int ch = e / (outH * outW), top = e / outW % outH * sh, left = e % outW * sw;
            int y0 = Math.Max(0, top - padTop), y1 = Math.Min(height, top - padTop + kh), x0 = Math.Max(0, left - padLeft), x1 = Math.Min(width, left - padLeft + kw);
            operands.Add(WithChunks(x, Value(model, trace, h.Inputs[0]), Enumerable.Range(y0, y1 - y0).Select(y => (((ch * height + y) * width + x0) * xBytes, (x1 - x0) * xBytes))));
            ranges.Add((h.P0, 36));
        }
        else if (h.Kind is 13 or 14) // [outer, n, inner] around the axis: x[o, k, i] for every k (ReduceMean) or k = Index
        {
            int inner = model.InnerOf(op);
            var x = Operand(model, trace, op, h.Inputs[0], out var xBytes);
            var xData = Value(model, trace, h.Inputs[0]);
            int outElements = trace.Outputs[op].Length / h.OutBytes, n = xData.Length / xBytes / outElements;
            int b = e / inner * n * inner + e % inner;
            var ks = h.Kind == 14 ? [I32(enc, h.P0 + 4)] : Enumerable.Range(0, n);
            operands.Add(WithChunks(x, xData, ks.Select(k => ((b + k * inner) * xBytes, xBytes))));
        }
        else if (h.Kind is 5 or 6 or 9) // element-wise: element e of each input
        {
            foreach (var id in h.Inputs)
            {
                var x = Operand(model, trace, op, id, out var xBytes);
                var data = trace.Outputs[id - model.InputCount];
                operands.Add(WithChunks(x, data, [(e * xBytes, xBytes)]));
                if (h.Kind == 5 && operands.Count == 1)
                    ranges.Add((h.P0 + 4 + 2 * (int)(Le(data, e * xBytes, xBytes) + (xBytes == 1 ? 128 : 32768)), 2));
            }
            if (h.Kind == 6) ranges.Add((h.P0, 13));
        }
        else
        {
            int d = I32(enc, h.P0), g = h.P0 + 20, b = g + 4 * d + 4, a = b + 8 * d;
            int row = e / d, j = e % d;
            ranges.AddRange([(g + 4 * j, 4), (b + 8 * j, 8), (a, 12)]);
            foreach (var id in h.Inputs)
            {
                var x = Operand(model, trace, op, id, out var xBytes);
                operands.Add(WithChunks(x, trace.Outputs[id - model.InputCount], [(row * d * xBytes, d * xBytes)]));
            }
        }
        return new V.Proof
        {
            ParamRoot = model.ParamRoots[op].ToArray(),
            WeightsProof = Proofs(TraceRoot.Proof(model.ParamRoots, op)),
            Table = table,
            Params = ChunksOf(enc, ranges),
            Operands = operands,
            Input = h.Kind == 12 || h.Kind is 2 or 10 or 11 or 13 or 14 && model.LengthDependsOnInput(RuleOf(model, h.Inputs[0])) ? trace.Input : [],
            Lengths = h.Kind is 2 or 10 or 11 or 13 or 14 ? model.Lengths : [],
        };
    }

    /// <summary>The bytes of value <paramref name="valueId"/>: the job input for the graph input, else its producer's output.</summary>
    private static byte[] Value(DisputeModel model, DisputeTrace trace, int valueId) =>
        valueId < model.InputCount ? trace.Input : trace.Outputs[valueId - model.InputCount];

    /// <summary>The length rule of value <paramref name="valueId"/>: its producer's, or the graph input's (record OpCount).</summary>
    private static int RuleOf(DisputeModel model, int valueId) => valueId < model.InputCount ? model.OpCount : valueId - model.InputCount;

    private static V.Operand Operand(DisputeModel model, DisputeTrace trace, int op, int valueId, out int elementBytes)
    {
        if (valueId < model.InputCount)
        {
            // The graph input (Conv2d, the pools, ReduceMean, Gather): chunks proven against the job's input root; the
            // verifier takes its dtype from the length rules and needs no trace, weights or header proof.
            if (model.InputCount != 1 || !(OpHeader.Parse(model.Encodings[op]).Kind is 2 or 10 or 11 or 13 or 14))
                throw new NotSupportedException($"op {op} reads graph input {valueId}: not supported by the one-step");
            elementBytes = model.InputDtype == 1 ? 1 : model.InputDtype == 2 ? 2 : 4;
            return new V.Operand
            {
                OpRoot = TensorCommitment.Root(trace.Input).ToArray(), TraceProof = [], ParamRoot = new byte[32], WeightsProof = [],
                Header = new V.Chunk { Index = 0, Data = [], Proof = [] }, Chunks = [],
            };
        }
        int p = valueId - model.InputCount;
        elementBytes = OpHeader.Parse(model.Encodings[p]).OutBytes;
        return new V.Operand
        {
            OpRoot = trace.OpRoots[p].ToArray(),
            TraceProof = Proofs(TraceRoot.Proof(trace.OpRoots, p)),
            ParamRoot = model.ParamRoots[p].ToArray(),
            WeightsProof = Proofs(TraceRoot.Proof(model.ParamRoots, p)),
            Header = ChunksOf(model.Encodings[p], [(0, 1)])[0],
            Chunks = [],
        };
    }

    /// <summary>(H, D) of a Reshape to [1, S, H, D].</summary>
    private static (int Heads, int D) ReshapeDims(byte[] encoding)
    {
        var h = OpHeader.Parse(encoding);
        if (h.Kind != 9 || I32(encoding, h.P0) != 4) throw new NotSupportedException("attention input is not a Reshape to [1, S, H, D]");
        return (I32(encoding, h.P0 + 12), I32(encoding, h.P0 + 16));
    }

    private static V.Operand WithChunks(V.Operand o, byte[] data, IEnumerable<(int, int)> ranges)
    {
        o.Chunks = ChunksOf(data, ranges);
        return o;
    }

    /// <summary>The chunks of <paramref name="data"/> that cover <paramref name="ranges"/>, in index order, with proofs.</summary>
    public static List<V.Chunk> ChunksOf(byte[] data, IEnumerable<(int Offset, int Length)> ranges)
    {
        var indices = new SortedSet<int>();
        foreach (var (off, len) in ranges)
        {
            int end = Math.Min(data.Length, off + Math.Max(len, 1));
            for (int c = off / ChunkBytes; c * ChunkBytes < end; c++) indices.Add(c);
        }
        if (indices.Count == 0) indices.Add(0);
        return [.. indices.Select(c => new V.Chunk
        {
            Index = c, Data = TensorCommitment.Chunk(data, c).ToArray(), Proof = Proofs(TensorCommitment.Proof(data, c)),
        })];
    }

    private static List<byte[]> Proofs(Hash256[] proof) => [.. proof.Select(h => h.ToArray())];

    private static int I32(byte[] b, int offset) => BitConverter.ToInt32(b, offset);

    private static long Le(ReadOnlySpan<byte> b, int offset, int n) => n switch
    {
        1 => unchecked((sbyte)b[offset]),
        2 => BitConverter.ToInt16(b[offset..]),
        _ => BitConverter.ToInt32(b[offset..]),
    };
}
