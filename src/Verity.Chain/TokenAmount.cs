using System.Globalization;
using System.Numerics;

namespace Verity.Chain;

/// <summary>Amounts of the Verity token (18 decimals) between wei and the decimal text people read and type, exactly.</summary>
public static class TokenAmount
{
    private static readonly BigInteger One = BigInteger.Pow(10, 18);

    /// <summary>Wei as tokens, trimmed, cut (toward zero) after <paramref name="decimals"/> digits:
    /// 1000000000000007777 → "1.000000000000007777", or "1" with 6 decimals.</summary>
    public static string Format(BigInteger wei, int decimals = 18)
    {
        var sign = wei < 0 ? "-" : "";
        var whole = BigInteger.DivRem(BigInteger.Abs(wei), One, out var frac);
        var f = frac.ToString(CultureInfo.InvariantCulture).PadLeft(18, '0')[..decimals].TrimEnd('0');
        return sign + whole.ToString(CultureInfo.InvariantCulture) + (f.Length > 0 ? "." + f : "");
    }

    /// <summary>For people: at most 6 decimals.</summary>
    public static string Short(BigInteger wei) => Format(wei, 6);

    /// <summary>"12.5" → wei; null unless digits with at most one point and 18 decimals (no sign, no exponent).</summary>
    public static BigInteger? TryParse(string text)
    {
        var parts = text.Split('.');
        if (parts.Length > 2 || parts[0].Length == 0 || !parts.All(p => p.All(char.IsAsciiDigit)) || (parts.Length == 2 && parts[1].Length is 0 or > 18))
            return null;
        return BigInteger.Parse(parts[0] + (parts.Length == 2 ? parts[1] : "").PadRight(18, '0'), CultureInfo.InvariantCulture);
    }

    /// <summary>A decimal number of tokens as wei; an error naming <paramref name="what"/> if negative or finer than a wei.</summary>
    public static BigInteger FromDecimal(decimal tokens, string what)
    {
        if (tokens < 0) throw new ArgumentException($"{what} must not be negative, got {tokens}");
        if (tokens.Scale > 18) throw new ArgumentException($"{what} has more than 18 decimals: {tokens}");
        var scaled = tokens * 1_000_000_000m; // two steps of 10^9 keep within decimal's range for any sane amount
        var whole = decimal.Truncate(scaled);
        return new BigInteger(whole) * 1_000_000_000 + new BigInteger((scaled - whole) * 1_000_000_000m);
    }
}
