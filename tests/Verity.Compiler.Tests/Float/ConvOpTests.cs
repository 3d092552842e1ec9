using Verity.Compiler.Float;
using Verity.Compiler.Onnx;
using static Verity.Compiler.Tests.Float.Graph;

namespace Verity.Compiler.Tests.Float;

/// <summary>Conv, pooling and BatchNormalization against hand-computed values and naive loops.</summary>
public sealed class ConvOpTests
{
    [Fact]
    public void Conv_with_pads_top_left_only_sees_the_padding_in_the_first_row_and_column()
    {
        // x = [[1,2],[3,4]], a 2x2 window of ones, pads [top 1, left 1, bottom 0, right 0].
        var y = Run1("Conv", 8, [F([1, 1, 2, 2], 1, 2, 3, 4), F([1, 1, 2, 2], 1, 1, 1, 1)], Ints("pads", 1, 1, 0, 0));
        Assert.Equal([1, 1, 2, 2], y.Shape);
        Assert.Equal([1f, 3, 4, 10], y.FloatData);
    }

    [Theory]
    [InlineData(3, 3, 2, 2, 2, 2, 1, 1, 7, 7)]   // the ResNet18 stem: 7x7, stride 2, pads [3,3,2,2]
    [InlineData(1, 1, 0, 0, 2, 2, 1, 1, 3, 3)]   // ResNet18's stride-2 3x3 convs
    [InlineData(2, 1, 0, 1, 2, 1, 1, 2, 3, 2)]   // strides and dilations differ per axis
    [InlineData(0, 0, 0, 0, 1, 1, 1, 1, 1, 1)]   // 1x1, which skips im2col
    [InlineData(0, 0, 0, 0, 2, 2, 1, 1, 1, 1)]   // 1x1 stride 2 (the downsample branch)
    public void Conv_matches_a_naive_loop(int top, int left, int bottom, int right, int sh, int sw, int dh, int dw, int kh, int kw)
    {
        var rng = new Random(top * 1000 + kh * 10 + sw);
        var x = Random(rng, 2, 3, 11, 10);
        var w = Random(rng, 5, 3, kh, kw);
        var b = Random(rng, 5);
        var y = Run1("Conv", 8, [x, w, b], Ints("pads", top, left, bottom, right), Ints("strides", sh, sw), Ints("dilations", dh, dw), Ints("kernel_shape", kh, kw), Int("group", 1));

        int oh = (11 + top + bottom - (dh * (kh - 1) + 1)) / sh + 1, ow = (10 + left + right - (dw * (kw - 1) + 1)) / sw + 1;
        Assert.Equal([2, 5, oh, ow], y.Shape);
        for (int n = 0; n < 2; n++)
            for (int m = 0; m < 5; m++)
                for (int i = 0; i < oh; i++)
                    for (int j = 0; j < ow; j++)
                    {
                        double sum = b.FloatData[m];
                        for (int c = 0; c < 3; c++)
                            for (int p = 0; p < kh; p++)
                                for (int q = 0; q < kw; q++)
                                {
                                    int ih = i * sh - top + p * dh, iw = j * sw - left + q * dw;
                                    if (ih >= 0 && ih < 11 && iw >= 0 && iw < 10)
                                        sum += (double)x.FloatData[((n * 3 + c) * 11 + ih) * 10 + iw] * w.FloatData[((m * 3 + c) * kh + p) * kw + q];
                                }
                        Assert.Equal(sum, y.FloatData[((n * 5 + m) * oh + i) * ow + j], 1e-5);
                    }
    }

    [Fact]
    public void MaxPool_padding_never_wins_over_negative_inputs()
    {
        var x = F([1, 1, 3, 3], -1, -2, -3, -4, -5, -6, -7, -8, -9);
        var y = Run1("MaxPool", 8, [x], Ints("kernel_shape", 2, 2), Ints("pads", 1, 1, 0, 0));
        Assert.Equal([1, 1, 3, 3], y.Shape);
        Assert.Equal([-1f, -1, -2, -1, -1, -2, -4, -4, -5], y.FloatData);
    }

    [Theory]
    [InlineData(0, new[] { 1f, 1.5f, 2f, 2.5f })]
    [InlineData(1, new[] { 0.25f, 0.75f, 1f, 2.5f })]
    public void AveragePool_divides_by_the_inside_count_unless_count_include_pad(int includePad, float[] expected)
    {
        var y = Run1("AveragePool", 8, [F([1, 1, 2, 2], 1, 2, 3, 4)], Ints("kernel_shape", 2, 2), Ints("pads", 1, 1, 0, 0), Int("count_include_pad", includePad));
        Assert.Equal(expected, y.FloatData);
    }

