using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Verity.Engine.Format;
using Verity.Engine.Kernels;
using Verity.Engine.Tensors;

namespace Verity.Engine.Ops;

/// <summary>2-D convolution on [1, C, H, W] with zero padding (top, left, bottom, right), per-channel requant, optional ReLU.</summary>
public sealed class Conv2d : Op
{
    public override OpKind Kind => OpKind.Conv2d;
    public required int Cout { get; init; }
    public required int Cin { get; init; }
    public required int KH { get; init; }
    public required int KW { get; init; }
    public required int StrideH { get; init; }
    public required int StrideW { get; init; }
    /// <summary>Pads as top, left, bottom, right.</summary>
    public required int[] Pads { get; init; }
    /// <summary>Weights [Cout, Cin, KH, KW], int8.</summary>
    public required sbyte[] W { get; init; }
    public required long[] Bias { get; init; }
    public required int[] Mult { get; init; }
    public required int[] Shift { get; init; }
    public required bool Relu { get; init; }

    private short[]? _packed;
    private int Kdim => checked(Cin * KH * KW);

    public override int[] OutputShape(IReadOnlyList<IntTensor> inputs)
    {
        var x = inputs[0];
        Expect(x.Type is DType.I8 or DType.I16, Name, $"input must be I8 or I16, got {x.Type}");
        Expect(OutType is DType.I8 or DType.I16, Name, $"output must be I8 or I16, got {OutType}");
        Expect(x.Shape.Length == 4 && x.Shape[0] == 1 && x.Shape[1] == Cin, Name, $"input shape {S(x.Shape)} must be [1,{Cin},H,W]");
        Expect(x.Shape[2] + Pads[0] + Pads[2] >= KH && x.Shape[3] + Pads[1] + Pads[3] >= KW, Name, $"input {S(x.Shape)} is smaller than the {KH}x{KW} kernel");
        int oh = (x.Shape[2] + Pads[0] + Pads[2] - KH) / StrideH + 1, ow = (x.Shape[3] + Pads[1] + Pads[3] - KW) / StrideW + 1;
        Expect(oh >= 1 && ow >= 1, Name, $"input {S(x.Shape)} is smaller than the kernel");
        return [1, Cout, oh, ow];
    }

    public override void Reference(IReadOnlyList<IntTensor> inputs, IntTensor output)
    {
        var x = inputs[0];
        int h = x.Shape[2], w = x.Shape[3], oh = output.Shape[2], ow = output.Shape[3], max = OutType.Max();
        for (int co = 0; co < Cout; co++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++)
                {
                    long acc = Bias[co];
                    for (int ci = 0; ci < Cin; ci++)
                        for (int dy = 0; dy < KH; dy++)
                        {
                            int iy = oy * StrideH - Pads[0] + dy;
                            if (iy < 0 || iy >= h) continue;
                            for (int dx = 0; dx < KW; dx++)
                            {
                                int ix = ox * StrideW - Pads[1] + dx;
                                if (ix < 0 || ix >= w) continue;
                                acc = checked(acc + (long)x.Get((ci * h + iy) * w + ix) * W[((co * Cin + ci) * KH + dy) * KW + dx]);
                            }
                        }
                    long v = Fixed.Requant(acc, Mult[co], Shift[co]);
                    if (Relu && v < 0) v = 0;
                    output.Set((co * oh + oy) * ow + ox, Fixed.Saturate(v, max));
                }
    }

    public override void Fast(IReadOnlyList<IntTensor> inputs, IntTensor output, Workspace ws)
    {
        var x = inputs[0];
        int oh = output.Shape[2], ow = output.Shape[3], p = oh * ow, ld = Gemm.Pad(Kdim);
        _packed ??= Gemm.PackB(W, Cout, Kdim);
        var a = ws.ScratchA(p * ld);
        if (x.Type == DType.I8) Im2Col<sbyte>(x.Buffer, x.Shape[2], x.Shape[3], oh, ow, a, ld, ws.Threads);
        else Im2Col<short>(x.Buffer, x.Shape[2], x.Shape[3], oh, ow, a, ld, ws.Threads);
        Gemm.Fast(a, _packed, p, Cout, Kdim, new Requantizer(Bias, Mult, Shift, Relu, null, OutType, output.Buffer, 0, 1, p), ws.Threads);
    }

