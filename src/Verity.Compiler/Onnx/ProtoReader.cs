namespace Verity.Compiler.Onnx;

/// <summary>Minimal protobuf wire-format reader: just enough to read ONNX files without generated code.</summary>
internal ref struct ProtoReader(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> _data = data;
    private int _pos;

    public bool End => _pos >= _data.Length;

    /// <summary>Reads the next field key; returns false at the end of the message.</summary>
    public bool Next(out int field, out int wireType)
    {
        if (End) { field = 0; wireType = 0; return false; }
        ulong key = ReadVarint();
        field = (int)(key >> 3);
        wireType = (int)(key & 7);
        if (field == 0) throw new OnnxFormatException($"invalid protobuf field number 0 at byte {_pos}");
        return true;
    }

    public ulong ReadVarint()
    {
        ulong result = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (_pos >= _data.Length) throw new OnnxFormatException("truncated varint (file cut short?)");
            byte b = _data[_pos++];
            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return result;
        }
        throw new OnnxFormatException($"varint longer than 10 bytes at byte {_pos}");
    }

    public long ReadInt64() => unchecked((long)ReadVarint());

    public ReadOnlySpan<byte> ReadBytes()
    {
        ulong len = ReadVarint();
        if (len > (ulong)(_data.Length - _pos))
            throw new OnnxFormatException($"length-delimited field of {len} bytes runs past the end of its message ({_data.Length - _pos} bytes left; file truncated?)");
        var s = _data.Slice(_pos, (int)len);
        _pos += (int)len;
        return s;
    }

    public string ReadString() => System.Text.Encoding.UTF8.GetString(ReadBytes());

    public uint ReadFixed32()
    {
        if (_data.Length - _pos < 4) throw new OnnxFormatException("truncated fixed32 field");
        uint v = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(_data[_pos..]);
        _pos += 4;
        return v;
    }

    public float ReadFloat() => BitConverter.UInt32BitsToSingle(ReadFixed32());

    public void Skip(int wireType)
    {
        switch (wireType)
        {
            case 0: ReadVarint(); break;
            case 1: if (_data.Length - _pos < 8) throw new OnnxFormatException("truncated fixed64 field"); _pos += 8; break;
            case 2: ReadBytes(); break;
            case 5: ReadFixed32(); break;
            default: throw new OnnxFormatException($"unsupported protobuf wire type {wireType} at byte {_pos}");
        }
    }

    /// <summary>Reads a repeated int64 field that may be packed (wire type 2) or not (wire type 0).</summary>
    public void ReadInt64s(int wireType, List<long> into)
    {
        if (wireType == 0) { into.Add(ReadInt64()); return; }
        var inner = new ProtoReader(ReadBytes());
        while (!inner.End) into.Add(inner.ReadInt64());
    }

    public void ReadFloats(int wireType, List<float> into)
    {
        if (wireType == 5) { into.Add(ReadFloat()); return; }
        var inner = new ProtoReader(ReadBytes());
        while (!inner.End) into.Add(inner.ReadFloat());
    }
}

/// <summary>The ONNX file is not valid protobuf or not a valid ONNX model.</summary>
public sealed class OnnxFormatException(string message) : Exception(message);
