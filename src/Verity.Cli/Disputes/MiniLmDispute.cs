using Verity.Chain.Dispute;
using Verity.Cli.Models;
using Verity.Commitments;
using Verity.Engine;
using Verity.Engine.Format;
using Verity.Engine.Ops;
using Verity.Engine.Tensors;
using Verity.Node;

namespace Verity.Cli.Disputes;

/// <summary>
/// The compiled all-MiniLM-L6-v2 (compiled on first use and cached in .cache/models), one real input, its honest
/// execution, and cheating executions: one element of one op's output changed, every later op recomputed honestly
/// from it (as a cheater would), so that the first differing op is the corrupted one.
/// </summary>
public sealed class MiniLmDispute
{
    private static readonly Lazy<MiniLmDispute> Shared = new(() => new MiniLmDispute());
    public static MiniLmDispute Instance => Shared.Value;

    /// <summary>[CLS] the quick brown fox jumps [SEP] as WordPiece ids.</summary>
    public static readonly int[] TokenIds = [101, 1996, 4248, 2829, 4419, 14523, 102];

    private MiniLmDispute()
    {
        var loaded = new ModelStore(ModelFiles.Default(), _ => { }).Load("minilm");
        Model = loaded.Model;
        Id = loaded.Id;
        Input = IntTensor.FromInts(DType.I32, [1, TokenIds.Length], TokenIds);
        var run = new Executor(Model).Run([Input], keepValues: true);
        Values = run.Values!;
        Dispute = DisputeModels.Build(Model);
        if (Dispute.WeightsRoot != loaded.WeightsRoot) throw new InvalidOperationException("weights root mismatch");
        Honest = TraceOf(Values);
        if (Honest.Root != run.TraceRoot) throw new InvalidOperationException("trace root mismatch");
        for (var i = 0; i < Model.Ops.Length; i++) // the length rules, fitted at 1 and 2 tokens, hold at 7
            if (Dispute.LengthOf(i, InputBytes.Length) != Honest.Outputs[i].Length) throw new InvalidOperationException($"op {i}: length rule fails");
    }

    public VModel Model { get; }
    public Hash256 Id { get; }
    public DisputeModel Dispute { get; }
    public IntTensor Input { get; }
    public IntTensor[] Values { get; }
    public DisputeTrace Honest { get; }
    public byte[] InputBytes => Input.Bytes.ToArray();
    public byte[] HonestOutput => Values[Model.OutputIds[0]].Bytes.ToArray();

    /// <summary>The first op of <paramref name="kind"/> (docs/OPS.md §5) matching <paramref name="where"/>.</summary>
    public int FindOp(int kind, Func<byte[], bool>? where = null) =>
        Enumerable.Range(0, Model.Ops.Length).First(i => Dispute.KindOf(i) == kind && (where?.Invoke(Dispute.Encodings[i]) ?? true));

    public DisputeTrace TraceOf(IntTensor[] values) =>
        new(Input.Bytes.ToArray(), [.. Enumerable.Range(0, Model.Ops.Length).Select(i => values[Model.Inputs.Length + i].Bytes.ToArray())]);

    /// <summary>A cheater's execution: element <paramref name="element"/> of op <paramref name="op"/>'s output moved by
    /// one, the rest of the model rerun from it. Returns the trace and the output the cheater would post.</summary>
    public (DisputeTrace Trace, byte[] Output) Cheat(int op, int element)
    {
        int nIn = Model.Inputs.Length;
        var values = (IntTensor[])Values.Clone();
        var bad = values[nIn + op];
        bad = new IntTensor(bad.Type, bad.Shape, bad.Bytes.ToArray());
        int v = bad.Get(element);
        bad.Set(element, v < bad.Type.Max() ? v + 1 : v - 1);
        values[nIn + op] = bad;
        Executor.ReexecuteFrom(Model, values, op + 1);
        return (TraceOf(values), values[Model.OutputIds[0]].Bytes.ToArray());
    }

    /// <summary>The gas bench's dispute: a cheater changed one element of a fused residual-add LayerNorm output (MiniLM's heaviest one-step).</summary>
    public DisputeScenario LayerNormCheat()
    {
        var (cheat, output) = Cheat(FindOp(7, e => OpHeader.Parse(e).Inputs.Length == 2), 700);
        return new DisputeScenario(Id, Dispute, InputBytes, Honest, cheat, output);
    }
}
