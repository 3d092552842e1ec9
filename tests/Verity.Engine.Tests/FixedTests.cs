using System.Numerics;
using Verity.Engine.Kernels;

namespace Verity.Engine.Tests;

public class FixedTests
{
    [Theory]
    [InlineData(5, 1, 1, 3)]      // 2.5 → 3
    [InlineData(-5, 1, 1, -2)]    // −2.5 → −2 (half up, not away from zero)
    [InlineData(-3, 1, 1, -1)]    // −1.5 → −1
    [InlineData(-1, 1, 1, 0)]     // −0.5 → 0
    [InlineData(7, 1, 2, 2)]      // 1.75 → 2
    [InlineData(-7, 1, 2, -2)]    // −1.75 → −2
    [InlineData(6, 1, 2, 2)]      // 1.5 → 2
    [InlineData(-6, 1, 2, -1)]    // −1.5 → −1
    [InlineData(5, 1, 2, 1)]      // 1.25 → 1
    [InlineData(-5, 1, 2, -1)]    // −1.25 → −1
    [InlineData(0, 30000, 20, 0)]
    [InlineData(1000, 3, 3, 375)] // 3000/8 = 375 exactly
    [InlineData(-1000, 3, 3, -375)]
    public void Requant_rounds_half_up(long acc, int mult, int shift, long expected) =>
        Assert.Equal(expected, Fixed.Requant(acc, mult, shift));

    [Fact]
    public void Requant_matches_floor_of_x_plus_half_for_random_values()
    {
        var r = new Rng(11);
        for (int i = 0; i < 20_000; i++)
        {
            long acc = r.Long(-(1L << 40), 1L << 40);
            int mult = r.Int(0, (1 << 16) - 1), shift = r.Int(1, 62);
            // floor((acc·mult)/2^shift + 1/2) = floor((2·acc·mult + 2^shift) / 2^(shift+1)), exactly, in BigInteger.
            var num = 2 * (BigInteger)acc * mult + BigInteger.Pow(2, shift);
            var den = BigInteger.Pow(2, shift + 1);
            var floor = BigInteger.Divide(num, den) - (num.Sign < 0 && num % den != 0 ? 1 : 0);
            Assert.Equal((long)floor, Fixed.Requant(acc, mult, shift));
        }
    }

    [Theory]
    [InlineData(0L, 127, 0)]
    [InlineData(127L, 127, 127)]
    [InlineData(128L, 127, 127)]
    [InlineData(-127L, 127, -127)]
    [InlineData(-128L, 127, -127)]
    [InlineData(long.MaxValue, 32767, 32767)]
    [InlineData(long.MinValue, 32767, -32767)]
    [InlineData(-5L, 32767, -5)]
    [InlineData(3_000_000_000L, int.MaxValue, int.MaxValue)]
    [InlineData(-3_000_000_000L, int.MaxValue, -int.MaxValue)]
    public void Saturate_clamps_symmetrically(long v, int max, int expected) => Assert.Equal(expected, Fixed.Saturate(v, max));

    [Theory]
    [InlineData(5, 2, 3)]     // 2.5 → 3
    [InlineData(-5, 2, -3)]   // −2.5 → −3 (away from zero)
    [InlineData(3, 2, 2)]
    [InlineData(-3, 2, -2)]
    [InlineData(1, 2, 1)]
    [InlineData(-1, 2, -1)]
    [InlineData(1, 3, 0)]
    [InlineData(-1, 3, 0)]
    [InlineData(2, 3, 1)]
    [InlineData(-2, 3, -1)]
    [InlineData(7, 7, 1)]
    [InlineData(-7, 7, -1)]
    [InlineData(0, 9, 0)]
    [InlineData(14, 4, 4)]    // 3.5 → 4
    [InlineData(-14, 4, -4)]
    [InlineData(13, 4, 3)]    // 3.25 → 3
    [InlineData(-13, 4, -3)]
    public void RoundDiv_rounds_half_away_from_zero(long n, long d, long expected) => Assert.Equal(expected, Fixed.RoundDiv(n, d));

    [Fact]
    public void RoundDiv_is_odd_and_within_half_for_random_values()
    {
        var r = new Rng(12);
        for (int i = 0; i < 20_000; i++)
        {
            long n = r.Long(-(1L << 50), 1L << 50), d = r.Long(1, 1L << 30);
            long q = Fixed.RoundDiv(n, d);
            Assert.Equal(-q, Fixed.RoundDiv(-n, d));
            // |n − q·d| ≤ d/2, with a tie going away from zero.
            var diff = (BigInteger)n - (BigInteger)q * d;
            Assert.True(BigInteger.Abs(2 * diff) <= d, $"RoundDiv({n}, {d}) = {q}");
            if (BigInteger.Abs(2 * diff) == d) Assert.True(Math.Abs(q) * d > Math.Abs(n), $"tie in RoundDiv({n}, {d}) not away from zero");
        }
    }

    [Fact]
    public void ISqrt_is_exact_for_small_values()
    {
        long r = 0;
        for (long v = 0; v <= 100_000; v++)
        {
            while ((r + 1) * (r + 1) <= v) r++;
            Assert.Equal(r, Fixed.ISqrt(v));
        }
    }

    [Fact]
    public void ISqrt_is_exact_for_random_60_bit_values_and_perfect_squares()
    {
        var rng = new Rng(13);
        for (int i = 0; i < 20_000; i++)
        {
            long v = rng.Long(0, (1L << 60) - 1);
            AssertISqrt(v);
            long root = Fixed.ISqrt(v);
            AssertISqrt(root * root);
            AssertISqrt(root * root - 1);
            AssertISqrt((root + 1) * (root + 1) - 1);
        }
        AssertISqrt((1L << 60) - 1);
        AssertISqrt(1L << 60);
        AssertISqrt(1L << 62);
        AssertISqrt(3037000499L * 3037000499L - 1);
    }

    [Fact]
    public void ISqrt_fails_loudly_at_its_documented_limit()
    {
        // OPS.md §2: the correction step computes (r+1)² checked, so v ≥ 3037000499² fails instead of wrapping.
        AssertISqrt(3037000499L * 3037000499L - 1);
        Assert.Throws<OverflowException>(() => Fixed.ISqrt(3037000499L * 3037000499L));
        Assert.Throws<OverflowException>(() => Fixed.ISqrt(long.MaxValue));
    }

    [Fact]
    public void ISqrt_rejects_negative_values() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Fixed.ISqrt(-1));

    private static void AssertISqrt(long v)
    {
        var r = (BigInteger)Fixed.ISqrt(v);
        Assert.True(r * r <= v && v < (r + 1) * (r + 1), $"ISqrt({v}) = {r}");
    }
}