    [Theory]
    [InlineData("MaxPool", 0)]
    [InlineData("AveragePool", 0)]
    [InlineData("AveragePool", 1)]
    public void Pools_match_a_naive_loop_with_asymmetric_pads(string op, int includePad)
    {
        var rng = new Random(5);
        var x = Random(rng, 1, 2, 7, 6);
        int kh = 3, kw = 2, sh = 2, sw = 1, top = 1, left = 1, bottom = 2, right = 0;
        var y = Run1(op, 8, [x], Ints("kernel_shape", kh, kw), Ints("strides", sh, sw), Ints("pads", top, left, bottom, right), Int("count_include_pad", includePad));
        int oh = (7 + top + bottom - kh) / sh + 1, ow = (6 + left + right - kw) / sw + 1;
        Assert.Equal([1, 2, oh, ow], y.Shape);
        for (int c = 0; c < 2; c++)
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++)
                {
                    var inside = new List<float>();
                    for (int p = 0; p < kh; p++)
                        for (int q = 0; q < kw; q++)
                        {
                            int ih = i * sh - top + p, iw = j * sw - left + q;
                            if (ih >= 0 && ih < 7 && iw >= 0 && iw < 6) inside.Add(x.FloatData[(c * 7 + ih) * 6 + iw]);
                        }
                    double want = op == "MaxPool" ? inside.Max() : inside.Sum(v => (double)v) / (includePad == 1 ? kh * kw : inside.Count);
                    Assert.Equal(want, y.FloatData[(c * oh + i) * ow + j], 1e-6);
                }
    }

    [Fact]
    public void BatchNormalization_normalises_each_channel()
    {
        var x = F([1, 2, 1, 2], 1, 2, 3, 4);
        var y = Run1("BatchNormalization", 8, [x, F([2], 2, 3), F([2], 0.5f, -1), F([2], 1, 2), F([2], 4, 0.25f)], FloatAttr("epsilon", 0f), Int("spatial", 1));
        // channel 0: (x - 1) / 2 * 2 + 0.5; channel 1: (x - 2) / 0.5 * 3 - 1
        Assert.Equal([0.5f, 1.5f, 5f, 11f], y.FloatData);
    }

    [Fact]
    public void Conv_with_group_2_is_unsupported_and_names_the_node()
    {
        var e = Assert.Throws<UnsupportedOnnxException>(() => Run1("Conv", 8, [F([1, 2, 2, 2], new float[8]), F([2, 1, 1, 1], 1, 1)], Int("group", 2)));
        Assert.StartsWith("node 'Conv_0' (Conv): group=2 is not supported", e.Message);
        Assert.Equal(("Conv_0", "Conv"), (e.NodeName, e.OpType));
    }

    [Theory]
    [InlineData("Conv", "auto_pad=SAME_UPPER")]
    [InlineData("MaxPool", "auto_pad=SAME_UPPER")]
    public void Auto_pad_same_is_unsupported(string op, string detail)
    {
        FloatTensor?[] inputs = op == "Conv" ? [F([1, 1, 2, 2], 1, 2, 3, 4), F([1, 1, 1, 1], 1)] : [F([1, 1, 2, 2], 1, 2, 3, 4)];
        var e = Assert.Throws<UnsupportedOnnxException>(() => Run1(op, 8, inputs, String("auto_pad", "SAME_UPPER"), Ints("kernel_shape", 1, 1)));
        Assert.Contains(detail, e.Message);
    }

    [Fact]
    public void BatchNormalization_with_spatial_0_is_unsupported()
    {
        var e = Assert.Throws<UnsupportedOnnxException>(() =>
            Run1("BatchNormalization", 8, [F([1, 1, 1, 1], 1), F([1], 1), F([1], 0), F([1], 0), F([1], 1)], Int("spatial", 0)));
        Assert.Contains("spatial=0", e.Message);
    }

    internal static FloatTensor Random(Random rng, params int[] shape)
    {
        var data = new float[FloatTensor.ElementCount(shape)];
        for (int i = 0; i < data.Length; i++) data[i] = (float)(rng.NextDouble() * 2 - 1);
        return FloatTensor.FromFloats(shape, data);
    }
}
