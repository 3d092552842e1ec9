using Verity.Chain.Dispute;
using Verity.Engine;
using Verity.Engine.Format;
using Verity.Engine.Ops;
using Verity.Engine.Tensors;

namespace Verity.Node;

/// <summary>Builds what the dispute game needs of a compiled model (op encodings, output op, length rules) from
/// the model alone: the length rules are fitted from two runs on zero inputs, one and two units long in the input's
/// dynamic dimension (one run when the input's shape is fixed).</summary>
public static class DisputeModels
{
    public static DisputeModel Build(VModel model)
    {
        var spec = model.Inputs.Length == 1 ? model.Inputs[0]
            : throw new ArgumentException($"model '{model.Name}' has {model.Inputs.Length} graph inputs; jobs carry one");
        bool dynamic = spec.Shape.Any(d => d < 0);
        var (len1, lengths1, aux1) = Measure(model, spec, 1);
        var (len2, lengths2, aux2) = dynamic ? Measure(model, spec, 2) : (len1 + 1, lengths1, aux1);
        if (!aux1.SequenceEqual(aux2))
            throw new ArgumentException($"model '{model.Name}': an op's aux number (inner size, width) depends on the input length");
        int dtype = spec.Type switch { DType.I8 => 1, DType.I16 => 2, _ => 3 };
        int nIn = model.Inputs.Length;
        return new DisputeModel([.. model.Ops.Select(o => o.Encode())], nIn, model.OutputIds[0] - nIn,
            DisputeModel.FitLengths(dtype, len1, lengths1, len2, lengths2, aux1));
    }

    private static (int InputLength, int[] Lengths, int[] Aux) Measure(VModel model, ModelValue spec, int free)
    {
        int[] shape = [.. spec.Shape.Select(d => d < 0 ? free : d)];
        var input = new IntTensor(spec.Type, shape);
        var values = new Executor(model).Run([input], trace: false, keepValues: true).Values!;
        int nIn = model.Inputs.Length;
        int[] lengths = [.. Enumerable.Range(0, model.Ops.Length).Select(i => values[nIn + i].ByteLength)];
        int Inner(IntTensor x, int axis) => x.Shape[(axis + 1)..].Aggregate(1, (a, b) => a * b);
        int[] aux = [.. model.Ops.Select(o => o switch
        {
            ReduceMean r => Inner(values[o.Inputs[0]], r.Axis),
            Gather g => Inner(values[o.Inputs[0]], g.Axis),
            Conv2d => values[o.Inputs[0]].Shape[3],
            Pool2d => values[o.Inputs[0]].Shape[2] << 16 | values[o.Inputs[0]].Shape[3],
            _ => 0,
        })];
        return (input.ByteLength, lengths, aux);
    }
}
