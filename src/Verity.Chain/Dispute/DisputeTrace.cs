using Verity.Commitments;

namespace Verity.Chain.Dispute;

/// <summary>What a dispute needs of a model, engine-free: each op's canonical encoding (docs/OPS.md §4), in
/// execution order, and the number of graph inputs. Parameter roots and the weights root follow docs/VMODEL.md.</summary>
public sealed class DisputeModel
{
    public DisputeModel(IReadOnlyList<byte[]> opEncodings, int inputCount)
    {
        if (opEncodings.Count == 0) throw new ArgumentException("a model has at least one op", nameof(opEncodings));
        Encodings = opEncodings;
        InputCount = inputCount;
        ParamRoots = [.. opEncodings.Select(e => TensorCommitment.Root(e))];
        WeightsRoot = TraceRoot.Compute(ParamRoots);
    }

    public IReadOnlyList<byte[]> Encodings { get; }
    public int InputCount { get; }
    public int OpCount => Encodings.Count;
    public Hash256[] ParamRoots { get; }
    public Hash256 WeightsRoot { get; }

    /// <summary>The op kind (docs/OPS.md §5) of op <paramref name="op"/>.</summary>
    public int KindOf(int op) => Encodings[op][0];

    /// <summary>The output dtype code of op <paramref name="op"/> (1 = I8, 2 = I16, 3 = I32).</summary>
    public int DtypeOf(int op) => OpHeader.Parse(Encodings[op]).Dtype;
}

/// <summary>One party's claimed execution: every op's output bytes, in execution order (honest or not).</summary>
public sealed class DisputeTrace
{
    public DisputeTrace(IReadOnlyList<byte[]> opOutputs)
    {
        Outputs = opOutputs;
        OpRoots = [.. opOutputs.Select(o => TensorCommitment.Root(o))];
        Root = TraceRoot.Compute(OpRoots);
        LeafHashes = [.. OpRoots.Select(r => TraceRoot.LeafHash(r))];
    }

    public IReadOnlyList<byte[]> Outputs { get; }
    public Hash256[] OpRoots { get; }
    public Hash256[] LeafHashes { get; }
    public Hash256 Root { get; }
}

/// <summary>The header of an op's encoding: kind U8, name Str, output dtype U8, input ids I32s; then the parameters
/// from <see cref="P0"/> (docs/OPS.md §4).</summary>
public readonly record struct OpHeader(int Kind, int Dtype, int[] Inputs, int P0)
{
    public static OpHeader Parse(ReadOnlySpan<byte> e)
    {
        int nameLen = BitConverter.ToInt32(e[1..]);
        int dtype = e[5 + nameLen];
        int n = BitConverter.ToInt32(e[(6 + nameLen)..]);
        var inputs = new int[n];
        for (var i = 0; i < n; i++) inputs[i] = BitConverter.ToInt32(e[(10 + nameLen + 4 * i)..]);
        return new OpHeader(e[0], dtype, inputs, 10 + nameLen + 4 * n);
    }

    public int OutBytes => Dtype == 1 ? 1 : Dtype == 2 ? 2 : 4;
}

/// <summary>A real job to dispute, for the gas bench: a model, a job input, the honest execution and a cheating one
/// (with the output the cheater posts).</summary>
public sealed record DisputeScenario(Hash256 ModelId, DisputeModel Model, byte[] Input, DisputeTrace Honest,
    DisputeTrace Cheat, byte[] CheatOutput);
