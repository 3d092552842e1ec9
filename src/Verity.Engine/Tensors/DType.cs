namespace Verity.Engine.Tensors;

/// <summary>Element type of an integer tensor. Values are symmetric: I8 in [-127, 127], I16 in [-32767, 32767].</summary>
public enum DType : byte
{
    I8 = 1,
    I16 = 2,
    I32 = 3,
}

/// <summary>Sizes and saturation bounds of each <see cref="DType"/>.</summary>
public static class DTypes
{
    public static int Size(this DType t) => t switch { DType.I8 => 1, DType.I16 => 2, DType.I32 => 4, _ => throw new ArgumentOutOfRangeException(nameof(t), t, "unknown dtype") };

    /// <summary>Largest magnitude an activation of this type may hold (saturation bound; the range is symmetric).</summary>
    public static int Max(this DType t) => t switch { DType.I8 => 127, DType.I16 => 32767, DType.I32 => int.MaxValue, _ => throw new ArgumentOutOfRangeException(nameof(t), t, "unknown dtype") };

    public static DType Parse(byte b) => b is >= 1 and <= 3 ? (DType)b : throw new InvalidDataException($"unknown dtype code {b}");
}
