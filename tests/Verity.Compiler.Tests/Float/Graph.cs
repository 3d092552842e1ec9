using Verity.Compiler.Float;
using Verity.Compiler.Onnx;

namespace Verity.Compiler.Tests.Float;

/// <summary>Builds small ONNX graphs in code and runs them through the float interpreter.</summary>
internal static class Graph
{
    public static OnnxAttribute Int(string name, long value) => new(name, OnnxAttributeKind.Int, 0, value, "", null, [], []);
    public static OnnxAttribute Ints(string name, params long[] values) => new(name, OnnxAttributeKind.Ints, 0, 0, "", null, [], values);
    public static OnnxAttribute FloatAttr(string name, float value) => new(name, OnnxAttributeKind.Float, value, 0, "", null, [], []);
    public static OnnxAttribute String(string name, string value) => new(name, OnnxAttributeKind.String, 0, 0, value, null, [], []);

    public static OnnxNode Node(string op, string[] inputs, string[] outputs, params OnnxAttribute[] attributes) =>
        new($"{op}_0", op, "", inputs, outputs, attributes.ToDictionary(a => a.Name));

    public static FloatTensor F(int[] shape, params float[] data) => FloatTensor.FromFloats(shape, data);
    public static FloatTensor L(int[] shape, params long[] data) => FloatTensor.FromLongs(shape, data);

    /// <summary>Runs one node whose inputs are graph inputs named x0, x1, … (empty for null) and returns its outputs.</summary>
    public static FloatTensor[] Run(string op, long opset, FloatTensor?[] inputs, int outputs, params OnnxAttribute[] attributes)
    {
        string[] inNames = [.. inputs.Select((t, i) => t is null ? "" : $"x{i}")];
        string[] outNames = [.. Enumerable.Range(0, outputs).Select(i => $"y{i}")];
        var node = Node(op, inNames, outNames, attributes);
        var model = new OnnxModel(opset, [node], [],
            [.. inputs.Select((t, i) => (t, i)).Where(p => p.t is not null).Select(p => Info($"x{p.i}", p.t!))],
            [.. outNames.Select(n => new OnnxValueInfo(n, OnnxDataType.Float, []))]);
        var feeds = inputs.Select((t, i) => (t, i)).Where(p => p.t is not null).ToDictionary(p => $"x{p.i}", p => p.t!);
        var result = FloatInterpreter.Run(model, feeds);
        return [.. outNames.Select(n => result[n])];
    }

    public static FloatTensor Run1(string op, long opset, FloatTensor?[] inputs, params OnnxAttribute[] attributes) => Run(op, opset, inputs, 1, attributes)[0];

    private static OnnxValueInfo Info(string name, FloatTensor t) =>
        new(name, t.IsFloat ? OnnxDataType.Float : OnnxDataType.Int64, [.. t.Shape.Select(d => (long?)d)]);
}
