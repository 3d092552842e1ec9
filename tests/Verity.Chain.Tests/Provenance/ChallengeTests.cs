using System.Numerics;
using System.Text;
using Verity.Chain.Provenance;
using Verity.Commitments;
using Ds = Verity.Chain.Generated.DatasetRegistry;
using Dev = Verity.Chain.Generated.DeviceRegistry;
using R = Verity.Chain.Generated.ModelRegistry;

namespace Verity.Chain.Tests.Provenance;

/// <summary>Challenges of registered datasets: a bad record slashes and invalidates; a sound one costs the
/// challenger; the books balance to the wei on every path.</summary>
public sealed class ChallengeTests(ProvenanceFixture fx) : IClassFixture<ProvenanceFixture>
{
    private VerityContracts V => fx.V;

    /// <summary>The fleet's honest readings plus <paramref name="extra"/>, committed without the builder's checks.</summary>
    private DatasetFile Dataset(params DataRecord[] extra) =>
        DatasetFile.Canonical(fx.Fleet(2, 2, 2, 2, 2).Select(r => r.Item1).Concat(extra), fx.Domain);

    private static int IndexOf(DatasetFile d, DataRecord r) =>
        d.Records.Select((x, i) => (x, i)).Single(p => p.x.ToBytes().AsSpan().SequenceEqual(r.ToBytes())).i;

    /// <summary>A reading of device 2 whose payload was changed after it was signed.</summary>
    private DataRecord Forged()
    {
        var honest = fx.Readings(2, 1, firstSequence: 40).Single();
        return (honest with { Payload = Encoding.UTF8.GetBytes("{\"celsius\":99.9}") }).ToRecord();
    }

    [Fact]
    public async Task A_forged_reading_slashes_the_bond_pays_the_challenger_burns_the_rest_and_the_dataset_earns_nothing_more()
    {
        await fx.ResetAsync();
        var forged = Forged();
        Assert.False(forged.SignatureValid(fx.Domain));
        var dataset = Dataset(forged);
        await V.RegisterDatasetAsync(fx.Builder, dataset, ProvenanceFixture.Bond);
        var model = await fx.ModelAsync("model: forged data", 1000, new DatasetShare(dataset.Id, 2000));
        await fx.PaidJobAsync(model, 0);
        await fx.PaidJobAsync(model, 1);
        await V.DistributeRoyaltiesAsync(fx.Stranger, model);
        var accrued = await V.DatasetPoolAsync(dataset.Id);
        Assert.True(accrued > 0);

        var challengerBefore = await V.BalanceOfAsync(fx.Challenger);
        var builderBefore = await V.BalanceOfAsync(fx.Builder);
        var burnedBefore = await V.BurnedAsync();
        var bondsBefore = await V.TotalDatasetBondsAsync();
        var (fault, receipt) = await V.ChallengeDatasetAsync(fx.Challenger, dataset, IndexOf(dataset, forged));
        Assert.Equal(RecordFault.BadSignature, fault);

        var reward = ProvenanceFixture.Bond * 5000 / 10_000; // DeploymentOptions.SlashRewardBps
        Assert.Equal(challengerBefore + reward, await V.BalanceOfAsync(fx.Challenger));
        Assert.Equal(builderBefore, await V.BalanceOfAsync(fx.Builder));
        Assert.Equal(burnedBefore + (ProvenanceFixture.Bond - reward), await V.BurnedAsync());
        Assert.Equal(bondsBefore - ProvenanceFixture.Bond, await V.TotalDatasetBondsAsync());
        var stored = await V.DatasetAsync(dataset.Id);
        Assert.True(stored.Invalid);
        Assert.Equal(BigInteger.Zero, stored.Bond);
        await fx.AssertBooksExactAsync();

        // What it had accrued goes to the validator pool, not to its contributors.
        var poolBefore = await V.ValidatorPoolAsync();
        await V.DistributeDatasetAsync(fx.Stranger, dataset.Id);
        Assert.Equal(poolBefore + accrued, await V.ValidatorPoolAsync());
        foreach (var c in dataset.Contributors) Assert.Equal(BigInteger.Zero, await V.OwedToAsync(c.Contributor));

        // So does its cut of later jobs; the model owner's cut is unchanged.
        await fx.PaidJobAsync(model, 2);
        var pot = await V.RoyaltyPotAsync(model);
        var ownerBefore = await V.OwedToAsync(fx.ModelOwner);
        poolBefore = await V.ValidatorPoolAsync();
        await V.DistributeRoyaltiesAsync(fx.Stranger, model);
        var datasetCut = pot * 2000 / 3000;
        Assert.Equal(poolBefore + datasetCut, await V.ValidatorPoolAsync());
        Assert.Equal(ownerBefore + (pot - datasetCut), await V.OwedToAsync(fx.ModelOwner));
        Assert.Equal(BigInteger.Zero, await V.DatasetPoolAsync(dataset.Id));
        await fx.AssertBooksExactAsync();

        // It can be neither cited again nor challenged twice.
        var cite = await Revert.With<R.DatasetNotActiveError>(() => fx.ModelAsync("model: late", 0, new DatasetShare(dataset.Id, 100)));
        Assert.Equal(dataset.Id, new Hash256(cite.DatasetId));
        await Revert.With<Ds.DatasetAlreadyInvalidError>(() => V.ChallengeDatasetAsync(fx.Challenger, dataset, IndexOf(dataset, forged)));
    }

