using Verity.Engine.Format;
using Verity.Engine.Kernels;
using Verity.Engine.Tensors;

namespace Verity.Engine.Ops;

/// <summary>
/// Layer normalisation over the last axis (length D) in integers, per row: c_i = D·x_i − Σx, V = ⌊Σc²/D⌋ + Eps,
/// R = max(1, ⌊√V⌋), inv = ⌊2^47 / R⌋, t_i = (c_i·inv + 2^31) >> 32 (≈ 2^15·(x_i − μ)/σ),
/// y_i = sat((t_i·G_i + B_i + 2^(Shift−1)) >> Shift).
/// With two inputs (a fused residual add) x_i = sat16((a_i·AddMultA + b_i·AddMultB + 2^(AddShift−1)) >> AddShift) first,
/// exactly what an <see cref="Add"/> with an I16 output would give.
/// </summary>
public sealed class LayerNorm : Op
{
    public override OpKind Kind => OpKind.LayerNorm;
    public required int D { get; init; }
    /// <summary>ε·D²/s_in², rounded: the epsilon in the integer variance's units.</summary>
    public required long Eps { get; init; }
    public required int[] G { get; init; }
    public required long[] B { get; init; }
    public required int Shift { get; init; }
    public int AddMultA { get; init; }
    public int AddMultB { get; init; }
    public int AddShift { get; init; }

    public override int[] OutputShape(IReadOnlyList<IntTensor> inputs)
    {
        var x = inputs[0];
        Expect(x.Type is DType.I8 or DType.I16, Name, $"input must be I8 or I16, got {x.Type}");
        Expect(x.Shape[^1] == D, Name, $"input shape {S(x.Shape)} must end in D={D}");
        Expect(inputs.Count == 1 || inputs[1].Shape.AsSpan().SequenceEqual(x.Shape) && inputs[1].Type is DType.I8 or DType.I16, Name, $"residual shape {S(inputs[^1].Shape)} must equal {S(x.Shape)}");
        Expect(OutType is DType.I8 or DType.I16, Name, $"output must be I8 or I16, got {OutType}");
        return x.Shape;
    }

    public override void Reference(IReadOnlyList<IntTensor> inputs, IntTensor output)
    {
        for (int r = 0; r < inputs[0].Length / D; r++) Row(inputs, output, r);
    }

    /// <summary>Rows are independent: the fast path spreads them over threads, each row computed exactly as in the reference.</summary>
    public override void Fast(IReadOnlyList<IntTensor> inputs, IntTensor output, Workspace ws)
    {
        int rows = inputs[0].Length / D;
        if (ws.Threads <= 1 || rows < 8) { Reference(inputs, output); return; }
        Parallel.For(0, rows, ws.Parallel, r => Row(inputs, output, r));
    }

    private void Row(IReadOnlyList<IntTensor> inputs, IntTensor output, int r)
    {
        int o = r * D, max = OutType.Max();
        Span<int> x = D <= 1024 ? stackalloc int[D] : new int[D];
        Load(inputs[0], o, x);
        if (inputs.Count > 1)
        {
            Span<int> b = D <= 1024 ? stackalloc int[D] : new int[D];
            Load(inputs[1], o, b);
            for (int i = 0; i < D; i++) x[i] = Fixed.Saturate(((long)x[i] * AddMultA + (long)b[i] * AddMultB + (1L << (AddShift - 1))) >> AddShift, 32767);
        }
        // Bounds (|x| ≤ 32767, D ≤ 2^16, |G| < 2^31, |B| ≤ 2^62 / 2) keep every step below 2^63: unchecked is safe.
        unchecked
        {
            long sum = 0;
            for (int i = 0; i < D; i++) sum += x[i];
            long sq = 0;
            for (int i = 0; i < D; i++) { long c = (long)D * x[i] - sum; sq += c * c; }
            long inv = (1L << 47) / Math.Max(1, Fixed.ISqrt(sq / D + Eps));
            long half = 1L << (Shift - 1);
            Span<short> y16 = OutType == DType.I16 ? output.I16.Slice(o, D) : default;
            for (int i = 0; i < D; i++)
            {
                long t = (((long)D * x[i] - sum) * inv + (1L << 31)) >> 32;
                int y = (int)Math.Clamp((t * G[i] + B[i] + half) >> Shift, -max, max);
                if (OutType == DType.I16) y16[i] = (short)y; else output.Set(o + i, y);
            }
        }
    }

    private static void Load(IntTensor t, int o, Span<int> x)
    {
        if (t.Type == DType.I16) { var s = t.I16.Slice(o, x.Length); for (int i = 0; i < x.Length; i++) x[i] = s[i]; }
        else { var s = t.I8.Slice(o, x.Length); for (int i = 0; i < x.Length; i++) x[i] = s[i]; }
    }

    protected override void WriteParams(ParamWriter w) { w.I32(D); w.I64(Eps); w.I32(Shift); w.I32s(G); w.I64s(B); w.I32(AddMultA); w.I32(AddMultB); w.I32(AddShift); }

    internal static LayerNorm Read(ref ParamReader r, string name, int[] inputs, DType outType)
    {
        var op = new LayerNorm { Name = name, Inputs = inputs, OutType = outType, D = r.I32(), Eps = r.I64(), Shift = r.I32(), G = r.I32s(), B = r.I64s(), AddMultA = r.I32(), AddMultB = r.I32(), AddShift = r.I32() };
        if (inputs.Length == 2) Requant.Check(name, [op.AddMultA, op.AddMultB], [op.AddShift, op.AddShift]);
        else if (op.AddMultA != 0 || op.AddMultB != 0 || op.AddShift != 0) throw new InvalidDataException($"op '{name}': residual parameters without a residual input");
        if (op.D < 1 || op.G.Length != op.D || op.B.Length != op.D || op.Shift is < 1 or > 62 || op.Eps < 0 || op.Eps > 1L << 50)
            throw new InvalidDataException($"op '{name}': LayerNorm parameters are inconsistent");
        return op;
    }
}
