using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Verity.Commitments;

namespace Verity.Commitments.Tests;

/// <summary>
/// Multi-buffer SHA-256 against System.Security.Cryptography.SHA256, message by message, on every lane width this CPU has
/// (16 with AVX-512, 8 with AVX2, 0 = scalar). test.sh reruns this category with AVX-512 off and with SIMD off.
/// </summary>
[Trait("Category", "Determinism")]
public class Sha256LanesTests
{
    /// <summary>Lane widths this CPU runs; 0 (scalar) always.</summary>
    public static TheoryData<int> Widths => [.. new[] { 0, 8, 16 }.Where(Sha256Lanes.Supports)];

    /// <summary>Node messages (64), the smallest and largest chunk sizes under consideration, and 1024, the one in use.</summary>
    private static readonly int[] Lengths = [64, 128, 1024, 4096];

    [Fact]
    public void The_widest_width_is_used_and_matches_the_cpu()
    {
        Assert.Contains(Sha256Lanes.Width, new[] { 0, 8, 16 });
        Assert.True(Sha256Lanes.Supports(Sha256Lanes.Width));
        Assert.Equal(Sha256Lanes.Width == 0, !System.Runtime.Intrinsics.X86.Avx2.IsSupported);
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void Every_lane_count_with_leftovers_matches_sha256(int width)
    {
        var random = new Random(256 + width);
        foreach (int length in Lengths)
        {
            foreach (byte prefix in new byte[] { 0x00, 0x01 })
            {
                // Counts 0..40 cover every partial group of 8 and 16 lanes, alone and after one or two full groups.
                for (int count = 0; count <= (length < 4096 ? 40 : 17); count++)
                {
                    var buffer = new byte[count * length + 2];
                    random.NextBytes(buffer);
                    var data = buffer.AsSpan(1, count * length); // not 4-byte aligned, bytes on both sides
                    var expected = Expected(prefix, data, length, count);
                    var auto = new Hash256[count];
                    Sha256Lanes.HashPrefixed(prefix, data, length, auto, width);
                    Assert.True(expected.SequenceEqual(auto), $"HashPrefixed width {width}, length {length}, prefix {prefix}, count {count}");
                    if (width > 0)
                    {
                        var lanes = new Hash256[count];
                        Sha256Lanes.HashLanes(prefix, data, length, lanes, width);
                        Assert.True(expected.SequenceEqual(lanes), $"HashLanes width {width}, length {length}, prefix {prefix}, count {count}");
                    }
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void Edge_bytes_reach_their_words(int width)
    {
        // All-zero and all-one messages, and single set bytes at the places the one-byte shift and the padding block touch.
        const int length = 128;
        int[] positions = [0, 1, 2, 3, 4, 61, 62, 63, 64, 65, 126, 127];
        foreach (byte fill in new byte[] { 0x00, 0xff })
        {
            var data = new byte[positions.Length * length];
            data.AsSpan().Fill(fill);
            for (int i = 0; i < positions.Length; i++)
                data[i * length + positions[i]] ^= 0x5a;
            var output = new Hash256[positions.Length];
            Sha256Lanes.HashPrefixed(0x01, data, length, output, width);
            Assert.Equal(Expected(0x01, data, length, positions.Length), output);
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void Reducing_a_level_in_place_reads_every_pair_before_overwriting_it(int width)
    {
        var random = new Random(64 + width);
        for (int pairs = 1; pairs <= 70; pairs++)
        {
            var nodes = Rfc6962Reference.RandomHashes(2 * pairs + 1, random.Next());
            var expected = new Hash256[pairs];
            for (int i = 0; i < pairs; i++)
                expected[i] = Rfc6962Reference.Node(nodes[2 * i], nodes[2 * i + 1]);
            var bytes = MemoryMarshal.AsBytes(nodes.AsSpan(0, 2 * pairs));
            Sha256Lanes.HashPrefixed(0x01, bytes, 64, nodes.AsSpan(0, pairs), width);
            Assert.True(expected.AsSpan().SequenceEqual(nodes.AsSpan(0, pairs)), $"width {width}, {pairs} pairs");
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void Bad_arguments_throw(int width)
    {
        var output = new Hash256[2];
        Assert.Throws<ArgumentOutOfRangeException>(() => Sha256Lanes.HashPrefixed(0, new byte[128], 0, output, width));
        Assert.Throws<ArgumentOutOfRangeException>(() => Sha256Lanes.HashPrefixed(0, new byte[130], 65, output, width));
        Assert.Throws<ArgumentException>(() => Sha256Lanes.HashPrefixed(0, new byte[127], 64, output, width));
        Assert.Throws<PlatformNotSupportedException>(() => Sha256Lanes.HashPrefixed(0, new byte[128], 64, output, 4));
    }

    private static Hash256[] Expected(byte prefix, ReadOnlySpan<byte> data, int length, int count)
    {
        var expected = new Hash256[count];
        for (int i = 0; i < count; i++)
            expected[i] = new Hash256(SHA256.HashData([prefix, .. data.Slice(i * length, length)]));
        return expected;
    }
}
