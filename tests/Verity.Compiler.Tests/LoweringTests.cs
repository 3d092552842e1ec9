using Verity.Compiler.Float;
using Verity.Compiler.Onnx;
using Verity.Compiler.Tests.Float;
using Verity.Engine;
using Verity.Engine.Format;
using Verity.Engine.Ops;
using Verity.Engine.Tensors;

namespace Verity.Compiler.Tests;

/// <summary>Lowering ONNX to integer ops: units recognised, constants folded, unsupported input named precisely.</summary>
public sealed class LoweringTests
{
    private static readonly Random Rng = new(7);

    /// <summary>x [1,3,8,8] → Conv(3→4, 3×3, pads 1,1,0,0, stride 2) → BatchNorm → Relu → MaxPool → output.</summary>
    private static OnnxModel ConvNet(params OnnxAttribute[] convAttrs)
    {
        var w = Tensor("w", [4, 3, 3, 3]);
        var inits = new Dictionary<string, OnnxTensor>
        {
            ["w"] = w, ["g"] = Tensor("g", [4], 1, 0.5f), ["b"] = Tensor("b", [4]), ["m"] = Tensor("m", [4]), ["v"] = Tensor("v", [4], 1, 0.5f),
        };
        OnnxAttribute[] attrs = convAttrs.Length > 0 ? convAttrs : [Graph.Ints("kernel_shape", 3, 3), Graph.Ints("strides", 2, 2), Graph.Ints("pads", 1, 1, 0, 0)];
        var nodes = new List<OnnxNode>
        {
            Graph.Node("Conv", ["x", "w"], ["c"], attrs) with { Name = "conv1" },
            Graph.Node("BatchNormalization", ["c", "g", "b", "m", "v"], ["bn"], Graph.FloatAttr("epsilon", 1e-5f)) with { Name = "bn1" },
            Graph.Node("Relu", ["bn"], ["r"]) with { Name = "relu1" },
            Graph.Node("MaxPool", ["r"], ["y"], Graph.Ints("kernel_shape", 2, 2), Graph.Ints("strides", 1, 1)) with { Name = "pool1" },
        };
        return new OnnxModel(8, nodes, inits, [new OnnxValueInfo("x", OnnxDataType.Float, [1, 3, 8, 8])], [new OnnxValueInfo("y", OnnxDataType.Float, [])]);
    }

    private static OnnxTensor Tensor(string name, long[] dims, float offset = 0, float spread = 1) =>
        new(name, OnnxDataType.Float, dims, [.. Enumerable.Range(0, (int)dims.Aggregate(1L, (a, b) => a * b)).Select(_ => offset + spread * (float)(Rng.NextDouble() * 2 - 1))], null);

    private static IReadOnlyDictionary<string, FloatTensor>[] Images(int n) =>
        [.. Enumerable.Range(0, n).Select(_ => (IReadOnlyDictionary<string, FloatTensor>)new Dictionary<string, FloatTensor>
        {
            ["x"] = FloatTensor.FromFloats([1, 3, 8, 8], [.. Enumerable.Range(0, 192).Select(_ => (float)(Rng.NextDouble() * 4 - 2))]),
        })];

