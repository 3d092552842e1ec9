using System.Text.Json;

namespace Verity.Cli.Tests;

/// <summary>The commands people type: JSON output, and a clear one-line error with exit code 2 for each kind of bad input.</summary>
public sealed class CommandTests
{
    [Fact]
    public void InferLocalTextPrintsReceiptAsJson()
    {
        var (code, stdout, stderr) = Repo.Verity("infer", "--local", "--model", "minilm", "--text", "A cat sits on the mat.", "--json");
        Assert.True(code == 0, stderr);
        var r = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal(64, r.GetProperty("model_id").GetString()!.Length);
        Assert.Equal(64, r.GetProperty("output_sha256").GetString()!.Length);
        Assert.Equal(64, r.GetProperty("trace_root").GetString()!.Length);
        var v = r.GetProperty("output").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Assert.Equal(384, v.Length);
        Assert.Equal(1.0, Math.Sqrt(v.Sum(x => x * x)), 3);
    }

    [Fact]
    public void InferLocalImagePrintsFeatures()
    {
        var (code, stdout, stderr) = Repo.Verity("infer", "--local", "--model", "resnet18", "--image", GoldenDigestTests.FirstTestImage(), "--json");
        Assert.True(code == 0, stderr);
        Assert.Equal(512, JsonDocument.Parse(stdout).RootElement.GetProperty("output").GetArrayLength());
    }

    [Fact]
    public void CompileWritesAModelThatInferRuns()
    {
        string dir = Directory.CreateTempSubdirectory("verity-compile-").FullName;
        try
        {
            string sentences = Path.Combine(dir, "calibration.txt"), model = Path.Combine(dir, "mini.vmodel");
            File.WriteAllLines(sentences, File.ReadLines(Repo.Data("calibration-sentences.txt")).Take(4));
            var (code, _, stderr) = Repo.Verity("compile", Repo.Store.Files.MiniLmOnnx(), "--calibrate", sentences, "-o", model);
            Assert.True(code == 0, stderr);
            Assert.Contains("wrote", stderr);

            var (code2, stdout, stderr2) = Repo.Verity("infer", "--local", "--model", model, "--text", "A compiled model answers.", "--json");
            Assert.True(code2 == 0, stderr2);
            var r = JsonDocument.Parse(stdout).RootElement;
            string id = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(model).AsSpan(..^32)));
            Assert.Equal(id, r.GetProperty("model_id").GetString());
            Assert.Equal(384, r.GetProperty("output").GetArrayLength());
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void TourRunsEndToEnd()
    {
        var (code, stdout, stderr) = Repo.Verity("tour", "--json");
        Assert.True(code == 0, stderr);
        var r = JsonDocument.Parse(stdout).RootElement;
        Assert.True(r.GetProperty("bit_exact").GetBoolean());
        Assert.True(r.GetProperty("honest_wins").GetBoolean());
        Assert.True(r.GetProperty("paraphrase_similarity").GetDouble() > r.GetProperty("unrelated_similarity").GetDouble());
    }

    /// <summary>The network demo as a newcomer runs it: text and image jobs, a dishonest worker, a JSON summary.</summary>
    [Fact]
    [Trait("Category", "Network")]
    public void DemoRunsTheNetworkAndCatchesTheCheater()
    {
        var (code, stdout, stderr) = Repo.Verity("demo", "--jobs", "12", "--cheat", "wrong-trace", "--json");
        Assert.True(code == 0, stderr);
        var r = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal(12, r.GetProperty("jobs_finalized").GetInt32());
        Assert.Equal(1, r.GetProperty("workers_slashed").GetInt32());
        Assert.Equal(0, r.GetProperty("jobs_failed").GetInt32());
        Assert.Equal(0, r.GetProperty("honest_slashed").GetInt32());
        Assert.True(r.GetProperty("books_balanced").GetBoolean());
        Assert.Equal(r.GetProperty("disputes").GetInt32(), r.GetProperty("disputes_won_by_honest").GetInt32());
        Assert.Contains("requested by requester", stderr, StringComparison.Ordinal); // the live feed goes to stderr with --json
    }

