using Verity.Engine.Ops;
using Verity.Engine.Tensors;
using static Verity.Engine.Tests.TestKit;

namespace Verity.Engine.Tests;

/// <summary>Every op kind: Reference and Fast (one and two threads) produce the same bytes on random valid parameters.</summary>
[Trait("Category", "Determinism")]
public class OpParityTests
{
    public static TheoryData<int, int, int[], DType, DType, bool> ConvCases()
    {
        var d = new TheoryData<int, int, int[], DType, DType, bool>();
        foreach (var (k, stride, pads) in new (int, int, int[])[]
        {
            (1, 1, [0, 0, 0, 0]), (1, 2, [0, 0, 0, 0]), (3, 1, [1, 1, 1, 1]), (3, 2, [1, 1, 0, 0]),
            (7, 2, [3, 3, 2, 2]), (7, 1, [3, 3, 2, 2]), (3, 1, [1, 1, 0, 0]), (7, 2, [3, 3, 3, 3]),
        })
        {
            d.Add(k, stride, pads, DType.I8, DType.I8, true);
            d.Add(k, stride, pads, DType.I16, DType.I16, false);
        }
        d.Add(3, 2, [1, 1, 0, 0], DType.I8, DType.I16, false);
        d.Add(7, 2, [3, 3, 2, 2], DType.I16, DType.I8, true);
        return d;
    }

    [Theory]
    [MemberData(nameof(ConvCases))]
    public void Conv2d(int k, int stride, int[] pads, DType inType, DType outType, bool relu)
    {
        var r = new Rng((ulong)(k * 1000 + stride * 100 + pads.Sum() * 10) + (ulong)inType + (ulong)outType * 7);
        foreach (var (cin, cout, h, w) in new[] { (3, 5, 11, 9), (4, 16, 8, 13), (1, 1, 7, 7) })
        {
            var op = Conv(r, cin, cout, k, k, stride, pads, outType, relu, inType.Max(), $"conv_{cin}x{cout}_{h}x{w}");
            var y = AssertParity(op, Tensor(r, inType, [1, cin, h, w]));
            if (cin * k * k > 1) AssertInformative(y, op.Name);
        }
    }

    [Fact]
    public void Conv2d_output_geometry()
    {
        var r = new Rng(1);
        var op = Conv(r, 3, 8, 7, 7, 2, [3, 3, 2, 2], DType.I8, false, 127);
        Assert.Equal(new[] { 1, 8, 112, 112 }, op.OutputShape([new IntTensor(DType.I8, [1, 3, 224, 224])]));
        var one = Conv(r, 3, 4, 1, 1, 1, [1, 1, 0, 0], DType.I8, false, 127);
        Assert.Equal(new[] { 1, 4, 6, 6 }, one.OutputShape([new IntTensor(DType.I8, [1, 3, 5, 5])]));
        Assert.Throws<InvalidOperationException>(() => op.OutputShape([new IntTensor(DType.I8, [1, 4, 224, 224])]));
        Assert.Throws<InvalidOperationException>(() => op.OutputShape([new IntTensor(DType.I32, [1, 3, 224, 224])]));
    }

    [Fact]
    public void Conv2d_and_pools_reject_an_input_smaller_than_the_kernel_even_at_stride_2()
    {
        // (2 − 3)/2 + 1 truncates to 1 in C#: the check must not rely on the output size alone.
        var op = Conv(new Rng(2), 1, 1, 3, 3, 2, [0, 0, 0, 0], DType.I8, false, 127);
        Assert.Throws<InvalidOperationException>(() => op.OutputShape([new IntTensor(DType.I8, [1, 1, 2, 2])]));
        Assert.Throws<InvalidOperationException>(() => op.OutputShape([new IntTensor(DType.I8, [1, 1, 5, 2])]));
        var pool = new MaxPool2d { Name = "mp", Inputs = [0], OutType = DType.I8, KH = 3, KW = 3, StrideH = 2, StrideW = 2, Pads = [0, 0, 0, 0] };
        Assert.Throws<InvalidOperationException>(() => pool.OutputShape([new IntTensor(DType.I8, [1, 1, 2, 2])]));
        Assert.Equal(new[] { 1, 1, 1, 1 }, pool.OutputShape([new IntTensor(DType.I8, [1, 1, 3, 4])]));
    }

