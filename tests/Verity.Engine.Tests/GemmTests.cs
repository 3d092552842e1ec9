using Verity.Engine.Kernels;
using Verity.Engine.Ops;
using Verity.Engine.Tensors;
using static Verity.Engine.Tests.TestKit;

namespace Verity.Engine.Tests;

/// <summary>
/// The int16 GEMM kernel directly: Fast (packed B, whichever SIMD path this machine takes) against Reference (plain
/// rows), bit for bit, at 1 and 2 threads. test.sh reruns the Determinism category on the AVX2 and scalar paths.
/// </summary>
[Trait("Category", "Determinism")]
public class GemmTests
{
    /// <summary>Records every dot product, and fails on a second store to the same element.</summary>
    private readonly struct Capture(long[] c, bool[] seen, int n) : IEpilogue
    {
        public void Store(int row, int col, long acc)
        {
            Assert.False(seen[row * n + col], $"element ({row}, {col}) stored twice");
            seen[row * n + col] = true;
            c[row * n + col] = acc;
        }
    }

    /// <summary>Every element exactly once; plain rows b [n, Pad(k)] are packed here, as the ops do.</summary>
    private static long[] RunFast(short[] a, short[] b, int m, int n, int k, int threads)
    {
        var packed = new short[Gemm.PackedBLength(n, k)];
        packed.AsSpan().Fill(-12345); // the packing must overwrite every element it owns, padding included
        Gemm.PackB(b, n, k, packed);
        var c = new long[m * n];
        var seen = new bool[m * n];
        Gemm.Fast(a, packed, m, n, k, new Capture(c, seen, n), threads);
        Assert.All(seen, Assert.True);
        return c;
    }

    private static long[] RunReference(short[] a, short[] b, int m, int n, int k)
    {
        var c = new long[m * n];
        var capture = new Capture(c, new bool[m * n], n);
        Gemm.Reference(a, b, m, n, k, ref capture);
        return c;
    }

    /// <summary>Padded rows [rows, Pad(k)] with values uniform in ±bound (zero padding).</summary>
    private static short[] Rows(Rng r, int rows, int k, int bound)
    {
        int ld = Gemm.Pad(k);
        var x = new short[rows * ld];
        for (int i = 0; i < rows; i++)
            for (int t = 0; t < k; t++) x[i * ld + t] = (short)r.Int(-bound, bound);
        return x;
    }

    public static TheoryData<int, int, int, bool> ModelShapes()
    {
        var d = new TheoryData<int, int, int, bool>();
        // ResNet18 convolutions as im2col GEMMs, all-MiniLM-L6-v2 linears, and one attention head's two products.
        int[][] shapes = [[12544, 64, 147], [3136, 64, 576], [784, 128, 1152], [196, 256, 2304], [49, 512, 4608],
            [128, 384, 384], [128, 1536, 384], [128, 384, 1536], [128, 128, 32], [128, 32, 128]];
        foreach (var s in shapes)
            foreach (bool int8A in new[] { false, true }) d.Add(s[0], s[1], s[2], int8A);
        return d;
    }

    [Theory]
    [MemberData(nameof(ModelShapes))]
    public void Fast_matches_reference_on_model_shapes(int m, int n, int k, bool int8A)
    {
        // Linear/Conv2d: A int16, B int8. MatMul: either side may be the int16 one.
        var r = new Rng(((ulong)m * 1_000_003 + (ulong)n * 1009 + (ulong)k) * 2 + (int8A ? 1UL : 0));
        var a = Rows(r, m, k, int8A ? 127 : 32767);
        var b = Rows(r, n, k, int8A ? 32767 : 127);
        var expected = RunReference(a, b, m, n, k);
        Assert.Equal(expected, RunFast(a, b, m, n, k, threads: 1));
        Assert.Equal(expected, RunFast(a, b, m, n, k, threads: 2));
    }

    public static TheoryData<string, int> ExtremePatterns()
    {
        var d = new TheoryData<string, int>();
        foreach (int k in new[] { 1, 31, 33, 4608 })
            foreach (var p in new[] { "all +32767 × +127", "all −32767 × +127", "signs alternate in k, products all positive",
                         "signs alternate in k, products all negative", "signs alternate by row and column", "A int8, B int16" })
                d.Add(p, k);
        return d;
    }

