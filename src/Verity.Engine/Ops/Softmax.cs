using Verity.Engine.Format;
using Verity.Engine.Kernels;
using Verity.Engine.Tensors;

namespace Verity.Engine.Ops;

/// <summary>
/// Softmax over the last axis of an I16 tensor: e_i = Table[max − x_i] (0 past the table),
/// y_i = min(32767, (e_i·2^15 + ⌊S/2⌋) div S) with S = Σ e_j. Output scale is 2^-15.
/// </summary>
public sealed class Softmax : Op
{
    public override OpKind Kind => OpKind.Softmax;
    /// <summary>Table[d] = round(2^30·exp(−d·inputScale)), decreasing, Table[0] = 2^30.</summary>
    public required int[] Table { get; init; }

    public override int[] OutputShape(IReadOnlyList<IntTensor> inputs)
    {
        Expect(inputs[0].Type == DType.I16, Name, $"input must be I16, got {inputs[0].Type}");
        Expect(OutType == DType.I16, Name, "output must be I16");
        return inputs[0].Shape;
    }

    public override void Reference(IReadOnlyList<IntTensor> inputs, IntTensor output)
    {
        var x = inputs[0].I16;
        var y = output.I16;
        int l = inputs[0].Shape[^1];
        for (int r = 0; r < x.Length / l; r++)
        {
            var row = x.Slice(r * l, l);
            int max = short.MinValue;
            foreach (short v in row) max = Math.Max(max, v);
            long sum = 0;
            foreach (short v in row) sum += E(max - v);
            for (int i = 0; i < l; i++)
                y[r * l + i] = (short)Math.Min(32767L, (E(max - row[i]) * 32768 + sum / 2) / sum);
        }
    }

    private long E(int d) => d < Table.Length ? Table[d] : 0;

    protected override void WriteParams(ParamWriter w) => w.I32s(Table);

    internal static Softmax Read(ref ParamReader r, string name, int[] inputs, DType outType)
    {
        var op = new Softmax { Name = name, Inputs = inputs, OutType = outType, Table = r.I32s() };
        if (op.Table.Length == 0 || op.Table[0] != 1 << 30 || op.Table.Any(v => v < 0))
            throw new InvalidDataException($"op '{name}': softmax table must start at 2^30 and be non-negative");
        return op;
    }
}
