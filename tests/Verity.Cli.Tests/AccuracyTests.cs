using System.Text.Json;

namespace Verity.Cli.Tests;

/// <summary>Integer outputs against ONNX Runtime fp32 on inputs not used for calibration, through the real command.</summary>
public sealed class AccuracyTests
{
    [Fact]
    public void MiniLmSentenceEmbeddingsMatchFloat()
    {
        var (code, stdout, stderr) = Repo.Verity("bench", "accuracy", "--model", "minilm", "--texts", Repo.Data("sentences.txt"), "--json");
        Assert.True(code == 0, stderr);
        var r = JsonDocument.Parse(stdout).RootElement;
        Assert.True(r.GetProperty("count").GetInt32() >= 200);
        Assert.True(r.GetProperty("mean_cosine").GetDouble() >= 0.99, stdout);
        Assert.True(r.GetProperty("min_cosine").GetDouble() >= 0.97, stdout);
    }

    [Fact]
    public void ResNet18FeaturesMatchFloat()
    {
        var (code, stdout, stderr) = Repo.Verity("bench", "accuracy", "--model", "resnet18", "--images", Repo.TestImages, "--json");
        Assert.True(code == 0, stderr);
        var r = JsonDocument.Parse(stdout).RootElement;
        Assert.True(r.GetProperty("count").GetInt32() >= 50);
        Assert.True(r.GetProperty("mean_cosine").GetDouble() >= 0.98, stdout);
    }
}
