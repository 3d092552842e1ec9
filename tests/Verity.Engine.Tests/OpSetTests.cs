using Verity.Engine.Ops;

namespace Verity.Engine.Tests;

/// <summary>The op set is closed and versioned: changing it must change these pins on purpose (an on-chain checker agrees with them).</summary>
public class OpSetTests
{
    [Fact]
    public void Version_and_fingerprint_are_pinned()
    {
        Assert.Equal(1, OpSet.Version);
        // Recomputed independently: sha256("verity-opset-1;1=Linear;2=Conv2d;…;14=Gather") with Python's hashlib.
        Assert.Equal("45be614a0297f72c97d088ecc0db1ef8103e4bfe7d63c3af901de967e26dc634", OpSet.Fingerprint);
    }

    [Fact]
    public void Op_codes_are_pinned()
    {
        string codes = string.Join(";", Enum.GetValues<OpKind>().Select(k => $"{(byte)k}={k}"));
        Assert.Equal("1=Linear;2=Conv2d;3=MatMul;4=Softmax;5=Lut;6=Add;7=LayerNorm;8=Transpose;9=Reshape;10=MaxPool2d;11=AvgPool2d;12=Embed;13=ReduceMean;14=Gather;15=Attention", codes);
    }

    [Fact]
    public void Fingerprint_is_sha256_of_the_version_and_codes()
    {
        string text = "verity-opset-1;" + string.Join(";", Enum.GetValues<OpKind>().Select(k => $"{(byte)k}={k}"));
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text))), OpSet.Fingerprint);
    }
}
