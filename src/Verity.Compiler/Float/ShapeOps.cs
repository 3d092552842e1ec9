using Verity.Compiler.Onnx;

namespace Verity.Compiler.Float;

/// <summary>Ops that move data without arithmetic: Constant, Shape, Reshape, Unsqueeze, Transpose, Concat, Split, Gather, Slice.</summary>
internal static class ShapeOps
{
    public static FloatTensor Constant(OpContext ctx)
    {
        var attrs = ctx.Node.Attributes;
        if (attrs.TryGetValue("value", out var v) && v.T is { } t) return FloatTensor.FromOnnx(t);
        if (attrs.ContainsKey("value_float")) return FloatTensor.Scalar(ctx.Float("value_float", 0));
        if (attrs.ContainsKey("value_int")) return FloatTensor.Scalar(ctx.Int("value_int", 0));
        if (attrs.TryGetValue("value_floats", out var fs)) return FloatTensor.FromFloats([fs.Floats.Length], fs.Floats);
        if (attrs.TryGetValue("value_ints", out var ls)) return FloatTensor.FromLongs([ls.Ints.Length], ls.Ints);
        throw ctx.Unsupported($"attributes [{string.Join(", ", attrs.Keys)}] are not supported (value, value_float(s), value_int(s) are)");
    }

    /// <summary>Shape, with the opset-15 start/end attributes (clamped like Slice).</summary>
    public static FloatTensor Shape(OpContext ctx)
    {
        var shape = ctx.Input(0).Shape;
        int rank = shape.Length;
        int start = ClampAxis(ctx.Int("start", 0), rank), end = ClampAxis(ctx.Int("end", rank), rank);
        var dims = new long[Math.Max(0, end - start)];
        for (int i = 0; i < dims.Length; i++) dims[i] = shape[start + i];
        return FloatTensor.FromLongs([dims.Length], dims);
    }

    /// <summary>Reshape: 0 copies the input dim (unless allowzero=1), -1 is inferred from the element count.</summary>
    public static FloatTensor Reshape(OpContext ctx)
    {
        var x = ctx.Input(0);
        long[] spec = ctx.Input(1).LongData;
        bool allowZero = ctx.Int("allowzero", 0) != 0;
        var shape = new int[spec.Length];
        int infer = -1, known = 1;
        for (int i = 0; i < spec.Length; i++)
        {
            long s = spec[i];
            if (s == -1)
            {
                if (infer >= 0) throw new ArgumentException($"shape [{string.Join(",", spec)}] has more than one -1");
                infer = i;
                continue;
            }
            if (s == 0 && !allowZero)
                s = i < x.Rank ? x.Shape[i] : throw new ArgumentException($"shape [{string.Join(",", spec)}] copies dim {i} but the input has rank {x.Rank}");
            if (s < 0 || s > int.MaxValue) throw new ArgumentException($"shape [{string.Join(",", spec)}] has invalid dim {s}");
            shape[i] = (int)s;
            known *= shape[i];
        }
        if (infer >= 0)
        {
            if (known == 0 || x.Length % known != 0) throw new ArgumentException($"cannot infer -1 in [{string.Join(",", spec)}] for {x.Length} elements");
            shape[infer] = x.Length / known;
        }
        return x.WithShape(shape);
    }

    /// <summary>Unsqueeze: axes from the attribute (opset &lt; 13) or the second input, relative to the output rank.</summary>
    public static FloatTensor Unsqueeze(OpContext ctx)
    {
        var x = ctx.Input(0);
        long[] axes = (ctx.Opset < 13 ? ctx.Ints("axes") : ctx.OptionalLongs(1)) ?? throw new ArgumentException("axes are required");
        int rank = x.Rank + axes.Length;
        var inserted = new bool[rank];
        foreach (long a in axes)
        {
            int axis = OpContext.Axis(a, rank);
            if (inserted[axis]) throw new ArgumentException($"axes [{string.Join(",", axes)}] repeat axis {axis}");
            inserted[axis] = true;
        }
        var shape = new int[rank];
        for (int i = 0, j = 0; i < rank; i++) shape[i] = inserted[i] ? 1 : x.Shape[j++];
        return x.WithShape(shape);
    }

    /// <summary>Transpose: output dim i is input dim perm[i]; the default perm reverses the dims.</summary>
    public static FloatTensor Transpose(OpContext ctx)
    {
        var x = ctx.Input(0);
        long[] perm = ctx.Ints("perm") ?? [.. Enumerable.Range(0, x.Rank).Reverse().Select(i => (long)i)];
        if (perm.Length != x.Rank || perm.Distinct().Count() != perm.Length || perm.Any(p => p < 0 || p >= x.Rank))
            throw new ArgumentException($"perm [{string.Join(",", perm)}] is not a permutation of rank {x.Rank}");
        return Permute(x, [.. perm.Select(p => (int)p)]);
    }

