using Verity.Chain;
using Verity.Chain.Dispute;
using Verity.Engine;
using Verity.Engine.Format;
using Verity.Engine.Ops;
using Verity.Engine.Tensors;

namespace Verity.Node;

/// <summary>The attacks a dishonest worker can be started with (docs/NODE.md, Dishonest workers): each a way a
/// worker on such a network saves work or forges results, each caught by re-execution and the dispute game.</summary>
public enum CheatStrategy
{
    /// <summary>Posts random bytes as the output (with a trace whose output op holds them).</summary>
    RandomOutput,
    /// <summary>Posts the output and trace of the first job it ran, for every later job of that model.</summary>
    ReusedOutput,
    /// <summary>Runs a different model: the registered one with one mid-network weight matrix perturbed.</summary>
    DifferentModel,
    /// <summary>Skips a block of ops: posts zeros for them and passes the block's input through as its output.</summary>
    SkippedLayers,
    /// <summary>Posts the correct output with a trace in which one middle op's output is wrong.</summary>
    WrongTrace,
    /// <summary>Changes one element of an op three quarters of the way through and runs the rest honestly from it.</summary>
    ChangedElement,
}

/// <summary>What a worker computes for a job: every value of the model's execution (graph input, then one per op),
/// honestly or by a <see cref="CheatStrategy"/>. Deterministic in (model, input, job), except
/// <see cref="CheatStrategy.ReusedOutput"/>, which remembers its first run per model in memory.</summary>
public sealed class Execution(CheatStrategy? cheat = null)
{
    private readonly Dictionary<VModel, IntTensor[]> _first = [];
    private readonly Dictionary<VModel, VModel> _perturbed = [];

    public CheatStrategy? Cheat => cheat;

    /// <summary>The trace this worker commits to for <paramref name="input"/> (canonical bytes, docs/VMODEL.md).</summary>
    public DisputeTrace Trace(VModel model, byte[] input, JobId job)
    {
        var values = Values(model, Decode(model, input), job);
        int nIn = model.Inputs.Length;
        return new DisputeTrace(input, [.. Enumerable.Range(0, model.Ops.Length).Select(i => values[nIn + i].Bytes.ToArray())]);
    }

    /// <summary>The input bytes as the model's single graph input (canonical encoding, docs/VMODEL.md): its declared
    /// type and shape, the one dynamic dimension (−1) taken from the byte count.</summary>
    public static IntTensor Decode(VModel model, byte[] input)
    {
        if (model.Inputs.Length != 1)
            throw new ArgumentException($"model '{model.Name}' has {model.Inputs.Length} graph inputs; jobs carry one");
        var spec = model.Inputs[0];
        int size = spec.Type.Size();
        int known = spec.Shape.Where(d => d >= 0).Aggregate(1, (a, b) => checked(a * b));
        int dynamic = spec.Shape.Count(d => d < 0);
        if (dynamic > 1 || input.Length % size != 0 || known == 0)
            throw new ArgumentException($"cannot shape {input.Length} bytes as {spec.Type}[{string.Join(", ", spec.Shape)}]");
        int elements = input.Length / size;
        int free = elements / known;
        if (free * known != elements || (dynamic == 0 && free != 1))
            throw new ArgumentException($"{input.Length} bytes do not fit {spec.Type}[{string.Join(", ", spec.Shape)}]");
        int[] shape = [.. spec.Shape.Select(d => d < 0 ? free : d)];
        return new IntTensor(spec.Type, shape, (byte[])input.Clone());
    }

