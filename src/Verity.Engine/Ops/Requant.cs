using Verity.Engine.Tensors;

namespace Verity.Engine.Ops;

/// <summary>Validation of requantization parameters read from a model file.</summary>
internal static class Requant
{
    public static void CheckTable(string name, short[]? table, DType outType)
    {
        if (table is null) return;
        int max = outType.Max();
        if (table.Length != 65536 || table.Any(v => v > max || v < -max))
            throw new InvalidDataException($"op '{name}': activation table must have 65536 entries within ±{max}");
    }

    /// <summary>Weights are symmetric int8 (no −128) and biases small enough that no sum can overflow int64.</summary>
    public static void CheckWeights(string name, sbyte[] w, long[] bias)
    {
        if (w.Any(v => v == sbyte.MinValue)) throw new InvalidDataException($"op '{name}': weight −128 is outside the symmetric int8 range");
        if (bias.Any(b => b > 1L << 40 || b < -(1L << 40))) throw new InvalidDataException($"op '{name}': a bias exceeds ±2^40");
    }

    public static void Check(string name, int[] mult, int[] shift)
    {
        for (int i = 0; i < mult.Length; i++)
        {
            if (mult[i] < 0 || mult[i] >= 1 << 16) throw new InvalidDataException($"op '{name}': multiplier {mult[i]} at {i} is outside [0, 65536)");
            if (shift[i] < 1 || shift[i] > 62) throw new InvalidDataException($"op '{name}': shift {shift[i]} at {i} is outside [1, 62]");
        }
    }
}