    /// <summary>
    /// m = 1..9 (tails of every micro-tile height) × n = 1..70 (partial panels) at the value bounds, where one
    /// int32 lane reaches 512·32767·127 just before it is flushed and k = 4608 sums exceed 2^34.
    /// </summary>
    [Theory]
    [MemberData(nameof(ExtremePatterns))]
    public void Fast_is_exact_at_the_extremes_for_every_small_m_and_n(string pattern, int k)
    {
        const int maxM = 9, maxN = 70;
        int ld = Gemm.Pad(k);
        var a = new short[maxM * ld];
        var b = new short[maxN * ld];
        bool swap = pattern == "A int8, B int16";
        for (int i = 0; i < maxM; i++)
            for (int t = 0; t < k; t++) a[i * ld + t] = (short)((swap ? 127 : 32767) * ASign(pattern, i, t));
        for (int j = 0; j < maxN; j++)
            for (int t = 0; t < k; t++) b[j * ld + t] = (short)((swap ? 32767 : 127) * BSign(pattern, j, t));

        var all = RunReference(a, b, maxM, maxN, k);
        Assert.Contains(all, v => Math.Abs(v) == (long)k * 32767 * 127); // the pattern really reaches the bound
        for (int m = 1; m <= maxM; m++)
            for (int n = 1; n <= maxN; n++)
            {
                var expected = new long[m * n];
                for (int i = 0; i < m; i++) Array.Copy(all, i * maxN, expected, i * n, n);
                foreach (int threads in new[] { 1, 2 })
                    Assert.Equal(expected, RunFast(a[..(m * ld)], b[..(n * ld)], m, n, k, threads));
            }
    }

    private static int ASign(string pattern, int i, int t) => pattern switch
    {
        "all −32767 × +127" => -1,
        "signs alternate in k, products all positive" or "signs alternate in k, products all negative" => t % 2 == 0 ? 1 : -1,
        "signs alternate by row and column" or "A int8, B int16" => i % 2 == 0 ? 1 : -1,
        _ => 1,
    };

    private static int BSign(string pattern, int j, int t) => pattern switch
    {
        "signs alternate in k, products all positive" => t % 2 == 0 ? 1 : -1,
        "signs alternate in k, products all negative" => t % 2 == 0 ? -1 : 1,
        "signs alternate by row and column" or "A int8, B int16" => j % 3 == 0 ? 1 : -1,
        _ => 1,
    };

    [Fact]
    public void Fast_with_k_zero_stores_zeros()
    {
        var c = RunFast([], [], 3, 5, 0, threads: 2);
        Assert.All(c, v => Assert.Equal(0, v));
    }

    [Fact]
    public void PackB_from_int8_weights_equals_packing_the_widened_rows()
    {
        var r = new Rng(77);
        foreach (var (n, k) in new[] { (1, 1), (33, 70), (64, 147) })
        {
            var w = Weights(r, n * k);
            var plain = new short[n * Gemm.Pad(k)];
            Gemm.Pack(w, n, k, plain);
            var expected = new short[Gemm.PackedBLength(n, k)];
            Gemm.PackB(plain, n, k, expected);
            Assert.Equal(expected, Gemm.PackB(w, n, k));
        }
    }

    [Fact]
    public void Pack_zero_pads_each_row_to_a_multiple_of_32()
    {
        Assert.Equal(0, Gemm.Pad(0));
        Assert.Equal(32, Gemm.Pad(1));
        Assert.Equal(32, Gemm.Pad(32));
        Assert.Equal(64, Gemm.Pad(33));
        Assert.Equal(4608, Gemm.Pad(4608));
        sbyte[] src = [1, -2, 3, -4, 5, -6];
        var dst = new short[2 * 32];
        dst.AsSpan().Fill(99);
        Gemm.Pack(src, 2, 3, dst);
        Assert.Equal(new short[] { 1, -2, 3 }, dst[..3]);
        Assert.Equal(new short[] { -4, 5, -6 }, dst[32..35]);
        Assert.All(dst[3..32].Concat(dst[35..]), v => Assert.Equal(0, v));
        short[] src16 = [32767, -32767, 7];
        dst.AsSpan().Fill(99);
        Gemm.Pack(src16, 1, 3, dst);
        Assert.Equal(new short[] { 32767, -32767, 7 }, dst[..3]);
        Assert.All(dst[3..32], v => Assert.Equal(0, v));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(31)]
    [InlineData(32)]
    [InlineData(33)]
    [InlineData(64)]
    [InlineData(95)]
    [InlineData(147)]
    public void Pack_widens_int8_rows_of_any_length(int k)
    {
        var r = new Rng((ulong)k);
        const int rows = 5;
        var src = Weights(r, rows * k);
        src[0] = -127; src[^1] = 127;
        int ld = Gemm.Pad(k);
        var dst = new short[rows * ld];
        dst.AsSpan().Fill(99);
        Gemm.Pack(src, rows, k, dst);
        for (int i = 0; i < rows; i++)
            for (int t = 0; t < ld; t++) Assert.Equal(t < k ? src[i * k + t] : 0, dst[i * ld + t]);
    }

