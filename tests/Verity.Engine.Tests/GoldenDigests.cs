using Verity.Engine.Format;
using Xunit.Abstractions;

namespace Verity.Engine.Tests;

/// <summary>
/// Frozen digests of the synthetic model and of one inference over it. A change here means the model format, an op's
/// arithmetic or the commitment scheme changed: bump <see cref="Ops.OpSet.Version"/> on purpose, then re-record with
/// <c>VERITY_RECORD_GOLDEN=1 dotnet test tests/Verity.Engine.Tests --filter GoldenDigests</c> and copy the values from
/// golden.recorded.txt. Never edit a value to make a failure go away; a normal run never writes anything.
/// </summary>
[Trait("Category", "Determinism")]
public class GoldenDigests(ITestOutputHelper output)
{
    public const string ModelId = "254319bae603cf697cfb6c08f66b3e8fa061ef79a72ec1b6874cbb22a94aaf17";
    public const string WeightsRoot = "ec0f1c4a738461be439f9cb153dec8f89b973f713d6921b89f8dc0f49a2171d1";
    public const string TraceRoot = "34abe844c99a0e6936e9ad535502894acead95abfbdb295ceb928c53d53611e3";

    [Fact]
    public void Model_id_and_weights_root_are_pinned()
    {
        var (_, id, weightsRoot) = VModel.Load(ExecutorTests.ModelBytes);
        Assert.Equal(ModelId, id.ToString());
        Assert.Equal(WeightsRoot, weightsRoot.ToString());
    }

    [Theory]
    [InlineData(1, true)]
    [InlineData(1, false)]
    [InlineData(2, true)]
    [InlineData(2, false)]
    public void Trace_root_is_pinned_on_every_path(int threads, bool reference)
    {
        var run = new Executor(ExecutorTests.Load(), threads, reference).Run(SyntheticModel.Inputs());
        Assert.Equal(TraceRoot, run.TraceRoot.ToString());
    }

    [Fact]
    public void Record_when_asked()
    {
        if (Environment.GetEnvironmentVariable("VERITY_RECORD_GOLDEN") != "1") return;
        var (model, id, weightsRoot) = VModel.Load(ExecutorTests.ModelBytes);
        var trace = new Executor(model, threads: 1, reference: true).Run(SyntheticModel.Inputs()).TraceRoot;
        string text = $"""
            public const string ModelId = "{id}";
            public const string WeightsRoot = "{weightsRoot}";
            public const string TraceRoot = "{trace}";

            """;
        string dir = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(dir, "Verity.Engine.Tests.csproj"))) dir = Path.GetDirectoryName(dir) ?? throw new DirectoryNotFoundException("Verity.Engine.Tests.csproj not found above the test binaries");
        File.WriteAllText(Path.Combine(dir, "golden.recorded.txt"), text);
        output.WriteLine(text);
    }
}
