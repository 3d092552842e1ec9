using System.Diagnostics;
using System.Text.Json;
using Verity.Cli.Models;
using Verity.Cli.Reference;
using Verity.Engine;
using Verity.Engine.Tensors;

namespace Verity.Cli.Commands;

/// <summary>`verity bench engine`: median latency of Verity and ONNX Runtime fp32 at equal thread counts, and the trace's cost.</summary>
public static class BenchEngine
{
    private const string LongText = "Verifiable inference lets anyone check that a model produced an output without trusting the machine that ran it. "
        + "Workers stake tokens, serve models compiled to integers, and post commitments to every intermediate tensor; validators re-execute sampled jobs "
        + "and dispute wrong results on chain, where a single step is recomputed by a contract. Data contributors and device owners earn royalties "
        + "whenever a model trained on their data is used, and the whole lineage is recorded as data rather than prose, so that payments follow provenance.";

    public static int Run(bool json, int iterations)
    {
        if (iterations < 1) throw new ArgumentException($"--iterations must be ≥ 1, got {iterations}");
        var store = new ModelStore(ModelFiles.Default(), Console.Error.WriteLine);
        var rows = new List<object>();
        foreach (var name in ModelStore.ShippedNames)
        {
            var m = store.Load(name);
            foreach (int threads in new[] { 1, 2 })
            {
                var exec = new Executor(m.Model, threads);
                Func<int> ort;
                IntTensor input;
                using var reference = new OrtReference(name == "minilm" ? store.Files.MiniLmOnnx() : store.Files.ResNetOnnx(), threads);
                if (m.Profile is TextProfile tp)
                {
                    int[] ids = tp.Tokenizer.Encode(string.Concat(Enumerable.Repeat(LongText + " ", 4)), 128);
                    input = IntTensor.FromInts(DType.I32, [1, ids.Length], ids);
                    ort = () => reference.SentenceEmbedding(ids).Length;
                }
                else
                {
                    var ip = (ImageProfile)m.Profile;
                    string image = SampleImage(store.Files);
                    input = ip.Encode(image, m.Model.Inputs[0]);
                    float[] x = ip.Preprocess(image);
                    ort = () => reference.Run(m.Model.Inputs[0].Name, x, [1, 3, ImageProfile.Size, ImageProfile.Size]).Length;
                }
                // One engine at a time: interleaving lets one runtime's spinning worker threads steal the other's cores.
                var peer = Series(iterations, () => ort());
                var traced = Series(iterations, () => exec.Run([input], trace: true));
                var bare = Series(iterations, () => exec.Run([input], trace: false));
                double v = Median(traced), vb = Median(bare), o = Median(peer);
                rows.Add(new { model = name, threads, input = name == "minilm" ? $"{input.Length} tokens" : "224x224", verity_ms = Math.Round(v, 3), verity_untraced_ms = Math.Round(vb, 3), ort_ms = Math.Round(o, 3), ratio = Math.Round(v / o, 3), trace_overhead_pct = Math.Round((v - vb) / vb * 100, 2) });
                if (!json) Console.WriteLine($"{name,-9} threads={threads}  verity {v,8:F2} ms  (untraced {vb,8:F2})  onnxruntime fp32 {o,8:F2} ms  ratio {v / o,5:F2}  trace +{(v - vb) / vb * 100:F1}%");
            }
        }
        if (json) Console.WriteLine(JsonSerializer.Serialize(rows));
        return 0;
    }

    private static string SampleImage(ModelFiles files)
    {
        string dir = Path.Combine(files.ImagesDir, "test");
        return Directory.Exists(dir) && Directory.GetFiles(dir).Order(StringComparer.Ordinal).FirstOrDefault() is { } f ? f
            : files.CalibrationImages()[0];
    }

    /// <summary>Three warm-up runs, then the timed ones.</summary>
    private static List<double> Series(int iterations, Action run)
    {
        for (int i = 0; i < 3; i++) run();
        return [.. Enumerable.Range(0, iterations).Select(_ => Time(run))];
    }

    private static double Time(Action a)
    {
        var sw = Stopwatch.StartNew();
        a();
        return sw.Elapsed.TotalMilliseconds;
    }

    private static double Median(List<double> xs)
    {
        var s = xs.Order().ToList();
        return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
    }
}
