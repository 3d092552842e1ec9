using System.Numerics;
using Nethereum.Signer;
using Nethereum.Util;
using Verity.Commitments;
using D = Verity.Chain.Generated.DatasetRegistry;
using Dev = Verity.Chain.Generated.DeviceRegistry;
using R = Verity.Chain.Generated.ModelRegistry;
using S = Verity.Chain.Generated.WorkerStaking;
using Tk = Verity.Chain.Generated.VerityToken;

namespace Verity.Chain.Tests;

public sealed class RegistryTests(ChainFixture fx) : IClassFixture<ChainFixture>
{
    private VerityContracts V => fx.V;

    private static ModelSpec Child(Hash256 id, Hash256? parent, params DatasetShare[] datasets) =>
        new(id, Hash256.Of(id.ToArray()), 1, ChainFixture.ModelClass, 1000, ChainFixture.T, parent, datasets);

    [Fact]
    public async Task Lineage_is_queryable_parent_chain_and_datasets()
    {
        await fx.ResetAsync();
        var child = Hash256.Of("child"u8);
        var grandchild = Hash256.Of("grandchild"u8);
        await V.RegisterModelAsync(fx.ModelOwner, Child(child, ChainFixture.ModelId, new DatasetShare(ChainFixture.DatasetB, 2500)));
        await V.RegisterModelAsync(fx.Stranger, Child(grandchild, child));
        var lineage = await fx.Chain.QueryAsync<R.LineageFunction, List<byte[]>>(V.Deployment.Models, new() { Id = grandchild.ToArray(), MaxDepth = 10 });
        Assert.Equal([child, ChainFixture.ModelId], lineage.Select(b => new Hash256(b)));
        var ds = await fx.Chain.CallAsync<R.DatasetsOfFunction, R.DatasetsOfOutput>(V.Deployment.Models, new() { Id = ChainFixture.ModelId.ToArray() });
        Assert.Equal([(ChainFixture.DatasetA, 1500), (ChainFixture.DatasetB, 500)],
            ds.ReturnValue1.Select(d => (new Hash256(d.DatasetId), (int)d.Bps)));
        Assert.Equal(new BigInteger(4000), await fx.Chain.QueryAsync<R.RoyaltyBpsOfFunction, BigInteger>(V.Deployment.Models, new() { Id = ChainFixture.ModelId.ToArray() }));

        var unknown = await Revert.With<R.UnknownParentError>(() => V.RegisterModelAsync(fx.Stranger, Child(Hash256.Of("orphan"u8), Hash256.Of("nope"u8))));
        Assert.Equal(Hash256.Of("nope"u8), new Hash256(unknown.Parent));
        var dup = await Revert.With<R.ModelExistsError>(() => V.RegisterModelAsync(fx.Stranger, Child(child, null)));
        Assert.Equal(child, new Hash256(dup.Id));
    }

    [Fact]
    public async Task Dataset_shares_are_capped_in_count_and_total()
    {
        await fx.ResetAsync();
        var ids = new List<Hash256>();
        for (var i = 0; i < 9; i++)
        {
            var id = Hash256.Of(BitConverter.GetBytes(i));
            await V.RegisterDatasetAsync(fx.DatasetOwner, id, id, 1, [(fx.ContributorA1, 10000)], 10 * ChainFixture.T);
            ids.Add(id);
        }
        var many = await Revert.With<R.TooManyDatasetsError>(() => V.RegisterModelAsync(fx.Stranger,
            Child(Hash256.Of("greedy"u8), null, ids.Select(d => new DatasetShare(d, 100)).ToArray())));
        Assert.Equal((9, 8), ((int)many.Count, (int)many.Max));
        var high = await Revert.With<R.DatasetSharesTooHighError>(() => V.RegisterModelAsync(fx.Stranger,
            Child(Hash256.Of("greedy"u8), null, new DatasetShare(ids[0], 3000), new DatasetShare(ids[1], 2001))));
        Assert.Equal((5001, 5000), ((int)high.Sum, (int)high.Max));
        var owner = await Revert.With<R.OwnerShareTooHighError>(() => V.RegisterModelAsync(fx.Stranger,
            Child(Hash256.Of("greedy"u8), null, new DatasetShare(ids[0], 5000)) with { OwnerBps = 2001 }));
        Assert.Equal((2001, 5000, 7000), ((int)owner.OwnerBps, (int)owner.DatasetBps, (int)owner.Max));
        var twice = await Revert.With<R.DuplicateDatasetError>(() => V.RegisterModelAsync(fx.Stranger,
            Child(Hash256.Of("greedy"u8), null, new DatasetShare(ids[0], 100), new DatasetShare(ids[0], 100))));
        Assert.Equal(ids[0], new Hash256(twice.DatasetId));
    }

