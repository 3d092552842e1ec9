using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Verity.Cli.Reference;

/// <summary>ONNX Runtime fp32: the float peer that accuracy and speed are measured against.</summary>
public sealed class OrtReference : IDisposable
{
    private readonly InferenceSession _session;

    public OrtReference(string onnxPath, int threads)
    {
        var options = new SessionOptions
        {
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        _session = new InferenceSession(onnxPath, options);
    }

    /// <summary>Mean-pooled, L2-normalised sentence embedding from token ids (single segment, no padding).</summary>
    public double[] SentenceEmbedding(int[] ids)
    {
        int s = ids.Length;
        var inputs = new List<NamedOnnxValue>
        {
            NamedOnnxValue.CreateFromTensor("input_ids", new DenseTensor<long>(ids.Select(i => (long)i).ToArray(), [1, s])),
            NamedOnnxValue.CreateFromTensor("attention_mask", new DenseTensor<long>(Enumerable.Repeat(1L, s).ToArray(), [1, s])),
            NamedOnnxValue.CreateFromTensor("token_type_ids", new DenseTensor<long>(new long[s], [1, s])),
        };
        using var results = _session.Run(inputs);
        var h = results.First(r => r.Name == "last_hidden_state").AsTensor<float>().ToArray();
        int d = h.Length / s;
        var v = new double[d];
        for (int t = 0; t < s; t++) for (int j = 0; j < d; j++) v[j] += h[t * d + j] / (double)s;
        double norm = Math.Sqrt(v.Sum(x => x * x));
        return [.. v.Select(x => x / norm)];
    }

    /// <summary>The model's single float output for a float input tensor, flattened.</summary>
    public double[] Run(string inputName, float[] input, int[] shape)
    {
        using var results = _session.Run([NamedOnnxValue.CreateFromTensor(inputName, new DenseTensor<float>(input, shape))]);
        return [.. results.First().AsTensor<float>().ToArray().Select(x => (double)x)];
    }

    public static double Cosine(double[] a, double[] b)
    {
        if (a.Length != b.Length) throw new ArgumentException($"vectors differ in length: {a.Length} and {b.Length}");
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++) { dot += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
        return dot / Math.Sqrt(na * nb);
    }

    public void Dispose() => _session.Dispose();
}
