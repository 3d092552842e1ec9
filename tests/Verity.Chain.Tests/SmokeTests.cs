namespace Verity.Chain.Tests;

public sealed class SmokeTests(ChainFixture fx) : IClassFixture<ChainFixture>
{
    [Fact]
    public async Task A_job_goes_from_request_to_finalized()
    {
        await fx.ResetAsync();
        var (job, worker, result) = await fx.CommittedJobAsync(ChainFixture.Bytes("hello"));
        await fx.Node.AdvanceAsync(TimeSpan.FromHours(2));
        await fx.V.FinalizeAsync(fx.Stranger, result);
        var view = await fx.V.JobAsync(job);
        Assert.True(view.Status is JobStatus.Finalized or JobStatus.Committed, view.ToString());
        Assert.Equal(worker, view.Worker);
    }
}