    [Fact]
    public void Conv2d_rejects_a_low_rank_input_with_a_clear_message()
    {
        var op = Conv(new Rng(3), 3, 1, 1, 1, 1, [0, 0, 0, 0], DType.I8, false, 127);
        var e = Assert.Throws<InvalidOperationException>(() => op.OutputShape([new IntTensor(DType.I8, [3, 3])]));
        Assert.Contains("[1,3,H,W]", e.Message);
    }

    [Theory]
    [InlineData(DType.I8, DType.I16, DType.I16)]
    [InlineData(DType.I16, DType.I8, DType.I16)]
    [InlineData(DType.I8, DType.I8, DType.I8)]
    [InlineData(DType.I16, DType.I8, DType.I8)]
    public void MatMul_batched_attention_shapes(DType aType, DType bType, DType outType)
    {
        var r = new Rng(200 + (ulong)aType * 10 + (ulong)bType * 3 + (ulong)outType);
        foreach (int s in new[] { 1, 7, 16, 33 })
        {
            // Scores: [12, S, 32]·[12, 32, S]; then probabilities·values: [12, S, S]·[12, S, 32] (K = S).
            foreach (var (a, b) in new[] { (new[] { 12, s, 32 }, new[] { 12, 32, s }), (new[] { 12, s, s }, new[] { 12, s, 32 }), (new[] { 1, 2, s, 32 }, new[] { 1, 2, 32, s }) })
            {
                int k = a[^1];
                int mult = r.Int(1 << 14, (1 << 15) - 1);
                long accStd = (long)Math.Sqrt(k) * Std(aType.Max()) * Std(bType.Max()) + 1;
                var op = new MatMul { Name = $"mm_s{s}_k{k}", Inputs = [0, 1], OutType = outType, Mult = mult, Shift = ShiftFor(accStd, mult, outType.Max() / 3) };
                var y = AssertParity(op, Tensor(r, aType, a), Tensor(r, bType, b));
                if (k > 1) AssertInformative(y, op.Name);
            }
        }
    }

    public static TheoryData<int[], int[], int[]> FusedPerms() => new()
    {
        { [0, 2, 1, 3], [0, 2, 3, 1], [] },           // scores from [1, S, H, dh] rows: Q·Kᵀ without transposes
        { [], [0, 2, 1, 3], [0, 2, 1, 3] },           // context: P·V with V in [1, S, H, dh], output back to [1, S, H, dh]
        { [0, 2, 1, 3], [0, 2, 1, 3], [0, 2, 1, 3] },
        { [1, 0, 2, 3], [1, 0, 3, 2], [3, 2, 1, 0] },
        { [], [], [0, 1, 3, 2] },
    };

    [Theory]
    [MemberData(nameof(FusedPerms))]
    public void MatMul_with_fused_transposes_equals_transpose_matmul_transpose(int[] permA, int[] permB, int[] permOut)
    {
        var r = new Rng((ulong)(permA.Sum() * 100 + permB.Sum() * 10 + permOut.Sum()) + (ulong)permA.Length);
        foreach (var (aType, bType) in new[] { (DType.I8, DType.I16), (DType.I16, DType.I8) })
            foreach (int s in new[] { 5, 33 })
            {
                // Logical operands: A' = [2, 3, s, 16] (k = 16), B' = [2, 3, 16, s + 2].
                int[] aLogical = [2, 3, s, 16], bLogical = [2, 3, 16, s + 2];
                var a = Tensor(r, aType, Stored(aLogical, permA));
                var b = Tensor(r, bType, Stored(bLogical, permB));
                int mult = r.Int(1 << 14, (1 << 15) - 1), shift = ShiftFor(4 * Std(aType.Max()) * Std(bType.Max()), mult, 32767 / 3);
                var fused = new MatMul { Name = "mm_fused", Inputs = [0, 1], OutType = DType.I16, Mult = mult, Shift = shift, PermA = permA, PermB = permB, PermOut = permOut };
                var y = AssertParity(fused, a, b);
                AssertInformative(y, "mm_fused");

                var ta = permA.Length == 0 ? a : AssertParity(new Transpose { Name = "ta", Inputs = [0], OutType = aType, Perm = permA }, a);
                var tb = permB.Length == 0 ? b : AssertParity(new Transpose { Name = "tb", Inputs = [0], OutType = bType, Perm = permB }, b);
                var c = AssertParity(new MatMul { Name = "mm", Inputs = [0, 1], OutType = DType.I16, Mult = mult, Shift = shift }, ta, tb);
                var expected = permOut.Length == 0 ? c : AssertParity(new Transpose { Name = "tc", Inputs = [0], OutType = DType.I16, Perm = permOut }, c);
                AssertSameBytes(expected, y, $"fused perms A{S(permA)} B{S(permB)} out{S(permOut)}, s = {s}");
            }
    }

