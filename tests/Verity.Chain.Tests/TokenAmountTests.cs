using System.Numerics;
using Xunit;

namespace Verity.Chain.Tests;

/// <summary>One conversion between wei and token text for every command, the gateway and the explorer.</summary>
public sealed class TokenAmountTests
{
    [Theory]
    [InlineData("1000000000000007777", 18, "1.000000000000007777")]
    [InlineData("1000000000000007777", 6, "1")]
    [InlineData("650000000000000506", 6, "0.65")]
    [InlineData("3992187500000000000000", 6, "3992.1875")]
    [InlineData("-5", 18, "-0.000000000000000005")]
    [InlineData("0", 18, "0")]
    public void Format_trims_and_cuts_toward_zero(string wei, int decimals, string expected) =>
        Assert.Equal(expected, TokenAmount.Format(BigInteger.Parse(wei), decimals));

    [Theory]
    [InlineData("2.5", "2500000000000000000")]
    [InlineData("10", "10000000000000000000")]
    [InlineData("0.000000000000000001", "1")]
    public void TryParse_is_exact(string text, string wei) => Assert.Equal(BigInteger.Parse(wei), TokenAmount.TryParse(text));

    [Theory]
    [InlineData("")]
    [InlineData("-1")]
    [InlineData("1e3")]
    [InlineData("1.")]
    [InlineData("1.2.3")]
    [InlineData("0.0000000000000000001")]
    public void TryParse_refuses_anything_else(string text) => Assert.Null(TokenAmount.TryParse(text));

    [Fact]
    public void FromDecimal_is_exact_and_names_what_is_wrong()
    {
        Assert.Equal(BigInteger.Parse("1500500000000000000000"), TokenAmount.FromDecimal(1500.5m, "stake"));
        Assert.Contains("stake must not be negative", Assert.Throws<ArgumentException>(() => TokenAmount.FromDecimal(-1m, "stake")).Message, StringComparison.Ordinal);
    }
}
