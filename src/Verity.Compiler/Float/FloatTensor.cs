using Verity.Compiler.Onnx;

namespace Verity.Compiler.Float;

/// <summary>A dense row-major tensor for the float reference interpreter: float32 data, or int64 data for ONNX integer and bool tensors.</summary>
/// <remarks>Tensors are treated as immutable: ops share data arrays (Reshape, Cast to the same type), so never write into one you did not create.</remarks>
public sealed class FloatTensor
{
    private FloatTensor(int[] shape, float[]? floats, long[]? longs)
    {
        foreach (int d in shape)
            if (d < 0) throw new ArgumentException($"shape [{string.Join(",", shape)}] has a negative dimension");
        int count = ElementCount(shape);
        int length = floats?.Length ?? longs!.Length;
        if (length != count) throw new ArgumentException($"shape [{string.Join(",", shape)}] has {count} elements but the data has {length}");
        Shape = shape;
        Floats = floats;
        Longs = longs;
    }

    public int[] Shape { get; }

    /// <summary>The data of a float tensor; null for an int64 tensor.</summary>
    public float[]? Floats { get; }

    /// <summary>The data of an int64 (or int32, bool) tensor; null for a float tensor.</summary>
    public long[]? Longs { get; }

    public bool IsFloat => Floats is not null;
    public int Rank => Shape.Length;
    public int Length => Floats?.Length ?? Longs!.Length;

    /// <summary>The float data; throws for an int64 tensor.</summary>
    public float[] FloatData => Floats ?? throw new InvalidOperationException($"expected a float tensor, got int64 {ShapeText(Shape)}");

    /// <summary>The int64 data; throws for a float tensor.</summary>
    public long[] LongData => Longs ?? throw new InvalidOperationException($"expected an int64 tensor, got float {ShapeText(Shape)}");

    public static FloatTensor FromFloats(int[] shape, float[] data) => new(shape, data, null);
    public static FloatTensor FromLongs(int[] shape, long[] data) => new(shape, null, data);
    public static FloatTensor Scalar(float value) => new([], [value], null);
    public static FloatTensor Scalar(long value) => new([], null, [value]);

    /// <summary>Wraps an ONNX constant without copying its data.</summary>
    public static FloatTensor FromOnnx(OnnxTensor t)
    {
        var shape = new int[t.Dims.Length];
        for (int i = 0; i < shape.Length; i++)
            shape[i] = t.Dims[i] <= int.MaxValue ? (int)t.Dims[i] : throw new ArgumentException($"tensor '{t.Name}' dim {t.Dims[i]} is too large");
        if (t.Floats is not null) return FromFloats(shape, t.Floats);
        if (t.Longs is not null) return FromLongs(shape, t.Longs);
        throw new ArgumentException($"tensor '{t.Name}' ({t.DataType}) holds no data");
    }

    /// <summary>The same data viewed with another shape of equal element count.</summary>
    public FloatTensor WithShape(int[] shape) => new(shape, Floats, Longs);

    public static int ElementCount(ReadOnlySpan<int> shape)
    {
        int count = 1;
        foreach (int d in shape) count *= d;
        return count;
    }

    internal static string ShapeText(ReadOnlySpan<int> shape) => $"[{string.Join(",", shape.ToArray())}]";

    public override string ToString() => $"{(IsFloat ? "float" : "int64")}{ShapeText(Shape)}";
}
