using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Verity.Engine.Format;

/// <summary>Canonical little-endian encoder for op parameters and .vmodel fields.</summary>
public sealed class ParamWriter
{
    private readonly MemoryStream _s = new();

    public void U8(byte v) => _s.WriteByte(v);
    public void I32(int v) { Span<byte> b = stackalloc byte[4]; BinaryPrimitives.WriteInt32LittleEndian(b, v); _s.Write(b); }
    public void I64(long v) { Span<byte> b = stackalloc byte[8]; BinaryPrimitives.WriteInt64LittleEndian(b, v); _s.Write(b); }
    public void F64(double v) => I64(BitConverter.DoubleToInt64Bits(v));
    public void Str(string v) { var b = System.Text.Encoding.UTF8.GetBytes(v); I32(b.Length); _s.Write(b); }
    public void Raw(ReadOnlySpan<byte> v) => _s.Write(v);
    public void Bytes(ReadOnlySpan<byte> v) { I32(v.Length); _s.Write(v); }
    public void I32s(ReadOnlySpan<int> v) { I32(v.Length); foreach (int x in v) I32(x); }
    public void I64s(ReadOnlySpan<long> v) { I32(v.Length); foreach (long x in v) I64(x); }
    public void I8s(ReadOnlySpan<sbyte> v) => Bytes(MemoryMarshal.AsBytes(v));
    public void I16s(ReadOnlySpan<short> v) { I32(v.Length); Span<byte> b = stackalloc byte[2]; foreach (short x in v) { BinaryPrimitives.WriteInt16LittleEndian(b, x); _s.Write(b); } }

    public byte[] ToArray() => _s.ToArray();
}

/// <summary>Decoder matching <see cref="ParamWriter"/>; every read is bounds-checked with a clear error.</summary>
public ref struct ParamReader(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> _d = data;
    private int _p;

    public readonly bool End => _p == _d.Length;
    public readonly int Position => _p;

    private ReadOnlySpan<byte> Take(int n)
    {
        if (n < 0 || n > _d.Length - _p) throw new InvalidDataException($"truncated model data: need {n} bytes at offset {_p}, have {_d.Length - _p}");
        var s = _d.Slice(_p, n); _p += n; return s;
    }

    public byte U8() => Take(1)[0];
    public int I32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));
    public long I64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));
    public double F64() => BitConverter.Int64BitsToDouble(I64());
    public string Str() => System.Text.Encoding.UTF8.GetString(Take(Count(1)));
    public ReadOnlySpan<byte> Bytes() => Take(Count(1));
    public ReadOnlySpan<byte> Raw(int n) => Take(n);
    public int[] I32s() { int n = Count(4); var r = new int[n]; for (int i = 0; i < n; i++) r[i] = I32(); return r; }
    public long[] I64s() { int n = Count(8); var r = new long[n]; for (int i = 0; i < n; i++) r[i] = I64(); return r; }
    public sbyte[] I8s() => MemoryMarshal.Cast<byte, sbyte>(Bytes()).ToArray();
    public short[] I16s() { int n = Count(2); var r = new short[n]; for (int i = 0; i < n; i++) r[i] = BinaryPrimitives.ReadInt16LittleEndian(Take(2)); return r; }

    private int Count(int elementSize)
    {
        int n = I32();
        if (n < 0 || (long)n * elementSize > _d.Length - _p) throw new InvalidDataException($"bad array length {n} at offset {_p - 4}");
        return n;
    }
}
