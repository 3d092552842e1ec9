using System.Numerics;
using Verity.Chain;
using Verity.Cli.Commands;
using Verity.Cli.Models;
using Verity.Cli.Network;
using Verity.Commitments;
using Xunit;
using Xunit.Abstractions;

namespace Verity.Node.Tests;

/// <summary>
/// The whole network on a real anvil with the real models (<see cref="Devnet"/>: three staked workers with their audit
/// daemons, a validator re-executing every result, a block producer): honest jobs are paid to the wei, and every
/// dishonest strategy is caught and slashed while no honest worker ever is.
/// </summary>
[Trait("Category", "Network")]
public sealed class NetworkTests(ITestOutputHelper output)
{
    private static readonly ModelStore Store = new(ModelFiles.Default(), _ => { });

    [Theory]
    [InlineData(CheatStrategy.RandomOutput, false)]
    [InlineData(CheatStrategy.ReusedOutput, false)]
    [InlineData(CheatStrategy.DifferentModel, true)]
    [InlineData(CheatStrategy.SkippedLayers, true)]
    [InlineData(CheatStrategy.WrongTrace, false)]
    [InlineData(CheatStrategy.ChangedElement, false)]
    public async Task Each_dishonest_strategy_is_caught_and_slashed_while_no_honest_worker_is(CheatStrategy cheat, bool images)
    {
        // The cheater holds most of the stake, so it is drawn for most jobs (the draw is stake-weighted).
        var (net, summary, _) = await RunAsync(new DevnetOptions { Cheat = cheat, Images = images, Stakes = [1_000, 1_000, 8_000] }, jobs: 6);
        await using var _ = net;
        Assert.Equal(0, summary.JobsFailed);
        Assert.Equal(6, summary.JobsFinalized);
        Assert.Equal(0, summary.HonestSlashed);
        Assert.Equal(1, summary.WorkersSlashed);
        Assert.True(summary.Disputes >= 1, "the cheater's results were disputed");
        Assert.Equal(summary.Disputes, summary.DisputesWonByHonest);
        Assert.True(summary.BooksBalanced);
    }

    [Fact]
    public async Task Fifty_honest_jobs_finalize_and_every_payout_matches_the_split_to_the_wei()
    {
        var (net, summary, events) = await RunAsync(new DevnetOptions(), jobs: 50, distribute: false);
        await using var _ = net;
        Assert.Equal(50, summary.JobsFinalized);
        Assert.Equal(0, summary.Disputes);
        Assert.Equal(0, summary.WorkersSlashed);
        var v = net.V;
        var p = net.Options.Market;

        // Each job's split, and the validator pool replayed in log order with the audit rewards it paid.
        var owed = new Dictionary<Address, BigInteger>();
        void Credit(Address a, BigInteger x) => owed[a] = owed.GetValueOrDefault(a) + x;
        var confirmedBy = events.AuditsConfirmed.ToDictionary(e => JobId.From(e.JobId), e => Address.Parse(e.Auditor));
        BigInteger pool = 0, royalties = 0;
        var potOf = new Dictionary<Hash256, BigInteger>();
        var modelOf = events.Requested.ToDictionary(e => JobId.From(e.JobId), e => new Hash256(e.ModelId));
        foreach (var f in events.Finalized)
        {
            var job = JobId.From(f.JobId);
            Assert.Equal(Devnet.Fee, f.Fee);
            var royalty = f.Fee * (Devnet.OwnerBps + Devnet.DatasetBps) / 10_000;
            var validator = f.Fee * p.ValidatorBps / 10_000;
            Assert.Equal(royalty, f.RoyaltyCut);
            Assert.Equal(validator, f.ValidatorCut);
            Assert.Equal(f.Fee - royalty - validator, f.WorkerCut);
            Credit(Address.Parse(f.Worker), f.WorkerCut);
            potOf[modelOf[job]] = potOf.GetValueOrDefault(modelOf[job]) + royalty;
            royalties += royalty;
            pool += validator;
            if (confirmedBy.TryGetValue(job, out var auditor))
            {
                var reward = BigInteger.Min(p.AuditReward, pool);
                pool -= reward;
                Credit(auditor, reward);
            }
        }
        Assert.Equal(pool, await v.ValidatorPoolAsync());
        foreach (var w in net.Workers)
            Assert.Equal(owed.GetValueOrDefault(w), await v.OwedToAsync(w));

        // Royalties: pot → the dataset's share and the owner (the rest), then the dataset → its two contributors.
        BigInteger ownerExpected = 0, c0 = 0, c1 = 0;
        foreach (var (name, (loaded, _)) in net.Models)
        {
            var pot = potOf.GetValueOrDefault(loaded.Id);
            Assert.Equal(pot, await v.RoyaltyPotAsync(loaded.Id));
            if (pot == 0)
                continue;
            await v.DistributeRoyaltiesAsync(net.Requester, loaded.Id);
            var data = pot * Devnet.DatasetBps / (Devnet.OwnerBps + Devnet.DatasetBps);
            ownerExpected += pot - data;
            await v.DistributeDatasetAsync(net.Requester, net.Datasets[name]);
            var second = data * 4_000 / 10_000;
            c1 += second;
            c0 += data - second;
        }
        Assert.Equal(ownerExpected, await v.OwedToAsync(net.ModelOwner));
        Assert.Equal(c0, await v.OwedToAsync(net.Contributors[0]));
        Assert.Equal(c1, await v.OwedToAsync(net.Contributors[1]));

        // The requester paid exactly 50 fees; a worker withdraws exactly what it is owed.
        Assert.Equal(100_000 * Deployer.Token - 50 * Devnet.Fee, await v.BalanceOfAsync(net.Requester));
        var w0 = net.Workers[0];
        var before = await v.BalanceOfAsync(w0);
        var due = await v.OwedToAsync(w0);
        await v.WithdrawAsync(w0);
        Assert.Equal(before + due, await v.BalanceOfAsync(w0));
        var (escrow, bonds, all) = await v.BooksAsync();
        Assert.Equal(0, escrow);
        Assert.Equal(escrow + bonds + all, await v.BalanceOfAsync(v.Deployment.Market));
        Assert.Equal(await v.TotalStakedAsync(), await v.BalanceOfAsync(v.Deployment.Staking));
    }

