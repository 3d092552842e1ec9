using Verity.Engine.Format;
using Verity.Engine.Kernels;
using Verity.Engine.Tensors;

namespace Verity.Engine.Ops;

/// <summary>
/// Batched product of two activations with one per-tensor requant; one side must be I8. With permutations
/// (rank 4, fused transposes): A' = transpose(A, PermA), B' = transpose(B, PermB), C[b0,b1] = A'[b0,b1]·B'[b0,b1],
/// output = transpose(C, PermOut). Empty permutations mean identity (any rank ≥ 2, batch dims equal).
/// With a softmax table (attention scores), C is requantized to I16 and each row of C goes through
/// <see cref="Softmax"/>'s arithmetic; the output is the probabilities (scale 2^-15), PermOut must be empty.
/// </summary>
public sealed class MatMul : Op
{
    public override OpKind Kind => OpKind.MatMul;
    public required int Mult { get; init; }
    public required int Shift { get; init; }
    public int[] PermA { get; init; } = [];
    public int[] PermB { get; init; } = [];
    public int[] PermOut { get; init; } = [];
    /// <summary>Empty, or a <see cref="Softmax.Table"/> applied to each row of the requantized product.</summary>
    public int[] SoftmaxTable { get; init; } = [];

    private readonly record struct Layout(int[] Shape, int[] Strides);

    /// <summary>Shape and element strides of transpose(x, perm) read in place.</summary>
    private static Layout View(int[] shape, int[] perm)
    {
        var strides = new int[shape.Length];
        for (int i = shape.Length - 1, s = 1; i >= 0; s *= shape[i], i--) strides[i] = s;
        if (perm.Length == 0) return new Layout(shape, strides);
        return new Layout([.. perm.Select(p => shape[p])], [.. perm.Select(p => strides[p])]);
    }

    private (Layout A, Layout B, int[] C, int[] OutShape, int[] CStrides) Geometry(IntTensor a, IntTensor b)
    {
        var (va, vb) = (View(a.Shape, PermA), View(b.Shape, PermB));
        int[] c = [.. va.Shape[..^1], vb.Shape[^1]];
        int[] outShape = PermOut.Length == 0 ? c : [.. PermOut.Select(p => c[p])];
        // Where C's element lands in the output: C's dim j has the output stride of the axis that shows it.
        var outStrides = new int[outShape.Length];
        for (int i = outShape.Length - 1, s = 1; i >= 0; s *= outShape[i], i--) outStrides[i] = s;
        var cStrides = new int[c.Length];
        for (int i = 0; i < c.Length; i++) cStrides[PermOut.Length == 0 ? i : PermOut[i]] = outStrides[i];
        return (va, vb, c, outShape, cStrides);
    }

    public override int[] OutputShape(IReadOnlyList<IntTensor> inputs)
    {
        var (a, b) = (inputs[0], inputs[1]);
        Expect(a.Type == DType.I8 || b.Type == DType.I8, Name, $"one input must be I8, got {a.Type} and {b.Type}");
        Expect(a.Type != DType.I32 && b.Type != DType.I32, Name, "inputs must be I8 or I16");
        foreach (var (p, t) in new[] { (PermA, a), (PermB, b) })
            Expect(p.Length == 0 || p.Length == t.Shape.Length && p.Order().SequenceEqual(Enumerable.Range(0, p.Length)), Name, $"permutation {S(p)} does not fit {S(t.Shape)}");
        var (va, vb) = (View(a.Shape, PermA), View(b.Shape, PermB));
        Expect(va.Shape.Length >= 2 && va.Shape.Length == vb.Shape.Length, Name, $"ranks differ: {S(va.Shape)} and {S(vb.Shape)}");
        Expect(va.Shape.AsSpan(0, va.Shape.Length - 2).SequenceEqual(vb.Shape.AsSpan(0, vb.Shape.Length - 2)), Name, $"batch dims differ: {S(va.Shape)} and {S(vb.Shape)}");
        Expect(va.Shape[^1] == vb.Shape[^2], Name, $"inner dims differ: {S(va.Shape)} · {S(vb.Shape)}");
        Expect(PermOut.Length == 0 || PermOut.Length == va.Shape.Length && PermOut.Order().SequenceEqual(Enumerable.Range(0, PermOut.Length)), Name, $"output permutation {S(PermOut)} does not fit rank {va.Shape.Length}");
        Expect(OutType is DType.I8 or DType.I16, Name, $"output must be I8 or I16, got {OutType}");
        Expect(SoftmaxTable.Length == 0 || OutType == DType.I16 && PermOut.Length == 0 && vb.Shape[^1] <= 4096, Name, "a fused softmax needs an I16 output, no output permutation and rows of at most 4096");
        return Geometry(a, b).OutShape;
    }

