namespace Verity.Compiler.Float;

/// <summary>A binary scalar function, as a struct so generic loops inline it.</summary>
internal interface IBinaryOp<T>
{
    static abstract T Apply(T a, T b);
}

/// <summary>Numpy-style multidirectional broadcasting and strided copies over row-major arrays.</summary>
internal static class Broadcast
{
    /// <summary>The broadcast shape of a and b: dims aligned from the right, each pair equal or one of them 1.</summary>
    public static int[] Shape(int[] a, int[] b)
    {
        int rank = Math.Max(a.Length, b.Length);
        var shape = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i < rank - a.Length ? 1 : a[i - (rank - a.Length)];
            int db = i < rank - b.Length ? 1 : b[i - (rank - b.Length)];
            shape[i] = da == db || db == 1 ? da : da == 1 ? db
                : throw new ArgumentException($"shapes {FloatTensor.ShapeText(a)} and {FloatTensor.ShapeText(b)} cannot be broadcast (dim {i}: {da} vs {db})");
        }
        return shape;
    }

    /// <summary>Row-major strides of shape.</summary>
    public static int[] Strides(int[] shape)
    {
        var strides = new int[shape.Length];
        int s = 1;
        for (int i = shape.Length - 1; i >= 0; i--) { strides[i] = s; s *= shape[i]; }
        return strides;
    }

    /// <summary>Strides for reading a tensor of <paramref name="shape"/> as if it had <paramref name="outShape"/>: 0 along broadcast dims.</summary>
    public static int[] StridesFor(int[] shape, int[] outShape)
    {
        var own = Strides(shape);
        var strides = new int[outShape.Length];
        int offset = outShape.Length - shape.Length;
        for (int i = 0; i < shape.Length; i++) strides[offset + i] = shape[i] == 1 ? 0 : own[i];
        return strides;
    }

    /// <summary>out[i] = TOp(a[i'], b[i'']) over the broadcast shape.</summary>
    public static T[] Binary<T, TOp>(T[] a, int[] aShape, T[] b, int[] bShape, out int[] outShape) where TOp : struct, IBinaryOp<T>
    {
        outShape = Shape(aShape, bShape);
        var o = new T[FloatTensor.ElementCount(outShape)];
        if (o.Length == 0) return o;
        var (shape, sa, sb) = Coalesce(outShape, StridesFor(aShape, outShape), StridesFor(bShape, outShape));
        int rank = shape.Length, inner = shape[rank - 1], ia = sa[rank - 1], ib = sb[rank - 1];
        var idx = new int[rank];
        int pa = 0, pb = 0;
        unchecked
        {
            for (int start = 0; start < o.Length; start += inner)
            {
                for (int i = 0, ja = pa, jb = pb; i < inner; i++, ja += ia, jb += ib) o[start + i] = TOp.Apply(a[ja], b[jb]);
                for (int d = rank - 2; d >= 0; d--)
                {
                    pa += sa[d]; pb += sb[d];
                    if (++idx[d] < shape[d]) break;
                    pa -= sa[d] * shape[d]; pb -= sb[d] * shape[d]; idx[d] = 0;
                }
            }
        }
        return o;
    }

    /// <summary>
    /// Copies the elements src[offset + Σ idx[d]·strides[d]] for every index of <paramref name="shape"/>, in row-major order.
    /// Strides may be 0 (broadcast) or negative (reversed slices).
    /// </summary>
    public static T[] Copy<T>(T[] src, int offset, int[] shape, int[] strides)
    {
        var o = new T[FloatTensor.ElementCount(shape)];
        if (o.Length == 0) return o;
        if (shape.Length == 0) { o[0] = src[offset]; return o; }
        var (dims, st, _) = Coalesce(shape, strides, strides);
        int rank = dims.Length, inner = dims[rank - 1], step = st[rank - 1];
        var idx = new int[rank];
        int p = offset;
        unchecked
        {
            for (int start = 0; start < o.Length; start += inner)
            {
                if (step == 1) Array.Copy(src, p, o, start, inner);
                else for (int i = 0, j = p; i < inner; i++, j += step) o[start + i] = src[j];
                for (int d = rank - 2; d >= 0; d--)
                {
                    p += st[d];
                    if (++idx[d] < dims[d]) break;
                    p -= st[d] * dims[d]; idx[d] = 0;
                }
            }
        }
        return o;
    }

    /// <summary>Merges adjacent dims that both stride patterns walk as one, so inner loops run long; drops size-1 dims.</summary>
    private static (int[] Shape, int[] A, int[] B) Coalesce(int[] shape, int[] sa, int[] sb)
    {
        var s = new List<int>(); var a = new List<int>(); var b = new List<int>();
        for (int i = 0; i < shape.Length; i++)
        {
            if (shape[i] == 1) continue;
            int last = s.Count - 1;
            if (last >= 0 && a[last] == sa[i] * shape[i] && b[last] == sb[i] * shape[i])
            {
                s[last] *= shape[i]; a[last] = sa[i]; b[last] = sb[i];
            }
            else { s.Add(shape[i]); a.Add(sa[i]); b.Add(sb[i]); }
        }
        if (s.Count == 0) return ([1], [0], [0]);
        return ([.. s], [.. a], [.. b]);
    }
}