    /// <summary>The stored shape whose transpose by perm is the logical shape: stored[perm[i]] = logical[i].</summary>
    private static int[] Stored(int[] logical, int[] perm)
    {
        if (perm.Length == 0) return logical;
        var stored = new int[logical.Length];
        for (int i = 0; i < perm.Length; i++) stored[perm[i]] = logical[i];
        return stored;
    }

    private static string S(int[] p) => "[" + string.Join(",", p) + "]";

    [Fact]
    public void MatMul_rejects_two_int16_sides_and_mismatched_shapes()
    {
        var op = new MatMul { Name = "mm", Inputs = [0, 1], OutType = DType.I16, Mult = 1 << 14, Shift = 20 };
        Assert.Throws<InvalidOperationException>(() => op.OutputShape([new IntTensor(DType.I16, [2, 3, 4]), new IntTensor(DType.I16, [2, 4, 3])]));
        Assert.Throws<InvalidOperationException>(() => op.OutputShape([new IntTensor(DType.I8, [2, 3, 4]), new IntTensor(DType.I16, [2, 5, 3])]));
        Assert.Throws<InvalidOperationException>(() => op.OutputShape([new IntTensor(DType.I8, [2, 3, 4]), new IntTensor(DType.I16, [3, 4, 3])]));
        // A permutation with a repeated axis would leave output elements unwritten (stale memory): refused at run time.
        var a = new IntTensor(DType.I8, [1, 2, 3, 4]);
        var b = new IntTensor(DType.I16, [1, 2, 4, 3]);
        foreach (var (pa, pb, po) in new (int[], int[], int[])[] { ([], [], [0, 0, 1, 2]), ([], [], [0, 1, 2]), ([0, 1, 1, 3], [], []), ([], [3, 2, 1, 0, 4], []) })
        {
            var bad = new MatMul { Name = "mm", Inputs = [0, 1], OutType = DType.I16, Mult = 1 << 14, Shift = 20, PermA = pa, PermB = pb, PermOut = po };
            Assert.Throws<InvalidOperationException>(() => bad.OutputShape([a, b]));
        }
    }

    [Theory]
    [InlineData(1e-3, 32767)]
    [InlineData(1e-3, 3000)]
    [InlineData(2e-2, 300)]
    public void Softmax(double scale, int bound)
    {
        var r = new Rng((ulong)bound);
        var table = SoftmaxTable(scale);
        Assert.Equal(1 << 30, table[0]);
        Assert.True(table[^1] >= 1 && Math.Round(Math.Exp(-table.Length * scale) * (1 << 30)) < 1);
        var op = new Softmax { Name = "softmax", Inputs = [0], OutType = DType.I16, Table = table };
        foreach (int[] shape in new[] { new[] { 3, 5, 17 }, new[] { 12, 7, 7 }, new[] { 1, 1 }, new[] { 2, 64 } })
        {
            var y = AssertParity(op, Tensor(r, DType.I16, shape, bound));
            var v = y.ToInts();
            int l = shape[^1];
            for (int row = 0; row < v.Length / l; row++)
            {
                long sum = v.Skip(row * l).Take(l).Sum(x => (long)x);
                Assert.InRange(sum, 32768 - l, 32768 + l); // each entry rounds by at most 1/2
                Assert.All(v.Skip(row * l).Take(l), x => Assert.InRange(x, 0, 32767));
            }
        }
    }

    [Fact]
    public void Softmax_of_a_constant_row_is_uniform_and_one_hot_saturates_to_32767()
    {
        var op = new Softmax { Name = "softmax", Inputs = [0], OutType = DType.I16, Table = SoftmaxTable(1e-3) };
        var y = AssertParity(op, IntTensor.FromInts(DType.I16, [2, 4], [5, 5, 5, 5, 32767, -32767, -32767, -32767]));
        Assert.Equal(new[] { 8192, 8192, 8192, 8192, 32767, 0, 0, 0 }, y.ToInts());
    }

