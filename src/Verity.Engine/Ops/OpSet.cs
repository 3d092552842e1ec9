using System.Security.Cryptography;
using System.Text;
using Verity.Engine.Format;
using Verity.Engine.Tensors;

namespace Verity.Engine.Ops;

/// <summary>The versioned, closed op set: decoding and a fingerprint that pins it (an on-chain checker must agree).</summary>
public static class OpSet
{
    /// <summary>Bump on any change to an op's arithmetic or encoding; golden digests change with it.</summary>
    public const int Version = 1;

    /// <summary>SHA-256 over the version and every op kind's code and name, in hex.</summary>
    public static string Fingerprint
    {
        get
        {
            var sb = new StringBuilder($"verity-opset-{Version}");
            foreach (var k in Enum.GetValues<OpKind>()) sb.Append($";{(byte)k}={k}");
            return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())));
        }
    }

    public static Op Decode(ReadOnlySpan<byte> bytes)
    {
        var r = new ParamReader(bytes);
        byte code = r.U8();
        string name = r.Str();
        var outType = DTypes.Parse(r.U8());
        int[] inputs = r.I32s();
        Op op = (OpKind)code switch
        {
            OpKind.Linear => Linear.Read(ref r, name, inputs, outType),
            OpKind.Conv2d => Conv2d.Read(ref r, name, inputs, outType),
            OpKind.MatMul => MatMul.Read(ref r, name, inputs, outType),
            OpKind.Softmax => Softmax.Read(ref r, name, inputs, outType),
            OpKind.Lut => Lut.Read(ref r, name, inputs, outType),
            OpKind.Add => Add.Read(ref r, name, inputs, outType),
            OpKind.LayerNorm => LayerNorm.Read(ref r, name, inputs, outType),
            OpKind.Transpose => Transpose.Read(ref r, name, inputs, outType),
            OpKind.Reshape => Reshape.Read(ref r, name, inputs, outType),
            OpKind.MaxPool2d => MaxPool2d.Read(ref r, name, inputs, outType),
            OpKind.AvgPool2d => AvgPool2d.Read(ref r, name, inputs, outType),
            OpKind.Embed => Embed.Read(ref r, name, inputs, outType),
            OpKind.ReduceMean => ReduceMean.Read(ref r, name, inputs, outType),
            OpKind.Gather => Gather.Read(ref r, name, inputs, outType),
            OpKind.Attention => Attention.Read(ref r, name, inputs, outType),
            _ => throw new InvalidDataException($"unknown op code {code} for op '{name}' (op set version {Version})"),
        };
        if (!r.End) throw new InvalidDataException($"op '{name}': {bytes.Length - r.Position} trailing bytes");
        (int min, int max) arity = op.Kind switch { OpKind.Add or OpKind.MatMul => (2, 2), OpKind.LayerNorm => (1, 2), OpKind.Attention => (3, 3), _ => (1, 1) };
        if (inputs.Length < arity.min || inputs.Length > arity.max)
            throw new InvalidDataException($"op '{name}' ({op.Kind}) takes {arity.min}{(arity.max > arity.min ? $"–{arity.max}" : "")} input(s), not {inputs.Length}");
        // One model, one encoding: anything that decodes but would re-encode differently (a relu byte of 7, …) is rejected.
        if (!op.Encode().AsSpan().SequenceEqual(bytes)) throw new InvalidDataException($"op '{name}' is not in canonical encoding");
        return op;
    }
}
