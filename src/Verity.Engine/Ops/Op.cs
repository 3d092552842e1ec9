using Verity.Engine.Format;
using Verity.Engine.Tensors;

namespace Verity.Engine.Ops;

/// <summary>One integer op: inputs are value ids, the output is a new value; parameters are canonical bytes.</summary>
public abstract class Op
{
    public abstract OpKind Kind { get; }

    /// <summary>Name of the source node (for errors and explorers; not used in arithmetic).</summary>
    public required string Name { get; init; }

    public required int[] Inputs { get; init; }

    public required DType OutType { get; init; }

    /// <summary>Output shape for the given input shapes and types; throws with a clear message on a mismatch.</summary>
    public abstract int[] OutputShape(IReadOnlyList<IntTensor> inputs);

    /// <summary>The scalar reference implementation: reads like docs/OPS.md.</summary>
    public abstract void Reference(IReadOnlyList<IntTensor> inputs, IntTensor output);

    /// <summary>The fast path; must produce exactly the bits of <see cref="Reference"/>.</summary>
    public virtual void Fast(IReadOnlyList<IntTensor> inputs, IntTensor output, Workspace ws) => Reference(inputs, output);

    /// <summary>True when the output shares the input's bytes (no compute, same commitment).</summary>
    public virtual bool IsView => false;

    protected abstract void WriteParams(ParamWriter w);

    /// <summary>Canonical encoding of everything that defines this op.</summary>
    public byte[] Encode()
    {
        var w = new ParamWriter();
        w.U8((byte)Kind);
        w.Str(Name);
        w.U8((byte)OutType);
        w.I32s(Inputs);
        WriteParams(w);
        return w.ToArray();
    }

    protected static void Expect(bool ok, string name, string what)
    {
        if (!ok) throw new InvalidOperationException($"op '{name}': {what}");
    }

    protected static string S(IEnumerable<int> shape) => "[" + string.Join(",", shape) + "]";
}
