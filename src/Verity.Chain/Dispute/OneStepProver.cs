using System.Numerics;
using Verity.Commitments;
using V = Verity.Chain.Generated.OneStepVerifier;

namespace Verity.Chain.Dispute;

/// <summary>
/// Builds the proof the on-chain <c>OneStepVerifier</c> needs to recompute one element of one op's output: the
/// chunks of the op's encoding it reads, and for each input the producer's roots, header chunk and the chunks of
/// the input it reads. The offsets mirror <c>contracts/src/onestep/OneStepVerifier.sol</c>; the shared test vectors
/// check that the two agree with the engine.
/// </summary>
public static class OneStepProver
{
    public const int ChunkBytes = TensorCommitment.ChunkBytes;

    /// <summary>Op kinds the on-chain one-step can recompute (Linear, LayerNorm).</summary>
    public static readonly IReadOnlySet<int> Supported = new HashSet<int> { 1, 7 };

    /// <summary>The verifier's context for element <paramref name="elementInChunk"/> of chunk
    /// <paramref name="chunkIndex"/> of op <paramref name="op"/>'s output in <paramref name="trace"/>.</summary>
    public static V.Context Context(DisputeModel model, DisputeTrace trace, int op, int chunkIndex, int elementInChunk) => new()
    {
        WeightsRoot = model.WeightsRoot.ToArray(), TraceRoot = trace.Root.ToArray(), Op = op, OpCount = model.OpCount,
        InputCount = model.InputCount, OutLen = trace.Outputs[op].Length, ChunkIndex = chunkIndex, ElementInChunk = elementInChunk,
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
        };
    }

    private static V.Operand Operand(DisputeModel model, DisputeTrace trace, int op, int valueId, out int elementBytes)
    {
        if (valueId < model.InputCount) throw new NotSupportedException($"op {op} reads graph input {valueId}: not supported by the one-step");
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
