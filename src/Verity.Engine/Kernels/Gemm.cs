using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Verity.Engine.Kernels;

/// <summary>Receives each exact dot product of a GEMM; a struct so the JIT specializes the kernel per epilogue.</summary>
public interface IEpilogue
{
    void Store(int row, int col, long acc);
}

/// <summary>
/// C[i,j] = Σ_k A[i,k]·Bt[j,k], exact in int64, handed to an epilogue. A and Bt are int16 row-major with row
/// stride <see cref="Pad"/>(k) and zero padding; every product is bounded by 32767·127 (one side is int8-ranged).
/// </summary>
public static class Gemm
{
    /// <summary>Row stride for packed operands: k rounded up to a multiple of 32 (one Vector512 of int16).</summary>
    public static int Pad(int k) => (k + 31) & ~31;

    /// <summary>Products per int32 lane before it is flushed to int64: 4096/8 lanes · 32767·127 &lt; 2^31.</summary>
    private const int BlockK = 4096;

    /// <summary>Scalar reference: reads as the definition.</summary>
    public static void Reference<TE>(ReadOnlySpan<short> a, ReadOnlySpan<short> bt, int m, int n, int k, ref TE epilogue) where TE : struct, IEpilogue
    {
        int ld = Pad(k);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                long acc = 0;
                for (int t = 0; t < k; t++) acc = checked(acc + (long)a[i * ld + t] * bt[j * ld + t]);
                epilogue.Store(i, j, acc);
            }
    }

    /// <summary>SIMD and multi-threaded; bit-identical to <see cref="Reference{TE}"/>.</summary>
    public static void Fast<TE>(short[] a, short[] bt, int m, int n, int k, TE epilogue, int threads) where TE : struct, IEpilogue
    {
        int ld = Pad(k);
        const int RowTile = 4, ColTile = 64;
        int rowTiles = (m + RowTile - 1) / RowTile, colTiles = (n + ColTile - 1) / ColTile;
        int tasks = rowTiles * colTiles;
        if (threads <= 1 || tasks == 1 || (long)m * n * k < 1 << 16)
        {
            for (int t = 0; t < tasks; t++) Tile(a, bt, ld, m, n, t / colTiles * RowTile, t % colTiles * ColTile, RowTile, ColTile, epilogue);
            return;
        }
        Parallel.For(0, tasks, new ParallelOptions { MaxDegreeOfParallelism = threads },
            t => Tile(a, bt, ld, m, n, t / colTiles * RowTile, t % colTiles * ColTile, RowTile, ColTile, epilogue));
    }

    private static void Tile<TE>(short[] a, short[] bt, int ld, int m, int n, int i0, int j0, int rowTile, int colTile, TE e) where TE : struct, IEpilogue
    {
        int i1 = Math.Min(m, i0 + rowTile), j1 = Math.Min(n, j0 + colTile);
        int i = i0;
        if (i1 - i0 == 4)
        {
            int j = j0;
            for (; j + 2 <= j1; j += 2) Dot4x2(a, bt, ld, i, j, ref e);
            for (; j < j1; j++) for (int r = i; r < i1; r++) e.Store(r, j, Dot(a, r * ld, bt, j * ld, ld));
            return;
        }
        for (; i < i1; i++)
            for (int j = j0; j < j1; j++) e.Store(i, j, Dot(a, i * ld, bt, j * ld, ld));
    }

    /// <summary>One exact dot product of two padded rows.</summary>
    private static long Dot(short[] a, int ao, short[] b, int bo, int len)
    {
        unchecked
        {
            long total = 0;
            for (int k0 = 0; k0 < len; k0 += BlockK)
            {
                int k1 = Math.Min(len, k0 + BlockK);
                if (Avx512BW.IsSupported)
                {
                    var acc = Vector512<int>.Zero;
                    for (int k = k0; k < k1; k += 32)
                        acc += Avx512BW.MultiplyAddAdjacent(Vector512.LoadUnsafe(ref a[ao + k]), Vector512.LoadUnsafe(ref b[bo + k]));
                    total += Sum(acc);
                }
                else if (Avx2.IsSupported)
                {
                    var acc = Vector256<int>.Zero;
                    for (int k = k0; k < k1; k += 16)
                        acc += Avx2.MultiplyAddAdjacent(Vector256.LoadUnsafe(ref a[ao + k]), Vector256.LoadUnsafe(ref b[bo + k]));
                    total += Sum(acc);
                }
                else
                {
                    for (int k = k0; k < k1; k++) total += a[ao + k] * b[bo + k];
                }
            }
            return total;
        }
    }

    /// <summary>Four rows of A against two rows of Bt: 8 accumulators, 6 loads per 8 multiply-adds.</summary>
    private static void Dot4x2<TE>(short[] a, short[] b, int ld, int i, int j, ref TE e) where TE : struct, IEpilogue
    {
        unchecked
        {
            long s00 = 0, s01 = 0, s10 = 0, s11 = 0, s20 = 0, s21 = 0, s30 = 0, s31 = 0;
            int a0 = i * ld, a1 = a0 + ld, a2 = a1 + ld, a3 = a2 + ld, b0 = j * ld, b1 = b0 + ld;
            for (int k0 = 0; k0 < ld; k0 += BlockK)
            {
                int k1 = Math.Min(ld, k0 + BlockK);
                if (Avx512BW.IsSupported)
                {
                    Vector512<int> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
                    for (int k = k0; k < k1; k += 32)
                    {
                        var w0 = Vector512.LoadUnsafe(ref b[b0 + k]); var w1 = Vector512.LoadUnsafe(ref b[b1 + k]);
                        var x = Vector512.LoadUnsafe(ref a[a0 + k]); c00 += Avx512BW.MultiplyAddAdjacent(x, w0); c01 += Avx512BW.MultiplyAddAdjacent(x, w1);
                        x = Vector512.LoadUnsafe(ref a[a1 + k]); c10 += Avx512BW.MultiplyAddAdjacent(x, w0); c11 += Avx512BW.MultiplyAddAdjacent(x, w1);
                        x = Vector512.LoadUnsafe(ref a[a2 + k]); c20 += Avx512BW.MultiplyAddAdjacent(x, w0); c21 += Avx512BW.MultiplyAddAdjacent(x, w1);
                        x = Vector512.LoadUnsafe(ref a[a3 + k]); c30 += Avx512BW.MultiplyAddAdjacent(x, w0); c31 += Avx512BW.MultiplyAddAdjacent(x, w1);
                    }
                    s00 += Sum(c00); s01 += Sum(c01); s10 += Sum(c10); s11 += Sum(c11); s20 += Sum(c20); s21 += Sum(c21); s30 += Sum(c30); s31 += Sum(c31);
                }
                else if (Avx2.IsSupported)
                {
                    Vector256<int> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
                    for (int k = k0; k < k1; k += 16)
                    {
                        var w0 = Vector256.LoadUnsafe(ref b[b0 + k]); var w1 = Vector256.LoadUnsafe(ref b[b1 + k]);
                        var x = Vector256.LoadUnsafe(ref a[a0 + k]); c00 += Avx2.MultiplyAddAdjacent(x, w0); c01 += Avx2.MultiplyAddAdjacent(x, w1);
                        x = Vector256.LoadUnsafe(ref a[a1 + k]); c10 += Avx2.MultiplyAddAdjacent(x, w0); c11 += Avx2.MultiplyAddAdjacent(x, w1);
                        x = Vector256.LoadUnsafe(ref a[a2 + k]); c20 += Avx2.MultiplyAddAdjacent(x, w0); c21 += Avx2.MultiplyAddAdjacent(x, w1);
                        x = Vector256.LoadUnsafe(ref a[a3 + k]); c30 += Avx2.MultiplyAddAdjacent(x, w0); c31 += Avx2.MultiplyAddAdjacent(x, w1);
                    }
                    s00 += Sum(c00); s01 += Sum(c01); s10 += Sum(c10); s11 += Sum(c11); s20 += Sum(c20); s21 += Sum(c21); s30 += Sum(c30); s31 += Sum(c31);
                }
                else
                {
                    for (int k = k0; k < k1; k++)
                    {
                        int w0 = b[b0 + k], w1 = b[b1 + k];
                        s00 += a[a0 + k] * w0; s01 += a[a0 + k] * w1; s10 += a[a1 + k] * w0; s11 += a[a1 + k] * w1;
                        s20 += a[a2 + k] * w0; s21 += a[a2 + k] * w1; s30 += a[a3 + k] * w0; s31 += a[a3 + k] * w1;
                    }
                }
            }
            e.Store(i, j, s00); e.Store(i, j + 1, s01); e.Store(i + 1, j, s10); e.Store(i + 1, j + 1, s11);
            e.Store(i + 2, j, s20); e.Store(i + 2, j + 1, s21); e.Store(i + 3, j, s30); e.Store(i + 3, j + 1, s31);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static long Sum(Vector256<int> v)
    {
        // Widen before adding so the horizontal sum cannot overflow int32.
        var (lo, hi) = Vector256.Widen(v);
        return Vector256.Sum(lo + hi);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static long Sum(Vector512<int> v)
    {
        var (lo, hi) = Vector512.Widen(v);
        return Vector512.Sum(lo + hi);
    }

    /// <summary>Weights [n, k] int8 → the B operand layout that <see cref="Fast{TE}"/> reads.</summary>
    public static short[] PackB(ReadOnlySpan<sbyte> w, int n, int k)
    {
        var p = new short[n * Pad(k)];
        Pack(w, n, k, p);
        return p;
    }

    /// <summary>Plain padded rows Bt [n, Pad(k)] → the B operand layout that <see cref="Fast{TE}"/> reads, into dst (length ≥ PackedBLength).</summary>
    public static void PackB(ReadOnlySpan<short> plainRows, int n, int k, Span<short> dst) => plainRows[..(n * Pad(k))].CopyTo(dst);

    /// <summary>Length in elements of a packed B operand.</summary>
    public static int PackedBLength(int n, int k) => n * Pad(k);

    /// <summary>Copies rows of int8 or int16 values into a zero-padded int16 matrix with stride Pad(k).</summary>
    public static void Pack(ReadOnlySpan<sbyte> src, int rows, int k, Span<short> dst)
    {
        int ld = Pad(k);
        for (int r = 0; r < rows; r++)
        {
            var d = dst.Slice(r * ld, ld);
            for (int t = 0; t < k; t++) d[t] = src[r * k + t];
            d[k..].Clear();
        }
    }

    public static void Pack(ReadOnlySpan<short> src, int rows, int k, Span<short> dst)
    {
        int ld = Pad(k);
        for (int r = 0; r < rows; r++)
        {
            src.Slice(r * k, k).CopyTo(dst.Slice(r * ld, k));
            dst.Slice(r * ld + k, ld - k).Clear();
        }
    }
}
