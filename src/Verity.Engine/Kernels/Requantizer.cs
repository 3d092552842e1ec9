using System.Runtime.CompilerServices;
using Verity.Engine.Tensors;

namespace Verity.Engine.Kernels;

/// <summary>
/// GEMM epilogue: y = sat(relu?((acc + bias[c])·mult[c] + 2^(shift[c]−1) >> shift[c])), then, with a table,
/// y = table[y + 32768] (y saturated to ±32767 first); written at offset + row·rowStride + col·colStride.
/// mult/shift have one entry (per tensor) or one per column. Same arithmetic as <see cref="Fixed"/>; unchecked
/// here because the bounds are proven at load (|bias| ≤ 2^40, sums ≤ 2^45, mult &lt; 2^16).
/// </summary>
public readonly struct Requantizer(long[]? bias, int[] mult, int[] shift, bool relu, short[]? table, DType outType, byte[] output, int offset, int rowStride, int colStride) : IEpilogue
{
    private readonly int _max = table is null ? outType.Max() : 32767;
    private readonly long _min = relu ? 0 : -(table is null ? outType.Max() : 32767);
    private readonly bool _perChannel = mult.Length > 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(int row, int col, long acc)
    {
        unchecked
        {
            int c = _perChannel ? col : 0;
            int s = shift[c];
            long v = ((acc + (bias is null ? 0 : bias[col])) * mult[c] + (1L << (s - 1))) >> s;
            int y = (int)Math.Clamp(v, _min, _max);
            if (table is not null) y = table[y + 32768];
            int idx = offset + row * rowStride + col * colStride;
            if (outType == DType.I16) Unsafe.As<byte, short>(ref output[idx * 2]) = (short)y;
            else output[idx] = (byte)(sbyte)y;
        }
    }
}
