using System.Runtime.InteropServices;

namespace Verity.Engine.Tensors;

/// <summary>A dense row-major integer tensor whose bytes (little-endian) are exactly what gets committed.</summary>
public sealed class IntTensor
{
    public DType Type { get; }
    public int[] Shape { get; private set; }
    public byte[] Buffer { get; }

    public IntTensor(DType type, int[] shape) : this(type, shape, new byte[checked(ElementCount(shape) * type.Size())]) { }

    public IntTensor(DType type, int[] shape, byte[] buffer)
    {
        if (buffer.Length < ElementCount(shape) * type.Size())
            throw new ArgumentException($"buffer of {buffer.Length} bytes is too small for {type}[{string.Join(",", shape)}]");
        Type = type; Shape = shape; Buffer = buffer;
    }

    private IntTensor(DType type, int[] shape, bool _) { Type = type; Shape = shape; Buffer = []; }

    /// <summary>A tensor with a type and shape but no data: for shape inference only.</summary>
    internal static IntTensor Describe(DType type, int[] shape) => new(type, shape, false);

    public int Length => ElementCount(Shape);
    public int ByteLength => Length * Type.Size();
    public ReadOnlySpan<byte> Bytes => Buffer.AsSpan(0, ByteLength);

    public Span<sbyte> I8 => Type == DType.I8 ? MemoryMarshal.Cast<byte, sbyte>(Buffer.AsSpan(0, ByteLength)) : throw Wrong(DType.I8);
    public Span<short> I16 => Type == DType.I16 ? MemoryMarshal.Cast<byte, short>(Buffer.AsSpan(0, ByteLength)) : throw Wrong(DType.I16);
    public Span<int> I32 => Type == DType.I32 ? MemoryMarshal.Cast<byte, int>(Buffer.AsSpan(0, ByteLength)) : throw Wrong(DType.I32);

    /// <summary>Element i widened to int, whatever the type.</summary>
    public int Get(int i) => Type switch { DType.I8 => unchecked((sbyte)Buffer[i]), DType.I16 => MemoryMarshal.Cast<byte, short>(Buffer.AsSpan())[i], _ => MemoryMarshal.Cast<byte, int>(Buffer.AsSpan())[i] };

    /// <summary>Stores v, which the caller has already saturated to the type's range.</summary>
    public void Set(int i, int v)
    {
        switch (Type)
        {
            case DType.I8: Buffer[i] = unchecked((byte)(sbyte)v); break;
            case DType.I16: MemoryMarshal.Cast<byte, short>(Buffer.AsSpan())[i] = (short)v; break;
            default: MemoryMarshal.Cast<byte, int>(Buffer.AsSpan())[i] = v; break;
        }
    }

    /// <summary>Changes the shape without touching data (views such as Reshape).</summary>
    internal void Reshape(int[] shape)
    {
        if (ElementCount(shape) != Length) throw new ArgumentException($"cannot reshape [{string.Join(",", Shape)}] to [{string.Join(",", shape)}]");
        Shape = shape;
    }

    public static IntTensor FromInts(DType type, int[] shape, ReadOnlySpan<int> values)
    {
        var t = new IntTensor(type, shape);
        if (values.Length != t.Length) throw new ArgumentException($"{values.Length} values for shape [{string.Join(",", shape)}]");
        int max = type.Max();
        for (int i = 0; i < values.Length; i++)
        {
            if (values[i] > max || values[i] < -max) throw new ArgumentOutOfRangeException(nameof(values), $"value {values[i]} at index {i} is outside the {type} range ±{max}");
            t.Set(i, values[i]);
        }
        return t;
    }

    public int[] ToInts()
    {
        var r = new int[Length];
        for (int i = 0; i < r.Length; i++) r[i] = Get(i);
        return r;
    }

    public static int ElementCount(ReadOnlySpan<int> shape)
    {
        int n = 1;
        foreach (int d in shape) n = checked(n * d);
        return n;
    }

    private InvalidOperationException Wrong(DType wanted) => new($"tensor is {Type}, not {wanted}");
}
