using Verity.Engine.Format;
using Verity.Engine.Kernels;
using Verity.Engine.Tensors;

namespace Verity.Engine.Ops;

/// <summary>Shared geometry of 2-D pooling over [1, C, H, W]; pads are top, left, bottom, right and never part of a window.</summary>
public abstract class Pool2d : Op
{
    public required int KH { get; init; }
    public required int KW { get; init; }
    public required int StrideH { get; init; }
    public required int StrideW { get; init; }
    public required int[] Pads { get; init; }

    public override int[] OutputShape(IReadOnlyList<IntTensor> inputs)
    {
        var x = inputs[0];
        Expect(x.Shape.Length == 4 && x.Shape[0] == 1, Name, $"input shape {S(x.Shape)} must be [1,C,H,W]");
        Expect(OutType == x.Type, Name, "output type must equal input type");
        Expect(x.Shape[2] + Pads[0] + Pads[2] >= KH && x.Shape[3] + Pads[1] + Pads[3] >= KW, Name, $"input {S(x.Shape)} is smaller than the {KH}x{KW} window");
        int oh = (x.Shape[2] + Pads[0] + Pads[2] - KH) / StrideH + 1, ow = (x.Shape[3] + Pads[1] + Pads[3] - KW) / StrideW + 1;
        Expect(oh >= 1 && ow >= 1, Name, $"input {S(x.Shape)} is smaller than the window");
        return [1, x.Shape[1], oh, ow];
    }

    public override void Reference(IReadOnlyList<IntTensor> inputs, IntTensor output)
    {
        var x = inputs[0];
        int c = x.Shape[1], h = x.Shape[2], w = x.Shape[3], oh = output.Shape[2], ow = output.Shape[3];
        for (int ch = 0; ch < c; ch++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++)
                {
                    int y0 = Math.Max(0, oy * StrideH - Pads[0]), y1 = Math.Min(h, oy * StrideH - Pads[0] + KH);
                    int x0 = Math.Max(0, ox * StrideW - Pads[1]), x1 = Math.Min(w, ox * StrideW - Pads[1] + KW);
                    output.Set((ch * oh + oy) * ow + ox, Reduce(x, (ch * h) * w, w, y0, y1, x0, x1));
                }
    }

    /// <summary>Channels are independent: the fast path reads I16 planes directly and spreads channels over threads.</summary>
    public override void Fast(IReadOnlyList<IntTensor> inputs, IntTensor output, Workspace ws)
    {
        var x = inputs[0];
        if (x.Type != DType.I16) { Reference(inputs, output); return; }
        int c = x.Shape[1], h = x.Shape[2], w = x.Shape[3], oh = output.Shape[2], ow = output.Shape[3];
        void Channel(int ch)
        {
            ReadOnlySpan<short> plane = x.I16.Slice(ch * h * w, h * w);
            Span<short> y = output.I16.Slice(ch * oh * ow, oh * ow);
            for (int oy = 0; oy < oh; oy++)
            {
                int y0 = Math.Max(0, oy * StrideH - Pads[0]), y1 = Math.Min(h, oy * StrideH - Pads[0] + KH);
                for (int ox = 0; ox < ow; ox++)
                {
                    int x0 = Math.Max(0, ox * StrideW - Pads[1]), x1 = Math.Min(w, ox * StrideW - Pads[1] + KW);
                    y[oy * ow + ox] = (short)Reduce(plane, w, y0, y1, x0, x1);
                }
            }
        }
        if (ws.Threads <= 1 || c < 2) for (int ch = 0; ch < c; ch++) Channel(ch);
        else Parallel.For(0, c, ws.Parallel, Channel);
    }

    /// <summary>Reduces the window [y0, y1) × [x0, x1) of one channel plane starting at element offset o.</summary>
    protected abstract int Reduce(IntTensor x, int o, int w, int y0, int y1, int x0, int x1);

    /// <summary>The same reduction over a typed I16 plane (the fast path).</summary>
    protected abstract int Reduce(ReadOnlySpan<short> plane, int w, int y0, int y1, int x0, int x1);

    protected override void WriteParams(ParamWriter w) { w.I32(KH); w.I32(KW); w.I32(StrideH); w.I32(StrideW); w.I32s(Pads); }

    protected static (int kh, int kw, int sh, int sw, int[] pads) ReadGeometry(ref ParamReader r, string name)
    {
        int kh = r.I32(), kw = r.I32(), sh = r.I32(), sw = r.I32(); var pads = r.I32s();
        if (kh < 1 || kw < 1 || sh < 1 || sw < 1 || pads.Length != 4 || pads.Any(p => p < 0) || pads[0] >= kh || pads[2] >= kh || pads[1] >= kw || pads[3] >= kw)
            throw new InvalidDataException($"op '{name}': pooling geometry is invalid");
        return (kh, kw, sh, sw, pads);
    }
}

/// <summary>Maximum over each window.</summary>
public sealed class MaxPool2d : Pool2d
{
    public override OpKind Kind => OpKind.MaxPool2d;

    protected override int Reduce(IntTensor x, int o, int w, int y0, int y1, int x0, int x1)
    {
        int m = int.MinValue;
        for (int y = y0; y < y1; y++) for (int xx = x0; xx < x1; xx++) m = Math.Max(m, x.Get(o + y * w + xx));
        return m;
    }

    protected override int Reduce(ReadOnlySpan<short> plane, int w, int y0, int y1, int x0, int x1)
    {
        int m = int.MinValue;
        for (int y = y0; y < y1; y++) foreach (short v in plane.Slice(y * w + x0, x1 - x0)) m = Math.Max(m, v);
        return m;
    }

    internal static MaxPool2d Read(ref ParamReader r, string name, int[] inputs, DType outType)
    {
        var (kh, kw, sh, sw, pads) = ReadGeometry(ref r, name);
        return new MaxPool2d { Name = name, Inputs = inputs, OutType = outType, KH = kh, KW = kw, StrideH = sh, StrideW = sw, Pads = pads };
    }
}

/// <summary>Mean over the valid (unpadded) elements of each window, rounded half away from zero.</summary>
public sealed class AvgPool2d : Pool2d
{
    public override OpKind Kind => OpKind.AvgPool2d;

    protected override int Reduce(IntTensor x, int o, int w, int y0, int y1, int x0, int x1)
    {
        long s = 0;
        for (int y = y0; y < y1; y++) for (int xx = x0; xx < x1; xx++) s += x.Get(o + y * w + xx);
        return (int)Fixed.RoundDiv(s, (y1 - y0) * (x1 - x0));
    }

    protected override int Reduce(ReadOnlySpan<short> plane, int w, int y0, int y1, int x0, int x1)
    {
        long s = 0;
        for (int y = y0; y < y1; y++) foreach (short v in plane.Slice(y * w + x0, x1 - x0)) s += v;
        return (int)Fixed.RoundDiv(s, (y1 - y0) * (x1 - x0));
    }

    internal static AvgPool2d Read(ref ParamReader r, string name, int[] inputs, DType outType)
    {
        var (kh, kw, sh, sw, pads) = ReadGeometry(ref r, name);
        return new AvgPool2d { Name = name, Inputs = inputs, OutType = outType, KH = kh, KW = kw, StrideH = sh, StrideW = sw, Pads = pads };
    }
}