    public override void Reference(IReadOnlyList<IntTensor> inputs, IntTensor output) => Compute(inputs[0], inputs[1], output, null);

    public override void Fast(IReadOnlyList<IntTensor> inputs, IntTensor output, Workspace ws) => Compute(inputs[0], inputs[1], output, ws);

    /// <summary>Both paths walk the same geometry; the reference multiplies in scalar, the fast path packs and calls the GEMM.</summary>
    private void Compute(IntTensor a, IntTensor b, IntTensor output, Workspace? ws)
    {
        var (va, vb, c, _, cs) = Geometry(a, b);
        // With a fused softmax the product goes to a scratch I16 tensor first, then row by row into the output.
        var product = SoftmaxTable.Length == 0 ? output
            : new IntTensor(DType.I16, output.Shape, ws is null ? new byte[output.ByteLength] : ws.ScratchBytes(output.ByteLength));
        int r = c.Length, m = c[r - 2], n = c[r - 1], k = va.Shape[r - 1], max = OutType.Max();
        int batches = c.Take(r - 2).Aggregate(1, (x, y) => x * y);

        // Batch bt's offsets into a, b and the output, from its index over the batch dims.
        (int A, int B, int C) Offsets(int bt)
        {
            int ao = 0, bo = 0, co = 0;
            for (int d = r - 3; d >= 0; d--)
            {
                int i = bt % c[d];
                bt /= c[d];
                ao += i * va.Strides[d]; bo += i * vb.Strides[d]; co += i * cs[d];
            }
            return (ao, bo, co);
        }

        int ai = va.Strides[r - 2], at = va.Strides[r - 1], bk = vb.Strides[r - 2], bj = vb.Strides[r - 1];
        if (ws is null)
        {
            for (int bt = 0; bt < batches; bt++)
            {
                var (ao, bo, co) = Offsets(bt);
                for (int i = 0; i < m; i++)
                    for (int j = 0; j < n; j++)
                    {
                        long acc = 0;
                        for (int t = 0; t < k; t++) acc = checked(acc + (long)a.Get(ao + i * ai + t * at) * b.Get(bo + t * bk + j * bj));
                        product.Set(co + i * cs[r - 2] + j * cs[r - 1], Fixed.Saturate(Fixed.Requant(acc, Mult, Shift), max));
                    }
            }
            SoftmaxRows(product, output, 0, product.Length / n, n);
            return;
        }

        // Fast path: heads (batches) are independent, so with several threads each takes whole batches and
        // runs a single-threaded GEMM on its own buffers; with one batch the GEMM itself is parallel.
        int ld = Gemm.Pad(k);
        bool perBatch = ws.Threads > 1 && batches > 1;
        void Batch(int bt, short[] pa, short[] pb, short[] packed, int gemmThreads)
        {
            var (ao, bo, co) = Offsets(bt);
            Gather(a, ao, ai, at, m, k, pa, ld);
            Gather(b, bo, bj, bk, n, k, pb, ld);
            Gemm.PackB(pb, n, k, packed);
            Gemm.Fast(pa, packed, m, n, k, new Requantizer(null, [Mult], [Shift], false, null, OutType, product.Buffer, co, cs[r - 2], cs[r - 1]), gemmThreads);
            // Without an output permutation (required with a softmax) batch bt is rows [bt·m, bt·m + m).
            if (SoftmaxTable.Length > 0) SoftmaxRows(product, output, bt * m, m, n);
        }
        if (!perBatch)
        {
            var (pa, pb, packed) = (ws.ScratchA(m * ld), ws.ScratchB(n * ld), ws.ScratchC(Gemm.PackedBLength(n, k)));
            for (int bt = 0; bt < batches; bt++) Batch(bt, pa, pb, packed, ws.Threads);
            return;
        }
        Parallel.For(0, batches, ws.Parallel, () => (new short[m * ld], new short[n * ld], new short[Gemm.PackedBLength(n, k)]),
            (bt, _, buffers) => { Batch(bt, buffers.Item1, buffers.Item2, buffers.Item3, 1); return buffers; }, _ => { });
    }

