using Verity.Engine.Ops;
using Verity.Engine.Tensors;

namespace Verity.Engine.Tests;

/// <summary>SplitMix64: a seeded generator whose sequence is fixed by this file, not by the runtime's Random.</summary>
internal sealed class Rng(ulong seed)
{
    private ulong _s = seed;

    public ulong Next()
    {
        unchecked
        {
            ulong z = _s += 0x9E3779B97F4A7C15;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
            return z ^ (z >> 31);
        }
    }

    /// <summary>Uniform in [lo, hi], both inclusive.</summary>
    public long Long(long lo, long hi) => lo + (long)(Next() % (ulong)(hi - lo + 1));

    public int Int(int lo, int hi) => (int)Long(lo, hi);

    public bool Bool() => (Next() & 1) == 1;
}

/// <summary>Random tensors and parameters, and the Reference-versus-Fast bit check every op test uses.</summary>
internal static class TestKit
{
    public static IntTensor Tensor(Rng r, DType type, int[] shape, int? bound = null)
    {
        int b = bound ?? (type == DType.I32 ? 1_000_000 : type.Max());
        var t = new IntTensor(type, shape);
        for (int i = 0; i < t.Length; i++) t.Set(i, r.Int(-b, b));
        return t;
    }

    public static sbyte[] Weights(Rng r, int n) => [.. Enumerable.Range(0, n).Select(_ => (sbyte)r.Int(-127, 127))];

    public static int[] Mults(Rng r, int n) => [.. Enumerable.Range(0, n).Select(_ => r.Int(1 << 14, (1 << 15) - 1))];

    public static long[] Longs(Rng r, int n, long bound) => [.. Enumerable.Range(0, n).Select(_ => r.Long(-bound, bound))];

    /// <summary>Typical magnitude of a uniform value in ±bound (its standard deviation, rounded up).</summary>
    public static long Std(int bound) => bound * 58L / 100 + 1;

    /// <summary>Shift that maps an accumulator of typical size accStd, times mult, to about targetStd (integer only).</summary>
    public static int ShiftFor(long accStd, int mult, long targetStd)
    {
        long q = Math.Max(1, accStd * mult / targetStd);
        return Math.Clamp(64 - (int)ulong.LeadingZeroCount((ulong)q), 1, 62);
    }

    /// <summary>Table[d] = round(2^30·exp(−d·s)) while it is ≥ 1; Table[0] is exactly 2^30.</summary>
    public static int[] SoftmaxTable(double s)
    {
        var t = new List<int> { 1 << 30 };
        for (int d = 1; ; d++)
        {
            double v = Math.Round(Math.Exp(-d * s) * (1 << 30));
            if (v < 1) return [.. t];
            t.Add((int)v);
        }
    }

    public static Linear Linear(Rng r, int k, int n, DType outType, bool relu, int inBound, string name = "fc", int input = 0)
    {
        var mult = Mults(r, n);
        long accStd = (long)Math.Sqrt(k) * Std(inBound) * Std(127) + 1;
        long target = relu ? outType.Max() / 2 : outType.Max() / 3;
        return new Linear
        {
            Name = name, Inputs = [input], OutType = outType, N = n, K = k, Relu = relu,
            W = Weights(r, n * k), Bias = Longs(r, n, accStd), Mult = mult,
            Shift = [.. mult.Select(m => ShiftFor(accStd, m, target))],
        };
    }

    public static Conv2d Conv(Rng r, int cin, int cout, int kh, int kw, int stride, int[] pads, DType outType, bool relu, int inBound, string name = "conv", int input = 0)
    {
        var mult = Mults(r, cout);
        long accStd = (long)Math.Sqrt(cin * kh * kw) * Std(inBound) * Std(127) + 1;
        long target = relu ? outType.Max() / 2 : outType.Max() / 3;
        return new Conv2d
        {
            Name = name, Inputs = [input], OutType = outType, Cout = cout, Cin = cin, KH = kh, KW = kw, StrideH = stride, StrideW = stride,
            Pads = pads, Relu = relu, W = Weights(r, cout * cin * kh * kw), Bias = Longs(r, cout, accStd), Mult = mult,
            Shift = [.. mult.Select(m => ShiftFor(accStd, m, target))],
        };
    }

    /// <summary>
    /// Runs Reference, then Fast with one and with two threads (each twice, on dirty scratch buffers and dirty outputs),
    /// and requires identical bytes; also requires Encode → Decode → Encode to be the identity and the decoded op to agree.
    /// Returns the reference output.
    /// </summary>
    public static IntTensor AssertParity(Op op, params IntTensor[] inputs)
    {
        int[] shape = op.OutputShape(inputs);
        var expected = Filled(op.OutType, shape, 0x5A);
        op.Reference(inputs, expected);
        foreach (int threads in new[] { 1, 2 })
        {
            var ws = new Workspace(threads);
            ws.ScratchA(1 << 16).AsSpan().Fill(0x7B7B);
            ws.ScratchB(1 << 16).AsSpan().Fill(-0x7B7B);
            ws.ScratchC(1 << 16).AsSpan().Fill(0x3C3C);
            for (int run = 0; run < 2; run++)
            {
                var got = Filled(op.OutType, shape, (byte)(0xA5 + run));
                op.Fast(inputs, got, ws);
                AssertSameBytes(expected, got, $"{op.Kind} '{op.Name}': Fast with {threads} thread(s), run {run}");
            }
        }

        byte[] bytes = op.Encode();
        var decoded = OpSet.Decode(bytes);
        Assert.Equal(op.GetType(), decoded.GetType());
        Assert.Equal(bytes, decoded.Encode());
        var again = Filled(op.OutType, decoded.OutputShape(inputs), 0x33);
        decoded.Reference(inputs, again);
        AssertSameBytes(expected, again, $"{op.Kind} '{op.Name}': decoded op");
        return expected;
    }

    public static IntTensor Filled(DType type, int[] shape, byte b)
    {
        var t = new IntTensor(type, shape);
        t.Buffer.AsSpan().Fill(b);
        return t;
    }

    public static void AssertSameBytes(IntTensor expected, IntTensor actual, string what)
    {
        Assert.True(expected.Shape.SequenceEqual(actual.Shape), $"{what}: shape [{string.Join(",", actual.Shape)}], expected [{string.Join(",", expected.Shape)}]");
        Assert.Equal(expected.Type, actual.Type);
        ReadOnlySpan<byte> e = expected.Bytes, a = actual.Bytes;
        if (e.SequenceEqual(a)) return;
        int size = expected.Type.Size(), i = 0;
        while (e[i] == a[i]) i++;
        i /= size;
        Assert.Fail($"{what}: first difference at element {i} of {expected.Length}: expected {expected.Get(i)}, got {actual.Get(i)}");
    }

    /// <summary>Guards against tests that pass only because every output saturated or collapsed to one value.</summary>
    public static void AssertInformative(IntTensor t, string what)
    {
        if (t.Length < 16) return;
        int max = t.Type.Max();
        var v = t.ToInts();
        int distinct = v.Distinct().Count(), saturated = v.Count(x => x == max || x == -max);
        Assert.True(distinct >= 3, $"{what}: only {distinct} distinct output value(s)");
        Assert.True(saturated * 10 < v.Length * 9, $"{what}: {saturated} of {v.Length} outputs saturated");
    }
}
