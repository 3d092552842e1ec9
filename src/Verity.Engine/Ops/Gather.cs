using Verity.Engine.Format;
using Verity.Engine.Tensors;

namespace Verity.Engine.Ops;

/// <summary>Takes one constant index along an axis, removing that axis (e.g. the [CLS] row).</summary>
public sealed class Gather : Op
{
    public override OpKind Kind => OpKind.Gather;
    public required int Axis { get; init; }
    public required int Index { get; init; }

    public override int[] OutputShape(IReadOnlyList<IntTensor> inputs)
    {
        var x = inputs[0];
        Expect(Axis >= 0 && Axis < x.Shape.Length && Index >= 0 && Index < x.Shape[Axis], Name, $"index {Index} on axis {Axis} is outside {S(x.Shape)}");
        Expect(OutType == x.Type, Name, "output type must equal input type");
        return [.. x.Shape[..Axis], .. x.Shape[(Axis + 1)..]];
    }

    public override void Reference(IReadOnlyList<IntTensor> inputs, IntTensor output)
    {
        var x = inputs[0];
        int outer = x.Shape[..Axis].Aggregate(1, (a, b) => a * b), n = x.Shape[Axis], inner = x.Shape[(Axis + 1)..].Aggregate(1, (a, b) => a * b);
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++) output.Set(o * inner + i, x.Get((o * n + Index) * inner + i));
    }

    protected override void WriteParams(ParamWriter w) { w.I32(Axis); w.I32(Index); }

    internal static Gather Read(ref ParamReader r, string name, int[] inputs, DType outType) =>
        new() { Name = name, Inputs = inputs, OutType = outType, Axis = r.I32(), Index = r.I32() };
}
