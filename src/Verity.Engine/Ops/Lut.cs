using Verity.Engine.Format;
using Verity.Engine.Tensors;

namespace Verity.Engine.Ops;

/// <summary>Element-wise lookup: y = Table[x − min(x type)]; covers GELU, erf and tanh.</summary>
public sealed class Lut : Op
{
    public override OpKind Kind => OpKind.Lut;
    /// <summary>65536 entries for I16 input (index x + 32768), 256 for I8 input (index x + 128).</summary>
    public required short[] Table { get; init; }

    public override int[] OutputShape(IReadOnlyList<IntTensor> inputs)
    {
        var x = inputs[0];
        Expect(x.Type == DType.I16 && Table.Length == 65536 || x.Type == DType.I8 && Table.Length == 256, Name, $"table of {Table.Length} entries does not fit input {x.Type}");
        return x.Shape;
    }

    public override void Reference(IReadOnlyList<IntTensor> inputs, IntTensor output)
    {
        var x = inputs[0];
        int offset = x.Type == DType.I16 ? 32768 : 128;
        for (int i = 0; i < x.Length; i++) output.Set(i, Table[x.Get(i) + offset]);
    }

    public override void Fast(IReadOnlyList<IntTensor> inputs, IntTensor output, Workspace ws)
    {
        var x = inputs[0];
        if (x.Type != DType.I16 || OutType != DType.I16) { Reference(inputs, output); return; }
        var xs = x.I16; var ys = output.I16; var t = Table.AsSpan();
        for (int i = 0; i < xs.Length; i++) ys[i] = t[xs[i] + 32768];
    }

    protected override void WriteParams(ParamWriter w) => w.I16s(Table);

    internal static Lut Read(ref ParamReader r, string name, int[] inputs, DType outType)
    {
        var op = new Lut { Name = name, Inputs = inputs, OutType = outType, Table = r.I16s() };
        int max = outType.Max();
        if (op.Table.Length is not (65536 or 256) || op.Table.Any(v => v > max || v < -max))
            throw new InvalidDataException($"op '{name}': lookup table has {op.Table.Length} entries or values outside {outType}");
        return op;
    }
}
