using Verity.Cli.Commands;
using Verity.Cli.Models;
using Verity.Engine;
using Verity.Engine.Tensors;

namespace Verity.Cli.Tests;

/// <summary>
/// The shipped models, compiled here, give the same output and trace root in every run, thread count and
/// instruction set (test.sh reruns this class with SIMD and AVX-512 off), and those roots are pinned in golden.txt.
/// Re-record only on purpose: VERITY_RECORD_GOLDEN=1 dotnet test --filter GoldenDigestTests.
/// </summary>
[Trait("Category", "Determinism")]
public sealed class GoldenDigestTests
{
    private const string Sentence = "Verifiable inference: two honest machines must agree on every bit.";

    [Fact]
    public void MiniLmIsBitExactAcrossRunsThreadsAndPaths() => CheckModel("minilm", m => ((TextProfile)m.Profile).Encode(Sentence));

    [Fact]
    public void ResNet18IsBitExactAcrossRunsThreadsAndPaths() => CheckModel("resnet18", m => ((ImageProfile)m.Profile).Encode(FirstTestImage(), m.Model.Inputs[0]));

    private static void CheckModel(string name, Func<LoadedModel, IntTensor> input)
    {
        var m = Repo.Store.Load(name);
        var x = input(m);
        var first = new Executor(m.Model, 1).Run([x]);
        foreach (int threads in new[] { 1, 2 })
        {
            var exec = new Executor(m.Model, threads);
            for (int i = 0; i < 10; i++)
            {
                var r = exec.Run([x]);
                Assert.Equal(first.TraceRoot, r.TraceRoot);
                Assert.Equal(first.Outputs[0].Bytes.ToArray(), r.Outputs[0].Bytes.ToArray());
            }
        }
        Assert.Equal(first.TraceRoot, new Executor(m.Model, 1, reference: true).Run([x]).TraceRoot);
        Golden.Check($"{name}.model_id", m.Id.ToString());
        Golden.Check($"{name}.trace_root", first.TraceRoot.ToString());
        Golden.Check($"{name}.output_sha256", Commitments.Hash256.Of(first.Outputs[0].Bytes).ToString());
    }

    internal static string FirstTestImage() =>
        Directory.GetFiles(Repo.TestImages).Order(StringComparer.Ordinal).FirstOrDefault() ?? throw new InvalidOperationException($"no test images in {Repo.TestImages}: run scripts/fetch-images.sh");
}

/// <summary>Pinned digests in golden.txt; VERITY_RECORD_GOLDEN=1 rewrites the file instead of comparing.</summary>
internal static class Golden
{
    private static readonly string Source = Path.Combine(Repo.Root, "tests", "Verity.Cli.Tests", "golden.txt");
    private static readonly Lock Gate = new();

    public static void Check(string key, string actual)
    {
        lock (Gate)
        {
            var pinned = File.Exists(Source)
                ? File.ReadAllLines(Source).Where(l => l.Contains('=')).ToDictionary(l => l[..l.IndexOf('=')], l => l[(l.IndexOf('=') + 1)..])
                : [];
            if (Environment.GetEnvironmentVariable("VERITY_RECORD_GOLDEN") == "1")
            {
                pinned[key] = actual;
                File.WriteAllLines(Source, pinned.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));
                return;
            }
            Assert.True(pinned.TryGetValue(key, out var expected), $"no golden value for {key} in {Source}; record with VERITY_RECORD_GOLDEN=1");
            Assert.Equal(expected, actual);
        }
    }
}