    /// <summary>
    /// Conv2d's im2col copies runs of KW values with 8- or 16-byte moves whose excess the next runs overwrite; these
    /// kernels put a run boundary exactly at the row's end (k = Pad(k)), use each copy width, and pad unevenly.
    /// </summary>
    [Theory]
    [InlineData(32, 1, 1, 1, new[] { 0, 0, 0, 0 })]
    [InlineData(64, 1, 1, 2, new[] { 0, 0, 0, 0 })]
    [InlineData(32, 3, 3, 1, new[] { 1, 1, 1, 1 })]
    [InlineData(5, 1, 3, 1, new[] { 0, 1, 0, 1 })]
    [InlineData(3, 3, 1, 2, new[] { 1, 0, 1, 0 })]
    [InlineData(3, 5, 5, 1, new[] { 2, 2, 2, 2 })]
    [InlineData(3, 7, 7, 2, new[] { 3, 3, 2, 2 })]
    [InlineData(2, 9, 9, 1, new[] { 4, 0, 3, 5 })]
    public void Conv2d_im2col_matches_reference(int cin, int kh, int kw, int stride, int[] pads)
    {
        var r = new Rng((ulong)(cin * 100 + kh * 10 + kw) + (ulong)stride * 7);
        foreach (var inType in new[] { DType.I8, DType.I16 })
        {
            var op = Conv(r, cin, 8, kh, kw, stride, pads, DType.I16, false, inType.Max(), $"conv_{cin}_{kh}x{kw}_s{stride}");
            AssertInformative(AssertParity(op, Tensor(r, inType, [1, cin, 13, 11])), op.Name);
        }
    }

    // Through the Linear op: packing, the kernel and the requantizing epilogue together.

    public static TheoryData<DType, DType, bool> TypeCombos()
    {
        var d = new TheoryData<DType, DType, bool>();
        foreach (var i in new[] { DType.I8, DType.I16 })
            foreach (var o in new[] { DType.I8, DType.I16 })
                foreach (bool relu in new[] { false, true }) d.Add(i, o, relu);
        return d;
    }

    [Theory]
    [MemberData(nameof(TypeCombos))]
    public void Linear_fast_matches_reference_on_awkward_sizes(DType inType, DType outType, bool relu)
    {
        var r = new Rng(100 + (ulong)inType * 10 + (ulong)outType * 2 + (relu ? 1UL : 0));
        int[] ks = [1, 7, 32, 33, 147], ms = [1, 3, 4, 5, 8, 13, 17], ns = [1, 3, 8, 17, 63, 64, 65, 130];
        foreach (int k in ks)
            foreach (int m in ms)
                foreach (int n in ns)
                {
                    var op = Linear(r, k, n, outType, relu, inType.Max(), $"fc_k{k}_m{m}_n{n}");
                    var y = AssertParity(op, Tensor(r, inType, [m, k]));
                    if (m * n >= 64 && k > 1) AssertInformative(y, op.Name);
                }
        // Big enough to take the multi-threaded path (m·n·k ≥ 2^16), with leading batch dims.
        var big = Linear(r, 147, 130, outType, relu, inType.Max(), "fc_big");
        AssertInformative(AssertParity(big, Tensor(r, inType, [3, 13, 147])), big.Name);
    }

