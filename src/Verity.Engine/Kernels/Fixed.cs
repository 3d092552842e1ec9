namespace Verity.Engine.Kernels;

/// <summary>The integer rounding and saturation rules shared by every op (docs/OPS.md §Arithmetic).</summary>
public static class Fixed
{
    /// <summary>Requantize: (acc·mult + 2^(shift−1)) >> shift, i.e. round half up, arithmetic shift.</summary>
    public static long Requant(long acc, int mult, int shift) => checked(acc * mult + (1L << (shift - 1))) >> shift;

    /// <summary>Clamp to [−max, max].</summary>
    public static int Saturate(long v, int max) => v > max ? max : v < -max ? -max : (int)v;

    /// <summary>Division rounding half away from zero; d must be positive.</summary>
    public static long RoundDiv(long n, long d) => n >= 0 ? (2 * n + d) / (2 * d) : -((-2 * n + d) / (2 * d));

    /// <summary>floor(sqrt(v)) for v ≥ 0, exactly.</summary>
    public static long ISqrt(long v)
    {
        if (v < 0) throw new ArgumentOutOfRangeException(nameof(v), v, "negative");
        long r = (long)Math.Sqrt(v);
        // Correct the float estimate so the result is exact: r² ≤ v < (r+1)².
        while (r * r > v) r--;
        while ((r + 1) * (r + 1) <= v) r++;
        return r;
    }
}