    [Theory]
    [InlineData(DType.I16, DType.I16)]
    [InlineData(DType.I16, DType.I8)]
    [InlineData(DType.I8, DType.I8)]
    [InlineData(DType.I8, DType.I16)]
    public void Lut(DType inType, DType outType)
    {
        var r = new Rng(300 + (ulong)inType * 3 + (ulong)outType);
        int size = inType == DType.I16 ? 65536 : 256, max = outType.Max();
        var table = new short[size];
        for (int i = 0; i < size; i++) table[i] = (short)r.Int(-max, max);
        var op = new Lut { Name = "lut", Inputs = [0], OutType = outType, Table = table };
        var x = Tensor(r, inType, [3, 7, 129]);
        var y = AssertParity(op, x);
        int offset = size / 2;
        for (int i = 0; i < x.Length; i++) Assert.Equal(table[x.Get(i) + offset], y.Get(i));
        Assert.Throws<InvalidOperationException>(() => op.OutputShape([new IntTensor(inType == DType.I8 ? DType.I16 : DType.I8, [3])]));
    }

    [Theory]
    [InlineData(DType.I8, DType.I8, DType.I8, false)]
    [InlineData(DType.I16, DType.I16, DType.I16, true)]
    [InlineData(DType.I16, DType.I16, DType.I16, false)]
    [InlineData(DType.I8, DType.I16, DType.I8, true)]
    [InlineData(DType.I16, DType.I8, DType.I16, false)]
    public void Add(DType aType, DType bType, DType outType, bool relu)
    {
        var r = new Rng(400 + (ulong)aType * 10 + (ulong)bType * 3 + (ulong)outType + (relu ? 50UL : 0));
        foreach (int[] shape in new[] { new[] { 2, 3, 37 }, new[] { 1, 16, 6, 6 }, new[] { 1 } })
        {
            int ma = r.Int(1 << 14, (1 << 15) - 1), mb = r.Int(1 << 14, (1 << 15) - 1);
            long accStd = Std(aType.Max()) * ma + Std(bType.Max()) * mb;
            var op = new Add { Name = "add", Inputs = [0, 1], OutType = outType, MultA = ma, MultB = mb, Shift = ShiftFor(accStd, 1, outType.Max() / 3), Relu = relu };
            AssertInformative(AssertParity(op, Tensor(r, aType, shape), Tensor(r, bType, shape)), "add");
        }
    }

    [Theory]
    [InlineData(DType.I8, DType.I8)]
    [InlineData(DType.I16, DType.I8)]
    [InlineData(DType.I16, DType.I16)]
    [InlineData(DType.I8, DType.I16)]
    public void LayerNorm(DType inType, DType outType)
    {
        var r = new Rng(500 + (ulong)inType * 3 + (ulong)outType);
        foreach (int d in new[] { 1, 7, 64, 77, 384 })
        {
            // t = c·2^15/R spreads about ±2^15 and |G| ≤ 2^12, so t·G spreads about 2^26: Shift 20–22 suits I8, 13–20 I16.
            int shift = outType == DType.I8 ? r.Int(20, 22) : r.Int(13, 20);
            var op = new LayerNorm
            {
                Name = $"ln{d}", Inputs = [0], OutType = outType, D = d, Eps = r.Long(0, 1000), Shift = shift,
                G = [.. Enumerable.Range(0, d).Select(_ => r.Int(-(1 << 12), 1 << 12))], B = Longs(r, d, 1 << 20),
            };
            var x = Tensor(r, inType, [3, 5, d]); // 15 rows: enough for the row-parallel fast path
            // One constant row: centred values are all 0 and the variance is Eps alone (R = max(1, ⌊√Eps⌋)).
            for (int i = 0; i < d; i++) x.Set(i, 17);
            var y = AssertParity(op, x);
            if (d > 1) AssertInformative(y, op.Name);
        }
    }

    [Fact]
    public void LayerNorm_with_zero_eps_on_a_constant_row_outputs_the_rounded_bias()
    {
        var op = new LayerNorm { Name = "ln", Inputs = [0], OutType = DType.I8, D = 4, Eps = 0, Shift = 20, G = [4096, 4096, 4096, 4096], B = [1 << 20, -(1 << 20), 3 << 19, -(3 << 19)] };
        var y = AssertParity(op, IntTensor.FromInts(DType.I8, [1, 4], [-9, -9, -9, -9]));
        Assert.Equal(new[] { 1, -1, 2, -1 }, y.ToInts()); // 1.5 → 2 and −1.5 → −1: half up
    }

    public static TheoryData<int[], DType> Perms()
    {
        var d = new TheoryData<int[], DType>();
        foreach (var type in new[] { DType.I8, DType.I16, DType.I32 })
        {
            foreach (var p in Permutations(3)) d.Add(p, type);
            foreach (var p in Permutations(4)) d.Add(p, type);
        }
        return d;
    }

