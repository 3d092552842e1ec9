using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Verity.Engine.Kernels;

/// <summary>Receives each exact dot product of a GEMM; a struct so the JIT specializes the kernel per epilogue.</summary>
public interface IEpilogue
{
    void Store(int row, int col, long acc);
}

/// <summary>
/// C[i,j] = Σ_k A[i,k]·B[j,k], exact in int64, handed to an epilogue. A is int16 row-major with row stride
/// <see cref="Pad"/>(k) and zero padding; B is packed by <see cref="PackB(ReadOnlySpan{sbyte}, int, int)"/>.
/// Every product is bounded by 32767·127 (one side is int8-ranged).
/// </summary>
/// <remarks>
/// Packed B: panels of 32 columns; within a panel, k-pair p holds (B[j,2p], B[j,2p+1]) for j = 0..31 as 64
/// adjacent int16, so one int32 lane is one column's k-pair. The micro-kernel broadcasts A's k-pair of each of
/// <c>Rows</c> rows and multiply-adds it into 2 vectors of columns (pmaddwd, or vpdpwssd): an outer product with no
/// horizontal sums. Each int32 lane takes 2 products per k-pair and is flushed to int64 every
/// <see cref="FlushPairs"/> k-pairs: 512·32767·127 &lt; 2^31.
/// </remarks>
public static class Gemm
{
    /// <summary>Row stride for packed operands: k rounded up to a multiple of 32 (one Vector512 of int16).</summary>
    public static int Pad(int k) => (k + 31) & ~31;

    /// <summary>Columns per packed-B panel.</summary>
    private const int Panel = 32;

    /// <summary>k-pairs an int32 lane accumulates before it is widened into int64.</summary>
    private const int FlushPairs = 256;

    /// <summary>Rows of A kept hot (in L2) while every column strip passes over them: about this many bytes.</summary>
    private const int BlockBytes = 256 * 1024;

    /// <summary>Scalar reference: reads as the definition. Bt is plain rows [n, Pad(k)], not packed.</summary>
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

    /// <summary>SIMD and multi-threaded; bit-identical to <see cref="Reference{TE}"/>. b is packed (<see cref="PackB(ReadOnlySpan{short}, int, int, Span{short})"/>).</summary>
    public static void Fast<TE>(short[] a, short[] b, int m, int n, int k, TE epilogue, int threads) where TE : struct, IEpilogue
    {
        // The kernels read with unchecked offsets inside these bounds.
        if (a.Length < (long)m * Pad(k) || b.Length < PackedBLength(n, k))
            throw new ArgumentException($"Gemm.Fast: a has {a.Length} elements and b {b.Length}; [{m}, {n}, {k}] needs {(long)m * Pad(k)} and {PackedBLength(n, k)} (b packed by PackB)");
        if ((long)m * n * k < 1 << 16) threads = 1;
        if (k == 0) Scalar(a, b, m, n, k, epilogue);
        else if (Avx512BW.IsSupported) Run<Simd512, Vector512<int>, TE>(a, b, m, n, k, epilogue, threads);
        else if (AvxVnni.IsSupported) Run<Vnni256, Vector256<int>, TE>(a, b, m, n, k, epilogue, threads);
        else if (Avx2.IsSupported) Run<Simd256, Vector256<int>, TE>(a, b, m, n, k, epilogue, threads);
        else Scalar(a, b, m, n, k, epilogue);
    }