    public static FloatTensor Permute(FloatTensor x, int[] perm)
    {
        var strides = Broadcast.Strides(x.Shape);
        int[] shape = [.. perm.Select(p => x.Shape[p])], st = [.. perm.Select(p => strides[p])];
        return x.IsFloat
            ? FloatTensor.FromFloats(shape, Broadcast.Copy(x.FloatData, 0, shape, st))
            : FloatTensor.FromLongs(shape, Broadcast.Copy(x.LongData, 0, shape, st));
    }

    public static FloatTensor Concat(OpContext ctx)
    {
        var parts = Enumerable.Range(0, ctx.InputCount).Select(ctx.Input).ToArray();
        var first = parts[0];
        int axis = ctx.Has("axis") ? OpContext.Axis(ctx.Int("axis", 0), first.Rank) : throw new ArgumentException("attribute 'axis' is required");
        var shape = (int[])first.Shape.Clone();
        shape[axis] = 0;
        foreach (var p in parts)
        {
            bool same = p.Rank == first.Rank && p.IsFloat == first.IsFloat;
            for (int d = 0; same && d < p.Rank; d++) same = d == axis || p.Shape[d] == first.Shape[d];
            if (!same) throw new ArgumentException($"cannot concatenate {p} with {first} on axis {axis}");
            shape[axis] += p.Shape[axis];
        }
        int outer = FloatTensor.ElementCount(shape.AsSpan(0, axis)), inner = FloatTensor.ElementCount(shape.AsSpan(axis + 1));
        return first.IsFloat
            ? FloatTensor.FromFloats(shape, ConcatData([.. parts.Select(p => p.FloatData)], [.. parts.Select(p => p.Shape[axis] * inner)], outer))
            : FloatTensor.FromLongs(shape, ConcatData([.. parts.Select(p => p.LongData)], [.. parts.Select(p => p.Shape[axis] * inner)], outer));
    }

    private static T[] ConcatData<T>(T[][] parts, int[] blocks, int outer)
    {
        var o = new T[blocks.Sum() * outer];
        int pos = 0;
        for (int i = 0; i < outer; i++)
            for (int p = 0; p < parts.Length; p++) { Array.Copy(parts[p], i * blocks[p], o, pos, blocks[p]); pos += blocks[p]; }
        return o;
    }

    /// <summary>Split: sizes from the 'split' attribute (opset &lt; 13) or input, else num_outputs (opset 18) or equal parts.</summary>
    public static FloatTensor[] Split(OpContext ctx)
    {
        var x = ctx.Input(0);
        int axis = OpContext.Axis(ctx.Int("axis", 0), x.Rank), dim = x.Shape[axis];
        int count = ctx.Node.Outputs.Length;
        long[]? sizes = ctx.Opset < 13 ? ctx.Ints("split") : ctx.OptionalLongs(1);
        if (sizes is null)
        {
            int chunk = ctx.Has("num_outputs") ? (dim + count - 1) / count
                : dim % count == 0 ? dim / count : throw new ArgumentException($"dim {dim} does not split into {count} equal parts");
            sizes = [.. Enumerable.Range(0, count).Select(i => (long)Math.Clamp(dim - i * chunk, 0, chunk))];
        }
        if (sizes.Length != count || sizes.Sum() != dim || sizes.Any(s => s < 0))
            throw new ArgumentException($"split [{string.Join(",", sizes)}] does not divide dim {dim} into {count} outputs");
        var strides = Broadcast.Strides(x.Shape);
        var result = new FloatTensor[count];
        int start = 0;
        for (int i = 0; i < count; i++)
        {
            var shape = (int[])x.Shape.Clone();
            shape[axis] = (int)sizes[i];
            int offset = start * strides[axis];
            result[i] = x.IsFloat
                ? FloatTensor.FromFloats(shape, Broadcast.Copy(x.FloatData, offset, shape, strides))
                : FloatTensor.FromLongs(shape, Broadcast.Copy(x.LongData, offset, shape, strides));
            start += shape[axis];
        }
        return result;
    }

