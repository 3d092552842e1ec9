using Nethereum.Signer;
using Verity.Commitments;

namespace Verity.Chain.Provenance;

/// <summary>A device's secp256k1 signing key: proves the key to the registry and signs readings.</summary>
public sealed class DeviceKey
{
    private readonly EthECKey _key;

    /// <summary>Wraps a 32-byte private key given as hex (with or without 0x).</summary>
    public DeviceKey(string privateKeyHex)
    {
        var hex = privateKeyHex.Trim();
        if (hex.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) hex = hex[2..];
        if (hex.Length != 64 || !hex.All(Uri.IsHexDigit))
            throw new FormatException("a device key is 32 bytes of hex (64 hex digits)");
        _key = new EthECKey("0x" + hex.ToLowerInvariant());
        Address = Address.Parse(_key.GetPublicAddress());
    }

    /// <summary>A deterministic key from a seed and an index (simulated fleets are replayable).</summary>
    public static DeviceKey FromSeed(string seed, int index) =>
        new(Hash256.Of(System.Text.Encoding.UTF8.GetBytes($"verity simulated device {seed} {index}")).ToString());

    /// <summary>The device's address (its id in the registry).</summary>
    public Address Address { get; }

    /// <summary>The private key as 0x-hex, for saving a simulated device's key file.</summary>
    public string PrivateKeyHex => "0x" + Convert.ToHexStringLower(_key.GetPrivateKeyAsBytes());

    /// <summary>Signs the EIP-712 binding of this device to <paramref name="owner"/>.</summary>
    public byte[] SignBinding(DeviceDomain domain, Address owner) => Sign(domain.BindingDigest(owner));

    /// <summary>Signs one reading for <paramref name="owner"/>; the payload hash is SHA-256 of the payload bytes.</summary>
    public SignedReading SignReading(DeviceDomain domain, Address owner, ulong sequence, ulong timestamp, byte[] payload)
    {
        var payloadHash = Hash256.Of(payload);
        var signature = Sign(domain.ReadingDigest(Address, owner, sequence, timestamp, payloadHash));
        return new SignedReading(Address, owner, sequence, timestamp, payload, signature);
    }

    /// <summary>65 bytes r ‖ s ‖ v over a 32-byte digest (no prefix: the digest is already EIP-712).</summary>
    public byte[] Sign(byte[] digest)
    {
        var sig = _key.SignAndCalculateV(digest);
        return [.. sig.R.PadLeft(32), .. sig.S.PadLeft(32), .. sig.V];
    }

    private static readonly System.Numerics.BigInteger HalfOrder = System.Numerics.BigInteger.Parse(
        "7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0", System.Globalization.NumberStyles.HexNumber);

    /// <summary>Who signed <paramref name="digest"/>; null for a signature that does not parse or recover.</summary>
    public static Address? Recover(byte[] digest, byte[] signature)
    {
        if (signature.Length != 65 || signature[64] is not (27 or 28)) return null;
        // As OpenZeppelin's ECDSA: an s in the upper half of the curve order is malleable and does not recover.
        if (new System.Numerics.BigInteger(signature.AsSpan(32, 32), isUnsigned: true, isBigEndian: true) > HalfOrder) return null;
        try
        {
            var sig = EthECDSASignatureFactory.FromComponents(signature[..32], signature[32..64], signature[64]);
            return Address.Parse(EthECKey.RecoverFromSignature(sig, digest).GetPublicAddress());
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidOperationException or NullReferenceException)
        {
            return null;
        }
    }
}

internal static class ByteArrayPadding
{
    /// <summary>secp256k1 r and s are 32 bytes; a short big-endian encoding gets its leading zeros back.</summary>
    public static byte[] PadLeft(this byte[] value, int size) =>
        value.Length >= size ? value : [.. new byte[size - value.Length], .. value];
}