    /// <summary>Tasks are (block of rows, strip of 2·Lanes columns); a block's A stays in cache while the strips pass.</summary>
    private static void Run<TS, TV, TE>(short[] a, short[] b, int m, int n, int k, TE e, int threads)
        where TS : struct, ISimd<TV> where TV : struct where TE : struct, IEpilogue
    {
        int ld = Pad(k), cols = 2 * TS.Lanes, strips = (n + cols - 1) / cols;
        int blockRows = Math.Max(1, BlockBytes / (2 * ld) / TS.Rows) * TS.Rows, blocks = (m + blockRows - 1) / blockRows;
        if (threads <= 1 || blocks * strips == 1)
        {
            Span<long> sums = stackalloc long[TS.Rows * cols];
            for (int t = 0; t < blocks * strips; t++) Tile<TS, TV, TE>(a, b, m, n, k, t / strips * blockRows, blockRows, t % strips * cols, sums, e);
            return;
        }
        Parallel.For(0, blocks * strips, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            Span<long> sums = stackalloc long[TS.Rows * cols];
            Tile<TS, TV, TE>(a, b, m, n, k, t / strips * blockRows, blockRows, t % strips * cols, sums, e);
        });
    }

    private static void Tile<TS, TV, TE>(short[] a, short[] b, int m, int n, int k, int i0, int blockRows, int j0, Span<long> sums, TE e)
        where TS : struct, ISimd<TV> where TV : struct where TE : struct, IEpilogue
    {
        int ld = Pad(k), cols = 2 * TS.Lanes, nc = Math.Min(cols, n - j0), i1 = Math.Min(m, i0 + blockRows);
        int bo = j0 / Panel * Panel * ld + j0 % Panel * 2;
        for (int i = i0; i < i1; i += TS.Rows)
        {
            MicroTile<TS, TV>(a, ld, (k + 1) / 2, m, i, b, bo, sums);
            int nr = Math.Min(TS.Rows, m - i);
            for (int r = 0; r < nr; r++)
            {
                int c = 0;
                for (; c + 8 <= nc; c += 8) Store8(ref e, i + r, j0 + c, ref sums[r * cols + c]);
                for (; c < nc; c++) e.Store(i + r, j0 + c, sums[r * cols + c]);
            }
        }
    }

    /// <summary>
    /// Eight sums of one row in straight-line code: the JIT turns an epilogue's data-dependent branches (ReLU,
    /// saturation) into conditional moves outside loops only, and inside a loop they mispredict on every other sign.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Store8<TE>(ref TE e, int row, int col, ref long s) where TE : struct, IEpilogue
    {
        e.Store(row, col, s); e.Store(row, col + 1, Unsafe.Add(ref s, 1)); e.Store(row, col + 2, Unsafe.Add(ref s, 2)); e.Store(row, col + 3, Unsafe.Add(ref s, 3));
        e.Store(row, col + 4, Unsafe.Add(ref s, 4)); e.Store(row, col + 5, Unsafe.Add(ref s, 5)); e.Store(row, col + 6, Unsafe.Add(ref s, 6)); e.Store(row, col + 7, Unsafe.Add(ref s, 7));
    }

    /// <summary>
    /// sums[r, c] = Σ_k A[i0+r, k]·B[j0+c, k] for Rows rows and 2·Lanes columns, over the k-pairs that hold any of
    /// the k values (the rest of the padding is zero); b0 is the strip's first k-pair.
    /// Rows past m repeat row m−1 (their sums are not stored), so every tile has the same shape.
    /// </summary>
    private static void MicroTile<TS, TV>(short[] a, int ld, int pairs, int m, int i0, short[] b, int b0, Span<long> sums) where TS : struct, ISimd<TV> where TV : struct
    {
        unchecked
        {
            int last = m - 1;
            ref short bp = ref b[b0];
            ref short a0 = ref a[Math.Min(i0, last) * ld], a1 = ref a[Math.Min(i0 + 1, last) * ld], a2 = ref a[Math.Min(i0 + 2, last) * ld];
            ref short a3 = ref a[Math.Min(i0 + 3, last) * ld], a4 = ref a[Math.Min(i0 + 4, last) * ld], a5 = ref a[Math.Min(i0 + 5, last) * ld];
            ref short a6 = ref a[Math.Min(i0 + 6, last) * ld], a7 = ref a[Math.Min(i0 + 7, last) * ld];
            for (int p0 = 0; p0 < pairs; p0 += FlushPairs)
            {
                TV c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
                TV c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default, c70 = default, c71 = default;
                ref short bk = ref Unsafe.Add(ref bp, p0 * 2 * Panel);
                for (nint p = p0, p1 = Math.Min(pairs, p0 + FlushPairs); p < p1; p++, bk = ref Unsafe.Add(ref bk, 2 * Panel))
                {
                    TV w0 = TS.Load(ref bk), w1 = TS.Load(ref Unsafe.Add(ref bk, 2 * TS.Lanes));
                    TV x = TS.Broadcast(ref Unsafe.Add(ref a0, 2 * p)); c00 = TS.MulAdd(c00, x, w0); c01 = TS.MulAdd(c01, x, w1);
                    x = TS.Broadcast(ref Unsafe.Add(ref a1, 2 * p)); c10 = TS.MulAdd(c10, x, w0); c11 = TS.MulAdd(c11, x, w1);
                    x = TS.Broadcast(ref Unsafe.Add(ref a2, 2 * p)); c20 = TS.MulAdd(c20, x, w0); c21 = TS.MulAdd(c21, x, w1);
                    x = TS.Broadcast(ref Unsafe.Add(ref a3, 2 * p)); c30 = TS.MulAdd(c30, x, w0); c31 = TS.MulAdd(c31, x, w1);
                    x = TS.Broadcast(ref Unsafe.Add(ref a4, 2 * p)); c40 = TS.MulAdd(c40, x, w0); c41 = TS.MulAdd(c41, x, w1);
                    x = TS.Broadcast(ref Unsafe.Add(ref a5, 2 * p)); c50 = TS.MulAdd(c50, x, w0); c51 = TS.MulAdd(c51, x, w1);
                    if (TS.Rows > 6)
                    {
                        x = TS.Broadcast(ref Unsafe.Add(ref a6, 2 * p)); c60 = TS.MulAdd(c60, x, w0); c61 = TS.MulAdd(c61, x, w1);
                        x = TS.Broadcast(ref Unsafe.Add(ref a7, 2 * p)); c70 = TS.MulAdd(c70, x, w0); c71 = TS.MulAdd(c71, x, w1);
                    }
                }
                ref long s = ref MemoryMarshal.GetReference(sums);
                int row = 2 * TS.Lanes, hi = TS.Lanes;
                TS.Flush(c00, ref s, p0 > 0); TS.Flush(c01, ref Unsafe.Add(ref s, hi), p0 > 0);
                TS.Flush(c10, ref Unsafe.Add(ref s, row), p0 > 0); TS.Flush(c11, ref Unsafe.Add(ref s, row + hi), p0 > 0);
                TS.Flush(c20, ref Unsafe.Add(ref s, 2 * row), p0 > 0); TS.Flush(c21, ref Unsafe.Add(ref s, 2 * row + hi), p0 > 0);
                TS.Flush(c30, ref Unsafe.Add(ref s, 3 * row), p0 > 0); TS.Flush(c31, ref Unsafe.Add(ref s, 3 * row + hi), p0 > 0);
                TS.Flush(c40, ref Unsafe.Add(ref s, 4 * row), p0 > 0); TS.Flush(c41, ref Unsafe.Add(ref s, 4 * row + hi), p0 > 0);
                TS.Flush(c50, ref Unsafe.Add(ref s, 5 * row), p0 > 0); TS.Flush(c51, ref Unsafe.Add(ref s, 5 * row + hi), p0 > 0);
                if (TS.Rows > 6)
                {
                    TS.Flush(c60, ref Unsafe.Add(ref s, 6 * row), p0 > 0); TS.Flush(c61, ref Unsafe.Add(ref s, 6 * row + hi), p0 > 0);
                    TS.Flush(c70, ref Unsafe.Add(ref s, 7 * row), p0 > 0); TS.Flush(c71, ref Unsafe.Add(ref s, 7 * row + hi), p0 > 0);
                }
            }
        }
    }

    /// <summary>No SIMD: the same packed layout, one exact dot product at a time.</summary>
    private static void Scalar<TE>(short[] a, short[] b, int m, int n, int k, TE e) where TE : struct, IEpilogue
    {
        int ld = Pad(k);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                long acc = 0;
                int bo = j / Panel * Panel * ld + j % Panel * 2;
                for (int t = 0; t < ld; t += 2) acc += a[i * ld + t] * b[bo + t * Panel] + a[i * ld + t + 1] * b[bo + t * Panel + 1];
                e.Store(i, j, acc);
            }
    }

    /// <summary>One SIMD width's operations for <see cref="MicroTile{TS, TV}"/>: TV holds Lanes int32 lanes, one output column each.</summary>
    private interface ISimd<TV> where TV : struct
    {
        /// <summary>Columns per vector.</summary>
        static abstract int Lanes { get; }

        /// <summary>Rows per micro-tile (6 or 8): 2·Rows accumulators, 2 B vectors and a broadcast fit the register file.</summary>
        static abstract int Rows { get; }

        /// <summary>Lanes consecutive k-pairs (int16 pairs) of B.</summary>
        static abstract TV Load(ref short p);

        /// <summary>One k-pair of A in every lane.</summary>
        static abstract TV Broadcast(ref short p);

        /// <summary>acc + x.lo·w.lo + x.hi·w.hi per int32 lane (exact: each pair sum is below 2^24).</summary>
        static abstract TV MulAdd(TV acc, TV x, TV w);

        /// <summary>dst[0..Lanes) = acc widened to int64, plus dst[0..Lanes) when add.</summary>
        static abstract void Flush(TV acc, ref long dst, bool add);
    }

    private readonly struct Simd512 : ISimd<Vector512<int>>
    {
        public static int Lanes => 16;
        public static int Rows => 8;
        public static Vector512<int> Load(ref short p) => Vector512.LoadUnsafe(ref p).AsInt32();
        public static Vector512<int> Broadcast(ref short p) => Vector512.Create(Unsafe.As<short, int>(ref p));
        public static Vector512<int> MulAdd(Vector512<int> acc, Vector512<int> x, Vector512<int> w) => acc + Avx512BW.MultiplyAddAdjacent(x.AsInt16(), w.AsInt16());

        public static void Flush(Vector512<int> acc, ref long dst, bool add)
        {
            var (lo, hi) = Vector512.Widen(acc);
            if (add) { lo += Vector512.LoadUnsafe(ref dst); hi += Vector512.LoadUnsafe(ref dst, 8); }
            lo.StoreUnsafe(ref dst);
            hi.StoreUnsafe(ref dst, 8);
        }
    }

    private readonly struct Vnni256 : ISimd<Vector256<int>>
    {
        public static int Lanes => 8;
        public static int Rows => 6;
        public static Vector256<int> Load(ref short p) => Vector256.LoadUnsafe(ref p).AsInt32();
        public static Vector256<int> Broadcast(ref short p) => Vector256.Create(Unsafe.As<short, int>(ref p));
        public static Vector256<int> MulAdd(Vector256<int> acc, Vector256<int> x, Vector256<int> w) => AvxVnni.MultiplyWideningAndAdd(acc, x.AsInt16(), w.AsInt16());
        public static void Flush(Vector256<int> acc, ref long dst, bool add) => Simd256.Flush(acc, ref dst, add);
    }

    private readonly struct Simd256 : ISimd<Vector256<int>>
    {
        public static int Lanes => 8;
        public static int Rows => 6;
        public static Vector256<int> Load(ref short p) => Vector256.LoadUnsafe(ref p).AsInt32();
        public static Vector256<int> Broadcast(ref short p) => Vector256.Create(Unsafe.As<short, int>(ref p));
        public static Vector256<int> MulAdd(Vector256<int> acc, Vector256<int> x, Vector256<int> w) => acc + Avx2.MultiplyAddAdjacent(x.AsInt16(), w.AsInt16());

        public static void Flush(Vector256<int> acc, ref long dst, bool add)
        {
            var (lo, hi) = Vector256.Widen(acc);
            if (add) { lo += Vector256.LoadUnsafe(ref dst); hi += Vector256.LoadUnsafe(ref dst, 4); }
            lo.StoreUnsafe(ref dst);
            hi.StoreUnsafe(ref dst, 4);
        }
    }

    /// <summary>Weights [n, k] int8 → the packed B operand that <see cref="Fast{TE}"/> reads.</summary>
    public static short[] PackB(ReadOnlySpan<sbyte> w, int n, int k)
    {
        var plain = new short[n * Pad(k)];
        Pack(w, n, k, plain);
        var p = new short[PackedBLength(n, k)];
        PackB(plain, n, k, p);
        return p;
    }

    /// <summary>Plain padded rows Bt [n, Pad(k)] → the packed B operand that <see cref="Fast{TE}"/> reads, into dst (length ≥ PackedBLength).</summary>
    public static void PackB(ReadOnlySpan<short> plainRows, int n, int k, Span<short> dst)
    {
        // As int32, a plain row is its k-pairs; packing transposes each panel of 32 rows to [k-pair, column].
        int pairs = Pad(k) / 2;
        var src = MemoryMarshal.Cast<short, int>(plainRows[..(n * Pad(k))]);
        var d = MemoryMarshal.Cast<short, int>(dst[..PackedBLength(n, k)]);
        for (int p0 = 0; p0 < d.Length; p0 += Panel * pairs)
        {
            var panel = d.Slice(p0, Panel * pairs);
            int j0 = p0 / pairs, cols = Math.Min(Panel, n - j0);
            if (cols < Panel) panel.Clear();
            for (int j = 0; j < cols; j++)
            {
                var row = src.Slice((j0 + j) * pairs, pairs);
                for (int p = 0; p < row.Length; p++) panel[p * Panel + j] = row[p];
            }
        }
    }

    /// <summary>Length in elements of a packed B operand: n rounded up to whole panels of 32 columns.</summary>
    public static int PackedBLength(int n, int k) => (n + Panel - 1) / Panel * Panel * Pad(k);

    /// <summary>Copies rows of int8 values into a zero-padded int16 matrix with stride Pad(k).</summary>
    public static void Pack(ReadOnlySpan<sbyte> src, int rows, int k, Span<short> dst)
    {
        int ld = Pad(k);
        for (int r = 0; r < rows; r++)
        {
            var s = src.Slice(r * k, k);
            var d = dst.Slice(r * ld, ld);
            int t = 0;
            if (Vector.IsHardwareAccelerated)
                for (; t <= k - Vector<sbyte>.Count; t += Vector<sbyte>.Count)
                {
                    Vector.Widen(new Vector<sbyte>(s[t..]), out var lo, out var hi);
                    lo.CopyTo(d[t..]);
                    hi.CopyTo(d[(t + Vector<short>.Count)..]);
                }
            for (; t < k; t++) d[t] = s[t];
            d[k..].Clear();
        }
    }

    /// <summary>Copies rows of int16 values into a zero-padded int16 matrix with stride Pad(k).</summary>
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