    [Fact]
    public void ConvBatchNormReluFoldIntoOneOpAndTrackFloat()
    {
        var onnx = ConvNet();
        var model = ModelCompiler.Compile(onnx, new CompileOptions("tiny", new Dictionary<string, float>()), Images(8));
        Assert.Equal([OpKind.Conv2d, OpKind.MaxPool2d], model.Ops.Select(o => o.Kind));
        var conv = (Conv2d)model.Ops[0];
        Assert.True(conv.Relu);
        Assert.Equal([1, 1, 0, 0], conv.Pads);

        var x = Images(1)[0];
        var expected = FloatInterpreter.Run(onnx, x)["y"].FloatData;
        var q = IntTensor.FromInts(DType.I16, [1, 3, 8, 8], [.. x["x"].FloatData.Select(v => (int)Math.Round(v / model.Inputs[0].Scale))]);
        var actual = new Executor(VModel.Load(model.Serialize()).Model).Run([q]).Outputs[0].ToInts().Select(v => v * model.Outputs[0].Scale).ToArray();
        double maxRef = expected.Max(Math.Abs);
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) <= 0.01 * maxRef, $"element {i}: float {expected[i]}, integer {actual[i]}");
    }

    [Fact]
    public void GroupedConvolutionIsNamed()
    {
        var onnx = ConvNet(Graph.Ints("kernel_shape", 3, 3), Graph.Int("group", 3));
        var e = Assert.Throws<UnsupportedOnnxException>(() => ModelCompiler.Compile(onnx, new CompileOptions("tiny", new Dictionary<string, float>()), Images(1)));
        Assert.Contains("conv1", e.Message);
        Assert.Contains("group", e.Message);
    }

    [Fact]
    public void UnsupportedOpIsNamedBeforeCalibration()
    {
        var onnx = ConvNet() is var m ? m with { Nodes = [.. m.Nodes, Graph.Node("LSTM", ["y"], ["z"]) with { Name = "lstm9" }] } : null!;
        var e = Assert.Throws<UnsupportedOnnxException>(() => ModelCompiler.CheckSupported(onnx));
        Assert.Equal("node 'lstm9' (LSTM): op is not supported", e.Message);
    }

    [Fact]
    public void CountIncludePadWithPaddingIsNamed()
    {
        var m = ConvNet();
        var nodes = m.Nodes.ToList();
        nodes[3] = Graph.Node("AveragePool", ["r"], ["y"], Graph.Ints("kernel_shape", 2, 2), Graph.Ints("pads", 1, 1, 1, 1), Graph.Int("count_include_pad", 1)) with { Name = "avg" };
        var e = Assert.Throws<UnsupportedOnnxException>(() => ModelCompiler.Compile(m with { Nodes = nodes }, new CompileOptions("tiny", new Dictionary<string, float>()), Images(1)));
        Assert.Contains("node 'avg' (AveragePool): count_include_pad=1", e.Message);
    }

    [Fact]
    public void MiniLmLowersToFusedTransformerUnits()
    {
        var onnx = TestModels.Load(TestModels.MiniLmPath);
        Dictionary<string, FloatTensor> Tokens(int s)
        {
            long[] ids = [101, .. Enumerable.Range(0, s - 2).Select(_ => (long)Rng.Next(2000, 8000)), 102];
            return new() { ["input_ids"] = FloatTensor.FromLongs([1, s], ids), ["attention_mask"] = FloatTensor.FromLongs([1, s], [.. Enumerable.Repeat(1L, s)]), ["token_type_ids"] = FloatTensor.FromLongs([1, s], new long[s]) };
        }
        var options = new CompileOptions("minilm", new Dictionary<string, float> { ["attention_mask"] = 1, ["token_type_ids"] = 0 }, "last_hidden_state");
        var model = VModel.Load(ModelCompiler.Compile(onnx, options, [Tokens(12), Tokens(30), Tokens(50)]).Serialize()).Model;

        var kinds = model.Ops.GroupBy(o => o.Kind).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(1, kinds[OpKind.Embed]);
        Assert.Equal(13, kinds[OpKind.LayerNorm]);
        Assert.Equal(6, kinds[OpKind.Attention]); // QKᵀ, 1/√d, mask, softmax and ·V as one op
        Assert.False(kinds.ContainsKey(OpKind.MatMul));
        Assert.False(kinds.ContainsKey(OpKind.Softmax));
        Assert.False(kinds.ContainsKey(OpKind.Add)); // residual adds fused into the LayerNorms
        Assert.Equal(12, model.Ops.OfType<LayerNorm>().Count(l => l.Inputs.Length == 2));
        Assert.False(kinds.ContainsKey(OpKind.Transpose)); // read and written in place by MatMul
        Assert.Equal(6, model.Ops.OfType<Linear>().Count(l => l.Table is not null)); // GELU fused
        Assert.Equal(["sentence_embedding", "last_hidden_state", "924"], model.Outputs.Select(o => o.Name));

        var x = Tokens(40);
        var h = FloatInterpreter.Run(onnx, x)["last_hidden_state"].FloatData;
        var expected = Enumerable.Range(0, 384).Select(j => Enumerable.Range(0, 40).Average(t => (double)h[t * 384 + j])).ToArray();
        var ids = IntTensor.FromInts(DType.I32, [1, 40], [.. x["input_ids"].LongData.Select(v => (int)v)]);
        var actual = new Executor(model, 2).Run([ids]).Outputs[0].ToInts().Select(v => v * model.Outputs[0].Scale).ToArray();
        double dot = expected.Zip(actual).Sum(p => p.First * p.Second), cos = dot / Math.Sqrt(expected.Sum(v => v * v) * actual.Sum(v => v * v));
        Assert.True(cos > 0.99, $"cosine {cos}");
    }
}
