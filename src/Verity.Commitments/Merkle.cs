using System.Buffers;
using System.Runtime.InteropServices;

namespace Verity.Commitments;

/// <summary>RFC 6962 Merkle trees over SHA-256: leaf = H(0x00 ‖ data), node = H(0x01 ‖ left ‖ right).</summary>
/// <remarks>
/// The tree shape is RFC 6962 §2.1 (split n > 1 leaves at the largest power of two k &lt; n). It is built
/// bottom-up: each level pairs adjacent nodes and carries an odd last node up unchanged. The two agree:
/// since k is a power of two, the first k leaves are an aligned perfect subtree that reduces to one node
/// after log2(k) levels without ever pairing across index k; the n - k &lt;= k leaves after it reduce by the
/// same rule (their start stays even on every level below log2(k)) to one node by that level, carried up
/// unchanged if it gets there early; the last level pairs the two. Induction on the right part finishes it.
/// </remarks>
public static class Merkle
{
    private const int StackNodes = 64;

    public static Hash256 LeafHash(ReadOnlySpan<byte> data) => Sha256.Prefixed(0x00, data);

    public static Hash256 NodeHash(in Hash256 left, in Hash256 right) => Sha256.Node(left, right);

    /// <summary>Root over already-hashed leaves; one leaf is its own root.</summary>
    public static Hash256 Root(ReadOnlySpan<Hash256> leafHashes) => Root(leafHashes, Sha256Lanes.Width);

    /// <summary>Root with node hashes taken <paramref name="width"/> at a time (<see cref="Sha256Lanes"/>; 0 = scalar).</summary>
    internal static Hash256 Root(ReadOnlySpan<Hash256> leafHashes, int width)
    {
        RequireLeaves(leafHashes.Length);
        if (leafHashes.Length == 1)
            return leafHashes[0];
        int parents = leafHashes.Length - leafHashes.Length / 2;
        Hash256[]? rented = null;
        Span<Hash256> level = parents <= StackNodes
            ? stackalloc Hash256[StackNodes]
            : (rented = ArrayPool<Hash256>.Shared.Rent(parents));
        var root = RootInPlace(level[..Reduce(leafHashes, level, width)], width);
        if (rented is not null)
            ArrayPool<Hash256>.Shared.Return(rented);
        return root;
    }

    /// <summary>Root over <paramref name="nodes"/>, using them as scratch space: each level overwrites the one below.</summary>
    internal static Hash256 RootInPlace(Span<Hash256> nodes, int width)
    {
        RequireLeaves(nodes.Length);
        int count = nodes.Length;
        while (count > 1)
            count = Reduce(nodes[..count], nodes, width);
        return nodes[0];
    }

    /// <summary>Audit path of leaf <paramref name="index"/>: sibling hashes from the leaf's level up to the root's children (RFC 6962 §2.1.1 order).</summary>
    public static Hash256[] Proof(ReadOnlySpan<Hash256> leafHashes, int index)
    {
        int n = leafHashes.Length;
        RequireLeaves(n);
        if (index < 0 || index >= n)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"Leaf index must be in [0, {n}).");
        var proof = new Hash256[ProofLength(index, n)];
        if (proof.Length == 0)
            return proof;
        var scratch = ArrayPool<Hash256>.Shared.Rent(n - n / 2);
        ReadOnlySpan<Hash256> nodes = leafHashes;
        int p = 0;
        for (int i = index; nodes.Length > 1; i >>= 1)
        {
            if ((i ^ 1) < nodes.Length)
                proof[p++] = nodes[i ^ 1];
            nodes = scratch.AsSpan(0, Reduce(nodes, scratch, Sha256Lanes.Width));
        }
        ArrayPool<Hash256>.Shared.Return(scratch);
        return proof;
    }

    /// <summary>Recomputes the root from a leaf and its audit path; false for any mismatch, bad index, count or proof length.</summary>
    public static bool Verify(in Hash256 root, in Hash256 leafHash, int index, int leafCount, ReadOnlySpan<Hash256> proof)
    {
        if (leafCount < 1 || index < 0 || index >= leafCount || proof.Length != ProofLength(index, leafCount))
            return false;
        var node = leafHash;
        int p = 0;
        for (int i = index, count = leafCount; count > 1; i >>= 1, count -= count / 2)
        {
            if ((i ^ 1) >= count)
                continue; // last node of an odd level: carried up unchanged
            node = (i & 1) == 0 ? NodeHash(node, proof[p]) : NodeHash(proof[p], node);
            p++;
        }
        return node == root;
    }

    /// <summary>Number of hashes in the audit path of leaf <paramref name="index"/> in a tree of <paramref name="leafCount"/> leaves.</summary>
    public static int ProofLength(int index, int leafCount)
    {
        if (leafCount < 1 || index < 0 || index >= leafCount)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"Leaf index must be in [0, {leafCount}) and the count at least 1.");
        int length = 0;
        for (int i = index, count = leafCount; count > 1; i >>= 1, count -= count / 2)
        {
            if ((i ^ 1) < count)
                length++;
        }
        return length;
    }

    /// <summary>One level up: hashes adjacent pairs and carries an odd last node unchanged. <paramref name="parents"/> may alias <paramref name="nodes"/>.</summary>
    private static int Reduce(ReadOnlySpan<Hash256> nodes, Span<Hash256> parents, int width)
    {
        int pairs = nodes.Length / 2;
        // Pair i is the 64 bytes nodes[2i] ‖ nodes[2i + 1], so the level is a run of equal-length messages 0x01 ‖ pair.
        Sha256Lanes.HashPrefixed(0x01, MemoryMarshal.AsBytes(nodes[..(2 * pairs)]), 2 * Hash256.Size, parents[..pairs], width);
        if (nodes.Length % 2 == 0)
            return pairs;
        parents[pairs] = nodes[^1];
        return pairs + 1;
    }

    private static void RequireLeaves(int count)
    {
        if (count == 0)
            throw new ArgumentException("A Merkle tree needs at least one leaf, got 0.", "leafHashes");
    }
}
