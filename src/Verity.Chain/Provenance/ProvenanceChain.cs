using System.Numerics;
using Nethereum.Contracts;
using Nethereum.RPC.Eth.DTOs;
using Verity.Commitments;
using Ds = Verity.Chain.Generated.DatasetRegistry;
using Dev = Verity.Chain.Generated.DeviceRegistry;

namespace Verity.Chain.Provenance;

/// <summary>What a dataset challenge showed (IDatasetRegistry.Fault).</summary>
public enum RecordFault { None, BadSignature, UnregisteredDevice }

/// <summary>A dataset as the registry stores it.</summary>
public sealed record DatasetView(Hash256 Id, Address Owner, Hash256 RecordsRoot, ulong RecordCount, BigInteger Bond,
    bool Retired, bool Invalid, IReadOnlyList<(Address Contributor, ushort Bps)> Contributors);

/// <summary>The device and dataset registries' operations, in our own types.</summary>
public static class ProvenanceChain
{
    /// <summary>The EIP-712 domain of this deployment's device registry on the connected chain.</summary>
    public static async Task<DeviceDomain> DeviceDomainAsync(this VerityContracts v)
    {
        var chainId = await v.Chain.Web3.Eth.ChainId.SendRequestAsync().ConfigureAwait(false);
        return new DeviceDomain((long)chainId.Value, v.Deployment.Devices);
    }

    /// <summary>Binds <paramref name="device"/> to <paramref name="owner"/>: the device signs the binding, the owner sends it.</summary>
    public static async Task<TransactionReceipt> BindDeviceAsync(this VerityContracts v, Address owner, DeviceKey device)
    {
        var domain = await v.DeviceDomainAsync().ConfigureAwait(false);
        return await v.Chain.SendAsync(v.Deployment.Devices, new Dev.BindFunction
        {
            Device = device.Address.Hex, Signature = device.SignBinding(domain, owner),
        }, owner).ConfigureAwait(false);
    }

    /// <summary>The current owner of <paramref name="device"/>, or <see cref="Address.Zero"/>.</summary>
    public static async Task<Address> DeviceOwnerAsync(this VerityContracts v, Address device) => Address.Parse(
        await v.Chain.QueryAsync<Dev.OwnerOfFunction, string>(v.Deployment.Devices, new() { Device = device.Hex }).ConfigureAwait(false));

    /// <summary>When <paramref name="device"/> was first bound to <paramref name="owner"/> (0: never).</summary>
    public static async Task<ulong> FirstBoundAtAsync(this VerityContracts v, Address device, Address owner) =>
        (ulong)await v.Chain.QueryAsync<Dev.FirstBoundAtFunction, BigInteger>(v.Deployment.Devices,
            new() { Device = device.Hex, Owner = owner.Hex }).ConfigureAwait(false);

    /// <summary>The registry's own reading digest (a view), to pin the C# digest against.</summary>
    public static Task<byte[]> ReadingDigestAsync(this VerityContracts v, DataRecord r) =>
        v.Chain.QueryAsync<Dev.ReadingDigestFunction, byte[]>(v.Deployment.Devices, new()
        {
            Device = r.Device.Hex, Owner = r.Contributor.Hex, Sequence = r.Sequence, Timestamp = r.Timestamp,
            PayloadHash = r.PayloadHash.ToArray(),
        });

    /// <summary>Approves the bond and registers <paramref name="dataset"/> under its id.</summary>
    public static Task<TransactionReceipt> RegisterDatasetAsync(this VerityContracts v, Address owner, DatasetFile dataset,
        BigInteger bond) =>
        v.RegisterDatasetAsync(owner, dataset.Id, dataset.Root, (ulong)dataset.Records.Count,
            dataset.Contributors.Select(c => (c.Contributor, c.Bps)).ToList(), bond);

    /// <summary>Challenges record <paramref name="index"/> of <paramref name="dataset"/> (approving the challenge bond
    /// first); returns what the registry found.</summary>
    public static async Task<(RecordFault Fault, TransactionReceipt Receipt)> ChallengeDatasetAsync(this VerityContracts v,
        Address challenger, DatasetFile dataset, int index)
    {
        var bond = await v.ChallengeBondAsync().ConfigureAwait(false);
        await v.ApproveAsync(challenger, v.Deployment.Datasets, bond).ConfigureAwait(false);
        var receipt = await v.Chain.SendAsync(v.Deployment.Datasets, new Ds.ChallengeFunction
        {
            Id = dataset.Id.ToArray(), Record = dataset.Records[index].ToBytes(), Index = index,
            Proof = dataset.Proof(index).Select(h => h.ToArray()).ToList(),
        }, challenger).ConfigureAwait(false);
        var invalidated = receipt.DecodeAllEvents<Ds.DatasetInvalidatedEvent>();
        return (invalidated.Count == 0 ? RecordFault.None : (RecordFault)(int)invalidated[0].Event.Fault, receipt);
    }

    /// <summary>What a failed challenge costs.</summary>
    public static Task<BigInteger> ChallengeBondAsync(this VerityContracts v) =>
        v.Chain.QueryAsync<Ds.ChallengeBondFunction, BigInteger>(v.Deployment.Datasets, new());

    /// <summary>The sum of the bonds the dataset registry holds.</summary>
    public static Task<BigInteger> TotalDatasetBondsAsync(this VerityContracts v) =>
        v.Chain.QueryAsync<Ds.TotalBondsFunction, BigInteger>(v.Deployment.Datasets, new());

    /// <summary>Whether dataset <paramref name="id"/> exists.</summary>
    public static Task<bool> DatasetExistsAsync(this VerityContracts v, Hash256 id) =>
        v.Chain.QueryAsync<Ds.ExistsFunction, bool>(v.Deployment.Datasets, new() { Id = id.ToArray() });

    /// <summary>The stored dataset (reverts UnknownDataset if there is none).</summary>
    public static async Task<DatasetView> DatasetAsync(this VerityContracts v, Hash256 id)
    {
        var d = (await v.Chain.CallAsync<Ds.GetFunction, Ds.GetOutput>(v.Deployment.Datasets, new() { Id = id.ToArray() })
            .ConfigureAwait(false)).ReturnValue1;
        return new DatasetView(id, Address.Parse(d.Owner), new Hash256(d.RecordsRoot), (ulong)d.RecordCount, d.Bond,
            d.RetiredAt != 0, d.InvalidatedAt != 0,
            d.Contributors.Zip(d.Shares, (c, s) => (Address.Parse(c), (ushort)s)).ToList());
    }
}
