namespace Verity.Compiler.Float;

/// <summary>The error function in float32, evaluated in double precision and rounded once.</summary>
/// <remarks>
/// On [0, 4) erf is a Taylor polynomial of degree 6 around the nearest point of a 1/64 grid; the coefficients
/// f⁽ᵏ⁾(x₀)/k! come from erf(x₀) (an all-positive series, no cancellation) and f⁽ᵏ⁾(x) = 2/√π·(−1)ᵏ⁻¹·Hₖ₋₁(x)·e^(−x²)
/// (Hermite polynomials). With |h| ≤ 1/128 the truncation error is below 1e-16. For |x| ≥ 4, erfc(x) &lt; 1.6e-8
/// is less than half an ulp of 1f, so the result is ±1. erf is odd.
/// </remarks>
internal static class ErfFunction
{
    private const int Steps = 64, Degree = 6, Points = 4 * Steps + 1;
    private const double TwoOverSqrtPi = 1.1283791670955126;
    private static readonly double[] Taylor = BuildTable();

    public static float Erf(float x)
    {
        double a = Math.Abs((double)x);
        if (!(a < 4)) return float.IsNaN(x) ? x : MathF.CopySign(1f, x);
        int i = (int)Math.Round(a * Steps);
        double h = a - (double)i / Steps, y = 0;
        var t = Taylor.AsSpan(i * (Degree + 1), Degree + 1);
        for (int k = Degree; k >= 0; k--) y = y * h + t[k];
        return (float)Math.CopySign(y, x);
    }

    private static double[] BuildTable()
    {
        var table = new double[Points * (Degree + 1)];
        for (int i = 0; i < Points; i++)
        {
            double x = (double)i / Steps, gauss = TwoOverSqrtPi * Math.Exp(-x * x);
            table[i * (Degree + 1)] = SeriesErf(x);
            double hPrev = 0, hCur = 1, factorial = 1;  // H₋₁ (unused), H₀
            for (int k = 1; k <= Degree; k++)
            {
                int n = k - 1;                           // f⁽ᵏ⁾ uses Hₙ
                factorial *= k;
                table[i * (Degree + 1) + k] = (n % 2 == 0 ? 1 : -1) * hCur * gauss / factorial;
                (hPrev, hCur) = (hCur, 2 * x * hCur - 2 * n * hPrev);
            }
        }
        return table;
    }

    /// <summary>erf(x) = 2/√π · e^(−x²) · Σₙ 2ⁿ x^(2n+1) / (1·3·…·(2n+1)), for 0 ≤ x ≤ 4 (at most ~60 terms).</summary>
    private static double SeriesErf(double x)
    {
        double term = x, sum = x;
        for (int n = 1; term > sum * 1e-17; n++)
        {
            term *= 2 * x * x / (2 * n + 1);
            sum += term;
        }
        return TwoOverSqrtPi * Math.Exp(-x * x) * sum;
    }
}