    private static IEnumerable<int[]> Permutations(int n) =>
        n == 0 ? [[]] : Permutations(n - 1).SelectMany(p => Enumerable.Range(0, n).Select(i => p[..i].Append(n - 1).Concat(p[i..]).ToArray()));

    [Theory]
    [MemberData(nameof(Perms))]
    public void Transpose(int[] perm, DType type)
    {
        var r = new Rng((ulong)perm.Aggregate(7, (a, b) => a * 5 + b) + (ulong)type);
        int[] shape = perm.Length == 3 ? [3, 5, 7] : [2, 3, 5, 7];
        var x = Tensor(r, type, shape);
        var op = new Transpose { Name = "t", Inputs = [0], OutType = type, Perm = perm };
        var y = AssertParity(op, x);
        // Spot-check the definition: output index (o_0..o_n) reads input index with axis Perm[i] = o_i.
        var outShape = y.Shape;
        for (int o = 0; o < y.Length; o += 11)
        {
            var idx = new int[perm.Length];
            for (int i = perm.Length - 1, rem = o; i >= 0; i--) { idx[i] = rem % outShape[i]; rem /= outShape[i]; }
            var src = new int[perm.Length];
            for (int i = 0; i < perm.Length; i++) src[perm[i]] = idx[i];
            int flat = 0;
            for (int i = 0; i < perm.Length; i++) flat = flat * shape[i] + src[i];
            Assert.Equal(x.Get(flat), y.Get(o));
        }
    }

    [Fact]
    public void Reshape_infers_one_dim_and_copies_bytes()
    {
        var r = new Rng(600);
        var x = Tensor(r, DType.I16, [1, 12, 64]);
        var op = new Reshape { Name = "r", Inputs = [0], OutType = DType.I16, Dims = [1, -1, 4, 16] };
        var y = AssertParity(op, x);
        Assert.Equal(new[] { 1, 12, 4, 16 }, y.Shape);
        Assert.True(x.Bytes.SequenceEqual(y.Bytes));
        Assert.True(op.IsView);
        Assert.Throws<InvalidOperationException>(() => new Reshape { Name = "r", Inputs = [0], OutType = DType.I16, Dims = [-1, 5] }.OutputShape([x]));
        Assert.Throws<InvalidOperationException>(() => new Reshape { Name = "r", Inputs = [0], OutType = DType.I16, Dims = [-1, -1] }.OutputShape([x]));
        Assert.Throws<InvalidOperationException>(() => new Reshape { Name = "r", Inputs = [0], OutType = DType.I8, Dims = [768] }.OutputShape([x]));
    }

    public static TheoryData<bool, int, int, int[], DType> PoolCases()
    {
        var d = new TheoryData<bool, int, int, int[], DType>();
        foreach (bool max in new[] { true, false })
            foreach (var type in new[] { DType.I8, DType.I16 })
                foreach (var (k, s, pads) in new (int, int, int[])[] { (3, 2, [1, 1, 0, 0]), (2, 2, [0, 0, 0, 0]), (7, 1, [3, 3, 2, 2]), (3, 1, [1, 1, 1, 1]), (1, 1, [0, 0, 0, 0]), (7, 2, [3, 3, 2, 2]) })
                    d.Add(max, k, s, pads, type);
        return d;
    }

    [Theory]
    [MemberData(nameof(PoolCases))]
    public void Pool2d(bool max, int k, int stride, int[] pads, DType type)
    {
        var r = new Rng((ulong)(k * 100 + stride * 10 + pads.Sum()) + (max ? 1000UL : 0) + (ulong)type);
        Pool2d op = max
            ? new MaxPool2d { Name = "maxpool", Inputs = [0], OutType = type, KH = k, KW = k, StrideH = stride, StrideW = stride, Pads = pads }
            : new AvgPool2d { Name = "avgpool", Inputs = [0], OutType = type, KH = k, KW = k, StrideH = stride, StrideW = stride, Pads = pads };
        var x = Tensor(r, type, [1, 5, 13, 10]);
        var y = AssertParity(op, x);
        AssertInformative(y, op.Name);
        // Window (0, 0) covers rows [0, k − top) and columns [0, k − left): pads are never part of a window.
        int h1 = Math.Min(13, k - pads[0]), w1 = Math.Min(10, k - pads[1]);
        var window = Enumerable.Range(0, h1).SelectMany(yy => Enumerable.Range(0, w1).Select(xx => x.Get(yy * 10 + xx))).ToArray();
        long sum = window.Sum(v => (long)v);
        int expected = max ? window.Max() : (int)(sum >= 0 ? (2 * sum + window.Length) / (2 * window.Length) : -((-2 * sum + window.Length) / (2 * window.Length)));
        Assert.Equal(expected, y.Get(0));
    }

