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
    public const string ModelId = "553959a9b56849d6b4518e666366d9a2807f605c46de2ae9832191f36f25ca69";
    public const string WeightsRoot = "ca395b58bcf0f3f218e6aa7b467bcae983c1606cfb9aef4528d49b4e354b3ec0";
    public const string TraceRoot = "e0ee94888934b2c2590d779490c2f2d8eb325e4a873ac30a75e4d44d0ae689a7";

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
