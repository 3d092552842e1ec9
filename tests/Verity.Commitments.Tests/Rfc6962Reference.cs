using System.Security.Cryptography;
using Verity.Commitments;

namespace Verity.Commitments.Tests;

/// <summary>RFC 6962 §2.1 written recursively, straight from the text, with SHA-256 called directly.</summary>
internal static class Rfc6962Reference
{
    public static Hash256 Leaf(ReadOnlySpan<byte> data) => Sha([0x00, .. data]);

    public static Hash256 Node(Hash256 left, Hash256 right) => Sha([0x01, .. left.AsSpan(), .. right.AsSpan()]);

    /// <summary>MTH(D[n]) over already-hashed leaves.</summary>
    public static Hash256 Root(ReadOnlySpan<Hash256> leaves)
    {
        if (leaves.Length == 1)
            return leaves[0];
        int k = SplitPoint(leaves.Length);
        return Node(Root(leaves[..k]), Root(leaves[k..]));
    }

    /// <summary>PATH(m, D[n]) over already-hashed leaves.</summary>
    public static List<Hash256> Path(int m, ReadOnlySpan<Hash256> leaves)
    {
        if (leaves.Length == 1)
            return [];
        int k = SplitPoint(leaves.Length);
        if (m < k)
            return [.. Path(m, leaves[..k]), Root(leaves[k..])];
        return [.. Path(m - k, leaves[k..]), Root(leaves[..k])];
    }

    public static Hash256[] RandomHashes(int count, int seed)
    {
        var random = new Random(seed);
        var bytes = new byte[Hash256.Size];
        var hashes = new Hash256[count];
        for (int i = 0; i < count; i++)
        {
            random.NextBytes(bytes);
            hashes[i] = new Hash256(bytes);
        }
        return hashes;
    }

    /// <summary>The largest power of two strictly less than n (n &gt; 1).</summary>
    private static int SplitPoint(int n)
    {
        int k = 1;
        while (k * 2 < n)
            k *= 2;
        return k;
    }

    private static Hash256 Sha(byte[] data) => new(SHA256.HashData(data));
}
