using System.Diagnostics;
using Verity.Compiler.Float;
using Xunit.Abstractions;

namespace Verity.Compiler.Tests.Float;

/// <summary>The float interpreter against ONNX Runtime on the packaged MiniLM and ResNet18 models.</summary>
public sealed class RealModelTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(7, 11)]
    [InlineData(40, 12)]
    public void MiniLm_matches_onnx_runtime(int length, int seed)
    {
        var rng = new Random(seed);
        var ids = new long[length];
        ids[0] = 101;
        ids[^1] = 102;
        for (int i = 1; i < length - 1; i++) ids[i] = rng.Next(1000, 30000);
        var inputs = new Dictionary<string, FloatTensor>
        {
            ["input_ids"] = FloatTensor.FromLongs([1, length], ids),
            ["attention_mask"] = FloatTensor.FromLongs([1, length], [.. Enumerable.Repeat(1L, length)]),
            ["token_type_ids"] = FloatTensor.FromLongs([1, length], new long[length]),
        };
        Compare(TestModels.MiniLmPath, inputs, $"MiniLM S={length}");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void ResNet18_matches_onnx_runtime(int seed)
    {
        var rng = new Random(seed);
        var image = new float[3 * 224 * 224];
        for (int i = 0; i < image.Length; i++) image[i] = (float)(rng.NextDouble() * 250 - 120);
        Compare(TestModels.ResNet18Path, new Dictionary<string, FloatTensor> { ["Input247"] = FloatTensor.FromFloats([1, 3, 224, 224], image) }, $"ResNet18 seed {seed}");
    }

    [Fact]
    public void ResNet_preprocess_matches_onnx_runtime()
    {
        var rng = new Random(3);
        var image = new float[3 * 224 * 224];
        for (int i = 0; i < image.Length; i++) image[i] = rng.Next(0, 256);
        Compare(TestModels.ResNetPreprocessPath, new Dictionary<string, FloatTensor> { ["OriginalInput"] = FloatTensor.FromFloats([1, 3, 224, 224], image) }, "ResNetPreprocess");
    }

    [Fact]
    public void Observe_sees_every_node_output_once()
    {
        var model = TestModels.Load(TestModels.ResNet18Path);
        var seen = new List<string>();
        var image = FloatTensor.FromFloats([1, 3, 224, 224], new float[3 * 224 * 224]);
        FloatInterpreter.Run(model, new Dictionary<string, FloatTensor> { ["Input247"] = image }, (name, _) => seen.Add(name));
        Assert.Equal(model.Nodes.SelectMany(n => n.Outputs).Where(o => o.Length > 0), seen);
    }

    private void Compare(string path, Dictionary<string, FloatTensor> inputs, string label)
    {
        var model = TestModels.Load(path);
        var expected = TestModels.RunOrt(path, inputs);
        FloatInterpreter.Run(model, inputs); // warm-up, so the timing below is the steady state
        var clock = Stopwatch.StartNew();
        var actual = FloatInterpreter.Run(model, inputs);
        output.WriteLine($"{label}: interpreter {clock.ElapsedMilliseconds} ms");
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (name, want) in expected)
        {
            var diff = Difference.Of(actual[name].FloatData, want);
            output.WriteLine($"  {name} {actual[name]}: {diff}");
            Assert.True(diff.Cosine > 0.99999, $"{label} {name}: {diff}");
            Assert.True(diff.MaxAbs <= 1e-4 * Math.Max(1, diff.MaxRef), $"{label} {name}: {diff}");
        }
    }
}
