using Verity.Engine.Format;
using Verity.Engine.Kernels;
using Verity.Engine.Tensors;

namespace Verity.Engine.Ops;

/// <summary>Batched product of two activations [.., M, K]·[.., K, N] with one per-tensor requant; one side must be I8.</summary>
public sealed class MatMul : Op
{
    public override OpKind Kind => OpKind.MatMul;
    public required int Mult { get; init; }
    public required int Shift { get; init; }

    public override int[] OutputShape(IReadOnlyList<IntTensor> inputs)
    {
        var (a, b) = (inputs[0], inputs[1]);
        Expect(a.Type == DType.I8 || b.Type == DType.I8, Name, $"one input must be I8, got {a.Type} and {b.Type}");
        Expect(a.Type != DType.I32 && b.Type != DType.I32, Name, "inputs must be I8 or I16");
        Expect(a.Shape.Length >= 2 && a.Shape.Length == b.Shape.Length, Name, $"ranks differ: {S(a.Shape)} and {S(b.Shape)}");
        Expect(a.Shape.AsSpan(0, a.Shape.Length - 2).SequenceEqual(b.Shape.AsSpan(0, b.Shape.Length - 2)), Name, $"batch dims differ: {S(a.Shape)} and {S(b.Shape)}");
        Expect(a.Shape[^1] == b.Shape[^2], Name, $"inner dims differ: {S(a.Shape)} · {S(b.Shape)}");
        return [.. a.Shape[..^1], b.Shape[^1]];
    }

    public override void Reference(IReadOnlyList<IntTensor> inputs, IntTensor output)
    {
        var (a, b) = (inputs[0], inputs[1]);
        int m = a.Shape[^2], k = a.Shape[^1], n = b.Shape[^1], batches = a.Length / (m * k), max = OutType.Max();
        for (int bt = 0; bt < batches; bt++)
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                {
                    long acc = 0;
                    for (int t = 0; t < k; t++) acc = checked(acc + (long)a.Get((bt * m + i) * k + t) * b.Get((bt * k + t) * n + j));
                    output.Set((bt * m + i) * n + j, Fixed.Saturate(Fixed.Requant(acc, Mult, Shift), max));
                }
    }

    public override void Fast(IReadOnlyList<IntTensor> inputs, IntTensor output, Workspace ws)
    {
        var (a, b) = (inputs[0], inputs[1]);
        int m = a.Shape[^2], k = a.Shape[^1], n = b.Shape[^1], batches = a.Length / (m * k), ld = Gemm.Pad(k);
        var pa = ws.ScratchA(m * ld);
        var pb = ws.ScratchB(n * ld);
        int[] mult = [Mult], shift = [Shift];
        for (int bt = 0; bt < batches; bt++)
        {
            for (int i = 0; i < m; i++)
            {
                int row = i * ld, src = (bt * m + i) * k;
                for (int t = 0; t < k; t++) pa[row + t] = (short)a.Get(src + t);
                Array.Clear(pa, row + k, ld - k);
            }
            for (int j = 0; j < n; j++)
            {
                int row = j * ld;
                for (int t = 0; t < k; t++) pb[row + t] = (short)b.Get((bt * k + t) * n + j);
                Array.Clear(pb, row + k, ld - k);
            }
            Gemm.Fast(pa, pb, m, n, k, new Requantizer(null, mult, shift, false, OutType, output.Buffer, bt * m * n, n, 1), ws.Threads);
        }
    }

    protected override void WriteParams(ParamWriter w) { w.I32(Mult); w.I32(Shift); }

    internal static MatMul Read(ref ParamReader r, string name, int[] inputs, DType outType)
    {
        var op = new MatMul { Name = name, Inputs = inputs, OutType = outType, Mult = r.I32(), Shift = r.I32() };
        Requant.Check(name, [op.Mult], [op.Shift]);
        return op;
    }
}