    /// <summary>Gather along any axis; negative indices count from the end of that axis.</summary>
    public static FloatTensor Gather(OpContext ctx)
    {
        var x = ctx.Input(0);
        var indices = ctx.Input(1);
        int axis = OpContext.Axis(ctx.Int("axis", 0), x.Rank), dim = x.Shape[axis];
        var idx = new int[indices.Length];
        for (int i = 0; i < idx.Length; i++)
        {
            long v = indices.LongData[i];
            idx[i] = v >= -dim && v < dim ? (int)(v < 0 ? v + dim : v) : throw new ArgumentException($"index {v} is out of range for axis {axis} of size {dim}");
        }
        int[] shape = [.. x.Shape[..axis], .. indices.Shape, .. x.Shape[(axis + 1)..]];
        int outer = FloatTensor.ElementCount(x.Shape.AsSpan(0, axis)), inner = FloatTensor.ElementCount(x.Shape.AsSpan(axis + 1));
        return x.IsFloat
            ? FloatTensor.FromFloats(shape, GatherData(x.FloatData, idx, outer, dim, inner))
            : FloatTensor.FromLongs(shape, GatherData(x.LongData, idx, outer, dim, inner));
    }

    private static T[] GatherData<T>(T[] src, int[] idx, int outer, int dim, int inner)
    {
        var o = new T[outer * idx.Length * inner];
        int pos = 0;
        for (int i = 0; i < outer; i++)
            foreach (int j in idx) { Array.Copy(src, (i * dim + j) * inner, o, pos, inner); pos += inner; }
        return o;
    }

    /// <summary>Slice: starts/ends/axes/steps from inputs (opset ≥ 10) or attributes; negatives count from the end, then clamp.</summary>
    public static FloatTensor Slice(OpContext ctx)
    {
        var x = ctx.Input(0);
        long[] starts, ends;
        long[]? axes, steps;
        if (ctx.Opset < 10)
        {
            starts = ctx.Ints("starts") ?? throw new ArgumentException("starts are required");
            ends = ctx.Ints("ends") ?? throw new ArgumentException("ends are required");
            axes = ctx.Ints("axes"); steps = null;
        }
        else
        {
            starts = ctx.Input(1).LongData; ends = ctx.Input(2).LongData;
            axes = ctx.OptionalLongs(3); steps = ctx.OptionalLongs(4);
        }
        axes ??= [.. Enumerable.Range(0, starts.Length).Select(i => (long)i)];
        steps ??= [.. Enumerable.Repeat(1L, starts.Length)];
        if (ends.Length != starts.Length || axes.Length != starts.Length || steps.Length != starts.Length)
            throw new ArgumentException($"starts, ends, axes, steps have lengths {starts.Length}, {ends.Length}, {axes.Length}, {steps.Length}");

        var shape = (int[])x.Shape.Clone();
        var strides = Broadcast.Strides(x.Shape);
        var sliced = new bool[x.Rank];
        int offset = 0;
        for (int i = 0; i < starts.Length; i++)
        {
            int axis = OpContext.Axis(axes[i], x.Rank);
            if (sliced[axis]) throw new ArgumentException($"axes [{string.Join(",", axes)}] repeat axis {axis}");
            sliced[axis] = true;
            var (start, step, length) = SliceRange(starts[i], ends[i], steps[i], x.Shape[axis]);
            shape[axis] = length;
            offset += length == 0 ? 0 : start * strides[axis];
            strides[axis] = length <= 1 ? 0 : strides[axis] * step;
        }
        return x.IsFloat
            ? FloatTensor.FromFloats(shape, Broadcast.Copy(x.FloatData, offset, shape, strides))
            : FloatTensor.FromLongs(shape, Broadcast.Copy(x.LongData, offset, shape, strides));
    }

    /// <summary>One axis of Slice per the ONNX spec: the first index, the step, and how many elements are taken.</summary>
    internal static (int Start, int Step, int Length) SliceRange(long start, long end, long step, int dim)
    {
        if (step == 0) throw new ArgumentException("slice step cannot be 0");
        if (step < int.MinValue || step > int.MaxValue) step = step > 0 ? int.MaxValue : -int.MaxValue;
        if (start < 0) start += dim;
        if (end < 0) end += dim;
        long length;
        if (step > 0)
        {
            start = Math.Clamp(start, 0, dim);
            end = Math.Clamp(end, 0, dim);
            length = end > start ? (end - start + step - 1) / step : 0;
        }
        else
        {
            if (dim == 0) return (0, (int)step, 0);
            start = Math.Clamp(start, 0, dim - 1);
            end = Math.Clamp(end, -1, dim - 1);
            length = start > end ? (start - end - step - 1) / -step : 0;
        }
        return ((int)start, (int)step, (int)length);
    }

    private static int ClampAxis(long axis, int rank) => (int)Math.Clamp(axis < 0 ? axis + rank : axis, 0, rank);
}
