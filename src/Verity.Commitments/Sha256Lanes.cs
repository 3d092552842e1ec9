using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Verity.Commitments;

/// <summary>
/// Multi-buffer SHA-256 (the technique of Intel's isa-l_crypto mb_sha256): many messages of one length hashed
/// at once, one message per 32-bit lane of a vector. The state a..h and the schedule W[0..16) are vectors
/// whose lane i belongs to message i, so each FIPS 180-4 round is a handful of vector instructions for all
/// lanes. Only messages <c>prefix ‖ d</c> with <c>d.Length</c> a multiple of 64 are handled; they all pad the
/// same way (a last block holding d's last byte, 0x80 and the bit length), which is what leaf chunks
/// (0x00 ‖ chunk) and tree nodes (0x01 ‖ left ‖ right) are.
/// </summary>
internal static class Sha256Lanes
{
    /// <summary>Lanes this CPU hashes at once: 16 with AVX-512 (F and BW), 8 with AVX2, 0 without (scalar path only).</summary>
    public static readonly int Width =
        Avx512F.IsSupported && Avx512BW.IsSupported ? 16 : Avx2.IsSupported ? 8 : 0;

    /// <summary>True when this CPU can run <paramref name="width"/> lanes (0, the scalar path, always can).</summary>
    public static bool Supports(int width) => width switch
    {
        0 => true,
        8 => Avx2.IsSupported,
        16 => Avx512F.IsSupported && Avx512BW.IsSupported,
        _ => false,
    };

    /// <summary>
    /// output[i] = SHA-256(prefix ‖ data[i·length .. (i+1)·length)) for every i, with <paramref name="width"/> lanes
    /// (0 = scalar). length must be a positive multiple of 64. output may overlap data from its start, as when a
    /// tree level is reduced in place: all reads for an output come before any write at or after it. A last partial
    /// group of lanes is filled when that beats hashing its messages one by one.
    /// </summary>
    public static void HashPrefixed(byte prefix, ReadOnlySpan<byte> data, int length, Span<Hash256> output, int width)
    {
        Validate(data, length, output.Length, width);
        int partial = width == 0 ? output.Length : output.Length % width;
        // Rough costs: a scalar call ~300 ns plus ~50 ns a block; a lane group ~230 (16 lanes) or ~290 ns (8) a block, however many lanes are used.
        int blocks = length / 64 + 1;
        bool fill = width > 0 && partial * (300 + 50 * blocks) > (width == 16 ? 230 : 290) * blocks;
        int lanes = output.Length - (fill ? 0 : partial);
        HashLanes(prefix, data, length, output[..lanes], width);
        for (int i = lanes; i < output.Length; i++)
            output[i] = Sha256.Prefixed(prefix, data.Slice(i * length, length));
    }

    /// <summary>
    /// Like <see cref="HashPrefixed"/>, but every message goes through the lanes, a last partial group included (its unused lanes
    /// hash copies of the group's first message); width 0 takes no messages.
    /// </summary>
    internal static unsafe void HashLanes(byte prefix, ReadOnlySpan<byte> data, int length, Span<Hash256> output, int width)
    {
        Validate(data, length, output.Length, width);
        if (width == 0 && !output.IsEmpty)
            throw new ArgumentOutOfRangeException(nameof(width), width, "The lanes need a width of 8 or 16.");
        fixed (byte* first = data)
        {
            if (width == 16)
                HashLanes<Vector512<uint>, Lanes512>(prefix, first, length, output);
            else if (width == 8)
                HashLanes<Vector256<uint>, Lanes256>(prefix, first, length, output);
        }
    }