    /// <summary>Starts a devnet, runs its nodes, requests <paramref name="jobs"/> jobs and waits until every one is
    /// finalized or refunded (expiring overdue ones as the requester), then stops the nodes and sums up.</summary>
    private async Task<(Devnet Net, DemoSummary Summary, NetworkEvents Events)> RunAsync(DevnetOptions options, int jobs, bool distribute = true)
    {
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var net = await Devnet.StartAsync(options with { Poll = TimeSpan.FromMilliseconds(100) }, Store, log.Enqueue);
        var dir = Path.Combine(Path.GetTempPath(), $"verity-net-{Guid.NewGuid():N}");
        using var stop = new CancellationTokenSource();
        var nodes = net.RunNodesAsync(dir, log.Enqueue, stop.Token);
        try
        {
            var ids = await NetworkDemo.RequestAsync(net, Store, jobs, log.Enqueue, null, CancellationToken.None);
            await NodeWorld.UntilAsync(async () =>
            {
                await NetworkDemo.ExpireOverdueAsync(net, ids);
                foreach (var j in ids)
                    if ((await net.V.JobAsync(j)).Status is not (JobStatus.Finalized or JobStatus.Refunded))
                        return false;
                return true;
            }, $"all {jobs} jobs finalized or refunded", seconds: 240);
            await stop.CancelAsync();
            await nodes;
            var events = new NetworkEvents(net.V, a => a.ToString());
            await events.ReadAsync(0, await net.Node.BlockNumberAsync());
            if (distribute)
                foreach (var (name, (loaded, _)) in net.Models)
                    if (await net.V.RoyaltyPotAsync(loaded.Id) > 0)
                        await net.V.DistributeRoyaltiesAsync(net.Requester, loaded.Id);
            var summary = await NetworkDemo.SummarizeAsync(net, events, ids, NetworkDemo.Names(net), 0);
            output.WriteLine(summary.ToJson());
            return (net, summary, events);
        }
        catch
        {
            await stop.CancelAsync();
            await net.DisposeAsync();
            throw;
        }
        finally
        {
            foreach (var line in log)
                output.WriteLine(line);
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }
}
