using System.Security.Cryptography;
using Verity.Commitments;

namespace Verity.Commitments.Tests;

public class TraceRootTests
{
    private static Hash256[] OpRoots(int count) =>
        Enumerable.Range(0, count).Select(i => Hash256.Of([(byte)i])).ToArray();

    [Fact]
    public void Leaves_are_the_32_root_bytes_with_the_leaf_prefix()
    {
        var ops = OpRoots(3);
        var leaves = ops.Select(r => SHA256.HashData([0x00, .. r.AsSpan()])).ToArray();
        byte[] left = SHA256.HashData([0x01, .. leaves[0], .. leaves[1]]);
        byte[] root = SHA256.HashData([0x01, .. left, .. leaves[2]]);
        Assert.Equal(root, TraceRoot.Compute(ops).ToArray());
        Assert.Equal(leaves[0], TraceRoot.LeafHash(ops[0]).ToArray());
    }

    [Fact]
    public void Known_answer()
    {
        // Computed independently with Python's hashlib: ops = SHA-256 of the single bytes 0..4.
        Assert.Equal("6b313b611b40676b9e1dfd70c4503f2379f88f0f1c2740fb7e1cacc32c113465", TraceRoot.Compute(OpRoots(5)).ToString());
    }

    [Fact]
    public void Every_op_proof_verifies_and_a_wrong_op_root_fails()
    {
        for (int n = 1; n <= 40; n++)
        {
            var ops = Rfc6962Reference.RandomHashes(n, seed: n);
            var root = TraceRoot.Compute(ops);
            Assert.Equal(Rfc6962Reference.Root(ops.Select(r => Rfc6962Reference.Leaf(r.AsSpan())).ToArray()), root);
            for (int i = 0; i < n; i++)
            {
                var proof = TraceRoot.Proof(ops, i);
                Assert.True(TraceRoot.Verify(root, ops[i], i, n, proof), $"n = {n}, i = {i}");
                Assert.False(TraceRoot.Verify(root, Hash256.Zero, i, n, proof));
                // The op root itself must not pass as a leaf hash.
                Assert.False(Merkle.Verify(root, ops[i], i, n, proof));
            }
        }
    }

    [Fact]
    public void Empty_traces_and_bad_indices_throw()
    {
        Assert.Throws<ArgumentException>(() => TraceRoot.Compute([]));
        Assert.Throws<ArgumentException>(() => TraceRoot.Proof([], 0));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => TraceRoot.Proof(OpRoots(3), 3));
        Assert.Equal("opIndex", e.ParamName);
    }
}
