using Verity.Compiler.Onnx;

namespace Verity.Compiler.Float;

/// <summary>One node's evaluation: its inputs (null for omitted optional ones), attributes with defaults, and error helpers.</summary>
internal sealed class OpContext(OnnxNode node, long opset, FloatTensor?[] inputs)
{
    public OnnxNode Node { get; } = node;
    public long Opset { get; } = opset;
    public int InputCount => inputs.Length;

    public FloatTensor Input(int i) =>
        OptionalInput(i) ?? throw new ArgumentException($"input {i} is required but {(i < inputs.Length ? "empty" : "missing")}");

    public FloatTensor? OptionalInput(int i) => i < inputs.Length ? inputs[i] : null;

    /// <summary>Input i as float data; an int64 tensor there is unsupported.</summary>
    public FloatTensor FloatInput(int i)
    {
        var t = Input(i);
        return t.IsFloat ? t : throw Unsupported($"input {i} is an int64 tensor {FloatTensor.ShapeText(t.Shape)}; only float is supported");
    }

    /// <summary>Input i read as a list of int64 values (axes, shapes, starts...); null when the input is omitted.</summary>
    public long[]? OptionalLongs(int i) => OptionalInput(i) is { } t ? t.LongData : null;

    public bool Has(string name) => Node.Attributes.ContainsKey(name);

    public long Int(string name, long fallback) => Node.Attributes.TryGetValue(name, out var a) ? Expect(a, OnnxAttributeKind.Int).I : fallback;

    public float Float(string name, float fallback) => Node.Attributes.TryGetValue(name, out var a) ? Expect(a, OnnxAttributeKind.Float).F : fallback;

    public string String(string name, string fallback) => Node.Attributes.TryGetValue(name, out var a) ? Expect(a, OnnxAttributeKind.String).S : fallback;

    public long[]? Ints(string name) => Node.Attributes.TryGetValue(name, out var a) ? Expect(a, OnnxAttributeKind.Ints).Ints : null;

    /// <summary>Rejects an attribute whose value differs from the one value Verity supports.</summary>
    public void RequireInt(string name, long fallback, long supported)
    {
        long v = Int(name, fallback);
        if (v != supported) throw Unsupported($"{name}={v} is not supported (only {supported})");
    }

    public UnsupportedOnnxException Unsupported(string detail) => new(Node.Name, Node.OpType, detail);

    /// <summary>An axis in [-rank, rank) made non-negative.</summary>
    public static int Axis(long axis, int rank) =>
        axis >= -rank && axis < rank ? (int)(axis < 0 ? axis + rank : axis) : throw new ArgumentException($"axis {axis} is out of range for rank {rank}");

    private static OnnxAttribute Expect(OnnxAttribute a, OnnxAttributeKind kind) =>
        a.Kind == kind ? a : throw new ArgumentException($"attribute '{a.Name}' is {a.Kind}, expected {kind}");
}
