using System.Buffers;

namespace Verity.Commitments;

/// <summary>Merkle root over the per-op output roots of one inference, in execution order; leaf data = the 32 bytes of an op root.</summary>
public static class TraceRoot
{
    public static Hash256 LeafHash(in Hash256 opRoot) => Merkle.LeafHash(opRoot.AsSpan());

    public static Hash256 Compute(ReadOnlySpan<Hash256> opRoots)
    {
        var leaves = LeafHashes(opRoots, out var rented);
        var root = Merkle.Root(leaves);
        ArrayPool<Hash256>.Shared.Return(rented);
        return root;
    }

    public static Hash256[] Proof(ReadOnlySpan<Hash256> opRoots, int opIndex)
    {
        if (!opRoots.IsEmpty && (opIndex < 0 || opIndex >= opRoots.Length))
            throw new ArgumentOutOfRangeException(nameof(opIndex), opIndex, $"Op index must be in [0, {opRoots.Length}).");
        var leaves = LeafHashes(opRoots, out var rented);
        var proof = Merkle.Proof(leaves, opIndex);
        ArrayPool<Hash256>.Shared.Return(rented);
        return proof;
    }

    /// <summary>Checks that <paramref name="opRoot"/> is op <paramref name="opIndex"/> of a trace of <paramref name="opCount"/> ops.</summary>
    public static bool Verify(in Hash256 traceRoot, in Hash256 opRoot, int opIndex, int opCount, ReadOnlySpan<Hash256> proof) =>
        Merkle.Verify(traceRoot, LeafHash(opRoot), opIndex, opCount, proof);

    private static ReadOnlySpan<Hash256> LeafHashes(ReadOnlySpan<Hash256> opRoots, out Hash256[] rented)
    {
        if (opRoots.IsEmpty)
            throw new ArgumentException("A trace needs at least one op root, got 0.", nameof(opRoots));
        rented = ArrayPool<Hash256>.Shared.Rent(opRoots.Length);
        for (int i = 0; i < opRoots.Length; i++)
            rented[i] = LeafHash(opRoots[i]);
        return rented.AsSpan(0, opRoots.Length);
    }
}
