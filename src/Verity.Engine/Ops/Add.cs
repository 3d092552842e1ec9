using Verity.Engine.Format;
using Verity.Engine.Kernels;
using Verity.Engine.Tensors;

namespace Verity.Engine.Ops;

/// <summary>y = sat(relu?((a·MultA + b·MultB + 2^(Shift−1)) >> Shift)) for same-shape a and b.</summary>
public sealed class Add : Op
{
    public override OpKind Kind => OpKind.Add;
    public required int MultA { get; init; }
    public required int MultB { get; init; }
    public required int Shift { get; init; }
    public required bool Relu { get; init; }

    public override int[] OutputShape(IReadOnlyList<IntTensor> inputs)
    {
        Expect(inputs[0].Shape.AsSpan().SequenceEqual(inputs[1].Shape), Name, $"shapes differ: {S(inputs[0].Shape)} and {S(inputs[1].Shape)}");
        return inputs[0].Shape;
    }

    public override void Reference(IReadOnlyList<IntTensor> inputs, IntTensor output)
    {
        var (a, b) = (inputs[0], inputs[1]);
        int max = OutType.Max();
        for (int i = 0; i < a.Length; i++)
        {
            long v = ((long)a.Get(i) * MultA + (long)b.Get(i) * MultB + (1L << (Shift - 1))) >> Shift;
            if (Relu && v < 0) v = 0;
            output.Set(i, Fixed.Saturate(v, max));
        }
    }

    protected override void WriteParams(ParamWriter w) { w.I32(MultA); w.I32(MultB); w.I32(Shift); w.U8(Relu ? (byte)1 : (byte)0); }

    internal static Add Read(ref ParamReader r, string name, int[] inputs, DType outType)
    {
        var op = new Add { Name = name, Inputs = inputs, OutType = outType, MultA = r.I32(), MultB = r.I32(), Shift = r.I32(), Relu = r.U8() != 0 };
        Requant.Check(name, [op.MultA, op.MultB], [op.Shift, op.Shift]);
        return op;
    }
}
