using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Verity.Commitments;

/// <summary>The vector operations multi-buffer SHA-256 needs, for one vector width (<see cref="Sha256Lanes"/>).</summary>
internal unsafe interface ILanes<TV>
    where TV : struct
{
    /// <summary>Messages per vector: uint32 lanes.</summary>
    static abstract int Count { get; }

    static abstract TV Splat(uint x);

    static abstract TV Add(TV x, TV y);

    static abstract TV Or(TV x, TV y);

    static abstract TV ShiftLeft(TV x, [ConstantExpected] byte n);

    static abstract TV ShiftRight(TV x, [ConstantExpected] byte n);

    static abstract TV RotateRight(TV x, [ConstantExpected] byte n);

    static abstract TV Xor3(TV x, TV y, TV z);

    /// <summary>Ch(e, f, g) = (e ∧ f) ⊕ (¬e ∧ g).</summary>
    static abstract TV Choose(TV e, TV f, TV g);

    /// <summary>Maj(a, b, c) = (a ∧ b) ⊕ (a ∧ c) ⊕ (b ∧ c).</summary>
    static abstract TV Majority(TV a, TV b, TV c);

    /// <summary>w[j] lane l = big-endian uint32 at starts[l] + offset + 4j, for j in 0..16: a transposed load of one block per lane.</summary>
    static abstract void LoadBigEndian(byte** starts, nint offset, ref Schedule<TV> w);

    static abstract void Store(TV x, uint* destination);
}

/// <summary>16 lanes in a Vector512 (AVX-512 F and BW): native rotates and three-input logic (vprold, vpternlogd).</summary>
[SkipLocalsInit]
internal readonly unsafe struct Lanes512 : ILanes<Vector512<uint>>
{
    public static int Count => 16;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<uint> Splat(uint x) => Vector512.Create(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<uint> Add(Vector512<uint> x, Vector512<uint> y) => x + y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<uint> Or(Vector512<uint> x, Vector512<uint> y) => x | y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<uint> ShiftLeft(Vector512<uint> x, [ConstantExpected] byte n) => Avx512F.ShiftLeftLogical(x, n);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<uint> ShiftRight(Vector512<uint> x, [ConstantExpected] byte n) => Avx512F.ShiftRightLogical(x, n);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<uint> RotateRight(Vector512<uint> x, [ConstantExpected] byte n) => Avx512F.RotateRight(x, n);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<uint> Xor3(Vector512<uint> x, Vector512<uint> y, Vector512<uint> z) => Avx512F.TernaryLogic(x, y, z, 0x96);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<uint> Choose(Vector512<uint> e, Vector512<uint> f, Vector512<uint> g) => Avx512F.TernaryLogic(e, f, g, 0xca);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<uint> Majority(Vector512<uint> a, Vector512<uint> b, Vector512<uint> c) => Avx512F.TernaryLogic(a, b, c, 0xe8);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector512<uint> x, uint* destination) => x.Store(destination);

    /// <summary>Loads 16 rows of 16 words, swaps bytes, and transposes 16×16 in four shuffle stages.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LoadBigEndian(byte** starts, nint offset, ref Schedule<Vector512<uint>> w)
    {
        var swap = Vector512.Create(0x00010203u, 0x04050607, 0x08090a0b, 0x0c0d0e0f, 0x00010203, 0x04050607, 0x08090a0b, 0x0c0d0e0f,
            0x00010203, 0x04050607, 0x08090a0b, 0x0c0d0e0f, 0x00010203, 0x04050607, 0x08090a0b, 0x0c0d0e0f).AsByte();
        Unsafe.SkipInit(out Schedule<Vector512<uint>> t);
        // Rows 2p, 2p+1 → interleaved dword pairs, then quads: after this, 128-bit lane k of t[4q + i] holds word 4k + i of rows 4q..4q+3.
        for (int q = 0; q < 4; q++)
        {
            var r0 = Avx512BW.Shuffle(Vector512.Load(starts[4 * q] + offset), swap).AsUInt32();
            var r1 = Avx512BW.Shuffle(Vector512.Load(starts[4 * q + 1] + offset), swap).AsUInt32();
            var r2 = Avx512BW.Shuffle(Vector512.Load(starts[4 * q + 2] + offset), swap).AsUInt32();
            var r3 = Avx512BW.Shuffle(Vector512.Load(starts[4 * q + 3] + offset), swap).AsUInt32();
            var lo01 = Avx512F.UnpackLow(r0, r1).AsUInt64();
            var hi01 = Avx512F.UnpackHigh(r0, r1).AsUInt64();
            var lo23 = Avx512F.UnpackLow(r2, r3).AsUInt64();
            var hi23 = Avx512F.UnpackHigh(r2, r3).AsUInt64();
            t[4 * q] = Avx512F.UnpackLow(lo01, lo23).AsUInt32();
            t[4 * q + 1] = Avx512F.UnpackHigh(lo01, lo23).AsUInt32();
            t[4 * q + 2] = Avx512F.UnpackLow(hi01, hi23).AsUInt32();
            t[4 * q + 3] = Avx512F.UnpackHigh(hi01, hi23).AsUInt32();
        }
        // Gather 128-bit lane k of t[i], t[4 + i], t[8 + i], t[12 + i] into word 4k + i.
        for (int i = 0; i < 4; i++)
        {
            var v = Avx512F.Shuffle4x128(t[i], t[4 + i], 0x44);
            var v2 = Avx512F.Shuffle4x128(t[i], t[4 + i], 0xee);
            var u = Avx512F.Shuffle4x128(t[8 + i], t[12 + i], 0x44);
            var u2 = Avx512F.Shuffle4x128(t[8 + i], t[12 + i], 0xee);
            w[i] = Avx512F.Shuffle4x128(v, u, 0x88);
            w[4 + i] = Avx512F.Shuffle4x128(v, u, 0xdd);
            w[8 + i] = Avx512F.Shuffle4x128(v2, u2, 0x88);
            w[12 + i] = Avx512F.Shuffle4x128(v2, u2, 0xdd);
        }
    }
}