    [Theory]
    [InlineData(4608, "all +32767 × +127")]
    [InlineData(4608, "signs alternate")]
    [InlineData(4608, "random")]
    [InlineData(4097, "all +32767 × +127")]
    public void Linear_with_k_over_4096_flushes_without_overflow(int k, string pattern)
    {
        var r = new Rng((ulong)k + (ulong)pattern.Length);
        const int m = 6, n = 5;
        var x = new IntTensor(DType.I16, [m, k]);
        for (int i = 0; i < x.Length; i++)
            x.Set(i, pattern switch { "random" => r.Int(-32767, 32767), "signs alternate" => i % 2 == 0 ? 32767 : -32767, _ => 32767 });
        var w = new sbyte[n * k];
        for (int i = 0; i < w.Length; i++)
            w[i] = pattern switch { "random" => (sbyte)r.Int(-127, 127), "signs alternate" => (sbyte)(i % 2 == 0 ? 127 : -127), _ => (sbyte)127 };
        // Row 1 of the weights is the negation of row 0, so both extremes are produced.
        for (int t = 0; t < k; t++) w[k + t] = (sbyte)-w[t];
        long bound = (long)k * 32767 * 127;
        var op = new Linear
        {
            Name = "fc_long", Inputs = [0], OutType = DType.I16, N = n, K = k, Relu = false, W = w,
            Bias = new long[n], Mult = [.. Enumerable.Repeat(1 << 14, n)], Shift = [.. Enumerable.Repeat(ShiftFor(bound, 1 << 14, 30000), n)],
        };
        var y = AssertParity(op, x);
        if (pattern != "random")
        {
            long expected = Fixed.Requant(bound, 1 << 14, op.Shift[0]);
            Assert.InRange(expected, 10000, 32767); // not saturated: the exact sum is visible
            Assert.Equal((int)expected, y.Get(0));
            Assert.Equal((int)Fixed.Requant(-bound, 1 << 14, op.Shift[0]), y.Get(1));
        }
    }

    [Theory]
    [InlineData(DType.I8, DType.I16)]
    [InlineData(DType.I16, DType.I8)]
    [InlineData(DType.I16, DType.I16)]
    public void Linear_with_a_fused_activation_table_matches_reference(DType inType, DType outType)
    {
        var r = new Rng(900 + (ulong)inType * 3 + (ulong)outType);
        int max = outType.Max();
        var table = new short[65536];
        for (int i = 0; i < table.Length; i++) table[i] = (short)r.Int(-max, max);
        foreach (var (m, k, n) in new[] { (5, 33, 67), (13, 147, 130), (1, 7, 1) })
        {
            var plain = Linear(r, k, n, DType.I16, false, inType.Max(), $"gelu_fc_{m}x{k}x{n}");
            var fused = new Linear
            {
                Name = plain.Name, Inputs = [0], OutType = outType, N = n, K = k, W = plain.W, Bias = plain.Bias,
                Mult = plain.Mult, Shift = plain.Shift, Relu = false, Table = table,
            };
            var x = Tensor(r, inType, [m, k]);
            var y = AssertParity(fused, x);
            // The definition: the table is applied to the I16-saturated requantized value.
            var pre = AssertParity(plain, x);
            for (int i = 0; i < y.Length; i++) Assert.Equal(table[pre.Get(i) + 32768], y.Get(i));
        }
    }

    [Fact]
    public void Gemm_ops_reject_an_int32_output()
    {
        // The GEMM epilogue writes I8 or I16 only; Reference would write int32, so I32 outputs must be refused.
        var r = new Rng(6);
        var linear = Linear(r, 40, 9, DType.I32, false, 127);
        Assert.Throws<InvalidOperationException>(() => linear.OutputShape([Tensor(r, DType.I8, [7, 40])]));
        var conv = Conv(r, 3, 4, 3, 3, 1, [1, 1, 1, 1], DType.I32, false, 127);
        Assert.Throws<InvalidOperationException>(() => conv.OutputShape([Tensor(r, DType.I8, [1, 3, 5, 5])]));
        var mm = new MatMul { Name = "mm", Inputs = [0, 1], OutType = DType.I32, Mult = 1 << 14, Shift = 20 };
        Assert.Throws<InvalidOperationException>(() => mm.OutputShape([Tensor(r, DType.I8, [2, 3]), Tensor(r, DType.I8, [3, 2])]));
    }
}
