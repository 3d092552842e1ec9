using System.Buffers.Binary;
using Verity.Commitments;

namespace Verity.Chain.Provenance;

/// <summary>One dataset record in its canonical 153-byte form (docs/PROVENANCE.md): contributor 20 ‖ device 20 ‖
/// sequence 8 ‖ timestamp 8 ‖ payloadHash 32 ‖ signature 65, integers big-endian. A record without a device has a
/// zero device, sequence, timestamp and signature.</summary>
/// <remarks>Fixed width so that the contract reads fields by offset; the Merkle leaf is SHA-256(0x00 ‖ these bytes).</remarks>
public sealed record DataRecord(Address Contributor, Address Device, ulong Sequence, ulong Timestamp, Hash256 PayloadHash,
    byte[] Signature)
{
    /// <summary>Bytes in a record (the contract's RECORD_LENGTH).</summary>
    public const int Length = 153;

    /// <summary>Whether the record was signed by a device.</summary>
    public bool IsDevice => !Device.IsZero;

    /// <summary>A contribution without a device: only the contributor and the payload's hash.</summary>
    public static DataRecord Plain(Address contributor, Hash256 payloadHash) =>
        new(contributor, Address.Zero, 0, 0, payloadHash, new byte[65]);

    /// <summary>The canonical bytes.</summary>
    public byte[] ToBytes()
    {
        if (Signature.Length != 65) throw new FormatException($"a signature is 65 bytes, not {Signature.Length}");
        var b = new byte[Length];
        Convert.FromHexString(Contributor.Hex[2..]).CopyTo(b, 0);
        Convert.FromHexString(Device.Hex[2..]).CopyTo(b, 20);
        BinaryPrimitives.WriteUInt64BigEndian(b.AsSpan(40), Sequence);
        BinaryPrimitives.WriteUInt64BigEndian(b.AsSpan(48), Timestamp);
        PayloadHash.CopyTo(b.AsSpan(56));
        Signature.CopyTo(b, 88);
        return b;
    }

    /// <summary>Reads canonical bytes.</summary>
    public static DataRecord Parse(ReadOnlySpan<byte> b)
    {
        if (b.Length != Length) throw new FormatException($"a record is {Length} bytes, not {b.Length}");
        return new DataRecord(Address.FromBytes(b[..20]), Address.FromBytes(b[20..40]),
            BinaryPrimitives.ReadUInt64BigEndian(b[40..]), BinaryPrimitives.ReadUInt64BigEndian(b[48..]),
            new Hash256(b[56..88]), b[88..].ToArray());
    }

    /// <summary>The record's Merkle leaf hash.</summary>
    public Hash256 Leaf => Merkle.LeafHash(ToBytes());

    /// <summary>Whether the signature recovers to the device under <paramref name="domain"/> (false for plain records).</summary>
    public bool SignatureValid(DeviceDomain domain) =>
        IsDevice && DeviceKey.Recover(domain.ReadingDigest(Device, Contributor, Sequence, Timestamp, PayloadHash), Signature) == Device;
}

/// <summary>A reading as a device produced it: the payload itself and the device's EIP-712 signature over its hash.</summary>
public sealed record SignedReading(Address Device, Address Owner, ulong Sequence, ulong Timestamp, byte[] Payload,
    byte[] Signature)
{
    /// <summary>The dataset record of this reading (its contributor is the device's owner).</summary>
    public DataRecord ToRecord() => new(Owner, Device, Sequence, Timestamp, Hash256.Of(Payload), Signature);
}
