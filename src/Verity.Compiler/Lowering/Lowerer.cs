using Verity.Compiler.Float;
using Verity.Compiler.Onnx;
using Verity.Compiler.Quantization;
using Verity.Engine.Format;
using Verity.Engine.Ops;
using Verity.Engine.Tensors;

namespace Verity.Compiler.Lowering;

/// <summary>
/// Turns an ONNX graph into integer ops: folds constants and shape arithmetic, recognises units
/// (Linear+bias, Conv+BatchNorm+ReLU, LayerNorm, GELU, embeddings) and picks scales from calibration.
/// </summary>
internal sealed partial class Lowerer
{
    /// <summary>Marker for the dynamic sequence length in symbolic shapes.</summary>
    public const long SeqLen = -7;

    private readonly OnnxModel _g;
    private readonly Calibration _cal;
    private readonly CompileOptions _opt;
    private readonly Dictionary<string, Sym> _sym = [];
    private readonly Dictionary<string, List<OnnxNode>> _consumers = [];
    private readonly HashSet<OnnxNode> _done = [];
    private readonly HashSet<string> _needsI8 = [];
    private readonly List<ModelValue> _inputs = [];
    private readonly List<Op> _ops = [];

    public Lowerer(OnnxModel g, Calibration cal, CompileOptions opt)
    {
        _g = g; _cal = cal; _opt = opt;
        foreach (var n in g.Nodes)
            foreach (var i in n.Inputs.Where(i => i.Length > 0))
                (_consumers.TryGetValue(i, out var l) ? l : _consumers[i] = []).Add(n);
        foreach (var (name, t) in g.Initializers) _sym[name] = new ConstSym(FloatTensor.FromOnnx(t));
        MarkInt8Operands();
        // Constant nodes have no inputs: fold them up front so unit matching can look ahead at their values.
        foreach (var n in g.Nodes.Where(n => n.OpType == "Constant")) { FoldConstant(n); _done.Add(n); }
    }

