using Verity.Engine.Format;
using Verity.Engine.Tensors;

namespace Verity.Engine.Ops;

/// <summary>Permutes axes: output axis i is input axis Perm[i].</summary>
public sealed class Transpose : Op
{
    public override OpKind Kind => OpKind.Transpose;
    public required int[] Perm { get; init; }

    public override int[] OutputShape(IReadOnlyList<IntTensor> inputs)
    {
        var x = inputs[0];
        Expect(x.Shape.Length == Perm.Length && Perm.Order().SequenceEqual(Enumerable.Range(0, Perm.Length)), Name, $"perm {S(Perm)} does not fit {S(x.Shape)}");
        Expect(OutType == x.Type, Name, "output type must equal input type");
        return [.. Perm.Select(p => x.Shape[p])];
    }

    public override void Reference(IReadOnlyList<IntTensor> inputs, IntTensor output)
    {
        var x = inputs[0];
        int rank = Perm.Length, size = x.Type.Size();
        var inStrides = new int[rank];
        for (int i = rank - 1, s = 1; i >= 0; s *= x.Shape[i], i--) inStrides[i] = s;
        var idx = new int[rank];
        var src = x.Buffer; var dst = output.Buffer;
        for (int o = 0; o < output.Length; o++)
        {
            int off = 0;
            for (int i = 0; i < rank; i++) off += idx[i] * inStrides[Perm[i]];
            Buffer.BlockCopy(src, off * size, dst, o * size, size);
            for (int i = rank - 1; i >= 0 && ++idx[i] == output.Shape[i]; i--) idx[i] = 0;
        }
    }

    public override void Fast(IReadOnlyList<IntTensor> inputs, IntTensor output, Workspace ws)
    {
        var x = inputs[0];
        if (Perm.Length != 4 || x.Type != DType.I16 && x.Type != DType.I8) { Reference(inputs, output); return; }
        int[] s = x.Shape, st = new int[4];
        for (int i = 3, v = 1; i >= 0; v *= s[i], i--) st[i] = v;
        int d0 = output.Shape[0], d1 = output.Shape[1], d2 = output.Shape[2], d3 = output.Shape[3];
        int s0 = st[Perm[0]], s1 = st[Perm[1]], s2 = st[Perm[2]], s3 = st[Perm[3]];
        if (x.Type == DType.I16) Copy(x.I16, output.I16); else Copy(x.I8, output.I8);

        void Copy<T>(Span<T> src, Span<T> dst)
        {
            int o = 0;
            for (int a = 0; a < d0; a++)
                for (int b = 0; b < d1; b++)
                    for (int c = 0; c < d2; c++)
                    {
                        int baseOff = a * s0 + b * s1 + c * s2;
                        for (int d = 0; d < d3; d++) dst[o++] = src[baseOff + d * s3];
                    }
        }
    }

    protected override void WriteParams(ParamWriter w) => w.I32s(Perm);

    internal static Transpose Read(ref ParamReader r, string name, int[] inputs, DType outType) =>
        new() { Name = name, Inputs = inputs, OutType = outType, Perm = r.I32s() };
}
