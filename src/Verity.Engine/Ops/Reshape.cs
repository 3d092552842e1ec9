using Verity.Engine.Format;
using Verity.Engine.Tensors;

namespace Verity.Engine.Ops;

/// <summary>A view with a new shape; one dim may be −1 (inferred). Bytes, and so the commitment, are the input's.</summary>
public sealed class Reshape : Op
{
    public override OpKind Kind => OpKind.Reshape;
    public required int[] Dims { get; init; }
    public override bool IsView => true;

    public override int[] OutputShape(IReadOnlyList<IntTensor> inputs)
    {
        var x = inputs[0];
        Expect(OutType == x.Type, Name, "output type must equal input type");
        int known = 1, unknown = -1;
        for (int i = 0; i < Dims.Length; i++)
        {
            if (Dims[i] == -1) { Expect(unknown < 0, Name, "more than one −1 dim"); unknown = i; }
            else { Expect(Dims[i] > 0, Name, $"bad dim {Dims[i]}"); known *= Dims[i]; }
        }
        var shape = (int[])Dims.Clone();
        if (unknown >= 0) { Expect(x.Length % known == 0, Name, $"cannot reshape {S(x.Shape)} to {S(Dims)}"); shape[unknown] = x.Length / known; }
        Expect(IntTensor.ElementCount(shape) == x.Length, Name, $"cannot reshape {S(x.Shape)} to {S(Dims)}");
        return shape;
    }

    public override void Reference(IReadOnlyList<IntTensor> inputs, IntTensor output) => inputs[0].Bytes.CopyTo(output.Buffer);

    protected override void WriteParams(ParamWriter w) => w.I32s(Dims);

    internal static Reshape Read(ref ParamReader r, string name, int[] inputs, DType outType) =>
        new() { Name = name, Inputs = inputs, OutType = outType, Dims = r.I32s() };
}
