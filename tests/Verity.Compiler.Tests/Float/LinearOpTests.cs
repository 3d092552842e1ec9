using Verity.Compiler.Float;
using Verity.Compiler.Onnx;
using static Verity.Compiler.Tests.Float.Graph;

namespace Verity.Compiler.Tests.Float;

/// <summary>MatMul, Gemm, reductions, Erf, and the interpreter's error reporting.</summary>
public sealed class LinearOpTests
{
    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(3, 5, 7)]
    [InlineData(4, 16, 16)]
    [InlineData(9, 300, 37)]
    [InlineData(70, 257, 300)]
    [InlineData(130, 40, 513)]
    public void MatMul_equals_a_sequential_fused_multiply_add_bit_for_bit(int m, int k, int n)
    {
        var rng = new Random(m * 7 + n);
        var a = ConvOpTests.Random(rng, m, k);
        var b = ConvOpTests.Random(rng, k, n);
        var y = Run1("MatMul", 13, [a, b]);
        Assert.Equal([m, n], y.Shape);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                float acc = 0;
                for (int p = 0; p < k; p++) acc = MathF.FusedMultiplyAdd(a.FloatData[i * k + p], b.FloatData[p * n + j], acc);
                Assert.Equal(BitConverter.SingleToInt32Bits(acc), BitConverter.SingleToInt32Bits(y.FloatData[i * n + j]));
            }
    }

    [Fact]
    public void MatMul_broadcasts_batch_dims()
    {
        var rng = new Random(9);
        var a = ConvOpTests.Random(rng, 2, 1, 3, 4);
        var b = ConvOpTests.Random(rng, 5, 4, 2);
        var y = Run1("MatMul", 13, [a, b]);
        Assert.Equal([2, 5, 3, 2], y.Shape);
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 5; j++)
                for (int r = 0; r < 3; r++)
                    for (int c = 0; c < 2; c++)
                    {
                        double sum = 0;
                        for (int p = 0; p < 4; p++) sum += (double)a.FloatData[(i * 3 + r) * 4 + p] * b.FloatData[(j * 4 + p) * 2 + c];
                        Assert.Equal(sum, y.FloatData[((i * 5 + j) * 3 + r) * 2 + c], 1e-6);
                    }
    }

    [Fact]
    public void MatMul_with_vectors_drops_their_unit_dims()
    {
        var v = F([2], 1, 2);
        var m = F([2, 2], 1, 2, 3, 4);
        var left = Run1("MatMul", 13, [v, m]);
        Assert.Equal([2], left.Shape);
        Assert.Equal([7f, 10], left.FloatData);
        var right = Run1("MatMul", 13, [F([3, 2, 2], [.. Enumerable.Range(0, 12).Select(i => (float)i)]), v]);
        Assert.Equal([3, 2], right.Shape);
        Assert.Equal([2f, 8, 14, 20, 26, 32], right.FloatData);
        var dot = Run1("MatMul", 13, [v, v]);
        Assert.Equal([], dot.Shape);
        Assert.Equal([5f], dot.FloatData);
    }

    [Fact]
    public void Gemm_applies_transposes_alpha_beta_and_broadcasts_C()
    {
        var a = F([2, 3], 1, 2, 3, 4, 5, 6);      // used as Aᵀ: 3x2
        var b = F([2, 2], 1, 0, 1, 1);            // used as Bᵀ: [[1,1],[0,1]]
        var y = Run1("Gemm", 13, [a, b, F([2], 10, 20)], Int("transA", 1), Int("transB", 1), FloatAttr("alpha", 2), FloatAttr("beta", 0.5f));
        // Aᵀ = [[1,4],[2,5],[3,6]]; Aᵀ·Bᵀ = [[1,5],[2,7],[3,9]]; ·2 + [5,10]
        Assert.Equal([3, 2], y.Shape);
        Assert.Equal([7f, 20, 9, 24, 11, 28], y.FloatData);
        var column = Run1("Gemm", 13, [F([2, 1], 1, 2), F([1, 2], 3, 4), F([2, 1], 100, 200)]);
        Assert.Equal([103f, 104, 206, 208], column.FloatData);
    }

    [Fact]
    public void ReduceMean_over_attribute_axes()
    {
        var x = F([2, 3, 2], [.. Enumerable.Range(0, 12).Select(i => (float)i)]);
        var middle = Run1("ReduceMean", 13, [x], Ints("axes", 1), Int("keepdims", 0));
        Assert.Equal([2, 2], middle.Shape);
        Assert.Equal([2f, 3, 8, 9], middle.FloatData);
        var last = Run1("ReduceMean", 13, [x], Ints("axes", -1));
        Assert.Equal([2, 3, 1], last.Shape);
        Assert.Equal([0.5f, 2.5f, 4.5f, 6.5f, 8.5f, 10.5f], last.FloatData);
        var all = Run1("ReduceMean", 13, [x]);
        Assert.Equal([1, 1, 1], all.Shape);
        Assert.Equal([5.5f], all.FloatData);
        Assert.Equal([2f, 3, 8, 9], Run1("ReduceMean", 18, [x, L([1], 1)], Int("keepdims", 0)).FloatData);
    }

    [Fact]
    public void Softmax_on_a_middle_axis_from_opset_13()
    {
        var x = F([2, 3, 2], 1, 2, 3, 4, 5, 6, -1, -2, -3, -4, 0, 100);
        var y = Run1("Softmax", 13, [x], Int("axis", 1));
        for (int o = 0; o < 2; o++)
            for (int i = 0; i < 2; i++)
            {
                double[] e = [.. Enumerable.Range(0, 3).Select(d => Math.Exp(x.FloatData[(o * 3 + d) * 2 + i]))];
                for (int d = 0; d < 3; d++) Assert.Equal(e[d] / e.Sum(), y.FloatData[(o * 3 + d) * 2 + i], 1e-7);
            }
    }

    [Fact]
    public void Softmax_before_opset_13_only_on_the_last_axis()
    {
        var x = F([1, 2, 2], 0, 0, 1, 1);
        Assert.Equal([0.5f, 0.5f, 0.5f, 0.5f], Run1("Softmax", 11, [x], Int("axis", -1)).FloatData);
        var e = Assert.Throws<UnsupportedOnnxException>(() => Run1("Softmax", 11, [x]));
        Assert.Contains("node 'Softmax_0' (Softmax): axis=1", e.Message);
    }

    [Theory]
    [InlineData(0.001f, 0.001128378789871931f)]
    [InlineData(0.1f, 0.11246291548013687f)]
    [InlineData(0.5f, 0.5204998850822449f)]
    [InlineData(0.8f, 0.7421009540557861f)]
    [InlineData(1f, 0.8427007794380188f)]
    [InlineData(1.5f, 0.9661051630973816f)]
    [InlineData(2f, 0.9953222870826721f)]
    [InlineData(2.5f, 0.9995930194854736f)]
    [InlineData(3f, 0.9999778866767883f)]
    [InlineData(3.5f, 0.9999992847442627f)]
    [InlineData(3.9f, 0.9999999403953552f)]
    [InlineData(-0.7f, -0.6778011918067932f)]
    [InlineData(-2.2f, -0.9981371760368347f)]
    [InlineData(5f, 1f)]
    [InlineData(0f, 0f)]
    public void Erf_is_the_correctly_rounded_value(float x, float expected) // expected: Python math.erf, rounded to float
    {
        Assert.Equal(expected, Run1("Erf", 13, [F([1], x)]).FloatData[0]);
    }

    [Fact]
    public void Erf_is_within_an_ulp_of_an_integrated_reference()
    {
        float[] xs = [.. Enumerable.Range(-450, 901).Select(i => i / 100f)];
        var y = Run1("Erf", 13, [F([xs.Length], xs)]).FloatData;
        for (int i = 0; i < xs.Length; i++)
        {
            double want = IntegratedErf(xs[i]);
            float ulp = MathF.BitIncrement(MathF.Abs((float)want)) - MathF.Abs((float)want);
            Assert.True(Math.Abs(y[i] - want) <= ulp, $"erf({xs[i]}) = {y[i]}, reference {want}");
        }
    }

    /// <summary>erf by composite Simpson integration of 2/√π·e^(−t²): error near 1e-13 with 4000 intervals.</summary>
    private static double IntegratedErf(double x)
    {
        const int n = 4000;
        double h = x / n, sum = 1 + Math.Exp(-x * x);
        for (int i = 1; i < n; i++) sum += (i % 2 == 1 ? 4 : 2) * Math.Exp(-(i * h) * (i * h));
        return sum * h / 3 * 2 / Math.Sqrt(Math.PI);
    }

    [Fact]
    public void Unknown_op_is_unsupported_and_named()
    {
        var e = Assert.Throws<UnsupportedOnnxException>(() => Run1("Foo", 13, [F([1], 1)]));
        Assert.Equal("node 'Foo_0' (Foo): op type 'Foo' is not supported", e.Message);
        Assert.Equal(("Foo_0", "Foo"), (e.NodeName, e.OpType));
    }

    [Fact]
    public void Op_from_another_domain_is_unsupported()
    {
        var node = new OnnxNode("ms_0", "Gelu", "com.microsoft", ["x"], ["y"], []);
        var model = new OnnxModel(13, [node], [], [new OnnxValueInfo("x", OnnxDataType.Float, [1])], [new OnnxValueInfo("y", OnnxDataType.Float, [1])]);
        var e = Assert.Throws<UnsupportedOnnxException>(() => FloatInterpreter.Run(model, new Dictionary<string, FloatTensor> { ["x"] = F([1], 1) }));
        Assert.Contains("node 'ms_0' (Gelu): domain 'com.microsoft'", e.Message);
    }

    [Fact]
    public void Inputs_are_checked_against_the_graph()
    {
        var model = new OnnxModel(13, [Node("Relu", ["x"], ["y"])], [], [new OnnxValueInfo("x", OnnxDataType.Float, [null, 2])], [new OnnxValueInfo("y", OnnxDataType.Float, [])]);
        Assert.Equal([0f, 3], FloatInterpreter.Run(model, new Dictionary<string, FloatTensor> { ["x"] = F([1, 2], -1, 3) })["y"].FloatData);
        Assert.Contains("'x' has shape [?,2] but was given float[2,3]",
            Assert.Throws<ArgumentException>(() => FloatInterpreter.Run(model, new Dictionary<string, FloatTensor> { ["x"] = F([2, 3], new float[6]) })).Message);
        Assert.Contains("'x' was not given", Assert.Throws<ArgumentException>(() => FloatInterpreter.Run(model, new Dictionary<string, FloatTensor>())).Message);
        Assert.Contains("'x' is Float but was given int64[1,2]",
            Assert.Throws<ArgumentException>(() => FloatInterpreter.Run(model, new Dictionary<string, FloatTensor> { ["x"] = L([1, 2], 1, 2) })).Message);
    }
}
