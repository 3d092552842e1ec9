using System.Security.Cryptography;
using Verity.Commitments;

namespace Verity.Commitments.Tests;

public class TensorCommitmentTests
{
    public static TheoryData<int> Sizes => [0, 1, 1023, 1024, 1025, 2048, 5000];

    /// <summary>Sizes on both sides of the 256-chunk threshold where Root hashes blocks in parallel.</summary>
    public static TheoryData<int> LargeSizes => [256 * 1024, 256 * 1024 + 1, 300_000, 512 * 1024 + 3 * 1024 + 7, 1_049_605];

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 1)]
    [InlineData(1023, 1)]
    [InlineData(1024, 1)]
    [InlineData(1025, 2)]
    [InlineData(2048, 2)]
    [InlineData(5000, 5)]
    [InlineData(int.MaxValue, 2_097_152)]
    public void ChunkCount_rounds_up_and_gives_an_empty_tensor_one_chunk(int bytes, int chunks) =>
        Assert.Equal(chunks, TensorCommitment.ChunkCount(bytes));

    [Fact]
    public void ChunkCount_rejects_negative_lengths() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => TensorCommitment.ChunkCount(-1));

    [Theory]
    [MemberData(nameof(Sizes))]
    [MemberData(nameof(LargeSizes))]
    public void Root_is_the_rfc6962_root_over_1024_byte_chunks(int size)
    {
        var data = RandomBytes(size, seed: size);
        var expected = ReferenceChunkLeaves(data);
        Assert.Equal(expected, TensorCommitment.ChunkHashes(data));
        Assert.Equal(Rfc6962Reference.Root(expected), TensorCommitment.Root(data));
    }

    [Fact]
    [Trait("Category", "Determinism")]
    public void Known_answers()
    {
        // Empty tensor: one empty chunk, root = SHA-256(0x00).
        Assert.Equal(SHA256.HashData([0x00]), TensorCommitment.Root([]).ToArray());

        // 1025 bytes: a full chunk and a 1-byte chunk, hashed by hand.
        var data = Enumerable.Range(0, 1025).Select(i => unchecked((byte)i)).ToArray();
        byte[] left = SHA256.HashData([0x00, .. data[..1024]]);
        byte[] right = SHA256.HashData([0x00, data[1024]]);
        Assert.Equal(SHA256.HashData([0x01, .. left, .. right]), TensorCommitment.Root(data).ToArray());

        // Pinned roots, computed independently with Python's hashlib (RFC 6962 recursion over 1024-byte chunks).
        Assert.Equal("b18ef2a069476d253b3d6ed3834d3078726e223d9d9b6238e7dd3df344427c1e",
            TensorCommitment.Root(Pattern(5000, i => i * 31 + 7)).ToString());
        Assert.Equal("37f8dbc244f41277440bf9d313010687076d8f551ad7c81e607b0cf74b922b67",
            TensorCommitment.Root(Pattern(300_000, i => i % 251)).ToString());
        Assert.Equal("8f03bbc0d1d62521a3000155b12b0b256221a317626ec2658edfe6fd4959f453",
            TensorCommitment.Root(Pattern(1_049_605, i => i * 7 + 3)).ToString());
    }

    [Theory]
    [MemberData(nameof(Sha256LanesTests.Widths), MemberType = typeof(Sha256LanesTests))]
    [Trait("Category", "Determinism")]
    public void Pinned_roots_hold_on_every_lane_width(int width)
    {
        Assert.Equal("b18ef2a069476d253b3d6ed3834d3078726e223d9d9b6238e7dd3df344427c1e",
            TensorCommitment.Root(Pattern(5000, i => i * 31 + 7), 1024, width).ToString());
        Assert.Equal("37f8dbc244f41277440bf9d313010687076d8f551ad7c81e607b0cf74b922b67",
            TensorCommitment.Root(Pattern(300_000, i => i % 251), 1024, width).ToString());
        Assert.Equal("8f03bbc0d1d62521a3000155b12b0b256221a317626ec2658edfe6fd4959f453",
            TensorCommitment.Root(Pattern(1_049_605, i => i * 7 + 3), 1024, width).ToString());
    }

    /// <summary>
    /// The lane code takes any chunk size that is a multiple of 64. Sizes: around one and two lane groups and the 256-chunk
    /// parallel threshold, each with the last chunk one byte short, exact, or a 7-byte extra chunk (257 chunks: parallel). Width 0 is the scalar
    /// path (one SHA-256 call per leaf and node, as before the lanes); the recursion hashes with SHA256.HashData.
    /// </summary>
    [Theory]
    [MemberData(nameof(Sha256LanesTests.Widths), MemberType = typeof(Sha256LanesTests))]
    [Trait("Category", "Determinism")]
    public void Roots_for_any_chunk_size_match_the_scalar_path_and_the_rfc6962_recursion(int width)
    {
        foreach (int chunkBytes in new[] { 64, 128, 1024, 2048, 4096 })
        {
            foreach (int chunks in new[] { 1, 2, 7, 8, 9, 15, 16, 17, 33, 256 })
            {
                foreach (int size in new[] { chunks * chunkBytes - 1, chunks * chunkBytes, chunks * chunkBytes + 7 })
                {
                    var data = RandomBytes(size, seed: chunkBytes + size);
                    var leaves = data.Chunk(chunkBytes).Select(c => Rfc6962Reference.Leaf(c)).ToArray();
                    string at = $"width {width}, chunk {chunkBytes}, size {size}";
                    Assert.True(leaves.SequenceEqual(TensorCommitment.ChunkHashes(data, chunkBytes, width)), at);
                    var root = TensorCommitment.Root(data, chunkBytes, width);
                    Assert.True(Rfc6962Reference.Root(leaves) == root, at);
                    Assert.True(TensorCommitment.Root(data, chunkBytes, 0) == root, at);
                }
            }
            Assert.Equal(SHA256.HashData([0x00]), TensorCommitment.Root([], chunkBytes, width).ToArray());
        }
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Every_chunk_verifies_and_tampering_fails(int size)
    {
        var data = RandomBytes(size, seed: 100 + size);
        var root = TensorCommitment.Root(data);
        int n = TensorCommitment.ChunkCount(size);
        for (int c = 0; c < n; c++)
        {
            var chunk = TensorCommitment.Chunk(data, c).ToArray();
            var proof = TensorCommitment.Proof(data, c);
            Assert.True(TensorCommitment.VerifyChunk(root, chunk, c, n, proof), $"chunk {c}");
            Assert.False(TensorCommitment.VerifyChunk(root, chunk, c, 2 * n, proof));
            if (chunk.Length > 0)
            {
                chunk[^1] ^= 1;
                Assert.False(TensorCommitment.VerifyChunk(root, chunk, c, n, proof), $"flipped chunk {c}");
            }
        }
    }

    [Fact]
    public void Chunks_of_impossible_length_fail()
    {
        var data = RandomBytes(5000, seed: 3);
        var root = TensorCommitment.Root(data);
        var proof0 = TensorCommitment.Proof(data, 0);
        var proof4 = TensorCommitment.Proof(data, 4);
        Assert.Equal(1024, TensorCommitment.Chunk(data, 0).Length);
        Assert.Equal(5000 - 4096, TensorCommitment.Chunk(data, 4).Length);
        Assert.False(TensorCommitment.VerifyChunk(root, data.AsSpan(0, 1000), 0, 5, proof0));
        Assert.False(TensorCommitment.VerifyChunk(root, data.AsSpan(0, 1025), 0, 5, proof0));
        Assert.False(TensorCommitment.VerifyChunk(root, [], 4, 5, proof4));
        Assert.False(TensorCommitment.VerifyChunk(root, data.AsSpan(4096), 5, 5, proof4));
        Assert.False(TensorCommitment.VerifyChunk(root, data.AsSpan(4096), -1, 5, proof4));
        Assert.False(TensorCommitment.VerifyChunk(root, data.AsSpan(4096), 0, 0, proof4));
    }

    [Fact]
    public void Bad_chunk_indices_throw()
    {
        var data = new byte[5000];
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => TensorCommitment.Proof(data, 5));
        Assert.Contains("[0, 5)", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => TensorCommitment.Chunk(data, -1));
    }

    private static Hash256[] ReferenceChunkLeaves(byte[] data)
    {
        if (data.Length == 0)
            return [Rfc6962Reference.Leaf([])];
        return data.Chunk(1024).Select(c => Rfc6962Reference.Leaf(c)).ToArray();
    }

    private static byte[] RandomBytes(int size, int seed)
    {
        var data = new byte[size];
        new Random(seed).NextBytes(data);
        return data;
    }

    private static byte[] Pattern(int size, Func<int, int> f) =>
        Enumerable.Range(0, size).Select(i => (byte)(f(i) & 0xff)).ToArray();
}
