using System.Security.Cryptography;
using Verity.Commitments;

namespace Verity.Commitments.Tests;

public class MerkleTests
{
    /// <summary>Certificate Transparency's RFC 6962 test leaves and the roots MTH(D[1..8]).</summary>
    private static readonly byte[][] CtLeaves =
        new[] { "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f" }
        .Select(Convert.FromHexString).ToArray();

    private static readonly string[] CtRoots =
    [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    [Fact]
    public void Hashes_match_sha256_of_the_prefixed_bytes_computed_by_hand()
    {
        byte[] a = [0xde, 0xad], b = [0xbe, 0xef], c = [0x42];
        byte[] la = SHA256.HashData([0x00, 0xde, 0xad]);
        byte[] lb = SHA256.HashData([0x00, 0xbe, 0xef]);
        byte[] lc = SHA256.HashData([0x00, 0x42]);
        byte[] ab = SHA256.HashData([0x01, .. la, .. lb]);
        byte[] abc = SHA256.HashData([0x01, .. ab, .. lc]);

        Assert.Equal(la, Merkle.LeafHash(a).ToArray());
        Assert.Equal(ab, Merkle.NodeHash(new Hash256(la), new Hash256(lb)).ToArray());
        Assert.Equal(la, Merkle.Root([Merkle.LeafHash(a)]).ToArray());
        Assert.Equal(abc, Merkle.Root([Merkle.LeafHash(a), Merkle.LeafHash(b), Merkle.LeafHash(c)]).ToArray());
        Assert.Equal("b03c728546e753e5b3d66ef7ec79bd653d5426029f32d5d866f760157b34af54", Convert.ToHexStringLower(abc));
    }

    [Fact]
    public void Roots_match_the_certificate_transparency_vectors()
    {
        var leaves = CtLeaves.Select(l => Merkle.LeafHash(l)).ToArray();
        for (int n = 1; n <= 8; n++)
            Assert.Equal(CtRoots[n - 1], Merkle.Root(leaves.AsSpan(0, n)).ToString());
    }

    [Theory]
    [InlineData(0, 8, "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7 5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e 6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")]
    [InlineData(5, 8, "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0 d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")]
    [InlineData(2, 3, "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")]
    [InlineData(1, 5, "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d 5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b")]
    public void Proofs_match_the_certificate_transparency_vectors(int index, int n, string expected)
    {
        var leaves = CtLeaves.Take(n).Select(l => Merkle.LeafHash(l)).ToArray();
        var proof = Merkle.Proof(leaves, index);
        Assert.Equal(expected, string.Join(' ', proof.Select(h => h.ToString())));
        Assert.True(Merkle.Verify(Hash256.Parse(CtRoots[n - 1]), leaves[index], index, n, proof));
    }

    [Fact]
    public void Bottom_up_root_equals_the_recursive_rfc6962_root_for_1_to_300_leaves()
    {
        var all = Rfc6962Reference.RandomHashes(300, seed: 6962);
        for (int n = 1; n <= 300; n++)
            Assert.True(Rfc6962Reference.Root(all.AsSpan(0, n)) == Merkle.Root(all.AsSpan(0, n)), $"n = {n}");
    }

    [Theory]
    [MemberData(nameof(Sha256LanesTests.Widths), MemberType = typeof(Sha256LanesTests))]
    [Trait("Category", "Determinism")]
    public void Roots_on_every_lane_width_equal_the_recursive_root_for_1_to_300_leaves(int width)
    {
        var all = Rfc6962Reference.RandomHashes(300, seed: 300 + width);
        for (int n = 1; n <= 300; n++)
            Assert.True(Rfc6962Reference.Root(all.AsSpan(0, n)) == Merkle.Root(all.AsSpan(0, n), width), $"width {width}, n = {n}");
    }

    [Fact]
    public void Every_proof_equals_the_rfc6962_path_and_verifies_for_1_to_70_leaves()
    {
        var all = Rfc6962Reference.RandomHashes(70, seed: 70);
        for (int n = 1; n <= 70; n++)
        {
            var leaves = all.AsSpan(0, n);
            var root = Merkle.Root(leaves);
            for (int i = 0; i < n; i++)
            {
                var proof = Merkle.Proof(leaves, i);
                Assert.Equal(Rfc6962Reference.Path(i, leaves), proof);
                Assert.Equal(proof.Length, Merkle.ProofLength(i, n));
                Assert.True(Merkle.Verify(root, leaves[i], i, n, proof), $"n = {n}, i = {i}");
            }
        }
    }

    [Fact]
    public void Tampered_proofs_wrong_index_count_leaf_or_root_fail()
    {
        var all = Rfc6962Reference.RandomHashes(70, seed: 7);
        var other = Hash256.Of([1, 2, 3]);
        for (int n = 1; n <= 70; n++)
        {
            var leaves = all.AsSpan(0, n);
            var root = Merkle.Root(leaves);
            for (int i = 0; i < n; i++)
            {
                var proof = Merkle.Proof(leaves, i);
                string at = $"n = {n}, i = {i}";
                Assert.False(Merkle.Verify(root, other, i, n, proof), at);
                Assert.False(Merkle.Verify(other, leaves[i], i, n, proof), at);
                foreach (int j in new[] { i - 1, i + 1, i ^ 2, -1, n })
                {
                    if (j != i)
                        Assert.False(Merkle.Verify(root, leaves[i], j, n, proof), $"{at}, index {j}");
                }
                foreach (int count in new[] { 2 * n, n / 2, 0, -1 })
                    Assert.False(Merkle.Verify(root, leaves[i], i, count, proof), $"{at}, count {count}");
                for (int p = 0; p < proof.Length; p++)
                {
                    var bad = (Hash256[])proof.Clone();
                    bad[p] = other;
                    Assert.False(Merkle.Verify(root, leaves[i], i, n, bad), $"{at}, proof[{p}] replaced");
                }
                Assert.False(Merkle.Verify(root, leaves[i], i, n, [.. proof, root]), $"{at}, appended");
                Assert.False(Merkle.Verify(root, leaves[i], i, n, [root, .. proof]), $"{at}, prepended");
                if (proof.Length > 0)
                    Assert.False(Merkle.Verify(root, leaves[i], i, n, proof.AsSpan(0, proof.Length - 1)), $"{at}, truncated");
            }
        }
    }

    [Fact]
    public void A_proof_does_not_bind_the_leaf_count_so_verifiers_must_know_it()
    {
        // Leaf 0 has the same audit path shape in trees of 7 and 8 leaves: RFC 6962 inclusion proofs rely on a trusted size.
        var leaves = Rfc6962Reference.RandomHashes(8, seed: 8);
        var proof = Merkle.Proof(leaves, 0);
        var root = Merkle.Root(leaves);
        Assert.True(Merkle.Verify(root, leaves[0], 0, 8, proof));
        Assert.True(Merkle.Verify(root, leaves[0], 0, 7, proof));
    }

    [Fact]
    public void Zero_leaves_and_bad_indices_throw()
    {
        var leaves = Rfc6962Reference.RandomHashes(5, seed: 5);
        Assert.Throws<ArgumentException>(() => Merkle.Root([]));
        Assert.Throws<ArgumentException>(() => Merkle.Proof([], 0));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Merkle.Proof(leaves, 5));
        Assert.Contains("[0, 5)", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Merkle.Proof(leaves, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Merkle.ProofLength(3, 3));
    }

    [Fact]
    public void Large_trees_use_the_pooled_path_and_still_match()
    {
        var leaves = Rfc6962Reference.RandomHashes(1000, seed: 1000);
        Assert.Equal(Rfc6962Reference.Root(leaves), Merkle.Root(leaves));
        var proof = Merkle.Proof(leaves, 777);
        Assert.Equal(Rfc6962Reference.Path(777, leaves), proof);
        Assert.True(Merkle.Verify(Merkle.Root(leaves), leaves[777], 777, 1000, proof));
    }
}
