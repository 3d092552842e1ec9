using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Verity.Commitments;

/// <summary>A 32-byte SHA-256 digest held inline (no heap allocation); prints as 64 lowercase hex digits.</summary>
public readonly struct Hash256 : IEquatable<Hash256>
{
    public const int Size = 32;

    private readonly Bytes32 _bytes;

    /// <summary>Copies exactly 32 bytes.</summary>
    public Hash256(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Size)
            throw new ArgumentException($"A Hash256 needs exactly {Size} bytes, got {bytes.Length}.", nameof(bytes));
        bytes.CopyTo(_bytes);
    }

    /// <summary>All 32 bytes zero.</summary>
    public static Hash256 Zero => default;

    /// <summary>Plain SHA-256 of <paramref name="data"/> (no domain prefix).</summary>
    public static Hash256 Of(ReadOnlySpan<byte> data)
    {
        Hash256 h = default;
        System.Security.Cryptography.SHA256.HashData(data, Writable(ref h));
        return h;
    }

    /// <summary>Parses 64 hex digits (either case), optionally prefixed with 0x.</summary>
    public static Hash256 Parse(string hex)
    {
        ArgumentNullException.ThrowIfNull(hex);
        var digits = hex.AsSpan();
        if (digits.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
            digits = digits[2..];
        Hash256 h = default;
        if (digits.Length != 2 * Size
            || Convert.FromHexString(digits, Writable(ref h), out _, out int written) != System.Buffers.OperationStatus.Done
            || written != Size)
            throw new FormatException($"Expected 64 hex digits (optionally prefixed with 0x) for a Hash256, got \"{Shorten(hex)}\" ({hex.Length} chars).");
        return h;
    }

    /// <summary>The 32 bytes, in place.</summary>
    [UnscopedRef]
    public ReadOnlySpan<byte> AsSpan() => _bytes;

    public void CopyTo(Span<byte> destination) => AsSpan().CopyTo(destination);

    public byte[] ToArray() => AsSpan().ToArray();

    public bool Equals(Hash256 other) => AsSpan().SequenceEqual(other.AsSpan());

    public override bool Equals(object? obj) => obj is Hash256 other && Equals(other);

    public override int GetHashCode()
    {
        var hc = new HashCode();
        hc.AddBytes(AsSpan());
        return hc.ToHashCode();
    }

    public override string ToString() => Convert.ToHexStringLower(AsSpan());

    public static bool operator ==(Hash256 left, Hash256 right) => left.Equals(right);

    public static bool operator !=(Hash256 left, Hash256 right) => !left.Equals(right);

    /// <summary>The bytes of <paramref name="h"/> as a writable span, for hashing straight into it.</summary>
    internal static Span<byte> Writable(ref Hash256 h) => MemoryMarshal.AsBytes(new Span<Hash256>(ref h));

    private static string Shorten(string s) => s.Length <= 80 ? s : string.Concat(s.AsSpan(0, 80), "...");

    [InlineArray(Size)]
    private struct Bytes32
    {
        private byte _element0;
    }
}
