namespace Verity.Chain.Tests;

public sealed class GasBenchTests
{
    /// <summary>Runs the bench (the numbers `verity bench gas` prints) and holds them to issue 3's bars.</summary>
    [Fact]
    public async Task Gas_stays_within_the_issue_bars()
    {
        var report = await GasBench.RunAsync();
        Assert.True(report.SingleJobTotal <= 300_000, report.ToText());
        Assert.True(report.Batch32PerJob <= 80_000, report.ToText());
    }
}
