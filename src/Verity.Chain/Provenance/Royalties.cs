using System.Numerics;
using Nethereum.ABI.FunctionEncoding.Attributes;
using Nethereum.Contracts;
using Nethereum.RPC.Eth.DTOs;
using Verity.Commitments;
using Ds = Verity.Chain.Generated.DatasetRegistry;
using Market = Verity.Chain.Generated.JobMarket;
using Models = Verity.Chain.Generated.ModelRegistry;

namespace Verity.Chain.Provenance;

/// <summary>What an account earned from one model as its owner.</summary>
public sealed record ModelEarning(Hash256 Model, BigInteger Amount, BigInteger Undistributed);

/// <summary>What an account earned from one dataset as a contributor, and the models that cite the dataset.</summary>
public sealed record DatasetEarning(Hash256 Dataset, ushort Bps, BigInteger Amount, BigInteger Undistributed, bool Invalid,
    IReadOnlyList<Hash256> ViaModels);

/// <summary>An account's royalties, reconstructed from the registries' and the market's events.</summary>
public sealed record RoyaltyReport(Address Account, IReadOnlyList<ModelEarning> Models, IReadOnlyList<DatasetEarning> Datasets,
    BigInteger Claimable, BigInteger Withdrawn);

/// <summary>Royalty accounting from events (what was earned, from which models and datasets) and claiming.</summary>
public static class Royalties
{
    /// <summary>The report for <paramref name="account"/>, from events since <paramref name="fromBlock"/>. A
    /// contributor's amount per distribution is computed with the market's rule (rounded down; the first
    /// contributor takes the dust). Models are attributed to the owner that registered them.</summary>
    public static async Task<RoyaltyReport> ReportAsync(VerityContracts v, Address account, long fromBlock = 0)
    {
        var models = await EventsAsync<Models.ModelRegisteredEvent>(v, v.Deployment.Models, fromBlock).ConfigureAwait(false);
        var datasets = await EventsAsync<Ds.DatasetRegisteredEvent>(v, v.Deployment.Datasets, fromBlock).ConfigureAwait(false);
        var royalties = await EventsAsync<Market.RoyaltiesDistributedEvent>(v, v.Deployment.Market, fromBlock).ConfigureAwait(false);
        var pools = await EventsAsync<Market.DatasetDistributedEvent>(v, v.Deployment.Market, fromBlock).ConfigureAwait(false);
        var withdrawals = await EventsAsync<Market.WithdrawnEvent>(v, v.Deployment.Market, fromBlock).ConfigureAwait(false);

        var owned = new List<ModelEarning>();
        foreach (var m in models.Where(m => Address.Parse(m.Owner) == account))
        {
            var id = new Hash256(m.Id);
            var earned = royalties.Where(r => new Hash256(r.ModelId) == id).Aggregate(BigInteger.Zero, (s, r) => s + r.OwnerCut);
            owned.Add(new ModelEarning(id, earned, await v.RoyaltyPotAsync(id).ConfigureAwait(false)));
        }

        var contributed = new List<DatasetEarning>();
        foreach (var d in datasets)
        {
            var contributors = d.Contributors.Select(Address.Parse).ToList();
            var at = contributors.IndexOf(account);
            if (at < 0) continue;
            var id = new Hash256(d.Id);
            var shares = d.Shares.Select(s => (ushort)s).ToList();
            var earned = BigInteger.Zero;
            foreach (var p in pools.Where(p => new Hash256(p.DatasetId) == id))
                earned += CutOf(p.Amount, shares, at);
            var via = models.Where(m => m.Datasets.Any(s => new Hash256(s.DatasetId) == id)).Select(m => new Hash256(m.Id)).ToList();
            var invalid = !await v.Chain.QueryAsync<Ds.IsValidFunction, bool>(v.Deployment.Datasets, new() { Id = id.ToArray() }).ConfigureAwait(false);
            contributed.Add(new DatasetEarning(id, shares[at], earned, await v.DatasetPoolAsync(id).ConfigureAwait(false), invalid, via));
        }
        var withdrawn = withdrawals.Where(w => Address.Parse(w.Account) == account).Aggregate(BigInteger.Zero, (s, w) => s + w.Amount);
        return new RoyaltyReport(account, owned, contributed, await v.OwedToAsync(account).ConfigureAwait(false), withdrawn);
    }

    /// <summary>Contributor <paramref name="at"/>'s part of a dataset distribution of <paramref name="amount"/>
    /// (IJobMarket.distributeDataset).</summary>
    public static BigInteger CutOf(BigInteger amount, IReadOnlyList<ushort> shares, int at)
    {
        if (at > 0) return amount * shares[at] / 10_000;
        var others = BigInteger.Zero;
        for (var i = 1; i < shares.Count; i++) others += amount * shares[i] / 10_000;
        return amount - others;
    }

    /// <summary>Distributes every pending pot that owes <paramref name="account"/> something (its models, the models
    /// citing its datasets, then its datasets' pools) and withdraws what it is owed. Returns the amount withdrawn.</summary>
    public static async Task<BigInteger> ClaimAsync(VerityContracts v, Address account, long fromBlock = 0)
    {
        var report = await ReportAsync(v, account, fromBlock).ConfigureAwait(false);
        var modelIds = report.Models.Select(m => m.Model).Concat(report.Datasets.SelectMany(d => d.ViaModels)).Distinct();
        foreach (var m in modelIds)
            if (await v.RoyaltyPotAsync(m).ConfigureAwait(false) > 0)
                await v.DistributeRoyaltiesAsync(account, m).ConfigureAwait(false);
        foreach (var d in report.Datasets)
            if (await v.DatasetPoolAsync(d.Dataset).ConfigureAwait(false) > 0)
                await v.DistributeDatasetAsync(account, d.Dataset).ConfigureAwait(false);
        var owed = await v.OwedToAsync(account).ConfigureAwait(false);
        if (owed == 0) return 0;
        var before = await v.BalanceOfAsync(account).ConfigureAwait(false);
        await v.WithdrawAsync(account).ConfigureAwait(false);
        return await v.BalanceOfAsync(account).ConfigureAwait(false) - before;
    }

    private static async Task<List<T>> EventsAsync<T>(VerityContracts v, Address contract, long fromBlock) where T : IEventDTO, new()
    {
        var e = v.Chain.Web3.Eth.GetEvent<T>(contract.Hex);
        var logs = await e.GetAllChangesAsync(e.CreateFilterInput(new BlockParameter((ulong)fromBlock), BlockParameter.CreateLatest()))
            .ConfigureAwait(false);
        return logs.Select(l => l.Event).ToList();
    }
}