    public IntTensor[] Values(VModel model, IntTensor input, JobId job)
    {
        if (cheat == CheatStrategy.DifferentModel)
        {
            if (!_perturbed.TryGetValue(model, out var other))
                _perturbed[model] = other = Perturb(model);
            return Run(other, input);
        }
        var values = Run(model, input);
        int nIn = model.Inputs.Length, n = model.Ops.Length;
        switch (cheat)
        {
            case CheatStrategy.RandomOutput:
            {
                var o = values[model.OutputIds[0]];
                var bytes = new byte[o.ByteLength];
                new Random((int)(job.Value ^ job.Value >> 32)).NextBytes(bytes);
                values[model.OutputIds[0]] = new IntTensor(o.Type, o.Shape, bytes);
                break;
            }
            case CheatStrategy.ReusedOutput:
                if (!_first.TryGetValue(model, out var first))
                    _first[model] = values;
                else
                    values = [input, .. first[nIn..]];
                break;
            case CheatStrategy.SkippedLayers:
            {
                var (from, to) = SkippedBlock(model, values);
                for (var i = from + 1; i < to; i++)
                    values[nIn + i] = new IntTensor(values[nIn + i].Type, values[nIn + i].Shape);
                values[nIn + to] = values[nIn + from];
                Executor.ReexecuteFrom(model, values, to + 1);
                break;
            }
            case CheatStrategy.WrongTrace:
            {
                var v = values[nIn + n / 2];
                values[nIn + n / 2] = new IntTensor(v.Type, v.Shape); // zeros; later ops keep their honest values
                break;
            }
            case CheatStrategy.ChangedElement:
            {
                int op = n * 3 / 4;
                var v = values[nIn + op];
                var bad = new IntTensor(v.Type, v.Shape, v.Bytes.ToArray());
                int e = bad.Length / 2, x = bad.Get(e);
                bad.Set(e, x < bad.Type.Max() ? x + 1 : x - 1);
                values[nIn + op] = bad;
                Executor.ReexecuteFrom(model, values, op + 1);
                break;
            }
        }
        return values;
    }

    private static IntTensor[] Run(VModel model, IntTensor input) => new Executor(model).Run([input], trace: false, keepValues: true).Values!;

    /// <summary>The block a layer-skipping cheater leaves out: from the op at or after the middle whose output has the
    /// same type and shape as an earlier op's at least three ops before it (a residual block's input and output).</summary>
    private static (int From, int To) SkippedBlock(VModel model, IntTensor[] values)
    {
        int nIn = model.Inputs.Length, n = model.Ops.Length;
        for (var to = n / 2; to < n; to++)
            for (var from = to - 3; from >= 0; from--)
                if (values[nIn + from].Type == values[nIn + to].Type && values[nIn + from].Shape.SequenceEqual(values[nIn + to].Shape))
                    return (from, to);
        throw new InvalidOperationException($"model '{model.Name}' has no block to skip");
    }

    /// <summary>The model with the middle Linear or Conv2d's weights perturbed (every 7th weight moved by one).</summary>
    private static VModel Perturb(VModel model)
    {
        var ops = (Op[])model.Ops.Clone();
        int i = Enumerable.Range(model.Ops.Length / 2, model.Ops.Length - model.Ops.Length / 2).Concat(Enumerable.Range(0, model.Ops.Length / 2))
            .First(k => model.Ops[k] is Linear or Conv2d);
        var copy = OpSet.Decode(ops[i].Encode());
        sbyte[] w = copy switch { Linear l => l.W, Conv2d c => c.W, _ => throw new InvalidOperationException() };
        for (var k = 0; k < w.Length; k += 7)
            w[k] = w[k] == sbyte.MaxValue ? (sbyte)(w[k] - 1) : (sbyte)(w[k] + 1);
        ops[i] = copy;
        return new VModel { Name = model.Name + "-perturbed", Meta = model.Meta, Inputs = model.Inputs, Ops = ops, OutputIds = model.OutputIds, Outputs = model.Outputs };
    }

    /// <summary>Parses a strategy name as the command line gives it (random-output, reused-output, …).</summary>
    public static CheatStrategy Parse(string name) =>
        Enum.GetValues<CheatStrategy>().FirstOrDefault(s => Name(s) == name, (CheatStrategy)(-1)) is var s && Enum.IsDefined(s) ? s
            : throw new ArgumentException($"unknown cheat strategy '{name}'; one of: {string.Join(", ", Enum.GetValues<CheatStrategy>().Select(Name))}");

    /// <summary>The command-line name of a strategy: kebab case.</summary>
    public static string Name(CheatStrategy s) =>
        string.Concat(s.ToString().Select((c, i) => char.IsUpper(c) && i > 0 ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
