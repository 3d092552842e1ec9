using Verity.Engine.Format;
using Verity.Engine.Kernels;
using Verity.Engine.Tensors;

namespace Verity.Engine.Ops;

/// <summary>
/// Token + position + segment-0 embedding of ids [1, S]:
/// y[s, j] = sat((Word[id_s, j]·WordMult[id_s] + Pos[s, j]·PosMult[s] + Type[j]·TypeMult + 2^(Shift−1)) >> Shift).
/// </summary>
public sealed class Embed : Op
{
    public override OpKind Kind => OpKind.Embed;
    public required int Vocab { get; init; }
    public required int D { get; init; }
    public required int MaxPositions { get; init; }
    public required sbyte[] Word { get; init; }
    public required int[] WordMult { get; init; }
    public required sbyte[] Pos { get; init; }
    public required int[] PosMult { get; init; }
    public required sbyte[] Type { get; init; }
    public required int TypeMult { get; init; }
    public required int Shift { get; init; }

    public override int[] OutputShape(IReadOnlyList<IntTensor> inputs)
    {
        var ids = inputs[0];
        Expect(ids.Type == DType.I32, Name, $"token ids must be I32, got {ids.Type}");
        if (ids.Shape.Length != 2 || ids.Shape[0] != 1 || ids.Shape[1] < 1)
            throw new ArgumentException($"token ids must have shape [1, S] with S ≥ 1, got {S(ids.Shape)}");
        if (ids.Shape[1] > MaxPositions) throw new ArgumentException($"{ids.Shape[1]} tokens exceed the model's {MaxPositions} positions");
        var v = ids.I32;
        for (int s = 0; s < v.Length; s++)
            if (v[s] < 0 || v[s] >= Vocab) throw new ArgumentException($"token id {v[s]} at position {s} is outside the vocabulary [0, {Vocab})");
        return [1, ids.Shape[1], D];
    }

    public override void Reference(IReadOnlyList<IntTensor> inputs, IntTensor output)
    {
        var ids = inputs[0].I32;
        int max = OutType.Max();
        for (int s = 0; s < ids.Length; s++)
            for (int j = 0; j < D; j++)
            {
                long v = (long)Word[ids[s] * D + j] * WordMult[ids[s]] + (long)Pos[s * D + j] * PosMult[s] + (long)Type[j] * TypeMult;
                output.Set(s * D + j, Fixed.Saturate((v + (1L << (Shift - 1))) >> Shift, max));
            }
    }

    protected override void WriteParams(ParamWriter w)
    {
        w.I32(Vocab); w.I32(D); w.I32(MaxPositions); w.I32(Shift); w.I32(TypeMult);
        w.I8s(Word); w.I32s(WordMult); w.I8s(Pos); w.I32s(PosMult); w.I8s(Type);
    }

    internal static Embed Read(ref ParamReader r, string name, int[] inputs, DType outType)
    {
        var op = new Embed
        {
            Name = name, Inputs = inputs, OutType = outType, Vocab = r.I32(), D = r.I32(), MaxPositions = r.I32(), Shift = r.I32(), TypeMult = r.I32(),
            Word = r.I8s(), WordMult = r.I32s(), Pos = r.I8s(), PosMult = r.I32s(), Type = r.I8s(),
        };
        if (op.Vocab < 1 || op.D < 1 || op.MaxPositions < 1 || op.Word.Length != (long)op.Vocab * op.D || op.WordMult.Length != op.Vocab || op.Pos.Length != (long)op.MaxPositions * op.D || op.PosMult.Length != op.MaxPositions || op.Type.Length != op.D || op.Shift is < 1 or > 62)
            throw new InvalidDataException($"op '{name}': Embed parameters are inconsistent");
        return op;
    }
}
