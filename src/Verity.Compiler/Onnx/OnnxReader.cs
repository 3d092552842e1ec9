using System.Buffers.Binary;

namespace Verity.Compiler.Onnx;

/// <summary>Parses ONNX ModelProto bytes into <see cref="OnnxModel"/>.</summary>
public static class OnnxReader
{
    public static OnnxModel Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"ONNX file not found: {path}", path);
        return Parse(File.ReadAllBytes(path));
    }

    public static OnnxModel Parse(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length == 0) throw new OnnxFormatException("ONNX file is empty");
        long opset = -1;
        OnnxModel? graph = null;
        var r = new ProtoReader(bytes);
        while (r.Next(out int f, out int w))
        {
            if (f == 8 && w == 2) opset = Math.Max(opset, ReadOpset(r.ReadBytes()));
            else if (f == 7 && w == 2) graph = ReadGraph(r.ReadBytes());
            else r.Skip(w);
        }
        if (graph is null) throw new OnnxFormatException("not an ONNX model: no graph found");
        if (opset < 0) throw new OnnxFormatException("not an ONNX model: no default-domain opset_import");
        return graph with { OpsetVersion = opset };
    }

    private static long ReadOpset(ReadOnlySpan<byte> b)
    {
        string domain = ""; long version = 0;
        var r = new ProtoReader(b);
        while (r.Next(out int f, out int w))
        {
            if (f == 1 && w == 2) domain = r.ReadString();
            else if (f == 2 && w == 0) version = r.ReadInt64();
            else r.Skip(w);
        }
        return domain is "" or "ai.onnx" ? version : -1;
    }

    private static OnnxModel ReadGraph(ReadOnlySpan<byte> b)
    {
        var nodes = new List<OnnxNode>();
        var inits = new Dictionary<string, OnnxTensor>();
        var inputs = new List<OnnxValueInfo>();
        var outputs = new List<OnnxValueInfo>();
        var r = new ProtoReader(b);
        while (r.Next(out int f, out int w))
        {
            switch (f)
            {
                case 1 when w == 2: nodes.Add(ReadNode(r.ReadBytes())); break;
                case 5 when w == 2: var t = ReadTensor(r.ReadBytes()); inits[t.Name] = t; break;
                case 11 when w == 2: inputs.Add(ReadValueInfo(r.ReadBytes())); break;
                case 12 when w == 2: outputs.Add(ReadValueInfo(r.ReadBytes())); break;
                default: r.Skip(w); break;
            }
        }
        // Older exporters list initializers among the inputs; those are not runtime inputs.
        inputs.RemoveAll(i => inits.ContainsKey(i.Name));
        return new OnnxModel(0, nodes, inits, inputs, outputs);
    }

    private static OnnxNode ReadNode(ReadOnlySpan<byte> b)
    {
        var ins = new List<string>(); var outs = new List<string>();
        string name = "", op = "", domain = "";
        var attrs = new Dictionary<string, OnnxAttribute>();
        var r = new ProtoReader(b);
        while (r.Next(out int f, out int w))
        {
            switch (f)
            {
                case 1 when w == 2: ins.Add(r.ReadString()); break;
                case 2 when w == 2: outs.Add(r.ReadString()); break;
                case 3 when w == 2: name = r.ReadString(); break;
                case 4 when w == 2: op = r.ReadString(); break;
                case 7 when w == 2: domain = r.ReadString(); break;
                case 5 when w == 2: var a = ReadAttribute(r.ReadBytes()); attrs[a.Name] = a; break;
                default: r.Skip(w); break;
            }
        }
        if (op.Length == 0) throw new OnnxFormatException($"node '{name}' has no op_type");
        if (name.Length == 0) name = $"{op}_{(outs.Count > 0 ? outs[0] : "?")}";
        return new OnnxNode(name, op, domain, [.. ins], [.. outs], attrs);
    }

    private static OnnxAttribute ReadAttribute(ReadOnlySpan<byte> b)
    {
        string name = "", s = ""; float fv = 0; long iv = 0; OnnxTensor? t = null;
        var floats = new List<float>(); var ints = new List<long>();
        int type = 0; bool sawStrings = false, sawGraph = false;
        var r = new ProtoReader(b);
        while (r.Next(out int f, out int w))
        {
            switch (f)
            {
                case 1 when w == 2: name = r.ReadString(); break;
                case 2 when w == 5: fv = r.ReadFloat(); if (type == 0) type = 1; break;
                case 3 when w == 0: iv = r.ReadInt64(); if (type == 0) type = 2; break;
                case 4 when w == 2: s = r.ReadString(); if (type == 0) type = 3; break;
                case 5 when w == 2: t = ReadTensor(r.ReadBytes()); if (type == 0) type = 4; break;
                case 6 when w == 2: r.Skip(w); sawGraph = true; break;
                case 7: r.ReadFloats(w, floats); break;
                case 8: r.ReadInt64s(w, ints); break;
                case 9 when w == 2: r.Skip(w); sawStrings = true; break;
                case 20 when w == 0: type = (int)r.ReadInt64(); break;
                default: r.Skip(w); break;
            }
        }
        if (sawGraph) type = 5;
        else if (sawStrings) type = 8;
        else if (ints.Count > 0) type = 7;
        else if (floats.Count > 0) type = 6;
        return new OnnxAttribute(name, (OnnxAttributeKind)type, fv, iv, s, t, [.. floats], [.. ints]);
    }

    private static OnnxValueInfo ReadValueInfo(ReadOnlySpan<byte> b)
    {
        string name = ""; var elem = OnnxDataType.Undefined; var shape = new List<long?>();
        var r = new ProtoReader(b);
        while (r.Next(out int f, out int w))
        {
            if (f == 1 && w == 2) name = r.ReadString();
            else if (f == 2 && w == 2)
            {
                var tr = new ProtoReader(r.ReadBytes());
                while (tr.Next(out int tf, out int tw))
                {
                    if (tf != 1 || tw != 2) { tr.Skip(tw); continue; }
                    var tt = new ProtoReader(tr.ReadBytes());
                    while (tt.Next(out int ef, out int ew))
                    {
                        if (ef == 1 && ew == 0) elem = (OnnxDataType)tt.ReadInt64();
                        else if (ef == 2 && ew == 2)
                        {
                            var sr = new ProtoReader(tt.ReadBytes());
                            while (sr.Next(out int sf, out int sw))
                            {
                                if (sf != 1 || sw != 2) { sr.Skip(sw); continue; }
                                long? dim = null;
                                var dr = new ProtoReader(sr.ReadBytes());
                                while (dr.Next(out int df, out int dw))
                                {
                                    if (df == 1 && dw == 0) dim = dr.ReadInt64(); else dr.Skip(dw);
                                }
                                shape.Add(dim);
                            }
                        }
                        else tt.Skip(ew);
                    }
                }
            }
            else r.Skip(w);
        }
        return new OnnxValueInfo(name, elem, [.. shape]);
    }

    internal static OnnxTensor ReadTensor(ReadOnlySpan<byte> b)
    {
        var dims = new List<long>(); var floats = new List<float>(); var longs = new List<long>();
        var dt = OnnxDataType.Undefined; string name = ""; ReadOnlySpan<byte> raw = default; bool hasRaw = false, external = false;
        var r = new ProtoReader(b);
        while (r.Next(out int f, out int w))
        {
            switch (f)
            {
                case 1: r.ReadInt64s(w, dims); break;
                case 2 when w == 0: dt = (OnnxDataType)r.ReadInt64(); break;
                case 4: r.ReadFloats(w, floats); break;
                case 5: r.ReadInt64s(w, longs); break; // int32_data holds int32/int16/int8/uint8/bool as varints
                case 7: r.ReadInt64s(w, longs); break;
                case 8 when w == 2: name = r.ReadString(); break;
                case 9 when w == 2: raw = r.ReadBytes(); hasRaw = true; break;
                case 13 when w == 2: r.Skip(w); external = true; break;
                default: r.Skip(w); break;
            }
        }
        if (external) throw new OnnxFormatException($"tensor '{name}' uses external data, which Verity does not read");
        long count = dims.Aggregate(1L, (a, d) => d < 0 ? throw new OnnxFormatException($"tensor '{name}' has negative dim {d}") : a * d);
        if (count > int.MaxValue) throw new OnnxFormatException($"tensor '{name}' has {count} elements, too many");
        switch (dt)
        {
            case OnnxDataType.Float:
                float[] fl = hasRaw ? DecodeRaw(raw, (int)count, 4, name, s => BinaryPrimitives.ReadSingleLittleEndian(s)) : [.. floats];
                if (fl.Length != count) throw new OnnxFormatException($"tensor '{name}' declares {count} elements but holds {fl.Length}");
                return new OnnxTensor(name, dt, [.. dims], fl, null);
            case OnnxDataType.Int64 or OnnxDataType.Int32 or OnnxDataType.Int8 or OnnxDataType.UInt8 or OnnxDataType.Bool or OnnxDataType.Int16:
                long[] lo = !hasRaw ? [.. longs] : dt switch
                {
                    OnnxDataType.Int64 => DecodeRaw(raw, (int)count, 8, name, s => BinaryPrimitives.ReadInt64LittleEndian(s)),
                    OnnxDataType.Int32 => DecodeRaw(raw, (int)count, 4, name, s => (long)BinaryPrimitives.ReadInt32LittleEndian(s)),
                    OnnxDataType.Int16 => DecodeRaw(raw, (int)count, 2, name, s => (long)BinaryPrimitives.ReadInt16LittleEndian(s)),
                    OnnxDataType.Int8 => DecodeRaw(raw, (int)count, 1, name, s => (long)(sbyte)s[0]),
                    _ => DecodeRaw(raw, (int)count, 1, name, s => (long)s[0]),
                };
                if (lo.Length != count) throw new OnnxFormatException($"tensor '{name}' declares {count} elements but holds {lo.Length}");
                return new OnnxTensor(name, dt, [.. dims], null, lo);
            default:
                throw new OnnxFormatException($"tensor '{name}' has data type {dt}, which Verity does not read (float and integer types only)");
        }
    }

    private delegate T Decode<T>(ReadOnlySpan<byte> s);

    private static T[] DecodeRaw<T>(ReadOnlySpan<byte> raw, int count, int size, string name, Decode<T> decode)
    {
        if (raw.Length != (long)count * size)
            throw new OnnxFormatException($"tensor '{name}' raw_data has {raw.Length} bytes, expected {(long)count * size}");
        var result = new T[count];
        for (int i = 0; i < count; i++) result[i] = decode(raw.Slice(i * size, size));
        return result;
    }
}