/// <summary>8 lanes in a Vector256 (AVX2): rotates as two shifts and an or, Ch and Maj from two-input logic.</summary>
[SkipLocalsInit]
internal readonly unsafe struct Lanes256 : ILanes<Vector256<uint>>
{
    public static int Count => 8;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<uint> Splat(uint x) => Vector256.Create(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<uint> Add(Vector256<uint> x, Vector256<uint> y) => x + y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<uint> Or(Vector256<uint> x, Vector256<uint> y) => x | y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<uint> ShiftLeft(Vector256<uint> x, [ConstantExpected] byte n) => Avx2.ShiftLeftLogical(x, n);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<uint> ShiftRight(Vector256<uint> x, [ConstantExpected] byte n) => Avx2.ShiftRightLogical(x, n);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<uint> RotateRight(Vector256<uint> x, [ConstantExpected] byte n) =>
        (x >> n) | (x << (32 - n));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<uint> Xor3(Vector256<uint> x, Vector256<uint> y, Vector256<uint> z) => x ^ y ^ z;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<uint> Choose(Vector256<uint> e, Vector256<uint> f, Vector256<uint> g) => ((f ^ g) & e) ^ g;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<uint> Majority(Vector256<uint> a, Vector256<uint> b, Vector256<uint> c) => ((a ^ b) & (b ^ c)) ^ b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256<uint> x, uint* destination) => x.Store(destination);

    /// <summary>Loads 8 rows of 16 words as two halves, swaps bytes, and transposes each 8×8 half in three shuffle stages.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LoadBigEndian(byte** starts, nint offset, ref Schedule<Vector256<uint>> w)
    {
        var swap = Vector256.Create(0x00010203u, 0x04050607, 0x08090a0b, 0x0c0d0e0f, 0x00010203, 0x04050607, 0x08090a0b, 0x0c0d0e0f).AsByte();
        for (int half = 0; half < 2; half++)
        {
            nint at = offset + 32 * half;
            Unsafe.SkipInit(out Schedule<Vector256<uint>> t);
            // After this, 128-bit lane k of t[4q + i] holds word 4k + i of rows 4q..4q+3 (of this half).
            for (int q = 0; q < 2; q++)
            {
                var r0 = Avx2.Shuffle(Vector256.Load(starts[4 * q] + at), swap).AsUInt32();
                var r1 = Avx2.Shuffle(Vector256.Load(starts[4 * q + 1] + at), swap).AsUInt32();
                var r2 = Avx2.Shuffle(Vector256.Load(starts[4 * q + 2] + at), swap).AsUInt32();
                var r3 = Avx2.Shuffle(Vector256.Load(starts[4 * q + 3] + at), swap).AsUInt32();
                var lo01 = Avx2.UnpackLow(r0, r1).AsUInt64();
                var hi01 = Avx2.UnpackHigh(r0, r1).AsUInt64();
                var lo23 = Avx2.UnpackLow(r2, r3).AsUInt64();
                var hi23 = Avx2.UnpackHigh(r2, r3).AsUInt64();
                t[4 * q] = Avx2.UnpackLow(lo01, lo23).AsUInt32();
                t[4 * q + 1] = Avx2.UnpackHigh(lo01, lo23).AsUInt32();
                t[4 * q + 2] = Avx2.UnpackLow(hi01, hi23).AsUInt32();
                t[4 * q + 3] = Avx2.UnpackHigh(hi01, hi23).AsUInt32();
            }
            for (int i = 0; i < 4; i++)
            {
                w[8 * half + i] = Avx2.Permute2x128(t[i], t[4 + i], 0x20);
                w[8 * half + 4 + i] = Avx2.Permute2x128(t[i], t[4 + i], 0x31);
            }
        }
    }
}