    private static void Validate(ReadOnlySpan<byte> data, int length, int count, int width)
    {
        if (length <= 0 || length % 64 != 0)
            throw new ArgumentOutOfRangeException(nameof(length), length, "Message data length must be a positive multiple of 64.");
        if (data.Length / length < count)
            throw new ArgumentException($"{count} messages of {length} bytes need more than {data.Length} bytes.", nameof(data));
        if (!Supports(width))
            throw new PlatformNotSupportedException($"This CPU cannot hash {width} SHA-256 lanes at once.");
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void HashLanes<TV, TL>(byte prefix, byte* first, int length, Span<Hash256> output)
        where TV : struct
        where TL : struct, ILanes<TV>
    {
        int lanes = TL.Count;
        byte** starts = stackalloc byte*[lanes];
        uint* digests = stackalloc uint[8 * lanes];
        for (int g = 0; g < output.Length; g += lanes)
        {
            int active = Math.Min(lanes, output.Length - g);
            for (int l = 0; l < lanes; l++)
                starts[l] = first + (nint)(g + (l < active ? l : 0)) * length;
            HashGroup<TV, TL>(starts, length / 64, prefix, digests);
            for (int l = 0; l < active; l++)
            {
                var words = MemoryMarshal.Cast<Hash256, uint>(new Span<Hash256>(ref output[g + l]));
                for (int j = 0; j < 8; j++)
                    words[j] = BinaryPrimitives.ReverseEndianness(digests[j * lanes + l]);
            }
        }
    }

    /// <summary>SHA-256 of prefix ‖ (blocks·64 bytes at starts[l]) for each lane l; digests[j·Count + l] = word j of lane l.</summary>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void HashGroup<TV, TL>(byte** starts, int blocks, byte prefix, uint* digests)
        where TV : struct
        where TL : struct, ILanes<TV>
    {
        State<TV> state;
        state.A = TL.Splat(0x6a09e667); state.B = TL.Splat(0xbb67ae85); state.C = TL.Splat(0x3c6ef372); state.D = TL.Splat(0xa54ff53a);
        state.E = TL.Splat(0x510e527f); state.F = TL.Splat(0x9b05688c); state.G = TL.Splat(0x1f83d9ab); state.H = TL.Splat(0x5be0cd19);
        // The message is the data shifted one byte right: word j of a block takes its top byte from the byte before.
        TV carry = TL.Splat(prefix);
        ulong bits = ((ulong)blocks * 64 + 1) * 8;
        Unsafe.SkipInit(out Schedule<TV> w);
        for (int block = 0; block < blocks; block++)
        {
            TL.LoadBigEndian(starts, (nint)block * 64, ref w);
            if (Sse.IsSupported)
            {
                // One stream per lane, each a chunk apart: prefetch 4 blocks ahead, or the lanes wait on L3 once the data outgrows L2.
                for (int l = 0; l < TL.Count; l++)
                    Sse.Prefetch0(starts[l] + (nint)block * 64 + 256);
            }
            TV last = w[15];
            for (int j = 15; j > 0; j--)
                w[j] = TL.Or(TL.ShiftRight(w[j], 8), TL.ShiftLeft(w[j - 1], 24));
            w[0] = TL.Or(TL.ShiftRight(w[0], 8), TL.ShiftLeft(carry, 24));
            carry = last;
            Compress<TV, TL>(ref state, ref w);
        }
        // Padding block: the data's last byte, then 0x80, zeros and the 64-bit big-endian bit length.
        w[0] = TL.Or(TL.ShiftLeft(carry, 24), TL.Splat(0x00800000));
        for (int j = 1; j < 14; j++)
            w[j] = TL.Splat(0);
        w[14] = TL.Splat((uint)(bits >> 32));
        w[15] = TL.Splat(unchecked((uint)bits));
        Compress<TV, TL>(ref state, ref w);
        int n = TL.Count;
        TL.Store(state.A, digests); TL.Store(state.B, digests + n); TL.Store(state.C, digests + 2 * n); TL.Store(state.D, digests + 3 * n);
        TL.Store(state.E, digests + 4 * n); TL.Store(state.F, digests + 5 * n); TL.Store(state.G, digests + 6 * n); TL.Store(state.H, digests + 7 * n);
    }

    /// <summary>The 64 rounds of one block; consumes the schedule ring.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Compress<TV, TL>(ref State<TV> state, ref Schedule<TV> w)
        where TV : struct
        where TL : struct, ILanes<TV>
    {
        TV a = state.A, b = state.B, c = state.C, d = state.D, e = state.E, f = state.F, g = state.G, h = state.H;
        unchecked
        {
            for (int t = 0; t < 64; t += 16)
            {
                var k = K.Slice(t, 16);
                bool expand = t > 0;
                Round<TV, TL>(a, b, c, ref d, e, f, g, ref h, Word<TV, TL>(ref w, 0, expand), k[0]);
                Round<TV, TL>(h, a, b, ref c, d, e, f, ref g, Word<TV, TL>(ref w, 1, expand), k[1]);
                Round<TV, TL>(g, h, a, ref b, c, d, e, ref f, Word<TV, TL>(ref w, 2, expand), k[2]);
                Round<TV, TL>(f, g, h, ref a, b, c, d, ref e, Word<TV, TL>(ref w, 3, expand), k[3]);
                Round<TV, TL>(e, f, g, ref h, a, b, c, ref d, Word<TV, TL>(ref w, 4, expand), k[4]);
                Round<TV, TL>(d, e, f, ref g, h, a, b, ref c, Word<TV, TL>(ref w, 5, expand), k[5]);
                Round<TV, TL>(c, d, e, ref f, g, h, a, ref b, Word<TV, TL>(ref w, 6, expand), k[6]);
                Round<TV, TL>(b, c, d, ref e, f, g, h, ref a, Word<TV, TL>(ref w, 7, expand), k[7]);
                Round<TV, TL>(a, b, c, ref d, e, f, g, ref h, Word<TV, TL>(ref w, 8, expand), k[8]);
                Round<TV, TL>(h, a, b, ref c, d, e, f, ref g, Word<TV, TL>(ref w, 9, expand), k[9]);
                Round<TV, TL>(g, h, a, ref b, c, d, e, ref f, Word<TV, TL>(ref w, 10, expand), k[10]);
                Round<TV, TL>(f, g, h, ref a, b, c, d, ref e, Word<TV, TL>(ref w, 11, expand), k[11]);
                Round<TV, TL>(e, f, g, ref h, a, b, c, ref d, Word<TV, TL>(ref w, 12, expand), k[12]);
                Round<TV, TL>(d, e, f, ref g, h, a, b, ref c, Word<TV, TL>(ref w, 13, expand), k[13]);
                Round<TV, TL>(c, d, e, ref f, g, h, a, ref b, Word<TV, TL>(ref w, 14, expand), k[14]);
                Round<TV, TL>(b, c, d, ref e, f, g, h, ref a, Word<TV, TL>(ref w, 15, expand), k[15]);
            }
        }
        state.A = TL.Add(state.A, a); state.B = TL.Add(state.B, b); state.C = TL.Add(state.C, c); state.D = TL.Add(state.D, d);
        state.E = TL.Add(state.E, e); state.F = TL.Add(state.F, f); state.G = TL.Add(state.G, g); state.H = TL.Add(state.H, h);
    }

    /// <summary>
    /// Schedule word W[t] in ring slot i = t mod 16: as loaded for t &lt; 16; from round 16 on, expanded in place just before
    /// its round, W[t] = σ1(W[t-2]) + W[t-7] + σ0(W[t-15]) + W[t-16], so the expansion overlaps the rounds.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Word<TV, TL>(ref Schedule<TV> w, int i, bool expand)
        where TV : struct
        where TL : struct, ILanes<TV>
    {
        if (expand)
            w[i] = TL.Add(TL.Add(w[i], Small1<TV, TL>(w[(i + 14) & 15])), TL.Add(w[(i + 9) & 15], Small0<TV, TL>(w[(i + 1) & 15])));
        return w[i];
    }

    /// <summary>One FIPS 180-4 round with the variables renamed instead of moved: d += T1, h = T1 + T2.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Round<TV, TL>(TV a, TV b, TV c, ref TV d, TV e, TV f, TV g, ref TV h, TV w, uint k)
        where TV : struct
        where TL : struct, ILanes<TV>
    {
        TV s1 = TL.Xor3(TL.RotateRight(e, 6), TL.RotateRight(e, 11), TL.RotateRight(e, 25));
        TV t1 = TL.Add(s1, TL.Add(TL.Choose(e, f, g), TL.Add(h, TL.Add(w, TL.Splat(k)))));
        TV s0 = TL.Xor3(TL.RotateRight(a, 2), TL.RotateRight(a, 13), TL.RotateRight(a, 22));
        d = TL.Add(d, t1);
        h = TL.Add(t1, TL.Add(s0, TL.Majority(a, b, c)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Small0<TV, TL>(TV x)
        where TV : struct
        where TL : struct, ILanes<TV> =>
        TL.Xor3(TL.RotateRight(x, 7), TL.RotateRight(x, 18), TL.ShiftRight(x, 3));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Small1<TV, TL>(TV x)
        where TV : struct
        where TL : struct, ILanes<TV> =>
        TL.Xor3(TL.RotateRight(x, 17), TL.RotateRight(x, 19), TL.ShiftRight(x, 10));

    private static ReadOnlySpan<uint> K =>
    [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ];
}

/// <summary>The working state a..h, one vector per variable.</summary>
internal struct State<TV>
    where TV : struct
{
    public TV A, B, C, D, E, F, G, H;
}

/// <summary>The 16-word message schedule ring, one vector per word.</summary>
[InlineArray(16)]
internal struct Schedule<TV>
    where TV : struct
{
    private TV _word0;
}