    public VModel Lower()
    {
        foreach (var input in _g.Inputs)
        {
            if (_opt.FixedInputs.TryGetValue(input.Name, out float fill)) { _sym[input.Name] = new FillSym(fill); continue; }
            int[] shape = [.. input.Shape.Select((d, i) => d is long v ? (int)v : i == 0 ? 1 : -1)];
            if (input.ElementType == OnnxDataType.Int64 || input.ElementType == OnnxDataType.Int32)
            {
                _sym[input.Name] = new IdsSym(_inputs.Count);
                _inputs.Add(new ModelValue(input.Name, DType.I32, shape, 1));
            }
            else if (input.ElementType == OnnxDataType.Float)
            {
                double scale = _cal.MaxAbs(input.Name) / 32767.0;
                _sym[input.Name] = new ActSym(_inputs.Count, DType.I16, scale, [.. shape.Select(d => d == -1 ? SeqLen : (long)d)]);
                _inputs.Add(new ModelValue(input.Name, DType.I16, shape, scale));
            }
            else throw new UnsupportedOnnxException(input.Name, "graph input", $"type {input.ElementType} is not supported (float and int64 only)");
        }

        foreach (var node in _g.Nodes)
        {
            if (_done.Contains(node)) continue;
            if (node.Domain is not ("" or "ai.onnx")) throw Unsupported(node, $"domain '{node.Domain}' is not supported");
            LowerNode(node);
        }

        var outIds = new List<int>(); var outs = new List<ModelValue>();
        foreach (var o in _g.Outputs)
        {
            if (_opt.Outputs is { } keep && !keep.Contains(o.Name)) continue;
            var a = Act(o.Name);
            outIds.Add(a.Value); outs.Add(new ModelValue(o.Name, a.Type, [.. a.Shape.Select(d => d == SeqLen ? -1 : (int)d)], a.Scale));
        }
        if (_opt.MeanPoolOutput is { } pooled)
        {
            var a = Act(pooled);
            var op = Emit(new ReduceMean { Name = "sentence_embedding", Inputs = [a.Value], OutType = a.Type, Axis = 1 });
            outIds.Insert(0, op); outs.Insert(0, new ModelValue("sentence_embedding", a.Type, [.. a.Shape.Where((_, i) => i != 1).Select(d => (int)d)], a.Scale));
        }
        if (outIds.Count == 0) throw new ArgumentException("the compiled model would have no outputs");
        var meta = new Dictionary<string, string>(_opt.Meta) { ["calibration_samples"] = _cal.Samples.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        return new VModel { Name = _opt.Name, Meta = meta, Inputs = [.. _inputs], Ops = [.. _ops], OutputIds = [.. outIds], Outputs = [.. outs] };
    }

    private int Emit(Op op) { _ops.Add(op); return _inputs.Count + _ops.Count - 1; }

    private void LowerNode(OnnxNode n)
    {
        var ins = n.Inputs.Select(i => i.Length == 0 ? null : Get(i, n)).ToArray();
        // Whole-constant nodes fold at compile time through the float interpreter.
        if (n.OpType == "Constant" || ins.All(s => s is null or ConstSym) && n.OpType != "Shape")
        {
            FoldConstant(n);
            return;
        }
        // Only MatMul reads a transpose in place; everyone else gets it materialised.
        if (n.OpType is not ("MatMul" or "Transpose" or "Shape"))
            for (int i = 0; i < ins.Length; i++) if (ins[i] is TransposedSym) ins[i] = Act(n.Inputs[i]);
        switch (n.OpType)
        {
            case "Shape" when ins[0] is TransposedSym t: _sym[n.Outputs[0]] = new ShapeSym([.. t.Perm.Select(p => t.Source.Shape[p])], false); return;
            case "Shape": SetShape(n); return;
            case "Gather": LowerGather(n, ins); return;
            case "Unsqueeze" or "Squeeze" or "Cast" when ins[0] is FillSym or ShapeSym: LowerShapeOp(n, ins); return;
            case "Concat" when ins.All(s => s is ShapeSym or ConstSym): LowerConcatShape(n, ins); return;
            case "Slice": LowerSlice(n, ins); return;
            case "Add" or "Sub" or "Mul" or "Div" when ins.All(s => s is ConstSym or FillSym or ShapeSym): FoldSymbolic(n, ins); return;
            case "Add": LowerAdd(n, ins); return;
            case "Mul" or "Div": LowerScale(n, ins); return;
            case "MatMul" or "Gemm": LowerMatMul(n, ins); return;
            case "Conv": LowerConv(n, ins); return;
            case "Relu": LowerRelu(n); return;
            case "ReduceMean": LowerReduceMean(n); return;
            case "Reshape": LowerReshape(n, ins); return;
            case "Transpose": LowerTranspose(n, ins[0]); return;
            case "Softmax": LowerSoftmax(n); return;
            case "Erf" or "Tanh": LowerLut(n, n.OpType == "Erf" ? ErfFunction.Erf : MathF.Tanh); return;
            case "MaxPool" or "AveragePool": LowerPool(n); return;
            case "BatchNormalization": throw Unsupported(n, "BatchNormalization is only supported directly after a Conv");
            default: throw Unsupported(n, "this op is not supported on dynamic (non-constant) inputs");
        }
    }

    private Sym Get(string name, OnnxNode user) =>
        _sym.TryGetValue(name, out var s) ? s : throw Unsupported(user, $"reads '{name}', which no earlier node produces");

    internal static UnsupportedOnnxException Unsupported(OnnxNode n, string what) => new(n.Name, n.OpType, what);

    /// <summary>The tensor as an integer activation, materialising a pending embedding sum if needed.</summary>
    private ActSym Act(string name)
    {
        var s = _sym.TryGetValue(name, out var v) ? v : throw new UnsupportedOnnxException(name, "graph output", "is never produced");
        return s switch
        {
            ActSym a => a,
            EmbedSym e => MaterializeEmbed(name, e),
            TransposedSym t => Remember(name, EmitTranspose(name, t)),
            _ => throw new UnsupportedOnnxException(name, "tensor", $"is a compile-time {s.GetType().Name.Replace("Sym", "")}, not a runtime tensor; it cannot be an op input or output here"),
        };
    }

    private ActSym Remember(string name, ActSym a) { _sym[name] = a; return a; }

    private ActSym ActIn(OnnxNode n, int i) => _sym.GetValueOrDefault(n.Inputs[i]) is ActSym or EmbedSym or TransposedSym ? Act(n.Inputs[i]) :
        throw Unsupported(n, $"input '{n.Inputs[i]}' must be a runtime tensor here");

    private double ScaleFor(string tensor, DType t) => _cal.MaxAbs(tensor) / t.Max();

    private DType TypeFor(string tensor) => _needsI8.Contains(tensor) ? DType.I8 : DType.I16;

    /// <summary>Act-by-act MatMul needs its B operand in I8 (products stay within 32767·127): find where B comes from.</summary>
    private void MarkInt8Operands()
    {
        var producer = _g.Nodes.SelectMany(n => n.Outputs.Select(o => (o, n))).ToDictionary(p => p.o, p => p.n);
        foreach (var n in _g.Nodes.Where(n => n.OpType == "MatMul" && !_g.Initializers.ContainsKey(n.Inputs[1])))
        {
            foreach (string input in n.Inputs)
            {
                string t = input;
                while (producer.TryGetValue(t, out var p) && p.OpType is "Reshape" or "Transpose") t = p.Inputs[0];
                if (producer.TryGetValue(t, out var q) && q.OpType is "Add" or "MatMul") _needsI8.Add(t);
            }
        }
    }

    private OnnxNode? SoleConsumer(string tensor, string opType) =>
        _consumers.TryGetValue(tensor, out var l) && l.Count == 1 && l[0].OpType == opType && !_g.Outputs.Any(o => o.Name == tensor) ? l[0] : null;

    private static long Attr(OnnxNode n, string name, long dflt) => n.Attributes.TryGetValue(name, out var a) ? a.I : dflt;

    private static long[] Ints(OnnxNode n, string name, long[] dflt) => n.Attributes.TryGetValue(name, out var a) ? a.Ints : dflt;

    private static float Scalar(FloatTensor t, OnnxNode n)
    {
        if (t.Length == 0) throw Unsupported(n, "empty constant");
        float v = t.IsFloat ? t.FloatData[0] : t.LongData[0];
        for (int i = 1; i < t.Length; i++)
            if ((t.IsFloat ? t.FloatData[i] : t.LongData[i]) != v) throw Unsupported(n, "expected a scalar (uniform) constant");
        return v;
    }
}
