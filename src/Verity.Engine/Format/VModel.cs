using System.Security.Cryptography;
using Verity.Commitments;
using Verity.Engine.Ops;
using Verity.Engine.Tensors;

namespace Verity.Engine.Format;

/// <summary>A graph input or output of a compiled model: name, type, shape (−1 = dynamic) and real-valued scale.</summary>
public sealed record ModelValue(string Name, DType Type, int[] Shape, double Scale);

/// <summary>
/// A compiled integer model (docs/VMODEL.md). File = body ‖ SHA-256(body); the model id is SHA-256(body).
/// The weights root is the Merkle root over the per-op parameter roots, in op order.
/// </summary>
public sealed class VModel
{
    public static ReadOnlySpan<byte> Magic => "VMODEL\0\u0001"u8;

    public required string Name { get; init; }
    /// <summary>Free-form metadata (source file hash, calibration set, preprocessing rules), committed with the model.</summary>
    public required IReadOnlyDictionary<string, string> Meta { get; init; }
    public required ModelValue[] Inputs { get; init; }
    public required Op[] Ops { get; init; }
    /// <summary>Output i is the value id OutputIds[i] described by Outputs[i].</summary>
    public required int[] OutputIds { get; init; }
    public required ModelValue[] Outputs { get; init; }

    /// <summary>Value ids: inputs are 0..Inputs.Length−1, op i produces Inputs.Length + i.</summary>
    public int ValueOfOp(int op) => Inputs.Length + op;

    public byte[] Serialize()
    {
        var w = new ParamWriter();
        w.Raw(Magic);
        w.I32(OpSet.Version);
        w.Str(Name);
        w.I32(Meta.Count);
        foreach (var (k, v) in Meta.OrderBy(p => p.Key, StringComparer.Ordinal)) { w.Str(k); w.Str(v); }
        WriteValues(w, Inputs);
        w.I32(Ops.Length);
        var roots = new Hash256[Ops.Length];
        for (int i = 0; i < Ops.Length; i++)
        {
            byte[] b = Ops[i].Encode();
            roots[i] = TensorCommitment.Root(b);
            w.Bytes(b);
        }
        w.I32s(OutputIds);
        WriteValues(w, Outputs);
        w.Raw(WeightsRoot(roots).ToArray());
        byte[] body = w.ToArray();
        return [.. body, .. SHA256.HashData(body)];
    }

    /// <summary>Root over every op's parameter commitment: what an on-chain one-step check proves parameters against.</summary>
    public Hash256 ComputeWeightsRoot() => WeightsRoot([.. Ops.Select(o => TensorCommitment.Root(o.Encode()))]);

    private static Hash256 WeightsRoot(Hash256[] opParamRoots) =>
        opParamRoots.Length == 0 ? Hash256.Of([]) : TraceRoot.Compute(opParamRoots);

    /// <summary>Parses and verifies a model: trailing hash, optional expected id, weights root and graph wiring.</summary>
    public static (VModel Model, Hash256 Id, Hash256 WeightsRoot) Load(ReadOnlySpan<byte> file, Hash256? expectedId = null)
    {
        if (file.Length < Magic.Length + 32 || !file[..Magic.Length].SequenceEqual(Magic))
            throw new InvalidDataException("not a .vmodel file (bad magic or too short)");
        var body = file[..^32];
        var id = Hash256.Of(body);
        var stored = new Hash256(file[^32..]);
        if (id != stored) throw new InvalidDataException($"model bytes do not match their hash: computed {id}, file says {stored}");
        if (expectedId is { } e && e != id) throw new InvalidDataException($"model id {id} is not the expected {e}");

        var r = new ParamReader(body);
        r.Raw(Magic.Length);
        int version = r.I32();
        if (version != OpSet.Version) throw new InvalidDataException($"model uses op set version {version}; this engine implements {OpSet.Version}");
        string name = r.Str();
        int metaCount = r.I32();
        if (metaCount < 0 || metaCount > 1024) throw new InvalidDataException($"bad metadata count {metaCount}");
        var meta = new Dictionary<string, string>();
        string? previous = null;
        for (int i = 0; i < metaCount; i++)
        {
            string key = r.Str();
            if (previous is not null && string.CompareOrdinal(previous, key) >= 0) throw new InvalidDataException($"metadata keys are not in strictly increasing ordinal order at '{key}'");
            meta[previous = key] = r.Str();
        }
        var inputs = ReadValues(ref r);
        int opCount = r.I32();
        if (opCount < 0 || opCount > 100_000 || (long)opCount * 4 > body.Length) throw new InvalidDataException($"bad op count {opCount}");
        var ops = new Op[opCount];
        var roots = new Hash256[opCount];
        for (int i = 0; i < opCount; i++)
        {
            var b = r.Bytes();
            roots[i] = TensorCommitment.Root(b);
            ops[i] = OpSet.Decode(b);
        }
        int[] outputIds = r.I32s();
        var outputs = ReadValues(ref r);
        var weightsRoot = new Hash256(r.Raw(32));
        if (!r.End) throw new InvalidDataException("trailing bytes after the model body");
        if (WeightsRoot(roots) != weightsRoot) throw new InvalidDataException("weights root does not match the op parameters");
        var model = new VModel { Name = name, Meta = meta, Inputs = inputs, Ops = ops, OutputIds = outputIds, Outputs = outputs };
        model.CheckWiring();
        return (model, id, weightsRoot);
    }

    public static (VModel Model, Hash256 Id, Hash256 WeightsRoot) Load(string path, Hash256? expectedId = null)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"model file not found: {path}", path);
        return Load(File.ReadAllBytes(path), expectedId);
    }

    private void CheckWiring()
    {
        for (int i = 0; i < Ops.Length; i++)
            foreach (int v in Ops[i].Inputs)
                if (v < 0 || v >= ValueOfOp(i)) throw new InvalidDataException($"op {i} '{Ops[i].Name}' reads value {v}, which is not defined before it");
        if (OutputIds.Length != Outputs.Length) throw new InvalidDataException("output ids and output descriptions differ in count");
        foreach (int v in OutputIds)
            if (v < 0 || v >= ValueOfOp(Ops.Length)) throw new InvalidDataException($"output value {v} does not exist");
    }

    private static void WriteValues(ParamWriter w, ModelValue[] values)
    {
        w.I32(values.Length);
        foreach (var v in values) { w.Str(v.Name); w.U8((byte)v.Type); w.I32s(v.Shape); w.F64(v.Scale); }
    }

    private static ModelValue[] ReadValues(ref ParamReader r)
    {
        int n = r.I32();
        if (n < 0 || n > 1024) throw new InvalidDataException($"bad value count {n}");
        var vs = new ModelValue[n];
        for (int i = 0; i < n; i++) vs[i] = new ModelValue(r.Str(), DTypes.Parse(r.U8()), r.I32s(), r.F64());
        return vs;
    }
}
