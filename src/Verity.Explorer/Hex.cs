using System.Globalization;
using System.Numerics;

namespace Verity.Explorer;

/// <summary>The explorer's one spelling of chain values: lower-case 0x-hex, token amounts with 18 decimals.</summary>
public static class Hex
{
    /// <summary>32 zero bytes, as a registry stores "no parent".</summary>
    public static readonly string ZeroHash = "0x" + new string('0', 64);

    public static string Of(byte[]? bytes) => "0x" + Convert.ToHexStringLower(bytes ?? []);

    public static string Addr(string address) => Verity.Chain.Address.Parse(address).Hex;

    /// <summary>An amount in wei as tokens, exact and trimmed: 1000000000000007777 → "1.000000000000007777".</summary>
    public static string Tokens(BigInteger wei) => Verity.Chain.TokenAmount.Format(wei);

    /// <summary>Parses a 32-byte id ("0x" + 64 hex digits, either case); null if malformed.</summary>
    public static string? ParseHash(string text) =>
        text.Length == 66 && text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) && text[2..].All(char.IsAsciiHexDigit)
            ? "0x" + text[2..].ToLowerInvariant() : null;
}