    [Fact]
    public void EmptyTextIsRejected() => AssertBadInput(["infer", "--local", "--model", "minilm", "--text", "   "], "text is empty");

    [Fact]
    public void NonImageFileIsRejected()
    {
        string f = Path.GetTempFileName();
        File.WriteAllText(f, "this is not an image");
        try { AssertBadInput(["infer", "--local", "--model", "resnet18", "--image", f], "not an image"); }
        finally { File.Delete(f); }
    }

    [Fact]
    public void WrongInputKindIsRejected() => AssertBadInput(["infer", "--local", "--model", "resnet18", "--text", "hello"], "takes an image");

    [Fact]
    public void UnknownModelIsRejected() => AssertBadInput(["infer", "--local", "--model", "gpt-17", "--text", "hello"], "unknown model");

    [Fact]
    public void TamperedModelIsRejected()
    {
        var m = Repo.Store.Load("minilm");
        byte[] bytes = File.ReadAllBytes(m.Path);
        bytes[bytes.Length / 2] ^= 0x01;
        string f = Path.Combine(Path.GetTempPath(), $"tampered-{Guid.NewGuid():N}.vmodel");
        File.WriteAllBytes(f, bytes);
        try { AssertBadInput(["infer", "--local", "--model", f, "--text", "hello"], "do not match their hash"); }
        finally { File.Delete(f); }
    }

    [Fact]
    public void TruncatedOnnxIsRejected()
    {
        byte[] bytes = File.ReadAllBytes(Repo.Store.Files.MiniLmOnnx());
        string f = Path.Combine(Path.GetTempPath(), $"truncated-{Guid.NewGuid():N}.onnx");
        File.WriteAllBytes(f, bytes[..(bytes.Length / 3)]);
        try { AssertBadInput(["compile", f, "--calibrate", Repo.Data("sentences.txt"), "-o", f + ".vmodel"], "truncated"); }
        finally { File.Delete(f); Assert.False(File.Exists(f + ".vmodel")); }
    }

    [Fact]
    public void MalformedOnnxIsRejected()
    {
        string f = Path.Combine(Path.GetTempPath(), $"garbage-{Guid.NewGuid():N}.onnx");
        File.WriteAllBytes(f, [.. Enumerable.Range(0, 4096).Select(i => unchecked((byte)(i * 37 + 11)))]);
        try { AssertBadInput(["compile", f, "--calibrate", Repo.Data("sentences.txt"), "-o", f + ".vmodel"], "error:"); }
        finally { File.Delete(f); Assert.False(File.Exists(f + ".vmodel")); }
    }

    [Fact]
    public void UnsupportedOpIsNamed()
    {
        string f = Path.Combine(Path.GetTempPath(), $"lstm-{Guid.NewGuid():N}.onnx");
        File.WriteAllBytes(f, OnnxBytes.SingleNode("LSTM", "my_lstm"));
        try { AssertBadInput(["compile", f, "--calibrate", Repo.Data("sentences.txt"), "-o", f + ".vmodel"], "node 'my_lstm' (LSTM): op is not supported"); }
        finally { File.Delete(f); Assert.False(File.Exists(f + ".vmodel")); }
    }

    [Fact]
    public void MissingArgumentsAreRejected()
    {
        var (code, _, stderr) = Repo.Verity("infer", "--local", "--model", "minilm");
        Assert.NotEqual(0, code);
        Assert.Contains("--text", stderr);
    }

    private static void AssertBadInput(string[] args, string expected)
    {
        var (code, _, stderr) = Repo.Verity(args);
        Assert.Equal(2, code);
        Assert.Contains(expected, stderr);
        Assert.DoesNotContain("   at ", stderr);
    }
}
