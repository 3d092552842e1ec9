using Verity.Engine.Format;
using Xunit.Abstractions;

namespace Verity.Engine.Tests;

/// <summary>
/// Frozen digests of the synthetic model and of one inference over it. A change here means the model format, an op's
/// arithmetic or the commitment scheme changed: bump <see cref="Ops.OpSet.Version"/> on purpose, then re-record with
/// <c>VERITY_RECORD_GOLDEN=1 dotnet test tests/Verity.Engine.Tests --filter GoldenDigests</c> and copy the values from
/// golden.recorded.txt. Never edit a value to make a failure go away; a normal run never writes anything.
/// </summary>
public class GoldenDigests(ITestOutputHelper output)
{
    public const string ModelId = "b66fab359722284f184d6b2d191d17323263f600526e72974f7028689b72fc0e";
    public const string WeightsRoot = "0f81bdd3fcb2b42110e86690e954a9597595724eb12596926077378300b38ebb";
    public const string TraceRoot = "2856b7fa6546cdf9803c2d802abc8f8ffa457fbe099b806f03acd5c4fcf8aa57";

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
