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

    /// <summary>Typed loop for the common I16 + I16 → I16 case; every element computed by the reference formula.</summary>
    public override void Fast(IReadOnlyList<IntTensor> inputs, IntTensor output, Workspace ws)
    {
        var (a, b) = (inputs[0], inputs[1]);
        if (a.Type != DType.I16 || b.Type != DType.I16 || OutType != DType.I16) { Reference(inputs, output); return; }
        Span<short> xa = a.I16, xb = b.I16, y = output.I16;
        long round = 1L << (Shift - 1);
        for (int i = 0; i < y.Length; i++)
        {
            long v = (xa[i] * (long)MultA + xb[i] * (long)MultB + round) >> Shift;
            if (Relu && v < 0) v = 0;
            y[i] = (short)(v > 32767 ? 32767 : v < -32767 ? -32767 : v);
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
