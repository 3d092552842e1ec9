using Verity.Engine.Format;
using Verity.Engine.Kernels;
using Verity.Engine.Tensors;

namespace Verity.Engine.Ops;

/// <summary>
/// y[.., n] = requant(Σ_k x[.., k]·W[n, k] + bias[n]) per output channel n; optional ReLU; optional activation
/// table applied to the result saturated to ±32767 (a fused GELU: y = Table[y + 32768]).
/// </summary>
public sealed class Linear : Op
{
    public override OpKind Kind => OpKind.Linear;
    public required int N { get; init; }
    public required int K { get; init; }
    /// <summary>Weights [N, K], int8.</summary>
    public required sbyte[] W { get; init; }
    public required long[] Bias { get; init; }
    public required int[] Mult { get; init; }
    public required int[] Shift { get; init; }
    public required bool Relu { get; init; }
    /// <summary>Optional 65536-entry activation table, indexed by the requantized value + 32768.</summary>
    public short[]? Table { get; init; }

    private short[]? _packed;

    public override int[] OutputShape(IReadOnlyList<IntTensor> inputs)
    {
        var x = inputs[0];
        Expect(x.Type is DType.I8 or DType.I16, Name, $"input must be I8 or I16, got {x.Type}");
        Expect(OutType is DType.I8 or DType.I16, Name, $"output must be I8 or I16, got {OutType}");
        Expect(x.Shape.Length >= 1 && x.Shape[^1] == K, Name, $"input shape {S(x.Shape)} must end in K={K}");
        return [.. x.Shape[..^1], N];
    }

    public override void Reference(IReadOnlyList<IntTensor> inputs, IntTensor output)
    {
        var x = inputs[0];
        int m = x.Length / K, max = OutType.Max();
        for (int i = 0; i < m; i++)
            for (int n = 0; n < N; n++)
            {
                long acc = Bias[n];
                for (int k = 0; k < K; k++) acc = checked(acc + (long)x.Get(i * K + k) * W[n * K + k]);
                long v = Fixed.Requant(acc, Mult[n], Shift[n]);
                if (Relu && v < 0) v = 0;
                output.Set(i * N + n, Table is null ? Fixed.Saturate(v, max) : Table[Fixed.Saturate(v, 32767) + 32768]);
            }
    }

    public override void Fast(IReadOnlyList<IntTensor> inputs, IntTensor output, Workspace ws)
    {
        var x = inputs[0];
        int m = x.Length / K, ld = Gemm.Pad(K);
        _packed ??= Gemm.PackB(W, N, K);
        var a = ws.ScratchA(m * ld);
        if (x.Type == DType.I8) Gemm.Pack(x.I8, m, K, a); else Gemm.Pack(x.I16, m, K, a);
        Gemm.Fast(a, _packed, m, N, K, new Requantizer(Bias, Mult, Shift, Relu, Table, OutType, output.Buffer, 0, N, 1), ws.Threads);
    }

    protected override void WriteParams(ParamWriter w)
    {
        w.I32(N); w.I32(K); w.U8(Relu ? (byte)1 : (byte)0);
        w.I8s(W); w.I64s(Bias); w.I32s(Mult); w.I32s(Shift);
        w.I16s(Table ?? []);
    }

    internal static Linear Read(ref ParamReader r, string name, int[] inputs, DType outType)
    {
        int n = r.I32(), k = r.I32(); bool relu = r.U8() != 0;
        var op = new Linear { Name = name, Inputs = inputs, OutType = outType, N = n, K = k, Relu = relu, W = r.I8s(), Bias = r.I64s(), Mult = r.I32s(), Shift = r.I32s(), Table = r.I16s() is { Length: > 0 } t ? t : null };
        if (n < 1 || k < 1 || op.W.Length != (long)n * k || op.Bias.Length != n || op.Mult.Length != n || op.Shift.Length != n)
            throw new InvalidDataException($"op '{name}': Linear parameter sizes do not match N={n}, K={k}");
        Requant.Check(name, op.Mult, op.Shift);
        Requant.CheckTable(name, op.Table, outType);
        Requant.CheckWeights(name, op.W, op.Bias);
        return op;
    }
}
