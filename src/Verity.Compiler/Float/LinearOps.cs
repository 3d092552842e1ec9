namespace Verity.Compiler.Float;

/// <summary>MatMul, Gemm, and the row reductions ReduceMean and Softmax.</summary>
internal static class LinearOps
{
    /// <summary>numpy matmul: 1-D operands gain and then lose a unit dim; leading batch dims broadcast.</summary>
    public static FloatTensor MatMul(OpContext ctx)
    {
        var a = ctx.FloatInput(0);
        var b = ctx.FloatInput(1);
        if (a.Rank == 0 || b.Rank == 0) throw new ArgumentException($"MatMul operands must have rank ≥ 1, got {a} and {b}");
        int[] sa = a.Rank == 1 ? [1, a.Shape[0]] : a.Shape, sb = b.Rank == 1 ? [b.Shape[0], 1] : b.Shape;
        int m = sa[^2], k = sa[^1], n = sb[^1];
        if (sb[^2] != k) throw new ArgumentException($"inner dims differ: {a} · {b}");
        int[] batchA = sa[..^2], batchB = sb[..^2];
        int[] batch = Broadcast.Shape(batchA, batchB);
        int count = FloatTensor.ElementCount(batch);

        var c = new float[count * m * n];
        if (batchB.Length == 0)
        {
            // B is one matrix, so A's batch is just more rows.
            Sgemm.Multiply(a.FloatData, [0], k, b.FloatData, [0], n, c, count * m, n, k);
        }
        else
        {
            Sgemm.Multiply(a.FloatData, BatchOffsets(batchA, batch, m * k), k, b.FloatData, BatchOffsets(batchB, batch, k * n), n, c, m, n, k);
        }

        var shape = new List<int>(batch);
        if (a.Rank > 1) shape.Add(sa[^2]);
        if (b.Rank > 1) shape.Add(n);
        return FloatTensor.FromFloats([.. shape], c);
    }

    /// <summary>Offset of each broadcast batch's matrix inside an operand with batch dims <paramref name="own"/>.</summary>
    private static int[] BatchOffsets(int[] own, int[] batch, int matrixSize)
    {
        var strides = Broadcast.StridesFor(own, batch);
        int[] offsets = Broadcast.Copy(Enumerable.Range(0, Math.Max(FloatTensor.ElementCount(own), 1)).ToArray(), 0, batch, strides);
        for (int i = 0; i < offsets.Length; i++) offsets[i] *= matrixSize;
        return offsets;
    }

    /// <summary>Y = alpha·A'·B' + beta·C with A' = transA ? Aᵀ : A, B' likewise, C broadcast to [M, N].</summary>
    public static FloatTensor Gemm(OpContext ctx)
    {
        var a = ctx.FloatInput(0);
        var b = ctx.FloatInput(1);
        var c = ctx.OptionalInput(2);
        if (a.Rank != 2 || b.Rank != 2) throw new ArgumentException($"Gemm operands must be 2-D, got {a} and {b}");
        if (ctx.Int("transA", 0) != 0) a = ShapeOps.Permute(a, [1, 0]);
        if (ctx.Int("transB", 0) != 0) b = ShapeOps.Permute(b, [1, 0]);
        int m = a.Shape[0], k = a.Shape[1], n = b.Shape[1];
        if (b.Shape[0] != k) throw new ArgumentException($"inner dims differ: {a} · {b} after transposes");
        float alpha = ctx.Float("alpha", 1f), beta = ctx.Float("beta", 1f);
        var y = new float[m * n];
        Sgemm.Multiply(a.FloatData, [0], k, b.FloatData, [0], n, y, m, n, k);
        if (alpha != 1f) for (int i = 0; i < y.Length; i++) y[i] *= alpha;
        if (c is not null && beta != 0f)
        {
            if (!c.IsFloat) throw ctx.Unsupported($"C is an int64 tensor {c}; only float is supported");
            int[] shape = [m, n];
            if (!Broadcast.Shape(c.Shape, shape).SequenceEqual(shape)) throw new ArgumentException($"C {c} does not broadcast to [{m},{n}]");
            float[] bias = Broadcast.Copy(c.FloatData, 0, shape, Broadcast.StridesFor(c.Shape, shape));
            for (int i = 0; i < y.Length; i++) y[i] += beta * bias[i];
        }
        return FloatTensor.FromFloats([m, n], y);
    }

