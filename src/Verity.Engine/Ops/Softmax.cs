using Verity.Engine.Format;
using Verity.Engine.Tensors;

namespace Verity.Engine.Ops;

/// <summary>
/// Softmax over the last axis of an I16 tensor, per row: e_i = Table[max − x_i] (0 past the table), S = Σ e_j,
/// inv = ⌊2^61 / S⌋, y_i = min(32767, (e_i·inv + 2^45) >> 46) ≈ 2^15·e_i/S. Output scale is 2^-15.
/// </summary>
public sealed class Softmax : Op
{
    public override OpKind Kind => OpKind.Softmax;
    /// <summary>Table[d] = round(2^30·exp(−d·inputScale)), Table[0] = 2^30, non-increasing and non-negative.</summary>
    public required int[] Table { get; init; }

    public override int[] OutputShape(IReadOnlyList<IntTensor> inputs)
    {
        Expect(inputs[0].Type == DType.I16, Name, $"input must be I16, got {inputs[0].Type}");
        Expect(OutType == DType.I16, Name, "output must be I16");
        Expect(inputs[0].Shape[^1] <= 4096, Name, $"rows of {inputs[0].Shape[^1]} exceed 4096 (the sum could overflow)");
        return inputs[0].Shape;
    }

    public override void Reference(IReadOnlyList<IntTensor> inputs, IntTensor output)
    {
        int l = inputs[0].Shape[^1];
        for (int r = 0; r < inputs[0].Length / l; r++) Row(inputs[0], output, r, l);
    }

    public override void Fast(IReadOnlyList<IntTensor> inputs, IntTensor output, Workspace ws)
    {
        int l = inputs[0].Shape[^1], rows = inputs[0].Length / l;
        if (ws.Threads <= 1 || rows < 8) { Reference(inputs, output); return; }
        Parallel.For(0, rows, ws.Parallel, r => Row(inputs[0], output, r, l));
    }

    private void Row(IntTensor input, IntTensor output, int r, int l) => Row(input.I16.Slice(r * l, l), output.I16.Slice(r * l, l), Table);

    /// <summary>One row, exactly as specified above; also used by MatMul's fused softmax.</summary>
    internal static void Row(ReadOnlySpan<short> row, Span<short> y, ReadOnlySpan<int> table)
    {
        int l = row.Length;
        Span<int> e = l <= 1024 ? stackalloc int[l] : new int[l];
        int max = short.MinValue;
        foreach (short v in row) max = Math.Max(max, v);
        long sum = 0;
        for (int i = 0; i < l; i++)
        {
            int d = max - row[i];
            e[i] = d < table.Length ? table[d] : 0;
            sum += e[i];
        }
        long inv = (1L << 61) / sum; // sum ≥ Table[0] = 2^30, so inv ≤ 2^31 and e·inv ≤ 2^61
        for (int i = 0; i < l; i++) y[i] = (short)Math.Min(32767L, unchecked(e[i] * inv + (1L << 45)) >> 46);
    }

    protected override void WriteParams(ParamWriter w) => w.I32s(Table);

    internal static Softmax Read(ref ParamReader r, string name, int[] inputs, DType outType)
    {
        var op = new Softmax { Name = name, Inputs = inputs, OutType = outType, Table = r.I32s() };
        CheckTable(name, op.Table);
        return op;
    }

    internal static void CheckTable(string name, int[] table)
    {
        bool monotone = true;
        for (int i = 1; i < table.Length; i++) monotone &= table[i] <= table[i - 1] && table[i] >= 0;
        if (table.Length == 0 || table[0] != 1 << 30 || !monotone)
            throw new InvalidDataException($"op '{name}': softmax table must start at 2^30 and be non-increasing and non-negative");
    }
}