    [Fact]
    public async Task A_challenge_of_an_honest_record_fails_and_its_bond_goes_to_the_dataset_owner()
    {
        await fx.ResetAsync();
        var dataset = Dataset();
        await V.RegisterDatasetAsync(fx.Builder, dataset, ProvenanceFixture.Bond);
        var bond = await V.ChallengeBondAsync();
        Assert.True(bond > 0);
        var challengerBefore = await V.BalanceOfAsync(fx.Challenger);
        var builderBefore = await V.BalanceOfAsync(fx.Builder);
        var burnedBefore = await V.BurnedAsync();
        var (fault, _) = await V.ChallengeDatasetAsync(fx.Challenger, dataset, 3);
        Assert.Equal(RecordFault.None, fault);
        Assert.Equal(challengerBefore - bond, await V.BalanceOfAsync(fx.Challenger));
        Assert.Equal(builderBefore + bond, await V.BalanceOfAsync(fx.Builder));
        Assert.Equal(burnedBefore, await V.BurnedAsync());
        var stored = await V.DatasetAsync(dataset.Id);
        Assert.False(stored.Invalid);
        Assert.Equal(ProvenanceFixture.Bond, stored.Bond);
        await fx.AssertBooksExactAsync();

        // A device owner who unbinds its device after the registration cannot make its records look unregistered.
        var record = dataset.Records[0];
        await V.Chain.SendAsync(V.Deployment.Devices, new Dev.UnbindFunction { Device = record.Device.Hex }, record.Contributor);
        Assert.True((await V.DeviceOwnerAsync(record.Device)).IsZero);
        Assert.Equal(RecordFault.None, (await V.ChallengeDatasetAsync(fx.Challenger, dataset, 0)).Fault);
        Assert.Equal(challengerBefore - 2 * bond, await V.BalanceOfAsync(fx.Challenger));
        await fx.AssertBooksExactAsync();
    }

    [Fact]
    public async Task A_genuine_reading_of_a_device_not_bound_to_its_owner_by_registration_is_a_fault()
    {
        await fx.ResetAsync();
        var rogue = DeviceKey.FromSeed("rogue", 0);
        var reading = rogue.SignReading(fx.Domain, fx.DeviceOwners[1], 1, (ulong)AnvilNode.GenesisTimestamp, "{\"celsius\":1}"u8.ToArray()).ToRecord();
        Assert.True(reading.SignatureValid(fx.Domain));
        var dataset = Dataset(reading);
        await V.RegisterDatasetAsync(fx.Builder, dataset, ProvenanceFixture.Bond);
        // Binding the device after the fact does not help.
        await fx.Node.AdvanceAsync(TimeSpan.FromSeconds(30));
        await V.BindDeviceAsync(fx.DeviceOwners[1], rogue);
        var (fault, _) = await V.ChallengeDatasetAsync(fx.Challenger, dataset, IndexOf(dataset, reading));
        Assert.Equal(RecordFault.UnregisteredDevice, fault);
        Assert.True((await V.DatasetAsync(dataset.Id)).Invalid);
        await fx.AssertBooksExactAsync();
    }

