using Nethereum.Util;

namespace Verity.Chain;

/// <summary>A 20-byte EVM account or contract address. Stored lower-case; printed with the EIP-55 checksum.</summary>
public readonly record struct Address
{
    private readonly string? _hex; // "0x" + 40 lower-case hex digits

    private Address(string hex) => _hex = hex;

    public static Address Zero { get; } = new("0x" + new string('0', 40));

    /// <summary>Parses "0x" + 40 hex digits (either case; the checksum is not enforced).</summary>
    public static Address Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var digits = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text[2..] : text;
        if (digits.Length != 40 || !digits.All(char.IsAsciiHexDigit))
            throw new FormatException($"Expected an address of 40 hex digits (0x-prefixed), got \"{text}\".");
        return new Address("0x" + digits.ToLowerInvariant());
    }

    public static Address FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != 20)
            throw new ArgumentException($"An address has 20 bytes, got {bytes.Length}.", nameof(bytes));
        return new Address("0x" + Convert.ToHexStringLower(bytes));
    }

    /// <summary>Lower-case "0x…" form, as the RPC and the ABI encoder take it.</summary>
    public string Hex => _hex ?? Zero._hex!;

    public bool IsZero => Hex == Zero.Hex;

    public override string ToString() => new AddressUtil().ConvertToChecksumAddress(Hex);

    public bool Equals(Address other) => string.Equals(Hex, other.Hex, StringComparison.Ordinal);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Hex);
}