    [Fact]
    public async Task Datasets_need_whole_shares_and_a_bond_which_returns_after_retirement()
    {
        await fx.ResetAsync();
        var id = Hash256.Of("partial"u8);
        var e = await Revert.With<D.SharesNotWholeError>(() => V.RegisterDatasetAsync(fx.DatasetOwner, id, id, 1,
            [(fx.ContributorA1, 5000), (fx.ContributorA2, 4999)], 10 * ChainFixture.T));
        Assert.Equal(new BigInteger(9999), e.Sum);
        var bond = await Revert.With<D.BondTooSmallError>(() => V.RegisterDatasetAsync(fx.DatasetOwner, id, id, 1, [(fx.ContributorA1, 10000)], 1));
        Assert.Equal(10 * ChainFixture.T, bond.MinBond);

        var before = await V.BalanceOfAsync(fx.DatasetOwner);
        await V.RegisterDatasetAsync(fx.DatasetOwner, id, id, 1, [(fx.ContributorA1, 10000)], 10 * ChainFixture.T);
        await Revert.With<D.BondLockedError>(() => fx.Chain.SendAsync(V.Deployment.Datasets, new D.WithdrawBondFunction { Id = id.ToArray() }, fx.DatasetOwner));
        await fx.Chain.SendAsync(V.Deployment.Datasets, new D.RetireFunction { Id = id.ToArray() }, fx.DatasetOwner);
        var retired = await Revert.With<R.DatasetNotActiveError>(() => V.RegisterModelAsync(fx.Stranger, Child(Hash256.Of("late"u8), null, new DatasetShare(id, 100))));
        Assert.Equal(id, new Hash256(retired.DatasetId));
        await fx.Node.AdvanceAsync(TimeSpan.FromDays(15));
        await fx.Chain.SendAsync(V.Deployment.Datasets, new D.WithdrawBondFunction { Id = id.ToArray() }, fx.DatasetOwner);
        Assert.Equal(before, await V.BalanceOfAsync(fx.DatasetOwner));
    }

    [Fact]
    public async Task A_device_proves_its_key_with_an_EIP712_signature_bound_to_owner_chain_and_registry()
    {
        await fx.ResetAsync();
        var deviceKey = new EthECKey("0x" + Convert.ToHexStringLower(Hash256.Of("device key"u8).ToArray()));
        var device = Address.Parse(deviceKey.GetPublicAddress());
        var registry = V.Deployment.Devices;

        // The digest computed here, from (owner, chain id, registry address), equals the registry's own.
        var digest = BindingDigest(fx.DatasetOwner, AnvilNode.ChainId, registry);
        Assert.Equal(digest, await fx.Chain.QueryAsync<Dev.BindingDigestFunction, byte[]>(registry, new() { Owner = fx.DatasetOwner.Hex }));
        var signature = Sign(deviceKey, digest);

        // Someone else cannot use the device's signature for themselves.
        var stolen = await Revert.With<Dev.BadDeviceSignatureError>(() => fx.Chain.SendAsync(registry, new Dev.BindFunction { Device = device.Hex, Signature = signature }, fx.Stranger));
        Assert.Equal(device, Address.Parse(stolen.Device));
        Assert.NotEqual(device, Address.Parse(stolen.Recovered));

        await fx.Chain.SendAsync(registry, new Dev.BindFunction { Device = device.Hex, Signature = signature }, fx.DatasetOwner);
        Assert.Equal(fx.DatasetOwner, Address.Parse(await fx.Chain.QueryAsync<Dev.OwnerOfFunction, string>(registry, new() { Device = device.Hex })));
        var bound = await Revert.With<Dev.DeviceAlreadyBoundError>(() => fx.Chain.SendAsync(registry, new Dev.BindFunction { Device = device.Hex, Signature = signature }, fx.DatasetOwner));
        Assert.Equal(fx.DatasetOwner, Address.Parse(bound.Owner));
        var notOwner = await Revert.With<Dev.NotDeviceOwnerError>(() => fx.Chain.SendAsync(registry, new Dev.UnbindFunction { Device = device.Hex }, fx.Stranger));
        Assert.Equal(fx.Stranger, Address.Parse(notOwner.Caller));
        await fx.Chain.SendAsync(registry, new Dev.UnbindFunction { Device = device.Hex }, fx.DatasetOwner);
        Assert.True(Address.Parse(await fx.Chain.QueryAsync<Dev.OwnerOfFunction, string>(registry, new() { Device = device.Hex })).IsZero);
    }

