using Verity.Engine.Ops;
using Verity.Engine.Tensors;

namespace Verity.Engine.Tests;

/// <summary>Attention is exactly MatMul(q, k; softmax) then MatMul(·, v), on every path.</summary>
[Trait("Category", "Determinism")]
public sealed class AttentionTests
{
    [Theory]
    [InlineData(1, 7, 2, 8, 5)]
    [InlineData(3, 128, 12, 32, 32)]
    [InlineData(11, 33, 4, 16, 24)]
    public void EqualsTheTwoProductsItFuses(int seed, int s, int heads, int dk, int dv)
    {
        var rng = new Random(seed);
        IntTensor Random(DType t, int[] shape) => IntTensor.FromInts(t, shape, [.. Enumerable.Range(0, IntTensor.ElementCount(shape)).Select(_ => rng.Next(-t.Max(), t.Max() + 1))]);
        var q = Random(DType.I16, [1, s, heads, dk]);
        var k = Random(DType.I8, [1, s, heads, dk]);
        var v = Random(DType.I8, [1, s, heads, dv]);
        int[] table = [.. Enumerable.Range(0, 3000).Select(d => (int)Math.Round((1 << 30) * Math.Exp(-d * 0.004))).TakeWhile(e => e >= 1)];
        var attention = new Attention
        {
            Name = "a", Inputs = [0, 1, 2], OutType = DType.I16, ScoreMult = 20000, ScoreShift = 26, SoftmaxTable = table,
            OutMult = 30000, OutShift = 14, PermQ = [0, 2, 1, 3], PermK = [0, 2, 3, 1], PermV = [0, 2, 1, 3], PermOut = [0, 2, 1, 3],
        };
        var scores = new MatMul { Name = "s", Inputs = [0, 1], OutType = DType.I16, Mult = 20000, Shift = 26, PermA = [0, 2, 1, 3], PermB = [0, 2, 3, 1], SoftmaxTable = table };
        var mix = new MatMul { Name = "m", Inputs = [0, 1], OutType = DType.I16, Mult = 30000, Shift = 14, PermB = [0, 2, 1, 3], PermOut = [0, 2, 1, 3] };

        var p = new IntTensor(DType.I16, scores.OutputShape([q, k]));
        scores.Reference([q, k], p);
        var expected = new IntTensor(DType.I16, mix.OutputShape([p, v]));
        mix.Reference([p, v], expected);

        var shape = attention.OutputShape([q, k, v]);
        Assert.Equal(expected.Shape, shape);
        var reference = new IntTensor(DType.I16, shape);
        attention.Reference([q, k, v], reference);
        Assert.Equal(expected.Bytes.ToArray(), reference.Bytes.ToArray());
        foreach (int threads in new[] { 1, 2 })
        {
            var fast = new IntTensor(DType.I16, shape);
            attention.Fast([q, k, v], fast, new Workspace(threads));
            Assert.Equal(expected.Bytes.ToArray(), fast.Bytes.ToArray());
        }
        Assert.Contains(expected.ToInts(), x => x != 0);
    }
}
