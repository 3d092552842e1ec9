using Verity.Engine.Format;
using Verity.Engine.Tensors;

namespace Verity.Engine.Ops;

/// <summary>
/// Scaled-dot-product attention as one op, so the probabilities are never stored: P = the fused-softmax
/// <see cref="MatMul"/> of (q, k) and Y = the <see cref="MatMul"/> of (P, v), each with exactly that op's
/// arithmetic; P is I16 at scale 2^-15.
/// </summary>
public sealed class Attention : Op
{
    public override OpKind Kind => OpKind.Attention;
    public required int ScoreMult { get; init; }
    public required int ScoreShift { get; init; }
    public required int[] SoftmaxTable { get; init; }
    public required int OutMult { get; init; }
    public required int OutShift { get; init; }
    public int[] PermQ { get; init; } = [];
    public int[] PermK { get; init; } = [];
    public int[] PermV { get; init; } = [];
    public int[] PermOut { get; init; } = [];

    private MatMul Scores => _scores ??= new MatMul { Name = Name, Inputs = [Inputs[0], Inputs[1]], OutType = DType.I16, Mult = ScoreMult, Shift = ScoreShift, PermA = PermQ, PermB = PermK, SoftmaxTable = SoftmaxTable };
    private MatMul Mix => _mix ??= new MatMul { Name = Name, Inputs = [Inputs[0], Inputs[2]], OutType = OutType, Mult = OutMult, Shift = OutShift, PermB = PermV, PermOut = PermOut };
    private MatMul? _scores, _mix;

    public override int[] OutputShape(IReadOnlyList<IntTensor> inputs)
    {
        Expect(SoftmaxTable.Length > 0, Name, "attention needs a softmax table");
        var p = IntTensor.Describe(DType.I16, Scores.OutputShape([inputs[0], inputs[1]]));
        return Mix.OutputShape([p, inputs[2]]);
    }

    public override void Reference(IReadOnlyList<IntTensor> inputs, IntTensor output)
    {
        var p = new IntTensor(DType.I16, Scores.OutputShape([inputs[0], inputs[1]]));
        Scores.Reference([inputs[0], inputs[1]], p);
        Mix.Reference([p, inputs[2]], output);
    }

    public override void Fast(IReadOnlyList<IntTensor> inputs, IntTensor output, Workspace ws)
    {
        int[] shape = Scores.OutputShape([inputs[0], inputs[1]]);
        var p = new IntTensor(DType.I16, shape, ws.ScratchProbabilities(IntTensor.ElementCount(shape) * 2));
        Scores.Fast([inputs[0], inputs[1]], p, ws);
        Mix.Fast([p, inputs[2]], output, ws);
    }

    protected override void WriteParams(ParamWriter w)
    {
        w.I32(ScoreMult); w.I32(ScoreShift); w.I32s(SoftmaxTable); w.I32(OutMult); w.I32(OutShift);
        w.I32s(PermQ); w.I32s(PermK); w.I32s(PermV); w.I32s(PermOut);
    }

    internal static Attention Read(ref ParamReader r, string name, int[] inputs, DType outType)
    {
        var op = new Attention
        {
            Name = name, Inputs = inputs, OutType = outType, ScoreMult = r.I32(), ScoreShift = r.I32(), SoftmaxTable = r.I32s(), OutMult = r.I32(), OutShift = r.I32(),
            PermQ = r.I32s(), PermK = r.I32s(), PermV = r.I32s(), PermOut = r.I32s(),
        };
        Requant.Check(name, [op.ScoreMult, op.OutMult], [op.ScoreShift, op.OutShift]);
        Softmax.CheckTable(name, op.SoftmaxTable);
        foreach (var p in new[] { op.PermQ, op.PermK, op.PermV, op.PermOut })
            if (p.Length != 0 && !p.Order().SequenceEqual(Enumerable.Range(0, p.Length))) throw new InvalidDataException($"op '{name}': [{string.Join(",", p)}] is not a permutation");
        if (outType is not (DType.I8 or DType.I16)) throw new InvalidDataException($"op '{name}': output must be I8 or I16");
        return op;
    }
}
