namespace Verity.Compiler.Quantization;

/// <summary>Float-to-fixed-point helpers used only at compile time; nothing here runs inside the engine.</summary>
public static class QuantMath
{
    /// <summary>(mult, shift) with mult in [2^14, 2^15) such that mult·2^−shift ≈ real (real &gt; 0).</summary>
    public static (int Mult, int Shift) Multiplier(double real)
    {
        if (!(real > 0) || double.IsInfinity(real)) throw new ArgumentOutOfRangeException(nameof(real), real, "requantization multiplier must be positive and finite");
        int shift = 14 - (int)Math.Floor(Math.Log2(real));
        long mult = (long)Math.Round(real * Math.Pow(2, shift));
        if (mult >= 1 << 15) { mult = (mult + 1) / 2; shift--; }
        if (shift < 1 || shift > 62) throw new ArgumentOutOfRangeException(nameof(real), real, $"requantization multiplier needs shift {shift}, outside [1, 62]");
        return ((int)mult, shift);
    }

    /// <summary>Multipliers for several reals sharing one shift (chosen for the largest), each below 2^15.</summary>
    public static (int[] Mults, int Shift) SharedMultiplier(params double[] reals)
    {
        var (_, shift) = Multiplier(reals.Max());
        return ([.. reals.Select(r => (int)Math.Round(r * Math.Pow(2, shift)))], shift);
    }

    /// <summary>Per-row symmetric int8 quantization of a [rows, cols] matrix: returns values and per-row scales.</summary>
    public static (sbyte[] Q, double[] Scales) PerRowInt8(float[] w, int rows, int cols)
    {
        var q = new sbyte[rows * cols];
        var scales = new double[rows];
        for (int r = 0; r < rows; r++)
        {
            double max = 0;
            for (int c = 0; c < cols; c++) max = Math.Max(max, Math.Abs(w[r * cols + c]));
            double s = max > 0 ? max / 127 : 1;
            scales[r] = s;
            for (int c = 0; c < cols; c++) q[r * cols + c] = (sbyte)Math.Clamp(Math.Round(w[r * cols + c] / s), -127, 127);
        }
        return (q, scales);
    }

    public static int Saturate(double v, int max) => (int)Math.Clamp(Math.Round(v), -max, max);
}
