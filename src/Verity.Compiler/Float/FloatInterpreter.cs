using Verity.Compiler.Onnx;

namespace Verity.Compiler.Float;

/// <summary>Executes an ONNX graph in float32 with ONNX semantics: the reference for calibration and for checking quantized models.</summary>
public static class FloatInterpreter
{
    /// <summary>
    /// Runs the nodes in order and returns the graph outputs. <paramref name="observe"/> sees every node output
    /// (name, value) as it is produced; intermediates are dropped after their last use.
    /// </summary>
    /// <exception cref="UnsupportedOnnxException">A node uses an op or attribute value outside the supported set.</exception>
    public static Dictionary<string, FloatTensor> Run(OnnxModel model, IReadOnlyDictionary<string, FloatTensor> inputs, Action<string, FloatTensor>? observe = null)
    {
        var values = new Dictionary<string, FloatTensor>();
        foreach (var (name, t) in model.Initializers) values[name] = FloatTensor.FromOnnx(t);
        BindInputs(model, inputs, values);

        var keep = model.Outputs.Select(o => o.Name).ToHashSet();
        var lastUse = new Dictionary<string, int>();
        for (int i = 0; i < model.Nodes.Count; i++)
            foreach (string name in model.Nodes[i].Inputs) lastUse[name] = i;

        for (int i = 0; i < model.Nodes.Count; i++)
        {
            var node = model.Nodes[i];
            var args = new FloatTensor?[node.Inputs.Length];
            for (int j = 0; j < args.Length; j++)
            {
                string name = node.Inputs[j];
                if (name.Length == 0) continue;
                args[j] = values.TryGetValue(name, out var v) ? v
                    : throw new InvalidOperationException($"node '{node.Name}' ({node.OpType}): input '{name}' is not produced by any earlier node, initializer or graph input");
            }
            var results = Execute(new OpContext(node, model.OpsetVersion, args));
            for (int j = 0; j < node.Outputs.Length; j++)
            {
                string name = node.Outputs[j];
                if (name.Length == 0) continue;
                if (j >= results.Length) throw new UnsupportedOnnxException(node.Name, node.OpType, $"output {j} ('{name}') is not supported");
                observe?.Invoke(name, results[j]);
                if (lastUse.ContainsKey(name) || keep.Contains(name)) values[name] = results[j];
            }
            foreach (string name in node.Inputs)
                if (lastUse.TryGetValue(name, out int last) && last == i && !keep.Contains(name)) values.Remove(name);
        }

        var outputs = new Dictionary<string, FloatTensor>();
        foreach (var o in model.Outputs)
            outputs[o.Name] = values.TryGetValue(o.Name, out var v) ? v : throw new InvalidOperationException($"graph output '{o.Name}' was never produced");
        return outputs;
    }

    private static void BindInputs(OnnxModel model, IReadOnlyDictionary<string, FloatTensor> inputs, Dictionary<string, FloatTensor> values)
    {
        foreach (string name in inputs.Keys)
            if (!model.Inputs.Any(i => i.Name == name)) throw new ArgumentException($"'{name}' is not an input of the model (inputs: {string.Join(", ", model.Inputs.Select(i => i.Name))})", nameof(inputs));
        foreach (var info in model.Inputs)
        {
            if (!inputs.TryGetValue(info.Name, out var t)) throw new ArgumentException($"model input '{info.Name}' was not given", nameof(inputs));
            bool wantFloat = info.ElementType == OnnxDataType.Float;
            if (t.IsFloat != wantFloat) throw new ArgumentException($"model input '{info.Name}' is {info.ElementType} but was given {t}", nameof(inputs));
            bool shapeOk = info.Shape.Length == t.Rank;
            for (int d = 0; shapeOk && d < t.Rank; d++) shapeOk = info.Shape[d] is not { } dim || dim == t.Shape[d];
            if (!shapeOk) throw new ArgumentException($"model input '{info.Name}' has shape [{string.Join(",", info.Shape.Select(d => d?.ToString() ?? "?"))}] but was given {t}", nameof(inputs));
            values[info.Name] = t;
        }
    }

    private static FloatTensor[] Execute(OpContext ctx)
    {
        var node = ctx.Node;
        if (node.Domain is not ("" or "ai.onnx")) throw ctx.Unsupported($"domain '{node.Domain}' is not supported");
        try
        {
            return node.OpType switch
            {
                "Add" => [ElementwiseOps.Add(ctx)],
                "Sub" => [ElementwiseOps.Sub(ctx)],
                "Mul" => [ElementwiseOps.Mul(ctx)],
                "Div" => [ElementwiseOps.Div(ctx)],
                "Pow" => [ElementwiseOps.Pow(ctx)],
                "Erf" => [ElementwiseOps.Erf(ctx)],
                "Sqrt" => [ElementwiseOps.Sqrt(ctx)],
                "Tanh" => [ElementwiseOps.Tanh(ctx)],
                "Relu" => [ElementwiseOps.Relu(ctx)],
                "Cast" => [ElementwiseOps.Cast(ctx)],
                "Constant" => [ShapeOps.Constant(ctx)],
                "Shape" => [ShapeOps.Shape(ctx)],
                "Reshape" => [ShapeOps.Reshape(ctx)],
                "Unsqueeze" => [ShapeOps.Unsqueeze(ctx)],
                "Transpose" => [ShapeOps.Transpose(ctx)],
                "Concat" => [ShapeOps.Concat(ctx)],
                "Split" => ShapeOps.Split(ctx),
                "Gather" => [ShapeOps.Gather(ctx)],
                "Slice" => [ShapeOps.Slice(ctx)],
                "MatMul" => [LinearOps.MatMul(ctx)],
                "Gemm" => [LinearOps.Gemm(ctx)],
                "ReduceMean" => [LinearOps.ReduceMean(ctx)],
                "Softmax" => [LinearOps.Softmax(ctx)],
                "Conv" => [ConvOps.Conv(ctx)],
                "MaxPool" => [ConvOps.MaxPool(ctx)],
                "AveragePool" => [ConvOps.AveragePool(ctx)],
                "BatchNormalization" => [ConvOps.BatchNormalization(ctx)],
                _ => throw ctx.Unsupported($"op type '{node.OpType}' is not supported"),
            };
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IndexOutOfRangeException or DivideByZeroException or OverflowException)
        {
            string inputs = string.Join(", ", Enumerable.Range(0, ctx.InputCount).Select(i => ctx.OptionalInput(i)?.ToString() ?? "none"));
            throw new InvalidOperationException($"node '{node.Name}' ({node.OpType}) with inputs ({inputs}): {e.Message}", e);
        }
    }
}