    [Fact]
    public void Embed()
    {
        var r = new Rng(700);
        const int vocab = 100, d = 24, maxPos = 20;
        int wm = 1 << 14;
        var op = new Embed
        {
            Name = "embed", Inputs = [0], OutType = DType.I16, Vocab = vocab, D = d, MaxPositions = maxPos,
            Word = Weights(r, vocab * d), WordMult = Mults(r, vocab), Pos = Weights(r, maxPos * d), PosMult = Mults(r, maxPos),
            Type = Weights(r, d), TypeMult = r.Int(wm, 2 * wm - 1), Shift = ShiftFor(3 * Std(127), wm * 2, 32767 / 3),
        };
        foreach (int s in new[] { 1, 13, maxPos })
        {
            var ids = IntTensor.FromInts(DType.I32, [1, s], [.. Enumerable.Range(0, s).Select(_ => r.Int(0, vocab - 1))]);
            var y = AssertParity(op, ids);
            if (s > 1) AssertInformative(y, "embed");
            int id = ids.Get(0);
            long v = (long)op.Word[id * d] * op.WordMult[id] + (long)op.Pos[0] * op.PosMult[0] + (long)op.Type[0] * op.TypeMult;
            Assert.Equal((int)Math.Clamp((v + (1L << (op.Shift - 1))) >> op.Shift, -32767, 32767), y.Get(0));
        }
        Assert.Throws<ArgumentException>(() => op.OutputShape([IntTensor.FromInts(DType.I32, [1, 2], [0, vocab])]));
        Assert.Throws<ArgumentException>(() => op.OutputShape([new IntTensor(DType.I32, [1, maxPos + 1])]));
    }

    [Fact]
    public void Embed_rejects_a_negative_token_id_with_ArgumentException()
    {
        var op = new Embed
        {
            Name = "embed", Inputs = [0], OutType = DType.I8, Vocab = 2, D = 1, MaxPositions = 2, Word = [1, 2], WordMult = [1, 1],
            Pos = [0, 0], PosMult = [0, 0], Type = [0], TypeMult = 0, Shift = 1,
        };
        var e = Assert.Throws<ArgumentException>(() => op.OutputShape([IntTensor.FromInts(DType.I32, [1, 2], [-1, 0])]));
        Assert.Contains("-1", e.Message);
    }

    [Theory]
    [InlineData(DType.I8)]
    [InlineData(DType.I16)]
    [InlineData(DType.I32)]
    public void ReduceMean_and_Gather_on_every_axis(DType type)
    {
        var r = new Rng(800 + (ulong)type);
        int[] shape = [3, 4, 5, 2];
        var x = Tensor(r, type, shape);
        for (int axis = 0; axis < shape.Length; axis++)
        {
            var mean = new ReduceMean { Name = "mean", Inputs = [0], OutType = type, Axis = axis };
            var m = AssertParity(mean, x);
            Assert.Equal([.. shape[..axis], .. shape[(axis + 1)..]], m.Shape);
            for (int index = 0; index < shape[axis]; index++)
            {
                var g = AssertParity(new Gather { Name = "gather", Inputs = [0], OutType = type, Axis = axis, Index = index }, x);
                Assert.Equal(m.Shape, g.Shape);
            }
        }
        // Spot values: mean over axis 0 of element (0,0,0), and gather of index 2 on axis 1.
        var m0 = AssertParity(new ReduceMean { Name = "mean", Inputs = [0], OutType = type, Axis = 0 }, x);
        long s = x.Get(0) + (long)x.Get(40) + x.Get(80);
        Assert.Equal((int)(s >= 0 ? (2 * s + 3) / 6 : -((-2 * s + 3) / 6)), m0.Get(0));
        var g1 = AssertParity(new Gather { Name = "gather", Inputs = [0], OutType = type, Axis = 1, Index = 2 }, x);
        Assert.Equal(x.Get(2 * 10 + 3), g1.Get(3));
        Assert.Throws<InvalidOperationException>(() => new Gather { Name = "g", Inputs = [0], OutType = type, Axis = 1, Index = 4 }.OutputShape([x]));
        Assert.Throws<InvalidOperationException>(() => new ReduceMean { Name = "m", Inputs = [0], OutType = type, Axis = 4 }.OutputShape([x]));
    }
}
