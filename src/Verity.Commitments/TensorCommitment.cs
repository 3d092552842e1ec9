using System.Buffers;

namespace Verity.Commitments;

/// <summary>Merkle commitment to a tensor's little-endian element bytes, in 1024-byte chunks (one leaf per chunk).</summary>
/// <remarks>
/// Full chunks are leaf messages of one length (0x00 ‖ 1024 bytes), so they are hashed many at a time by
/// <see cref="Sha256Lanes"/>, and so are the nodes of each tree level. The internal overloads take the chunk size
/// (any positive multiple of 64) and the lane width (0 = the scalar reference path) for tests and measurements.
/// </remarks>
public static class TensorCommitment
{
    public const int ChunkBytes = 1024;

    /// <summary>Chunks hashed by one task on the parallel path; a power of two, so each full block is a perfect subtree.</summary>
    private const int BlockChunks = 256;

    /// <summary>ceil(byteLength / 1024), except that an empty tensor has one empty chunk.</summary>
    public static int ChunkCount(int byteLength) => ChunkCount(byteLength, ChunkBytes);

    /// <summary>The bytes of chunk <paramref name="chunkIndex"/>: 1024 bytes, the last one 0 to 1024.</summary>
    public static ReadOnlySpan<byte> Chunk(ReadOnlySpan<byte> data, int chunkIndex)
    {
        RequireChunkIndex(chunkIndex, ChunkCount(data.Length));
        int start = chunkIndex * ChunkBytes;
        return data.Slice(start, Math.Min(ChunkBytes, data.Length - start));
    }

    public static Hash256[] ChunkHashes(ReadOnlySpan<byte> data) => ChunkHashes(data, ChunkBytes, Sha256Lanes.Width);

    /// <summary>Merkle root over the chunks. Inputs over 256 chunks hash 256-chunk blocks in parallel; the root is the same.</summary>
    public static Hash256 Root(ReadOnlySpan<byte> data) => Root(data, ChunkBytes, Sha256Lanes.Width, Environment.ProcessorCount);

    /// <summary>The same root, hashing on at most <paramref name="maxThreads"/> threads (an engine's own thread budget).</summary>
    public static Hash256 Root(ReadOnlySpan<byte> data, int maxThreads) => Root(data, ChunkBytes, Sha256Lanes.Width, maxThreads);

    public static Hash256[] Proof(ReadOnlySpan<byte> data, int chunkIndex)
    {
        RequireChunkIndex(chunkIndex, ChunkCount(data.Length));
        return Merkle.Proof(ChunkHashes(data), chunkIndex);
    }

    /// <summary>
    /// Checks one chunk against a root. False for a bad proof, and for a chunk whose length cannot occur at its index:
    /// every chunk but the last has 1024 bytes, the last 1 to 1024 (0 only when it is the only chunk).
    /// </summary>
    public static bool VerifyChunk(in Hash256 root, ReadOnlySpan<byte> chunk, int chunkIndex, int chunkCount, ReadOnlySpan<Hash256> proof)
    {
        if (chunkCount < 1 || chunkIndex < 0 || chunkIndex >= chunkCount || chunk.Length > ChunkBytes)
            return false;
        bool last = chunkIndex == chunkCount - 1;
        if ((!last && chunk.Length != ChunkBytes) || (last && chunk.Length == 0 && chunkCount != 1))
            return false;
        return Merkle.Verify(root, Merkle.LeafHash(chunk), chunkIndex, chunkCount, proof);
    }

    internal static int ChunkCount(int byteLength, int chunkBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(byteLength);
        return byteLength == 0 ? 1 : byteLength / chunkBytes + (byteLength % chunkBytes == 0 ? 0 : 1);
    }

    internal static Hash256[] ChunkHashes(ReadOnlySpan<byte> data, int chunkBytes, int width)
    {
        var hashes = new Hash256[ChunkCount(data.Length, chunkBytes)];
        HashChunks(data, 0, hashes, chunkBytes, width);
        return hashes;
    }

    internal static Hash256 Root(ReadOnlySpan<byte> data, int chunkBytes, int width, int maxThreads = int.MaxValue)
    {
        int n = ChunkCount(data.Length, chunkBytes);
        return n <= BlockChunks ? BlockRoot(data, 0, n, chunkBytes, width) : ParallelRoot(data, n, chunkBytes, width, maxThreads);
    }

    /// <summary>Every full 256-chunk block is a perfect subtree, and the short last block reduces to one node, so the tree over block roots is the tree.</summary>
    private static unsafe Hash256 ParallelRoot(ReadOnlySpan<byte> data, int n, int chunkBytes, int width, int maxThreads)
    {
        int blocks = n / BlockChunks + (n % BlockChunks == 0 ? 0 : 1);
        var roots = ArrayPool<Hash256>.Shared.Rent(blocks);
        int length = data.Length;
        fixed (byte* pinned = data)
        {
            nint address = (nint)pinned;
            Parallel.For(0, blocks, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, maxThreads) }, b =>
            {
                var all = new ReadOnlySpan<byte>((byte*)address, length);
                int first = b * BlockChunks;
                roots[b] = BlockRoot(all, first, Math.Min(BlockChunks, n - first), chunkBytes, width);
            });
        }
        var root = Merkle.Root(roots.AsSpan(0, blocks), width);
        ArrayPool<Hash256>.Shared.Return(roots);
        return root;
    }

    /// <summary>Root of chunks [first, first + count), count &lt;= 256: a subtree of the full tree when first is a multiple of 256.</summary>
    private static Hash256 BlockRoot(ReadOnlySpan<byte> data, int first, int count, int chunkBytes, int width)
    {
        Span<Hash256> nodes = stackalloc Hash256[BlockChunks];
        HashChunks(data, first, nodes[..count], chunkBytes, width);
        return Merkle.RootInPlace(nodes[..count], width);
    }

    /// <summary>Full chunks many at a time; then the short last chunk, or the empty tensor's one empty chunk, if in range.</summary>
    private static void HashChunks(ReadOnlySpan<byte> data, int first, Span<Hash256> leaves, int chunkBytes, int width)
    {
        int start = first * chunkBytes;
        int full = Math.Min(leaves.Length, (data.Length - start) / chunkBytes);
        Sha256Lanes.HashPrefixed(0x00, data.Slice(start, full * chunkBytes), chunkBytes, leaves[..full], width);
        for (int i = full; i < leaves.Length; i++)
        {
            int at = start + i * chunkBytes;
            leaves[i] = Merkle.LeafHash(data.Slice(at, Math.Min(chunkBytes, data.Length - at)));
        }
    }

    private static void RequireChunkIndex(int chunkIndex, int chunkCount)
    {
        if (chunkIndex < 0 || chunkIndex >= chunkCount)
            throw new ArgumentOutOfRangeException(nameof(chunkIndex), chunkIndex, $"Chunk index must be in [0, {chunkCount}).");
    }
}
