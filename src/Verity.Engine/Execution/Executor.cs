using Verity.Commitments;
using Verity.Engine.Format;
using Verity.Engine.Ops;
using Verity.Engine.Tensors;

namespace Verity.Engine;

/// <summary>What one execution produced: outputs, per-op output roots in execution order, and the trace root.</summary>
public sealed record RunResult(IntTensor[] Outputs, Hash256[] OpRoots, Hash256 TraceRoot, IntTensor[]? Values);

/// <summary>Runs a <see cref="VModel"/>; buffers are reused across runs, so one executor serves one caller at a time.</summary>
public sealed class Executor(VModel model, int threads = 1, bool reference = false)
{
    private readonly Workspace _ws = new(threads);
    private readonly IntTensor?[] _slots = new IntTensor?[model.Inputs.Length + model.Ops.Length];

    public VModel Model => model;

    /// <summary>Executes every op; with <paramref name="trace"/> commits every op output; with keepValues returns all values.</summary>
    public RunResult Run(IReadOnlyList<IntTensor> inputs, bool trace = true, bool keepValues = false)
    {
        CheckInputs(inputs);
        int nIn = model.Inputs.Length;
        var values = new IntTensor[nIn + model.Ops.Length];
        for (int i = 0; i < nIn; i++) values[i] = inputs[i];
        var roots = trace ? new Hash256[model.Ops.Length] : [];
        var args = new List<IntTensor>(4);
        for (int i = 0; i < model.Ops.Length; i++)
        {
            var op = model.Ops[i];
            args.Clear();
            foreach (int v in op.Inputs) args.Add(values[v]);
            int[] shape = op.OutputShape(args);
            IntTensor output;
            if (op.IsView) output = new IntTensor(op.OutType, shape, args[0].Buffer);
            else
            {
                output = keepValues ? new IntTensor(op.OutType, shape) : Slot(nIn + i, op.OutType, shape);
                if (reference) op.Reference(args, output); else op.Fast(args, output, _ws);
            }
            values[nIn + i] = output;
            if (trace)
                roots[i] = op.IsView && op.Inputs[0] >= nIn ? roots[op.Inputs[0] - nIn] : TensorCommitment.Root(output.Bytes, 1);
        }
        var outs = model.OutputIds.Select(v => Copy(values[v])).ToArray();
        var traceRoot = trace ? TraceRoot.Compute(roots) : default;
        return new RunResult(outs, roots, traceRoot, keepValues ? values : null);
    }

    /// <summary>Re-executes op <paramref name="opIndex"/> alone, with the reference implementation, from given input values.</summary>
    public static IntTensor ExecuteOne(VModel model, int opIndex, IReadOnlyList<IntTensor> inputs)
    {
        var op = model.Ops[opIndex];
        var output = new IntTensor(op.OutType, op.OutputShape(inputs));
        op.Reference(inputs, output);
        return output;
    }

    /// <summary>
    /// Recomputes every op from <paramref name="firstOp"/> on with the reference path, reading and writing
    /// <paramref name="values"/> (value ids as in <see cref="VModel"/>; views share their input's buffer): what a
    /// party does after changing one value, e.g. to build the trace a cheater would commit to.
    /// </summary>
    public static void ReexecuteFrom(VModel model, IntTensor[] values, int firstOp)
    {
        int nIn = model.Inputs.Length;
        for (int i = firstOp; i < model.Ops.Length; i++)
        {
            var op = model.Ops[i];
            var args = op.Inputs.Select(v => values[v]).ToList();
            values[nIn + i] = op.IsView ? new IntTensor(op.OutType, op.OutputShape(args), args[0].Buffer) : ExecuteOne(model, i, args);
        }
    }

    private IntTensor Slot(int id, DType type, int[] shape)
    {
        var s = _slots[id];
        int bytes = IntTensor.ElementCount(shape) * type.Size();
        if (s is not null && s.Type == type && s.Buffer.Length >= bytes) return _slots[id] = new IntTensor(type, shape, s.Buffer);
        return (_slots[id] = new IntTensor(type, shape))!;
    }

    private static IntTensor Copy(IntTensor t) => new(t.Type, (int[])t.Shape.Clone(), t.Bytes.ToArray());

    private void CheckInputs(IReadOnlyList<IntTensor> inputs)
    {
        if (inputs.Count != model.Inputs.Length)
            throw new ArgumentException($"model '{model.Name}' takes {model.Inputs.Length} input(s), got {inputs.Count}");
        for (int i = 0; i < inputs.Count; i++)
        {
            var want = model.Inputs[i]; var got = inputs[i];
            if (got.Type != want.Type) throw new ArgumentException($"input '{want.Name}' must be {want.Type}, got {got.Type}");
            bool shapeOk = got.Shape.Length == want.Shape.Length && got.Shape.Zip(want.Shape).All(p => p.Second == -1 ? p.First >= 1 : p.First == p.Second);
            if (!shapeOk) throw new ArgumentException($"input '{want.Name}' must have shape [{string.Join(",", want.Shape)}] (−1 = any), got [{string.Join(",", got.Shape)}]");
            int max = got.Type.Max();
            for (int k = 0; k < got.Length; k++)
                if (got.Get(k) > max || got.Get(k) < -max) throw new ArgumentException($"input '{want.Name}' element {k} = {got.Get(k)} is outside ±{max}");
        }
    }
}