    /// <summary>
    /// Rows of A = [output pixel, (ci, dy, dx)] with stride ld. The input is first widened into a zero-bordered int16 copy,
    /// so each (ci, dy) of a window is an in-bounds run of KW values and the copy needs no per-element tests.
    /// </summary>
    private void Im2Col<T>(byte[] buffer, int h, int w, int oh, int ow, short[] a, int ld, int threads) where T : unmanaged
    {
        int hp = h + Pads[0] + Pads[2], wp = w + Pads[1] + Pads[3], kdim = Cin * KH * KW;
        var xp = System.Buffers.ArrayPool<short>.Shared.Rent(Cin * hp * wp + 8); // + 8: a wide copy may read past the last row
        Widen<T>(buffer, h, w, xp, hp, wp);
        // Offset in xp of each (ci, dy) run of the window, from the window's top-left corner.
        var runs = new int[Cin * KH];
        for (int ci = 0; ci < Cin; ci++)
            for (int dy = 0; dy < KH; dy++) runs[ci * KH + dy] = (ci * hp + dy) * wp;
        // Runs of up to 4 (8) values move as one 8-byte (16-byte) copy, whose excess lands where later runs of the row
        // write next; the runs near the row's end, where the excess would pass column kdim, are copied value by value.
        int width = KW <= 4 ? 4 : 8, wide = KW <= 8 && kdim >= width ? (kdim - width) / KW + 1 : 0;
        Parallel.For(0, oh, new ParallelOptions { MaxDegreeOfParallelism = threads }, oy =>
        {
            unchecked
            {
                for (int ox = 0; ox < ow; ox++)
                {
                    ref short dst = ref a[(oy * ow + ox) * ld];
                    ref short src = ref xp[oy * StrideH * wp + ox * StrideW];
                    int s = 0;
                    for (; s < wide; s++, dst = ref Unsafe.Add(ref dst, KW))
                    {
                        ref short run = ref Unsafe.Add(ref src, runs[s]);
                        if (KW <= 4) Unsafe.WriteUnaligned(ref Unsafe.As<short, byte>(ref dst), Unsafe.ReadUnaligned<ulong>(ref Unsafe.As<short, byte>(ref run)));
                        else System.Runtime.Intrinsics.Vector128.StoreUnsafe(System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref run), ref dst);
                    }
                    for (; s < runs.Length; s++, dst = ref Unsafe.Add(ref dst, KW))
                        for (int dx = 0; dx < KW; dx++) Unsafe.Add(ref dst, dx) = Unsafe.Add(ref src, runs[s] + dx);
                    a.AsSpan((oy * ow + ox) * ld + kdim, ld - kdim).Clear();
                }
            }
        });
        System.Buffers.ArrayPool<short>.Shared.Return(xp);
    }

    /// <summary>Input [Cin, h, w] of int8 or int16 → int16 [Cin, hp, wp], the pads as zero borders.</summary>
    private void Widen<T>(byte[] buffer, int h, int w, short[] xp, int hp, int wp) where T : unmanaged
    {
        ReadOnlySpan<T> xs = MemoryMarshal.Cast<byte, T>(buffer);
        for (int ci = 0; ci < Cin; ci++)
        {
            var plane = xp.AsSpan(ci * hp * wp, hp * wp);
            plane[..(Pads[0] * wp)].Clear();
            plane[((Pads[0] + h) * wp)..].Clear();
            for (int y = 0; y < h; y++)
            {
                var row = plane.Slice((Pads[0] + y) * wp, wp);
                row[..Pads[1]].Clear();
                row[(Pads[1] + w)..].Clear();
                var src = xs.Slice((ci * h + y) * w, w);
                var dst = row.Slice(Pads[1], w);
                if (typeof(T) == typeof(short)) MemoryMarshal.Cast<T, short>(src).CopyTo(dst);
                else for (int x = 0; x < w; x++) dst[x] = Unsafe.As<T, sbyte>(ref Unsafe.AsRef(in src[x]));
            }
        }
    }

    protected override void WriteParams(ParamWriter w)
    {
        w.I32(Cout); w.I32(Cin); w.I32(KH); w.I32(KW); w.I32(StrideH); w.I32(StrideW); w.I32s(Pads); w.U8(Relu ? (byte)1 : (byte)0);
        w.I8s(W); w.I64s(Bias); w.I32s(Mult); w.I32s(Shift);
    }

    internal static Conv2d Read(ref ParamReader r, string name, int[] inputs, DType outType)
    {
        var op = new Conv2d
        {
            Name = name, Inputs = inputs, OutType = outType,
            Cout = r.I32(), Cin = r.I32(), KH = r.I32(), KW = r.I32(), StrideH = r.I32(), StrideW = r.I32(), Pads = r.I32s(), Relu = r.U8() != 0,
            W = r.I8s(), Bias = r.I64s(), Mult = r.I32s(), Shift = r.I32s(),
        };
        if (op.Pads.Length != 4 || op.Pads.Any(p => p < 0) || op.KH < 1 || op.KW < 1 || op.Cin < 1 || op.Cout < 1 || op.W.Length != (long)op.Cout * op.Cin * op.KH * op.KW || op.Bias.Length != op.Cout || op.Mult.Length != op.Cout || op.Shift.Length != op.Cout || op.StrideH < 1 || op.StrideW < 1)
            throw new InvalidDataException($"op '{name}': Conv2d parameters are inconsistent");
        Requant.Check(name, op.Mult, op.Shift);
        Requant.CheckWeights(name, op.W, op.Bias);
        return op;
    }
}