    [Fact]
    public async Task A_challenge_must_prove_a_device_record_against_the_root()
    {
        await fx.ResetAsync();
        var plain = DataRecord.Plain(fx.Stranger, Hash256.Of("a photo"u8));
        var dataset = Dataset(plain);
        await V.RegisterDatasetAsync(fx.Builder, dataset, ProvenanceFixture.Bond);
        var challengerBefore = await V.BalanceOfAsync(fx.Challenger);
        await Revert.With<Ds.NotADeviceRecordError>(() => V.ChallengeDatasetAsync(fx.Challenger, dataset, IndexOf(dataset, plain)));

        // Another dataset's record, or the right record at the wrong index, is not in this dataset.
        var other = DatasetFile.Canonical([Forged()], fx.Domain);
        var send = (byte[] record, int index, Hash256[] proof) => V.Chain.SendAsync(V.Deployment.Datasets, new Ds.ChallengeFunction
        {
            Id = dataset.Id.ToArray(), Record = record, Index = index, Proof = proof.Select(h => h.ToArray()).ToList(),
        }, fx.Challenger);
        var e = await Revert.With<Ds.RecordNotInDatasetError>(() => send(other.Records[0].ToBytes(), 0, dataset.Proof(0)));
        Assert.Equal(BigInteger.Zero, e.Index);
        await Revert.With<Ds.RecordNotInDatasetError>(() => send(dataset.Records[1].ToBytes(), 2, dataset.Proof(1)));
        var len = await Revert.With<Ds.BadRecordLengthError>(() => send(dataset.Records[1].ToBytes()[..100], 1, dataset.Proof(1)));
        Assert.Equal((100, 153), ((int)len.Length, (int)len.Expected));
        Assert.Equal(challengerBefore - 0, await V.BalanceOfAsync(fx.Challenger));
        await fx.AssertBooksExactAsync();
    }
    [Fact]
    public async Task A_retired_dataset_returns_its_bond_and_then_has_nothing_left_to_slash()
    {
        await fx.ResetAsync();
        var forged = Forged();
        var dataset = Dataset(forged);
        var before = await V.BalanceOfAsync(fx.Builder);
        await V.RegisterDatasetAsync(fx.Builder, dataset, ProvenanceFixture.Bond);
        await V.Chain.SendAsync(V.Deployment.Datasets, new Ds.RetireFunction { Id = dataset.Id.ToArray() }, fx.Builder);
        await fx.Node.AdvanceAsync(TimeSpan.FromDays(15));
        await V.Chain.SendAsync(V.Deployment.Datasets, new Ds.WithdrawBondFunction { Id = dataset.Id.ToArray() }, fx.Builder);
        Assert.Equal(before, await V.BalanceOfAsync(fx.Builder));
        await fx.AssertBooksExactAsync();
        await Revert.With<Ds.NothingToSlashError>(() => V.ChallengeDatasetAsync(fx.Challenger, dataset, IndexOf(dataset, forged)));
    }

    [Fact]
    public async Task A_contributor_listed_twice_or_a_dataset_without_records_is_refused()
    {
        await fx.ResetAsync();
        var id = Hash256.Of("twice"u8);
        var twice = await Revert.With<Ds.DuplicateContributorError>(() => V.RegisterDatasetAsync(fx.Builder, id, id, 2,
            [(fx.Stranger, 5000), (fx.Stranger, 5000)], ProvenanceFixture.Bond));
        Assert.Equal(fx.Stranger, Address.Parse(twice.Contributor));
        await Revert.With<Ds.NoRecordsError>(() => V.RegisterDatasetAsync(fx.Builder, id, id, 0, [(fx.Stranger, 10000)], ProvenanceFixture.Bond));
        Assert.False(await V.DatasetExistsAsync(id));
    }
}