    [Fact]
    public async Task The_token_supports_permit_and_counts_what_is_burned()
    {
        await fx.ResetAsync();
        var key = new EthECKey("0x" + Convert.ToHexStringLower(Hash256.Of("permit owner"u8).ToArray()));
        var holder = Address.Parse(key.GetPublicAddress());
        await V.TransferAsync(fx.Owner, holder, 5 * ChainFixture.T);
        var deadline = new BigInteger(AnvilNode.GenesisTimestamp + 10 * 365 * 86400);
        var domain = await fx.Chain.CallAsync<Tk.DomainSeparatorFunction, Tk.DomainSeparatorOutput>(V.Deployment.Token, new());
        var keccak = new Sha3Keccack();
        var typeHash = keccak.CalculateHash("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"u8.ToArray());
        var structHash = keccak.CalculateHash(new Nethereum.ABI.ABIEncode().GetABIEncoded(
            new Nethereum.ABI.ABIValue("bytes32", typeHash), new Nethereum.ABI.ABIValue("address", holder.Hex),
            new Nethereum.ABI.ABIValue("address", fx.Stranger.Hex), new Nethereum.ABI.ABIValue("uint256", 2 * ChainFixture.T),
            new Nethereum.ABI.ABIValue("uint256", BigInteger.Zero), new Nethereum.ABI.ABIValue("uint256", deadline)));
        var digest = keccak.CalculateHash([0x19, 0x01, .. domain.ReturnValue1, .. structHash]);
        var sig = key.SignAndCalculateV(digest);
        // the spender submits the permit: the holder never sends a transaction
        await fx.Chain.SendAsync(V.Deployment.Token, new Tk.PermitFunction
        {
            Owner = holder.Hex, Spender = fx.Stranger.Hex, Value = 2 * ChainFixture.T, Deadline = deadline,
            V = sig.V[0], R = sig.R, S = sig.S,
        }, fx.Stranger);
        await fx.Chain.SendAsync(V.Deployment.Token, new Tk.TransferFromFunction { From = holder.Hex, To = fx.Stranger.Hex, Value = 2 * ChainFixture.T }, fx.Stranger);
        Assert.Equal(3 * ChainFixture.T, await V.BalanceOfAsync(holder));

        var minted = await V.MintedAsync();
        await fx.Chain.SendAsync(V.Deployment.Token, new Tk.BurnFunction { Value = 7 }, fx.Stranger);
        Assert.Equal(new BigInteger(7), await V.BurnedAsync());
        Assert.Equal(minted - 7, await V.TotalSupplyAsync());
    }

    [Fact]
    public async Task Serving_needs_the_class_minimum_stake()
    {
        await fx.ResetAsync();
        var poor = fx.Stranger;
        await V.StakeAsync(poor, 999 * ChainFixture.T);
        var e = await Revert.With<S.BelowMinStakeError>(() => V.ServeAsync(poor, ChainFixture.ModelId));
        Assert.Equal((999 * ChainFixture.T, ChainFixture.MinStake), (e.Stake, e.MinStake));
        await V.StakeAsync(poor, ChainFixture.T);
        await V.ServeAsync(poor, ChainFixture.ModelId);
        var twice = await Revert.With<S.AlreadyServingError>(() => V.ServeAsync(poor, ChainFixture.ModelId));
        Assert.Equal(poor, Address.Parse(twice.Worker));
        await fx.Chain.SendAsync(V.Deployment.Staking, new S.StopServingFunction { ModelId = ChainFixture.ModelId.ToArray() }, poor);
        var servers = await fx.Chain.QueryAsync<S.ServersOfFunction, List<string>>(V.Deployment.Staking, new() { ModelId = ChainFixture.ModelId.ToArray() });
        Assert.DoesNotContain(poor.Hex, servers);
        Assert.Equal(3, servers.Count);
    }

    private static byte[] BindingDigest(Address owner, long chainId, Address registry)
    {
        var k = new Sha3Keccack();
        var abi = new Nethereum.ABI.ABIEncode();
        var domainType = k.CalculateHash("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"u8.ToArray());
        var domain = k.CalculateHash(abi.GetABIEncoded(
            new Nethereum.ABI.ABIValue("bytes32", domainType),
            new Nethereum.ABI.ABIValue("bytes32", k.CalculateHash("Verity Devices"u8.ToArray())),
            new Nethereum.ABI.ABIValue("bytes32", k.CalculateHash("1"u8.ToArray())),
            new Nethereum.ABI.ABIValue("uint256", new BigInteger(chainId)),
            new Nethereum.ABI.ABIValue("address", registry.Hex)));
        var structHash = k.CalculateHash(abi.GetABIEncoded(
            new Nethereum.ABI.ABIValue("bytes32", k.CalculateHash("DeviceBinding(address owner)"u8.ToArray())),
            new Nethereum.ABI.ABIValue("address", owner.Hex)));
        return k.CalculateHash([0x19, 0x01, .. domain, .. structHash]);
    }

    private static byte[] Sign(EthECKey key, byte[] digest)
    {
        var sig = key.SignAndCalculateV(digest);
        return [.. sig.R, .. sig.S, .. sig.V];
    }
}
