using System.Numerics;
using Xunit;

namespace Verity.Chain.Tests;

/// <summary>Many transactions sent at once from one account the node holds all reach the chain, in one block
/// (anvil's automine off, as on a real chain, so they meet in the pool).</summary>
public sealed class ConcurrentSendTests(ChainFixture fx) : IClassFixture<ChainFixture>
{
    [Fact]
    public async Task Concurrent_sends_from_one_node_account_all_land()
    {
        await fx.ResetAsync();
        const int count = 12;
        var before = await fx.V.BalanceOfAsync(fx.Stranger);
        await fx.Node.RpcAsync("evm_setAutomine", default, false);
        try
        {
            var sends = Enumerable.Range(1, count).Select(i => fx.V.TransferAsync(fx.Requester, fx.Stranger, i)).ToArray();
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (PoolSize(await fx.Node.RpcAsync("txpool_status")) < count && !sends.Any(s => s.IsFaulted))
            {
                Assert.True(DateTime.UtcNow < deadline, "the transfers never all reached the pool");
                await Task.Delay(20);
            }
            await fx.Node.MineAsync(1);
            var receipts = await Task.WhenAll(sends); // a refused send throws here with the node's reason
            Assert.Single(receipts.Select(r => r.BlockNumber.Value).Distinct());
        }
        finally
        {
            await fx.Node.RpcAsync("evm_setAutomine", default, true);
        }
        Assert.Equal(before + count * (count + 1) / 2, await fx.V.BalanceOfAsync(fx.Stranger));
    }

    private static int PoolSize(System.Text.Json.JsonElement status) =>
        (int)(BigInteger.Parse("0" + status.GetProperty("pending").GetString()![2..], System.Globalization.NumberStyles.HexNumber)
            + BigInteger.Parse("0" + status.GetProperty("queued").GetString()![2..], System.Globalization.NumberStyles.HexNumber));
}
