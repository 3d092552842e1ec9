using Verity.Compiler.Float;
using Verity.Compiler.Onnx;

namespace Verity.Compiler.Lowering;

/// <summary>Compile-time folding: constants, shape arithmetic over the dynamic sequence length, fixed inputs.</summary>
internal sealed partial class Lowerer
{
    private void FoldConstant(OnnxNode n)
    {
        var inputs = new Dictionary<string, FloatTensor>();
        var infos = new List<OnnxValueInfo>();
        foreach (var name in n.Inputs.Where(i => i.Length > 0).Distinct())
        {
            var t = ((ConstSym)_sym[name]).Value;
            inputs[name] = t;
            infos.Add(new OnnxValueInfo(name, t.IsFloat ? OnnxDataType.Float : OnnxDataType.Int64, [.. t.Shape.Select(d => (long?)d)]));
        }
        var one = new OnnxModel(_g.OpsetVersion, [n], [], infos, [.. n.Outputs.Select(o => new OnnxValueInfo(o, OnnxDataType.Undefined, []))]);
        foreach (var (name, v) in FloatInterpreter.Run(one, inputs)) _sym[name] = new ConstSym(v);
    }

    private void SetShape(OnnxNode n)
    {
        _sym[n.Outputs[0]] = Get(n.Inputs[0], n) switch
        {
            ActSym a => new ShapeSym(a.Shape, false),
            ConstSym c => new ShapeSym([.. c.Value.Shape.Select(d => (long)d)], false),
            IdsSym => new ShapeSym([1, SeqLen], false),
            EmbedSym => throw Unsupported(n, "shape of a pending embedding sum"),
            _ => throw Unsupported(n, "shape of a tensor whose shape is not known"),
        };
    }

    private void LowerShapeOp(OnnxNode n, Sym?[] ins)
    {
        if (ins[0] is FillSym f) { _sym[n.Outputs[0]] = f; return; }
        var s = (ShapeSym)ins[0]!;
        _sym[n.Outputs[0]] = n.OpType switch
        {
            "Unsqueeze" when s.Scalar => new ShapeSym(s.Dims, false),
            "Squeeze" when s.Dims.Length == 1 => new ShapeSym(s.Dims, true),
            "Cast" => s,
            _ => throw Unsupported(n, "unsupported shape arithmetic"),
        };
    }

    private void LowerConcatShape(OnnxNode n, Sym?[] ins)
    {
        var dims = new List<long>();
        foreach (var s in ins)
        {
            if (s is ShapeSym sh) dims.AddRange(sh.Dims);
            else if (s is ConstSym { Value.IsFloat: false } c && c.Value.Rank <= 1) dims.AddRange(c.Value.LongData);
            else throw Unsupported(n, "concatenation of shape vectors with a non-integer constant");
        }
        _sym[n.Outputs[0]] = new ShapeSym([.. dims], false);
    }

    /// <summary>Slicing the constant position-id table to the sequence length gives the positions 0..S−1.</summary>
    private void LowerSlice(OnnxNode n, Sym?[] ins)
    {
        if (ins[0] is ConstSym { Value.IsFloat: false } data && ins[1] is ConstSym starts && ins[2] is ShapeSym { Dims: [SeqLen] })
        {
            var d = data.Value;
            bool arange = starts.Value.LongData.All(v => v == 0) && d.Rank == 2 && d.Shape[0] == 1 && d.LongData.Select((v, i) => v == i).All(b => b);
            if (arange) { _sym[n.Outputs[0]] = new ArangeSym(); return; }
        }
        throw Unsupported(n, "only constant slices, and the position-id prefix of length S, are supported");
    }

    /// <summary>Element-wise arithmetic among constants, fills and shape entries (e.g. S + 0, (1 − mask)·−10000).</summary>
    private void FoldSymbolic(OnnxNode n, Sym?[] ins)
    {
        if (ins.Any(s => s is ShapeSym))
        {
            var shape = ins.OfType<ShapeSym>().Single();
            var other = ins.First(s => s is not ShapeSym);
            float c = other is ConstSym k ? Scalar(k.Value, n) : throw Unsupported(n, "shape arithmetic with a non-constant");
            if (n.OpType == "Add" && c == 0 || n.OpType is "Mul" or "Div" && c == 1) { _sym[n.Outputs[0]] = shape; return; }
            if (shape.Dims.All(d => d != SeqLen))
            {
                _sym[n.Outputs[0]] = new ShapeSym([.. shape.Dims.Select(d => (long)Apply(n, d, c, shape == ins[0]))], shape.Scalar);
                return;
            }
            throw Unsupported(n, $"arithmetic on the dynamic sequence length ({n.OpType} {c})");
        }
        float a = ins[0] switch { FillSym f => f.Value, ConstSym k => Scalar(k.Value, n), _ => throw Unsupported(n, "bad operand") };
        float b = ins[1] switch { FillSym f => f.Value, ConstSym k => Scalar(k.Value, n), _ => throw Unsupported(n, "bad operand") };
        _sym[n.Outputs[0]] = new FillSym(Apply(n, a, b, true));
    }

    private static float Apply(OnnxNode n, float a, float b, bool aFirst)
    {
        if (!aFirst) (a, b) = (b, a);
        return n.OpType switch { "Add" => a + b, "Sub" => a - b, "Mul" => a * b, "Div" => a / b, _ => throw Unsupported(n, "bad op") };
    }

    private void LowerGather(OnnxNode n, Sym?[] ins)
    {
        long axis = Attr(n, "axis", 0);
        switch (ins[0], ins[1])
        {
            case (ShapeSym s, ConstSym idx) when !idx.Value.IsFloat && idx.Value.Length == 1:
                long i = idx.Value.LongData[0];
                if (i < 0) i += s.Dims.Length;
                _sym[n.Outputs[0]] = new ShapeSym([s.Dims[i]], idx.Value.Rank == 0);
                return;
            case (ConstSym table, IdsSym ids) when axis == 0 && table.Value.Rank == 2:
                _sym[n.Outputs[0]] = new EmbedSym(table.Value, null, null, ids.Value);
                return;
            case (ConstSym table, ArangeSym) when axis == 0 && table.Value.Rank == 2:
                _sym[n.Outputs[0]] = new EmbedSym(null, table.Value, null, -1);
                return;
            case (ConstSym table, FillSym f) when axis == 0 && table.Value.Rank == 2:
                int row = (int)f.Value, d = table.Value.Shape[1];
                if (row < 0 || row >= table.Value.Shape[0]) throw Unsupported(n, $"fixed index {row} is outside the table");
                _sym[n.Outputs[0]] = new EmbedSym(null, null, table.Value.FloatData.AsSpan(row * d, d).ToArray(), -1);
                return;
            case (ActSym or EmbedSym, ConstSym idx) when !idx.Value.IsFloat && idx.Value.Rank == 0:
                var a = ActIn(n, 0);
                int ax = (int)(axis < 0 ? axis + a.Shape.Length : axis);
                long index = idx.Value.LongData[0];
                if (index < 0) throw Unsupported(n, "negative index on a dynamic axis");
                int v = Emit(new Engine.Ops.Gather { Name = n.Name, Inputs = [a.Value], OutType = a.Type, Axis = ax, Index = (int)index });
                _sym[n.Outputs[0]] = a with { Value = v, Shape = [.. a.Shape.Where((_, k) => k != ax)] };
                return;
            default:
                throw Unsupported(n, "only embedding lookups, shape lookups and a constant scalar index are supported");
        }
    }
}
