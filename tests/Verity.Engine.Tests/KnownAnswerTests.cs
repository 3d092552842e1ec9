using Verity.Commitments;
using Verity.Engine.Format;
using Verity.Engine.Kernels;
using Verity.Engine.Ops;
using Verity.Engine.Tensors;

namespace Verity.Engine.Tests;

/// <summary>The worked examples of docs/OPS.md and docs/VMODEL.md, computed by hand there, checked against the code here.</summary>
[Trait("Category", "Determinism")]
public class KnownAnswerTests
{
    [Theory]
    [InlineData(1000, 20000, 20, 19)]
    [InlineData(3, 1, 1, 2)]
    [InlineData(-3, 1, 1, -1)]
    [InlineData(-5, 1, 1, -2)]
    [InlineData(100000, 32000, 15, 97656)]
    public void Requant_table_of_OPS_md(long acc, int mult, int shift, long expected)
    {
        Assert.Equal(expected, Fixed.Requant(acc, mult, shift));
        Assert.Equal((int)Math.Min(expected, 127), Fixed.Saturate(Fixed.Requant(acc, mult, shift), 127));
    }

    [Fact]
    public void Softmax_example_of_OPS_md()
    {
        var op = new Softmax { Name = "sm", Inputs = [0], OutType = DType.I16, Table = [1 << 30, 1 << 29, 1 << 28, 1 << 27] };
        var y3 = TestKit.AssertParity(op, IntTensor.FromInts(DType.I16, [1, 3], [3, 2, 0]));
        Assert.Equal(new[] { 20165, 10082, 2521 }, y3.ToInts());
        var y3b = TestKit.AssertParity(op, IntTensor.FromInts(DType.I16, [1, 3], [5, 0, 5]));
        Assert.Equal(new[] { 16384, 0, 16384 }, y3b.ToInts());
        var y2 = TestKit.AssertParity(op, IntTensor.FromInts(DType.I16, [1, 2], [7, 0]));
        Assert.Equal(new[] { 32767, 0 }, y2.ToInts());
    }

    [Fact]
    public void LayerNorm_example_of_OPS_md()
    {
        var op = new LayerNorm { Name = "ln", Inputs = [0], OutType = DType.I8, D = 4, Eps = 5, G = [64, 64, 64, -64], B = [0, 0, 0, 10 << 16], Shift = 16 };
        var y = TestKit.AssertParity(op, IntTensor.FromInts(DType.I16, [1, 4], [1, 2, 3, 6]));
        Assert.Equal(new[] { -37, -18, 0, -45 }, y.ToInts());
    }

    [Fact]
    public void Tiny_model_of_VMODEL_md()
    {
        var model = new VModel
        {
            Name = "tiny",
            Meta = new Dictionary<string, string> { ["b"] = "2", ["a"] = "1" },
            Inputs = [new ModelValue("x", DType.I8, [1, 2], 0.5)],
            Ops = [new Linear { Name = "fc", Inputs = [0], OutType = DType.I8, N = 2, K = 2, Relu = true, W = [1, -2, 3, 4], Bias = [5, -6], Mult = [16384, 16384], Shift = [15, 15] }],
            OutputIds = [1],
            Outputs = [new ModelValue("y", DType.I8, [1, 2], 0.25)],
        };
        byte[] file = model.Serialize();
        Assert.Equal(
            "564d4f44454c0001" + "01000000" + "04000000" + "74696e79" + "02000000" + "01000000" + "61" + "01000000" + "31" + "01000000" + "62" + "01000000" + "32"
            + "01000000" + "01000000" + "78" + "01" + "02000000" + "01000000" + "02000000" + "000000000000e03f"
            + "01000000" + "51000000" + "01" + "02000000" + "6663" + "01" + "01000000" + "00000000"
            + "02000000" + "02000000" + "01" + "04000000" + "01fe0304" + "02000000" + "0500000000000000" + "faffffffffffffff"
            + "02000000" + "00400000" + "00400000" + "02000000" + "0f000000" + "0f000000" + "00000000"
            + "01000000" + "01000000" + "01000000" + "01000000" + "79" + "01" + "02000000" + "01000000" + "02000000" + "000000000000d03f"
            + "fcc2ab4398e2ddeb0827a7ac0c02e80f0369e9af2f2a5330ec09dfa1e585bbbb"
            + "6174a26923e842d6eac329e0972df510f84b827fe057e93c9e1e5fce50e10771",
            Convert.ToHexStringLower(file));

        var (loaded, id, weightsRoot) = VModel.Load(file);
        Assert.Equal("6174a26923e842d6eac329e0972df510f84b827fe057e93c9e1e5fce50e10771", id.ToString());
        Assert.Equal("fcc2ab4398e2ddeb0827a7ac0c02e80f0369e9af2f2a5330ec09dfa1e585bbbb", weightsRoot.ToString());
        Assert.Equal("5597363dd883ef0ada9120e151cf8f8033b8aa2a34d7a1bb311a84045024d63a", TensorCommitment.Root(loaded.Ops[0].Encode()).ToString());

        foreach (bool reference in new[] { true, false })
        {
            var run = new Executor(loaded, threads: 2, reference).Run([IntTensor.FromInts(DType.I8, [1, 2], [10, -20])]);
            Assert.Equal(new[] { 28, 0 }, run.Outputs[0].ToInts());
            Assert.Equal("a452754a90df747f992dd82adea65f1b243b7a65a497e55971962fe1682d2302", run.OpRoots[0].ToString());
            Assert.Equal("6d212529493466b26f00e5f1ead2cb0ef1993edc72f9c8a29b2140996cba530f", run.TraceRoot.ToString());
        }
    }
}
