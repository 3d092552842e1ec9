using System.Text;

namespace Verity.Cli.Tests;

/// <summary>Writes tiny ONNX files by hand (protobuf wire format) for error-path tests.</summary>
internal static class OnnxBytes
{
    /// <summary>A model with one float input "x" [1,4] and one node of the given op type.</summary>
    public static byte[] SingleNode(string opType, string nodeName, long opset = 13)
    {
        var node = Msg(Str(1, "x"), Str(2, "y"), Str(3, nodeName), Str(4, opType));
        var dim = Msg(Varint(1, 1)); var dim4 = Msg(Varint(1, 4));
        var shape = Msg(Bytes(1, dim), Bytes(1, dim4));
        var tensorType = Msg(Varint(1, 1), Bytes(2, shape));
        var type = Msg(Bytes(1, tensorType));
        var input = Msg(Str(1, "x"), Bytes(2, type));
        var output = Msg(Str(1, "y"), Bytes(2, type));
        var graph = Msg(Bytes(1, node), Str(2, "g"), Bytes(11, input), Bytes(12, output));
        var opsetId = Msg(Str(1, ""), Varint(2, opset));
        return Msg(Varint(1, 8), Bytes(8, opsetId), Bytes(7, graph));
    }

    private static byte[] Msg(params byte[][] fields) => [.. fields.SelectMany(f => f)];

    private static byte[] Varint(int field, long v) => [.. Key(field, 0), .. V((ulong)v)];

    private static byte[] Str(int field, string s) => Bytes(field, Encoding.UTF8.GetBytes(s));

    private static byte[] Bytes(int field, byte[] b) => [.. Key(field, 2), .. V((ulong)b.Length), .. b];

    private static byte[] Key(int field, int wire) => V((ulong)(field << 3 | wire));

    private static byte[] V(ulong v)
    {
        var r = new List<byte>();
        do { byte b = (byte)(v & 0x7F); v >>= 7; r.Add(v != 0 ? (byte)(b | 0x80) : b); } while (v != 0);
        return [.. r];
    }
}
