namespace Verity.Inputs;

/// <summary>Pillow's bilinear resize (Resample.c) for 8-bit RGB, bit for bit: a horizontal then a vertical pass.</summary>
/// <remarks>
/// For each output index i, with scale = in / out and filterScale = max(scale, 1): center = (i + 0.5) * scale,
/// support = filterScale (the triangle filter reaches 1), taps j from (int)(center - support + 0.5) to
/// (int)(center + support + 0.5) clamped to the input, weight(j) = tri((j - center + 0.5) / filterScale) normalized
/// to sum 1, then rounded to 22-bit fixed point away from zero. A pass sums pixel * weight from 2^21 and
/// clamps (sum >> 22) to 0..255, so each pass rounds to bytes, as Pillow's does.
/// </remarks>
internal static class PillowBilinear
{
    private const int PrecisionBits = 32 - 8 - 2;

    /// <summary>Resizes RGBA <paramref name="rgba"/> (alpha ignored) to outWidth x outHeight and returns the RGB
    /// bytes of the region at (left, top) of size width x height.</summary>
    public static byte[] ResizeRegion(byte[] rgba, int inWidth, int inHeight, int outWidth, int outHeight,
        int left, int top, int width, int height)
    {
        var (xStart, xTaps, xWeights) = Coefficients(inWidth, outWidth, left, width);
        var (yStart, yTaps, yWeights) = Coefficients(inHeight, outHeight, top, height);

        // Horizontal pass over the input rows the vertical pass reads.
        var firstRow = yStart[0];
        var rows = yStart[height - 1] + yTaps[height - 1] - firstRow;
        var horizontal = new byte[rows * width * 3];
        for (var y = 0; y < rows; y++)
        {
            var source = (firstRow + y) * inWidth * 4;
            for (var x = 0; x < width; x++)
            {
                var weights = xWeights[x];
                for (var c = 0; c < 3; c++)
                {
                    var sum = 1 << (PrecisionBits - 1);
                    for (var t = 0; t < xTaps[x]; t++)
                    {
                        sum += rgba[source + (xStart[x] + t) * 4 + c] * weights[t];
                    }
                    horizontal[(y * width + x) * 3 + c] = Clip8(sum);
                }
            }
        }

        var rgb = new byte[width * height * 3];
        for (var y = 0; y < height; y++)
        {
            var weights = yWeights[y];
            for (var i = 0; i < width * 3; i++)
            {
                var sum = 1 << (PrecisionBits - 1);
                for (var t = 0; t < yTaps[y]; t++)
                {
                    sum += horizontal[(yStart[y] - firstRow + t) * width * 3 + i] * weights[t];
                }
                rgb[y * width * 3 + i] = Clip8(sum);
            }
        }
        return rgb;
    }

    /// <summary>Pillow's precompute_coeffs and normalize_coeffs_8bpc for output indexes first..first+count-1.</summary>
    private static (int[] Start, int[] Taps, int[][] Weights) Coefficients(int inSize, int outSize, int first, int count)
    {
        var scale = (double)inSize / outSize;
        var filterScale = Math.Max(scale, 1.0);
        var support = filterScale;
        var start = new int[count];
        var taps = new int[count];
        var weights = new int[count][];
        for (var i = 0; i < count; i++)
        {
            var center = (first + i + 0.5) * scale;
            var min = Math.Max((int)(center - support + 0.5), 0);
            var max = Math.Min((int)(center + support + 0.5), inSize) - min;
            var w = new double[max];
            var total = 0.0;
            for (var t = 0; t < max; t++)
            {
                w[t] = Triangle((t + min - center + 0.5) * (1.0 / filterScale));
                total += w[t];
            }
            weights[i] = new int[max];
            for (var t = 0; t < max; t++)
            {
                var k = total != 0.0 ? w[t] / total : w[t];
                weights[i][t] = k < 0 ? (int)(-0.5 + k * (1 << PrecisionBits)) : (int)(0.5 + k * (1 << PrecisionBits));
            }
            (start[i], taps[i]) = (min, max);
        }
        return (start, taps, weights);
    }

    private static double Triangle(double x)
    {
        x = Math.Abs(x);
        return x < 1.0 ? 1.0 - x : 0.0;
    }

    private static byte Clip8(int sum) =>
        sum >= 1 << PrecisionBits << 8 ? (byte)255 : sum <= 0 ? (byte)0 : (byte)(sum >> PrecisionBits);
}
