using Verity.Engine.Format;
using Verity.Engine.Kernels;
using Verity.Engine.Tensors;

namespace Verity.Engine.Ops;

/// <summary>Mean over one axis (removed from the shape), rounded half away from zero; same type and scale.</summary>
public sealed class ReduceMean : Op
{
    public override OpKind Kind => OpKind.ReduceMean;
    public required int Axis { get; init; }

    public override int[] OutputShape(IReadOnlyList<IntTensor> inputs)
    {
        var x = inputs[0];
        Expect(Axis >= 0 && Axis < x.Shape.Length, Name, $"axis {Axis} is outside {S(x.Shape)}");
        Expect(OutType == x.Type, Name, "output type must equal input type");
        return [.. x.Shape[..Axis], .. x.Shape[(Axis + 1)..]];
    }

    public override void Reference(IReadOnlyList<IntTensor> inputs, IntTensor output)
    {
        var x = inputs[0];
        int outer = x.Shape[..Axis].Aggregate(1, (a, b) => a * b), n = x.Shape[Axis], inner = x.Shape[(Axis + 1)..].Aggregate(1, (a, b) => a * b);
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                long s = 0;
                for (int k = 0; k < n; k++) s += x.Get((o * n + k) * inner + i);
                output.Set(o * inner + i, (int)Fixed.RoundDiv(s, n));
            }
    }

    protected override void WriteParams(ParamWriter w) => w.I32(Axis);

    internal static ReduceMean Read(ref ParamReader r, string name, int[] inputs, DType outType) =>
        new() { Name = name, Inputs = inputs, OutType = outType, Axis = r.I32() };
}
