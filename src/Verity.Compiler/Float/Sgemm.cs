using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Verity.Compiler.Float;

/// <summary>Row-major float32 matrix multiply C = A·B, blocked for the caches and vectorised along the columns of B.</summary>
/// <remarks>
/// Every C element is accumulated over k in increasing order, one fused multiply-add per step, starting from 0.
/// Vector width, tiling and thread count only decide which elements are computed together, never the order of
/// one element's sum, so results do not depend on the machine or on scheduling.
/// </remarks>
internal static class Sgemm
{
    private const int MR = 4;    // rows per micro-kernel call
    private const int KC = 256;  // depth of a packed block of B
    private const int MC = 64;   // rows per parallel task
    private const int NC = 256;  // columns per parallel task; a multiple of NR for every vector width
    private static readonly int NR = 2 * Vector<float>.Count;

    /// <summary>
    /// For each batch b: C[b] = A[b]·B[b], where A[b] is m×k at aOffsets[b] (row stride lda), B[b] is k×n at
    /// bOffsets[b] (row stride ldb), and C[b] is the dense m×n block at b·m·n.
    /// </summary>
    public static void Multiply(float[] a, int[] aOffsets, int lda, float[] b, int[] bOffsets, int ldb, float[] c, int m, int n, int k)
    {
        if (m == 0 || n == 0) return;
        if (k == 0) { Array.Clear(c, 0, aOffsets.Length * m * n); return; }
        int nTiles = (n + NC - 1) / NC, perBatch = (m + MC - 1) / MC * nTiles, tiles = aOffsets.Length * perBatch;
        void Tile(int t)
        {
            int batch = t / perBatch, i0 = t % perBatch / nTiles * MC, j0 = t % nTiles * NC;
            MultiplyTile(a, aOffsets[batch] + i0 * lda, lda, b, bOffsets[batch] + j0, ldb,
                c, batch * m * n + i0 * n + j0, n, Math.Min(MC, m - i0), Math.Min(NC, n - j0), k);
        }
        if (tiles == 1 || (long)aOffsets.Length * m * n * k < 1 << 18) for (int t = 0; t < tiles; t++) Tile(t);
        else Parallel.For(0, tiles, Tile);
    }

    private static void MultiplyTile(float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float[] c, int cOff, int ldc, int mc, int nc, int k)
    {
        int nr = NR, panels = (nc + nr - 1) / nr;
        float[] packed = ArrayPool<float>.Shared.Rent(KC * panels * nr);
        try
        {
            for (int p0 = 0; p0 < k; p0 += KC)
            {
                int kc = Math.Min(KC, k - p0);
                Pack(b, bOff + p0 * ldb, ldb, kc, nc, packed);
                for (int jp = 0; jp < panels; jp++)
                {
                    int cols = Math.Min(nr, nc - jp * nr);
                    for (int i = 0; i < mc; i += MR)
                        Kernel(a, aOff + i * lda + p0, lda, Math.Min(MR, mc - i), packed, jp * kc * nr, kc, c, cOff + i * ldc + jp * nr, ldc, cols, p0 > 0);
                }
            }
        }
        finally { ArrayPool<float>.Shared.Return(packed); }
    }

    /// <summary>Copies a kc×nc block of B into NR-wide column panels, each kc rows deep and zero-padded on the right.</summary>
    private static void Pack(float[] b, int bOff, int ldb, int kc, int nc, float[] packed)
    {
        int nr = NR, dst = 0;
        for (int j = 0; j < nc; j += nr)
        {
            int cols = Math.Min(nr, nc - j);
            for (int p = 0; p < kc; p++, dst += nr)
            {
                Array.Copy(b, bOff + p * ldb + j, packed, dst, cols);
                if (cols < nr) Array.Clear(packed, dst + cols, nr - cols);
            }
        }
    }

    /// <summary>C[rows×cols] (+)= A[rows×kc]·panel, with up to MR rows and NR columns; edges go through a scratch block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel(float[] a, int aOff, int lda, int rows, float[] packed, int pOff, int kc,
        float[] c, int cOff, int ldc, int cols, bool accumulate)
    {
        int nr = NR, v = Vector<float>.Count;
        bool direct = rows == MR && cols == nr;
        Span<float> scratch = direct ? default : stackalloc float[MR * nr];
        if (!direct && accumulate)
            for (int r = 0; r < rows; r++) c.AsSpan(cOff + r * ldc, cols).CopyTo(scratch.Slice(r * nr, cols));
        ref float dst = ref direct ? ref c[cOff] : ref scratch[0];
        nuint ld = (nuint)(direct ? ldc : nr), uv = (nuint)v;

        ref float a0 = ref a[aOff];
        ref float a1 = ref rows > 1 ? ref a[aOff + lda] : ref a0;
        ref float a2 = ref rows > 2 ? ref a[aOff + 2 * lda] : ref a0;
        ref float a3 = ref rows > 3 ? ref a[aOff + 3 * lda] : ref a0;
        ref float pb = ref packed[pOff];

        Vector<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        if (accumulate)
        {
            c00 = Vector.LoadUnsafe(ref dst, 0); c01 = Vector.LoadUnsafe(ref dst, uv);
            c10 = Vector.LoadUnsafe(ref dst, ld); c11 = Vector.LoadUnsafe(ref dst, ld + uv);
            c20 = Vector.LoadUnsafe(ref dst, 2 * ld); c21 = Vector.LoadUnsafe(ref dst, 2 * ld + uv);
            c30 = Vector.LoadUnsafe(ref dst, 3 * ld); c31 = Vector.LoadUnsafe(ref dst, 3 * ld + uv);
        }
        unchecked
        {
            for (int p = 0; p < kc; p++)
            {
                var b0 = Vector.LoadUnsafe(ref pb, (nuint)(p * nr));
                var b1 = Vector.LoadUnsafe(ref pb, (nuint)(p * nr + v));
                var x = new Vector<float>(Unsafe.Add(ref a0, p));
                c00 = Vector.FusedMultiplyAdd(x, b0, c00); c01 = Vector.FusedMultiplyAdd(x, b1, c01);
                x = new Vector<float>(Unsafe.Add(ref a1, p));
                c10 = Vector.FusedMultiplyAdd(x, b0, c10); c11 = Vector.FusedMultiplyAdd(x, b1, c11);
                x = new Vector<float>(Unsafe.Add(ref a2, p));
                c20 = Vector.FusedMultiplyAdd(x, b0, c20); c21 = Vector.FusedMultiplyAdd(x, b1, c21);
                x = new Vector<float>(Unsafe.Add(ref a3, p));
                c30 = Vector.FusedMultiplyAdd(x, b0, c30); c31 = Vector.FusedMultiplyAdd(x, b1, c31);
            }
        }
        Vector.StoreUnsafe(c00, ref dst, 0); Vector.StoreUnsafe(c01, ref dst, uv);
        Vector.StoreUnsafe(c10, ref dst, ld); Vector.StoreUnsafe(c11, ref dst, ld + uv);
        Vector.StoreUnsafe(c20, ref dst, 2 * ld); Vector.StoreUnsafe(c21, ref dst, 2 * ld + uv);
        Vector.StoreUnsafe(c30, ref dst, 3 * ld); Vector.StoreUnsafe(c31, ref dst, 3 * ld + uv);
        if (!direct)
            for (int r = 0; r < rows; r++) scratch.Slice(r * nr, cols).CopyTo(c.AsSpan(cOff + r * ldc, cols));
    }
}
