using System.Numerics;
using Nethereum.ABI;
using Nethereum.Util;
using Verity.Commitments;

namespace Verity.Chain.Provenance;

/// <summary>The EIP-712 domain of one DeviceRegistry — {name "Verity Devices", version "1", chainId, verifyingContract
/// = the registry} — and the digests devices sign under it, computed exactly as the contract does.</summary>
/// <remarks>Putting the chain id and the registry's address in the domain is the replay protection across chains and
/// deployments: a signature made under one domain recovers to a different key under any other.</remarks>
public sealed record DeviceDomain(long ChainId, Address Registry)
{
    private static readonly Sha3Keccack Keccak = new();
    private static readonly byte[] DomainType =
        Keccak.CalculateHash("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"u8.ToArray());
    private static readonly byte[] BindingType = Keccak.CalculateHash("DeviceBinding(address owner)"u8.ToArray());

    /// <summary>Keccak-256 of the reading type string (the contract's READING_TYPEHASH).</summary>
    public static readonly byte[] ReadingType = Keccak.CalculateHash(
        "Reading(address device,address owner,uint64 sequence,uint64 timestamp,bytes32 payloadHash)"u8.ToArray());

    /// <summary>The domain separator (EIP-712 hashStruct of the domain).</summary>
    public byte[] Separator => Keccak.CalculateHash(new ABIEncode().GetABIEncoded(
        new ABIValue("bytes32", DomainType),
        new ABIValue("bytes32", Keccak.CalculateHash("Verity Devices"u8.ToArray())),
        new ABIValue("bytes32", Keccak.CalculateHash("1"u8.ToArray())),
        new ABIValue("uint256", new BigInteger(ChainId)),
        new ABIValue("address", Registry.Hex)));

    /// <summary>The digest a device signs to bind itself to <paramref name="owner"/>.</summary>
    public byte[] BindingDigest(Address owner) => Digest(new ABIEncode().GetABIEncoded(
        new ABIValue("bytes32", BindingType), new ABIValue("address", owner.Hex)));

    /// <summary>The digest a device signs for one reading.</summary>
    public byte[] ReadingDigest(Address device, Address owner, ulong sequence, ulong timestamp, Hash256 payloadHash) =>
        Digest(new ABIEncode().GetABIEncoded(
            new ABIValue("bytes32", ReadingType),
            new ABIValue("address", device.Hex),
            new ABIValue("address", owner.Hex),
            new ABIValue("uint64", new BigInteger(sequence)),
            new ABIValue("uint64", new BigInteger(timestamp)),
            new ABIValue("bytes32", payloadHash.ToArray())));

    private byte[] Digest(byte[] encodedStruct) =>
        Keccak.CalculateHash([0x19, 0x01, .. Separator, .. Keccak.CalculateHash(encodedStruct)]);
}
