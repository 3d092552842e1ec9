using Verity.Engine.Kernels;
using Verity.Engine.Ops;
using Verity.Engine.Tensors;
using static Verity.Engine.Tests.TestKit;

namespace Verity.Engine.Tests;

/// <summary>The int16 GEMM kernel directly (exact int64 dot products) and through Linear on awkward sizes.</summary>
public class GemmTests
{
    /// <summary>Records every dot product; a struct holding a reference, so copies made per tile share the array.</summary>
    private readonly struct Capture(long[] c, int n) : IEpilogue
    {
        public void Store(int row, int col, long acc) => c[row * n + col] = acc;
    }

    public static TheoryData<string, int> ExtremePatterns() => new()
    {
        { "all +32767 × +127", 4096 }, { "all +32767 × +127", 4097 }, { "all +32767 × +127", 4608 }, { "all +32767 × +127", 8200 },
        { "all −32767 × +127", 4608 }, { "signs alternate in k, products all positive", 4608 },
        { "signs alternate in k, products all negative", 4608 }, { "signs alternate by row and column", 4608 },
        { "signs alternate in k, products all positive", 8200 },
    };

    [Theory]
    [MemberData(nameof(ExtremePatterns))]
    public void Dot_products_over_many_blocks_are_exact_at_the_extremes(string pattern, int k)
    {
        const int m = 13, n = 67; // partial 6- and 8-row micro-tiles; two full 32-column panels plus 3 columns
        int ld = Gemm.Pad(k);
        var a = new short[m * ld];
        var b = new short[n * ld];
        for (int i = 0; i < m; i++)
            for (int t = 0; t < k; t++) a[i * ld + t] = (short)(32767 * ASign(pattern, i, t));
        for (int j = 0; j < n; j++)
            for (int t = 0; t < k; t++) b[j * ld + t] = (short)(127 * BSign(pattern, j, t));

        var expected = new long[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
                for (int t = 0; t < k; t++) expected[i * n + j] += (long)a[i * ld + t] * b[j * ld + t];
        Assert.Contains(expected, v => Math.Abs(v) == (long)k * 32767 * 127); // the pattern really reaches the bound

        var reference = new long[m * n];
        var capture = new Capture(reference, n);
        Gemm.Reference(a, b, m, n, k, ref capture);
        Assert.Equal(expected, reference);
        var packed = new short[Gemm.PackedBLength(n, k)];
        packed.AsSpan().Fill(0x5555); // PackB must write every element, padding columns included
        Gemm.PackB(b, n, k, packed);
        foreach (int threads in new[] { 1, 2 })
        {
            var fast = new long[m * n];
            Gemm.Fast(a, packed, m, n, k, new Capture(fast, n), threads);
            Assert.Equal(expected, fast);
        }
    }

    private static int ASign(string pattern, int i, int t) => pattern switch
    {
        "all −32767 × +127" => -1,
        "signs alternate in k, products all positive" or "signs alternate in k, products all negative" => t % 2 == 0 ? 1 : -1,
        "signs alternate by row and column" => i % 2 == 0 ? 1 : -1,
        _ => 1,
    };

    private static int BSign(string pattern, int j, int t) => pattern switch
    {
        "signs alternate in k, products all positive" => t % 2 == 0 ? 1 : -1,
        "signs alternate in k, products all negative" => t % 2 == 0 ? -1 : 1,
        "signs alternate by row and column" => j % 2 == 0 ? 1 : -1,
        _ => 1,
    };

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
        int[] ks = [1, 7, 32, 33, 147], ms = [1, 3, 4, 5, 13], ns = [1, 3, 63, 64, 65, 130];
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

    [Fact(Skip = "bug: Requantizer.Store writes one byte for any non-I16 type, so Linear/Conv2d/MatMul with OutType I32 differ between Reference (4-byte int32) and Fast; Linear.Read accepts OutType I32")]
    public void Linear_with_I32_output_type_fast_matches_reference()
    {
        var r = new Rng(6);
        var op = Linear(r, 40, 9, DType.I32, false, 127);
        AssertParity(op, Tensor(r, DType.I8, [7, 40]));
    }
}
