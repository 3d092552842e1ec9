using System.Text;
using Verity.Commitments;

namespace Verity.Commitments.Tests;

public class Hash256Tests
{
    private const string Abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    [Fact]
    public void Of_is_plain_sha256()
    {
        Assert.Equal(Abc, Hash256.Of(Encoding.ASCII.GetBytes("abc")).ToString());
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Hash256.Of([]).ToString());
    }

    [Fact]
    public void Parse_and_ToString_round_trip()
    {
        foreach (var h in Rfc6962Reference.RandomHashes(20, seed: 1))
        {
            string hex = h.ToString();
            Assert.Equal(64, hex.Length);
            Assert.Equal(hex.ToLowerInvariant(), hex);
            Assert.Equal(h, Hash256.Parse(hex));
            Assert.Equal(h, Hash256.Parse("0x" + hex.ToUpperInvariant()));
        }
        Assert.Equal(Hash256.Of(Encoding.ASCII.GetBytes("abc")), Hash256.Parse("0X" + Abc));
    }

    [Theory]
    [InlineData("")]
    [InlineData("0x")]
    [InlineData("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015a")]
    [InlineData("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad0")]
    [InlineData("zz7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")]
    [InlineData("0xba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015a ")]
    [InlineData("x0ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015")]
    public void Parse_rejects_bad_hex_and_names_it(string bad)
    {
        var e = Assert.Throws<FormatException>(() => Hash256.Parse(bad));
        Assert.Contains($"\"{bad}\"", e.Message);
    }

    [Fact]
    public void Parse_rejects_null() => Assert.Throws<ArgumentNullException>(() => Hash256.Parse(null!));

    [Fact]
    public void Bytes_in_and_out()
    {
        var bytes = Enumerable.Range(0, 32).Select(i => (byte)(i * 7 + 1)).ToArray();
        var h = new Hash256(bytes);
        Assert.Equal(bytes, h.ToArray());
        Assert.Equal(bytes, h.AsSpan().ToArray());
        var copy = new byte[40];
        h.CopyTo(copy.AsSpan(8));
        Assert.Equal(bytes, copy[8..]);
        var e = Assert.Throws<ArgumentException>(() => new Hash256(new byte[31]));
        Assert.Contains("31", e.Message);
    }

    [Fact]
    public void Is_exactly_32_bytes_inline() => Assert.Equal(32, System.Runtime.CompilerServices.Unsafe.SizeOf<Hash256>());

    [Fact]
    public void Equality_and_zero()
    {
        var a = Hash256.Parse(Abc);
        var b = Hash256.Parse(Abc);
        var c = Hash256.Of([1]);
        Assert.True(a == b);
        Assert.False(a != b);
        Assert.True(a.Equals((object)b));
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, c);
        Assert.Equal(default, Hash256.Zero);
        Assert.Equal(new string('0', 64), Hash256.Zero.ToString());
        Assert.All(Hash256.Zero.ToArray(), x => Assert.Equal(0, x));
    }
}
