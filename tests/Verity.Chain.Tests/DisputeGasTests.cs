using Verity.Cli.Disputes;
using Verity.Chain.Dispute;
using Xunit.Abstractions;

namespace Verity.Chain.Tests;

/// <summary>The gas bench with a complete dispute over a real MiniLM job (a cheater that changed one element of a
/// fused residual-add LayerNorm output, MiniLM's heaviest one-step), held to issue 3's bars:
/// dispute_total ≤ 6,000,000 and dispute_max_tx ≤ 10,000,000.</summary>
public sealed class DisputeGasTests(ITestOutputHelper log)
{
    [Fact]
    public async Task A_complete_dispute_stays_within_the_gas_bars()
    {
        var report = await GasBench.RunAsync(dispute: MiniLmDispute.Instance.LayerNormCheat());
        log.WriteLine(report.ToText());
        Assert.NotNull(report.DisputeTotal);
        Assert.True(report.DisputeTotal <= 6_000_000, report.ToText());
        Assert.True(report.DisputeMaxTx <= 10_000_000, report.ToText());
        Assert.True(report.Batch32PerJob <= 80_000, report.ToText());
        if (Environment.GetEnvironmentVariable("VERITY_RECORD_GOLDEN") == "1") GasBench.WriteDoc(report);
    }
}