    /// <summary>ReduceMean over the given axes (attribute before opset 18, input after); all axes when none are given.</summary>
    public static FloatTensor ReduceMean(OpContext ctx)
    {
        var x = ctx.FloatInput(0);
        long[]? axes = ctx.Opset < 18 ? ctx.Ints("axes") : ctx.OptionalLongs(1);
        bool keepDims = ctx.Int("keepdims", 1) != 0;
        if (axes is null or [])
        {
            if (ctx.Int("noop_with_empty_axes", 0) != 0) return x;
            axes = [.. Enumerable.Range(0, x.Rank).Select(i => (long)i)];
        }
        var reduced = new bool[x.Rank];
        foreach (long axis in axes) reduced[OpContext.Axis(axis, x.Rank)] = true;

        // Move the reduced axes last (a no-op for the usual trailing axes), then average contiguous rows.
        int[] perm = [.. Enumerable.Range(0, x.Rank).Where(d => !reduced[d]), .. Enumerable.Range(0, x.Rank).Where(d => reduced[d])];
        float[] data = perm.SequenceEqual(Enumerable.Range(0, x.Rank)) ? x.FloatData : ShapeOps.Permute(x, perm).FloatData;
        int rowLength = FloatTensor.ElementCount([.. Enumerable.Range(0, x.Rank).Where(d => reduced[d]).Select(d => x.Shape[d])]);
        var o = new float[FloatTensor.ElementCount([.. Enumerable.Range(0, x.Rank).Where(d => !reduced[d]).Select(d => x.Shape[d])])];
        for (int r = 0; r < o.Length; r++)
        {
            double sum = 0;
            for (int i = r * rowLength, end = i + rowLength; i < end; i++) sum += data[i];
            o[r] = (float)(sum / rowLength);
        }
        int[] shape = [.. Enumerable.Range(0, x.Rank).Where(d => keepDims || !reduced[d]).Select(d => reduced[d] ? 1 : x.Shape[d])];
        return FloatTensor.FromFloats(shape, o);
    }

    /// <summary>Softmax along one axis (opset 13); before opset 13 only when the axis is the last one, where both definitions agree.</summary>
    public static FloatTensor Softmax(OpContext ctx)
    {
        var x = ctx.FloatInput(0);
        long axisAttr = ctx.Int("axis", ctx.Opset < 13 ? 1 : -1);
        int axis = OpContext.Axis(axisAttr, x.Rank);
        if (ctx.Opset < 13 && axis != x.Rank - 1)
            throw ctx.Unsupported($"axis={axisAttr} on rank {x.Rank} with opset {ctx.Opset} (softmax over flattened trailing dims) is not supported; only the last axis");
        int dim = x.Shape[axis], inner = FloatTensor.ElementCount(x.Shape.AsSpan(axis + 1)), outer = FloatTensor.ElementCount(x.Shape.AsSpan(0, axis));
        float[] src = x.FloatData, o = new float[src.Length];
        for (int t = 0; t < outer; t++)
        {
            for (int i = 0; i < inner; i++)
            {
                int start = t * dim * inner + i;
                float max = float.NegativeInfinity;
                for (int d = 0, j = start; d < dim; d++, j += inner) max = Math.Max(max, src[j]);
                double sum = 0;
                for (int d = 0, j = start; d < dim; d++, j += inner) sum += o[j] = MathF.Exp(src[j] - max);
                for (int d = 0, j = start; d < dim; d++, j += inner) o[j] = (float)(o[j] / sum);
            }
        }
        return FloatTensor.FromFloats(x.Shape, o);
    }
}
