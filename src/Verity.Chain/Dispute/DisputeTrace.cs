using Verity.Commitments;

namespace Verity.Chain.Dispute;

/// <summary>What a dispute needs of a model, engine-free: each op's canonical encoding (docs/OPS.md §4), in
/// execution order, the number of graph inputs, and the op whose output is the job's output. Parameter roots and the
/// weights root follow docs/VMODEL.md.</summary>
public sealed class DisputeModel
{
    /// <param name="lengths">The model's length rules (<see cref="FitLengths"/>): for each op four big-endian
    /// uint32 (num, den, add, aux), its output length being num·inputLength/den + add bytes; aux = for ReduceMean
    /// and Gather the product of the input's dimensions after the axis, for Conv2d the input's width, for the pools
    /// the input's height·2^16 + width, else 0; then one more rule for the graph input (record OpCount): its own
    /// length rule, aux = its dtype code (the one-step proves a graph-input operand chunk by chunk against the job's
    /// input root, reading its length and dtype from here).</param>
    public DisputeModel(IReadOnlyList<byte[]> opEncodings, int inputCount, int outputOp, byte[] lengths)
    {
        if (lengths.Length != RuleBytes * (opEncodings.Count + 1)) throw new ArgumentException("one 16-byte length rule per op and one for the graph input", nameof(lengths));
        Lengths = lengths;
        LengthsHash = new Hash256(Nethereum.Util.Sha3Keccack.Current.CalculateHash(lengths));
        if (opEncodings.Count == 0) throw new ArgumentException("a model has at least one op", nameof(opEncodings));
        if (outputOp < 0 || outputOp >= opEncodings.Count) throw new ArgumentOutOfRangeException(nameof(outputOp), outputOp, "not an op");
        Encodings = opEncodings;
        InputCount = inputCount;
        OutputOp = outputOp;
        ParamRoots = [.. opEncodings.Select(e => TensorCommitment.Root(e))];
        WeightsRoot = TraceRoot.Compute(ParamRoots);
    }

    public IReadOnlyList<byte[]> Encodings { get; }
    public int InputCount { get; }
    public int OutputOp { get; }
    public byte[] Lengths { get; }
    /// <summary>keccak-256 of <see cref="Lengths"/>, as <c>DisputeGame.setShape</c> registers it.</summary>
    public Hash256 LengthsHash { get; }
    public int OpCount => Encodings.Count;
    public Hash256[] ParamRoots { get; }
    public Hash256 WeightsRoot { get; }

    /// <summary>The length rules of a model whose op output lengths are affine in the job input's length, fitted
    /// from two runs (input lengths <paramref name="input1"/> ≠ <paramref name="input2"/>, each op's output lengths).
    /// Throws if a rule is not exact at both points. The last rule is the graph input's (dtype code
    /// <paramref name="inputDtype"/>): fixed at <paramref name="input1"/> bytes when no op's length depends on the
    /// input's, else the input's own length.</summary>
    public static byte[] FitLengths(int inputDtype, int input1, IReadOnlyList<int> lengths1, int input2, IReadOnlyList<int> lengths2,
        IReadOnlyList<int>? inner = null)
    {
        if (inputDtype is < 1 or > 3) throw new ArgumentOutOfRangeException(nameof(inputDtype), inputDtype, "not a dtype code");
        var rules = new byte[RuleBytes * (lengths1.Count + 1)];
        bool fixedInput = Enumerable.Range(0, lengths1.Count).All(i => lengths1[i] == lengths2[i]);
        for (var i = 0; i <= lengths1.Count; i++)
        {
            if (i == lengths1.Count)
            {
                System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(rules.AsSpan(RuleBytes * i), fixedInput ? 0u : 1u);
                System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(rules.AsSpan(RuleBytes * i + 4), 1u);
                System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(rules.AsSpan(RuleBytes * i + 8), fixedInput ? checked((uint)input1) : 0u);
                System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(rules.AsSpan(RuleBytes * i + 12), (uint)inputDtype);
                break;
            }
            long num = lengths2[i] - lengths1[i], den = input2 - input1;
            if (num < 0 || den <= 0 || num * input1 % den != 0) throw new ArgumentException($"op {i}: output length is not affine in the input length");
            long add = lengths1[i] - num * input1 / den;
            if (add < 0) throw new ArgumentException($"op {i}: negative constant term");
            if (num == 0) den = 1;
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(rules.AsSpan(RuleBytes * i), checked((uint)num));
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(rules.AsSpan(RuleBytes * i + 4), checked((uint)den));
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(rules.AsSpan(RuleBytes * i + 8), checked((uint)add));
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(rules.AsSpan(RuleBytes * i + 12), checked((uint)(inner?[i] ?? 0)));
        }
        return rules;
    }

    /// <summary>The graph input's dtype code (aux of its rule).</summary>
    public int InputDtype => InnerOf(OpCount);

    /// <summary>Op <paramref name="op"/>'s output length (or the graph input's, op = <see cref="OpCount"/>) for a job input of <paramref name="inputLength"/> bytes.</summary>
    public long LengthOf(int op, int inputLength)
    {
        var r = Lengths.AsSpan(RuleBytes * op);
        uint num = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(r), den = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(r[4..]),
            add = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(r[8..]);
        return num == 0 ? add : (long)num * inputLength / den + add;
    }

    /// <summary>Whether op <paramref name="op"/>'s output length depends on the job input's length (its rule has num ≠ 0).</summary>
    public bool LengthDependsOnInput(int op) => System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(Lengths.AsSpan(RuleBytes * op)) != 0;

    /// <summary>Op <paramref name="op"/>'s registered aux number: the inner size (ReduceMean, Gather), the input width
    /// (Conv2d), the input height·2^16 + width (MaxPool2d, AvgPool2d); else 0.</summary>
    public int InnerOf(int op) => checked((int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(Lengths.AsSpan(RuleBytes * op + 12)));

    /// <summary>Bytes per op in <see cref="Lengths"/>.</summary>
    public const int RuleBytes = 16;

    /// <summary>The op kind (docs/OPS.md §5) of op <paramref name="op"/>.</summary>
    public int KindOf(int op) => Encodings[op][0];

    /// <summary>The output dtype code of op <paramref name="op"/> (1 = I8, 2 = I16, 3 = I32).</summary>
    public int DtypeOf(int op) => OpHeader.Parse(Encodings[op]).Dtype;
}

/// <summary>One party's claimed execution: the job's input bytes and every op's output bytes, in execution order
/// (honest or not).</summary>
public sealed class DisputeTrace
{
    public DisputeTrace(byte[] input, IReadOnlyList<byte[]> opOutputs)
    {
        Input = input;
        Outputs = opOutputs;
        OpRoots = [.. opOutputs.Select(o => TensorCommitment.Root(o))];
        Root = TraceRoot.Compute(OpRoots);
        LeafHashes = [.. OpRoots.Select(r => TraceRoot.LeafHash(r))];
    }

    private DisputeTrace(byte[] input, IReadOnlyList<byte[]> opOutputs, Hash256[] opRoots)
    {
        if (opRoots.Length != opOutputs.Count) throw new ArgumentException("one root per op", nameof(opRoots));
        Input = input;
        Outputs = opOutputs;
        OpRoots = opRoots;
        Root = TraceRoot.Compute(OpRoots);
        LeafHashes = [.. OpRoots.Select(r => TraceRoot.LeafHash(r))];
    }

    /// <summary>The job's input bytes (the graph input, for a one-input model).</summary>
    public byte[] Input { get; }
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