    private void SoftmaxRows(IntTensor scores, IntTensor probs, int firstRow, int rows, int n)
    {
        if (SoftmaxTable.Length == 0) return;
        Span<short> x = scores.I16, y = probs.I16;
        for (int row = firstRow; row < firstRow + rows; row++) Softmax.Row(x.Slice(row * n, n), y.Slice(row * n, n), SoftmaxTable);
    }

    /// <summary>dst[row, t] = x[o + row·rowStride + t·colStride], rows zero-padded to ld.</summary>
    private static void Gather(IntTensor x, int o, int rowStride, int colStride, int rows, int k, short[] dst, int ld)
    {
        if (x.Type == DType.I16) Gather(x.I16, o, rowStride, colStride, rows, k, dst, ld);
        else Gather(x.I8, o, rowStride, colStride, rows, k, dst, ld);
    }

    private static void Gather<T>(Span<T> x, int o, int rowStride, int colStride, int rows, int k, short[] dst, int ld) where T : unmanaged
    {
        for (int row = 0; row < rows; row++)
        {
            int src = o + row * rowStride, d = row * ld;
            for (int t = 0; t < k; t++) dst[d + t] = Widen(x[src + t * colStride]);
            Array.Clear(dst, d + k, ld - k);
        }
    }

    private static short Widen<T>(T v) where T : unmanaged =>
        typeof(T) == typeof(sbyte) ? System.Runtime.CompilerServices.Unsafe.As<T, sbyte>(ref v) : System.Runtime.CompilerServices.Unsafe.As<T, short>(ref v);

    protected override void WriteParams(ParamWriter w) { w.I32(Mult); w.I32(Shift); w.I32s(PermA); w.I32s(PermB); w.I32s(PermOut); w.I32s(SoftmaxTable); }

    internal static MatMul Read(ref ParamReader r, string name, int[] inputs, DType outType)
    {
        var op = new MatMul { Name = name, Inputs = inputs, OutType = outType, Mult = r.I32(), Shift = r.I32(), PermA = r.I32s(), PermB = r.I32s(), PermOut = r.I32s(), SoftmaxTable = r.I32s() };
        if (op.SoftmaxTable.Length > 0) Softmax.CheckTable(name, op.SoftmaxTable);
        Requant.Check(name, [op.Mult], [op.Shift]);
        foreach (var p in new[] { op.PermA, op.PermB, op.PermOut })
            if (p.Length != 0 && !p.Order().SequenceEqual(Enumerable.Range(0, p.Length))) throw new InvalidDataException($"op '{name}': [{string.Join(",", p)}] is not a permutation");
        if (new[] { op.PermA, op.PermB, op.PermOut }.Where(p => p.Length != 0).Select(p => p.Length).Distinct().Count() > 1)
            throw new InvalidDataException($"op '{name}': permutations of different ranks");
        return op;
    }
}
