using Verity.Commitments;
using Xunit;
using M = Verity.Chain.Generated.JobMarket;

namespace Verity.Chain.Tests;

/// <summary><see cref="AuditDraw"/> computed off chain predicts the market's own settlement of every result.</summary>
public sealed class AuditDrawTests(ChainFixture fx) : IClassFixture<ChainFixture>
{
    [Fact]
    public async Task The_off_chain_draw_predicts_every_settlement()
    {
        await fx.ResetAsync();
        const ushort bps = 5_000;
        await fx.V.SetParamsAsync(fx.Owner, MarketParams.Default with { AuditBps = bps });
        int selected = 0, results = 40;
        for (var i = 0; i < results; i++)
        {
            var (job, _, _) = await fx.CommittedJobAsync(ChainFixture.Bytes($"audit draw {i}"));
            var posted = await fx.V.JobAsync(job);
            await fx.Node.MineAsync(1); // the seed block: the one after the result's
            var block = await fx.Chain.Web3.Eth.Blocks.GetBlockWithTransactionsHashesByNumber.SendRequestAsync(
                new Nethereum.RPC.Eth.DTOs.BlockParameter((ulong)(posted.BlockNumber + 1)));
            bool predicted = AuditDraw.Selects(Hash256.Parse(block.BlockHash), job, bps);
            await fx.Chain.SendAsync(fx.V.Deployment.Market, new M.SettleAuditFunction { JobId = job.ToBigInteger() }, fx.Stranger);
            Assert.Equal(predicted ? AuditState.Selected : AuditState.Clear, (await fx.V.JobAsync(job)).Audit);
            selected += predicted ? 1 : 0;
        }
        Assert.InRange(selected, 1, results - 1); // both outcomes were predicted (2^-39 chance of a false failure)
    }
}
