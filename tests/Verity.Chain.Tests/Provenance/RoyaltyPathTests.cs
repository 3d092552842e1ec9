using System.Numerics;
using Verity.Chain.Provenance;
using Verity.Commitments;

namespace Verity.Chain.Tests.Provenance;

/// <summary>The whole path on anvil: devices sign readings, a dataset is built and registered, a model cites it,
/// jobs are paid, and every device owner can claim exactly what the split rules give them.</summary>
public sealed class RoyaltyPathTests(ProvenanceFixture fx) : IClassFixture<ProvenanceFixture>
{
    private VerityContracts V => fx.V;

    [Fact]
    public async Task The_digest_computed_in_CSharp_is_the_registrys_own()
    {
        await fx.ResetAsync();
        foreach (var r in fx.Readings(4, 3).Select(r => r.ToRecord()))
            Assert.Equal(fx.Domain.ReadingDigest(r.Device, r.Contributor, r.Sequence, r.Timestamp, r.PayloadHash),
                await V.ReadingDigestAsync(r));
        // The binding digest too (the registry already checks it by accepting the fixture's bindings).
        Assert.Equal(fx.Domain.BindingDigest(fx.Stranger), await V.Chain.QueryAsync<Verity.Chain.Generated.DeviceRegistry.BindingDigestFunction, byte[]>(
            V.Deployment.Devices, new() { Owner = fx.Stranger.Hex }));
    }

    [Fact]
    public async Task A_fleet_signs_a_dataset_a_model_cites_it_and_each_device_owner_claims_exactly_its_royalty()
    {
        await fx.ResetAsync();
        var dataset = DatasetFile.Build(fx.Fleet(3, 4, 5, 6, 9));
        Assert.Equal(27, dataset.Records.Count);
        // Shares by record count, largest remainder: A 7/27, B 5/27, C 6/27, D 9/27 of 10,000 bps.
        var expectedBps = new Dictionary<Address, ushort>
        {
            [fx.DeviceOwners[0]] = 2593, [fx.DeviceOwners[1]] = 1852, [fx.DeviceOwners[2]] = 2222, [fx.DeviceOwners[3]] = 3333,
        };
        Assert.Equal(expectedBps.OrderBy(k => k.Key.Hex, StringComparer.Ordinal).Select(k => (k.Key, k.Value)),
            dataset.Contributors.Select(c => (c.Contributor, c.Bps)));

        var builderBefore = await V.BalanceOfAsync(fx.Builder);
        await V.RegisterDatasetAsync(fx.Builder, dataset, ProvenanceFixture.Bond);
        Assert.Equal(builderBefore - ProvenanceFixture.Bond, await V.BalanceOfAsync(fx.Builder));
        var stored = await V.DatasetAsync(dataset.Id);
        Assert.Equal((dataset.Root, 27UL, false), (stored.RecordsRoot, stored.RecordCount, stored.Invalid));
        await fx.AssertBooksExactAsync();

        const ushort ownerBps = 1000, datasetBps = 3000;
        var model = await fx.ModelAsync("model: fleet", ownerBps, new DatasetShare(dataset.Id, datasetBps));
        const int jobs = 4;
        for (var n = 0; n < jobs; n++) await fx.PaidJobAsync(model, n);
        await fx.AssertBooksExactAsync();

        // Expected, from the documented rules (docs/PROTOCOL.md, docs/PROVENANCE.md), in whole wei.
        var pot = jobs * (ProvenanceFixture.Fee * (ownerBps + datasetBps) / 10_000);
        var datasetCut = pot * datasetBps / (ownerBps + datasetBps);
        var expected = new Dictionary<Address, BigInteger>();
        var order = dataset.Contributors.Select(c => c.Contributor).ToList();
        foreach (var c in order.Skip(1)) expected[c] = datasetCut * expectedBps[c] / 10_000;
        expected[order[0]] = datasetCut - expected.Values.Aggregate(BigInteger.Zero, (a, b) => a + b);

        Assert.Equal(pot, await V.RoyaltyPotAsync(model));
        await V.DistributeRoyaltiesAsync(fx.Stranger, model);
        Assert.Equal(datasetCut, await V.DatasetPoolAsync(dataset.Id));
        Assert.Equal(pot - datasetCut, await V.OwedToAsync(fx.ModelOwner));
        await V.DistributeDatasetAsync(fx.Stranger, dataset.Id);
        await fx.AssertBooksExactAsync();

        foreach (var (owner, amount) in expected)
        {
            Assert.True(amount > 0);
            Assert.Equal(amount, await V.OwedToAsync(owner));
            var before = await V.BalanceOfAsync(owner);
            await V.WithdrawAsync(owner);
            Assert.Equal(before + amount, await V.BalanceOfAsync(owner));
            Assert.Equal(BigInteger.Zero, await V.OwedToAsync(owner));
        }
        await fx.AssertBooksExactAsync();
    }
}
