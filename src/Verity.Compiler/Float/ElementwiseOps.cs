using Verity.Compiler.Onnx;

namespace Verity.Compiler.Float;

/// <summary>Broadcasting arithmetic (Add, Sub, Mul, Div, Pow), unary float functions, and Cast.</summary>
internal static class ElementwiseOps
{
    public static FloatTensor Add(OpContext ctx) => Binary<AddF, AddL>(ctx);
    public static FloatTensor Sub(OpContext ctx) => Binary<SubF, SubL>(ctx);
    public static FloatTensor Mul(OpContext ctx) => Binary<MulF, MulL>(ctx);
    public static FloatTensor Div(OpContext ctx) => Binary<DivF, DivL>(ctx);

    /// <summary>Pow with a float base; an int64 exponent is converted to float.</summary>
    public static FloatTensor Pow(OpContext ctx)
    {
        var x = ctx.FloatInput(0);
        var y = ctx.Input(1);
        float[] exponent = y.Floats ?? Array.ConvertAll(y.LongData, v => (float)v);
        var data = Broadcast.Binary<float, PowF>(x.FloatData, x.Shape, exponent, y.Shape, out var shape);
        return FloatTensor.FromFloats(shape, data);
    }

    public static FloatTensor Erf(OpContext ctx) => Unary(ctx, ErfFunction.Erf);
    public static FloatTensor Sqrt(OpContext ctx) => Unary(ctx, MathF.Sqrt);
    public static FloatTensor Tanh(OpContext ctx) => Unary(ctx, MathF.Tanh);
    public static FloatTensor Relu(OpContext ctx) => Unary(ctx, v => v > 0 ? v : 0);

    /// <summary>Cast to float, bool or an integer type; float→int truncates toward zero, narrower ints wrap.</summary>
    public static FloatTensor Cast(OpContext ctx)
    {
        var x = ctx.Input(0);
        var to = (OnnxDataType)ctx.Int("to", 0);
        if (to == OnnxDataType.Float)
            return x.IsFloat ? x : FloatTensor.FromFloats(x.Shape, Array.ConvertAll(x.LongData, v => (float)v));
        Func<long, long> wrap = to switch
        {
            OnnxDataType.Int64 => v => v,
            OnnxDataType.Int32 => v => unchecked((int)v),
            OnnxDataType.Int16 => v => unchecked((short)v),
            OnnxDataType.Int8 => v => unchecked((sbyte)v),
            OnnxDataType.UInt32 => v => unchecked((uint)v),
            OnnxDataType.UInt16 => v => unchecked((ushort)v),
            OnnxDataType.UInt8 => v => unchecked((byte)v),
            OnnxDataType.Bool => v => v != 0 ? 1 : 0,
            _ => throw ctx.Unsupported($"to={to} is not supported"),
        };
        long[] longs = x.Floats is { } f
            ? Array.ConvertAll(f, v => to == OnnxDataType.Bool ? (v != 0 ? 1L : 0L) : wrap(unchecked((long)v)))
            : Array.ConvertAll(x.LongData, v => wrap(v));
        return FloatTensor.FromLongs(x.Shape, longs);
    }

    private static FloatTensor Unary(OpContext ctx, Func<float, float> f)
    {
        var x = ctx.FloatInput(0);
        var src = x.FloatData;
        var o = new float[src.Length];
        const int Chunk = 1 << 14;
        Parallel.For(0, (o.Length + Chunk - 1) / Chunk, c =>
        {
            for (int i = c * Chunk, end = Math.Min(o.Length, i + Chunk); i < end; i++) o[i] = f(src[i]);
        });
        return FloatTensor.FromFloats(x.Shape, o);
    }

    private static FloatTensor Binary<TFloat, TLong>(OpContext ctx)
        where TFloat : struct, IBinaryOp<float> where TLong : struct, IBinaryOp<long>
    {
        var a = ctx.Input(0);
        var b = ctx.Input(1);
        if (a.IsFloat != b.IsFloat) throw new ArgumentException($"element types differ: {a} and {b}");
        if (a.IsFloat)
        {
            var floats = Broadcast.Binary<float, TFloat>(a.FloatData, a.Shape, b.FloatData, b.Shape, out var shape);
            return FloatTensor.FromFloats(shape, floats);
        }
        var longs = Broadcast.Binary<long, TLong>(a.LongData, a.Shape, b.LongData, b.Shape, out var longShape);
        return FloatTensor.FromLongs(longShape, longs);
    }

    private readonly struct AddF : IBinaryOp<float> { public static float Apply(float a, float b) => a + b; }
    private readonly struct SubF : IBinaryOp<float> { public static float Apply(float a, float b) => a - b; }
    private readonly struct MulF : IBinaryOp<float> { public static float Apply(float a, float b) => a * b; }
    private readonly struct DivF : IBinaryOp<float> { public static float Apply(float a, float b) => a / b; }

    // Integer ops wrap on overflow like ONNX Runtime; Div truncates toward zero and throws on a zero divisor.
    private readonly struct AddL : IBinaryOp<long> { public static long Apply(long a, long b) => unchecked(a + b); }
    private readonly struct SubL : IBinaryOp<long> { public static long Apply(long a, long b) => unchecked(a - b); }
    private readonly struct MulL : IBinaryOp<long> { public static long Apply(long a, long b) => unchecked(a * b); }
    private readonly struct DivL : IBinaryOp<long> { public static long Apply(long a, long b) => unchecked(a / b); }

    // x*x for the common square keeps Pow(x, 2) exact and independent of the platform's powf.
    private readonly struct PowF : IBinaryOp<float> { public static float Apply(float a, float b) => b == 2f ? a * a : MathF.Pow(a, b); }
}
