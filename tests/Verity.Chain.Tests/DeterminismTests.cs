namespace Verity.Chain.Tests;

public sealed class DeterminismTests
{
    /// <summary>Two fresh nodes fed the same transactions produce the same block hashes, so draws and audits in
    /// the seeded tests replay exactly.</summary>
    [Fact]
    public async Task Anvil_blocks_are_reproducible()
    {
        async Task<string> HashAfterWork()
        {
            await using var node = await AnvilNode.StartAsync(accounts: 3);
            await node.IncreaseTimeAsync(TimeSpan.FromSeconds(100));
            await node.MineAsync(3);
            var block = await node.RpcAsync("eth_getBlockByNumber", default, "latest", false);
            return block.GetProperty("hash").GetString()!;
        }
        Assert.Equal(await HashAfterWork(), await HashAfterWork());
    }
}
