using BenchmarkDotNet.Attributes;
using Verity.Engine.Kernels;

namespace Verity.Benchmarks;

/// <summary>The integer GEMM on MiniLM and ResNet18 shapes: SIMD fast path against the scalar reference.</summary>
public class GemmBenchmarks
{
    private struct Sink : IEpilogue
    {
        public long Total;
        public void Store(int row, int col, long acc) => Total += acc;
    }

    [Params("128x384x384", "49x512x512")]
    public string Shape { get; set; } = "128x384x384";

    private short[] _a = [], _b = [], _plainB = [];
    private int _m, _n, _k;

    [GlobalSetup]
    public void Setup()
    {
        var d = Shape.Split('x').Select(int.Parse).ToArray();
        (_m, _n, _k) = (d[0], d[1], d[2]);
        var rng = new Random(1);
        _a = new short[_m * Gemm.Pad(_k)];
        var w = new sbyte[_n * _k];
        for (int i = 0; i < _m; i++) for (int t = 0; t < _k; t++) _a[i * Gemm.Pad(_k) + t] = (short)rng.Next(-32767, 32768);
        for (int i = 0; i < w.Length; i++) w[i] = (sbyte)rng.Next(-127, 128);
        _b = Gemm.PackB(w, _n, _k);
        _plainB = new short[_n * Gemm.Pad(_k)];
        Gemm.Pack(w, _n, _k, _plainB);
    }

    [Benchmark(Baseline = true)]
    public long Scalar()
    {
        var s = new Sink();
        Gemm.Reference(_a, _plainB, _m, _n, _k, ref s);
        return s.Total;
    }

    [Benchmark]
    public int Fast()
    {
        Gemm.Fast(_a, _b, _m, _n, _k, new Sink(), 1);
        return _m;
    }
}
