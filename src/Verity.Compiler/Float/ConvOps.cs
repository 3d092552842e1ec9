namespace Verity.Compiler.Float;

/// <summary>2-D NCHW ops: Conv (im2col + <see cref="Sgemm"/>), MaxPool, AveragePool, and inference BatchNormalization.</summary>
internal static class ConvOps
{
    /// <summary>Window geometry of a 2-D conv or pool; pads are [top, left, bottom, right] as in ONNX.</summary>
    private readonly record struct Window(int KH, int KW, int SH, int SW, int DH, int DW, int Top, int Left, int OH, int OW);

    public static FloatTensor Conv(OpContext ctx)
    {
        var x = ctx.FloatInput(0);
        var w = ctx.FloatInput(1);
        var bias = ctx.OptionalInput(2);
        RequireImage(ctx, x);
        ctx.RequireInt("group", 1, 1);
        int n = x.Shape[0], c = x.Shape[1], h = x.Shape[2], wd = x.Shape[3];
        if (w.Rank != 4 || w.Shape[1] != c) throw new ArgumentException($"weight {w} does not match input {x}");
        int m = w.Shape[0];
        if (bias is not null && (!bias.IsFloat || bias.Length != m)) throw new ArgumentException($"bias {bias} does not match {m} output channels");
        var g = ReadWindow(ctx, h, wd, w.Shape[2], w.Shape[3]);
        int rows = c * g.KH * g.KW, plane = g.OH * g.OW;

        bool direct = g is { KH: 1, KW: 1, SH: 1, SW: 1, Top: 0, Left: 0 } && plane == h * wd;
        float[] cols = direct ? x.FloatData : new float[n * rows * plane];
        if (!direct)
            Parallel.For(0, n * c, nc => Im2Col(x.FloatData, nc * h * wd, h, wd, g, cols, nc * g.KH * g.KW * plane));
        var y = new float[n * m * plane];
        Sgemm.Multiply(w.FloatData, new int[n], rows, cols, [.. Enumerable.Range(0, n).Select(i => i * rows * plane)], plane, y, m, plane, rows);
        if (bias is not null)
            for (int i = 0; i < n * m; i++)
            {
                float b = bias.FloatData[i % m];
                for (int j = i * plane, end = j + plane; j < end; j++) y[j] += b;
            }
        return FloatTensor.FromFloats([n, m, g.OH, g.OW], y);
    }

    /// <summary>Rows (kh, kw) of one input channel's im2col block: row[oh·OW + ow] = x[oh·sh − top + kh·dh, ow·sw − left + kw·dw], 0 in the padding.</summary>
    private static void Im2Col(float[] x, int xOff, int h, int w, Window g, float[] cols, int colOff)
    {
        int dst = colOff;
        for (int kh = 0; kh < g.KH; kh++)
            for (int kw = 0; kw < g.KW; kw++)
                for (int oh = 0; oh < g.OH; oh++)
                {
                    int ih = oh * g.SH - g.Top + kh * g.DH;
                    if (ih < 0 || ih >= h) { Array.Clear(cols, dst, g.OW); dst += g.OW; continue; }
                    int row = xOff + ih * w;
                    for (int ow = 0, iw = kw * g.DW - g.Left; ow < g.OW; ow++, iw += g.SW)
                        cols[dst++] = iw >= 0 && iw < w ? x[row + iw] : 0f;
                }
    }

    /// <summary>MaxPool: the maximum over the window's positions inside the input; padding never contributes.</summary>
    public static FloatTensor MaxPool(OpContext ctx)
    {
        var x = ctx.FloatInput(0);
        RequireImage(ctx, x);
        return Pool(ctx, x, (sum, count, window) => sum, float.NegativeInfinity, static (acc, v) => Math.Max(acc, v));
    }

    /// <summary>AveragePool: the window mean, over inside positions only unless count_include_pad=1 (then the full window).</summary>
    public static FloatTensor AveragePool(OpContext ctx)
    {
        var x = ctx.FloatInput(0);
        RequireImage(ctx, x);
        bool includePad = ctx.Int("count_include_pad", 0) != 0;
        return Pool(ctx, x, (sum, count, window) => sum / (includePad ? window : count), 0f, static (acc, v) => acc + v);
    }

    private static FloatTensor Pool(OpContext ctx, FloatTensor x, Func<float, int, int, float> finish, float seed, Func<float, float, float> combine)
    {
        var kernel = ctx.Ints("kernel_shape") ?? throw new ArgumentException("attribute 'kernel_shape' is required");
        if (kernel.Length != 2 || kernel.Any(k => k < 1 || k > int.MaxValue)) throw new ArgumentException($"kernel_shape [{string.Join(",", kernel)}] is not a 2-D window");
        ctx.RequireInt("ceil_mode", 0, 0);
        int n = x.Shape[0], c = x.Shape[1], h = x.Shape[2], w = x.Shape[3];
        var g = ReadWindow(ctx, h, w, (int)kernel[0], (int)kernel[1]);
        if (ctx.Node.OpType == "AveragePool" && (g.DH != 1 || g.DW != 1)) throw ctx.Unsupported($"dilations=[{g.DH},{g.DW}] are not supported");
        float[] src = x.FloatData, y = new float[n * c * g.OH * g.OW];
        Parallel.For(0, n * c, p =>
        {
            int xo = p * h * w, yo = p * g.OH * g.OW;
            for (int oh = 0; oh < g.OH; oh++)
                for (int ow = 0; ow < g.OW; ow++)
                {
                    float acc = seed;
                    int count = 0;
                    for (int kh = 0; kh < g.KH; kh++)
                    {
                        int ih = oh * g.SH - g.Top + kh * g.DH;
                        if (ih < 0 || ih >= h) continue;
                        for (int kw = 0; kw < g.KW; kw++)
                        {
                            int iw = ow * g.SW - g.Left + kw * g.DW;
                            if (iw < 0 || iw >= w) continue;
                            acc = combine(acc, src[xo + ih * w + iw]);
                            count++;
                        }
                    }
                    y[yo + oh * g.OW + ow] = finish(acc, count, g.KH * g.KW);
                }
        });
        return FloatTensor.FromFloats([n, c, g.OH, g.OW], y);
    }

    /// <summary>Inference BatchNormalization: y = x·a + b per channel, a = scale/√(var + ε), b = B − mean·a.</summary>
    public static FloatTensor BatchNormalization(OpContext ctx)
    {
        var x = ctx.FloatInput(0);
        if (ctx.Opset < 9) ctx.RequireInt("spatial", 1, 1);
        ctx.RequireInt("training_mode", 0, 0);
        if (x.Rank < 2) throw new ArgumentException($"input {x} has no channel dim");
        int c = x.Shape[1], inner = FloatTensor.ElementCount(x.Shape.AsSpan(2));
        var p = Enumerable.Range(1, 4).Select(i => ctx.FloatInput(i).FloatData).ToArray();
        if (p.Any(v => v.Length != c)) throw new ArgumentException($"scale, B, mean, var must each have {c} values");
        float eps = ctx.Float("epsilon", 1e-5f);
        float[] src = x.FloatData, y = new float[src.Length];
        for (int i = 0; i < src.Length / Math.Max(inner, 1); i++)
        {
            int ch = i % c;
            float a = p[0][ch] * (1f / MathF.Sqrt(p[3][ch] + eps)), b = p[1][ch] - p[2][ch] * a;
            for (int j = i * inner, end = j + inner; j < end; j++) y[j] = src[j] * a + b;
        }
        return FloatTensor.FromFloats(x.Shape, y);
    }

    private static void RequireImage(OpContext ctx, FloatTensor x)
    {
        if (x.Rank != 4) throw ctx.Unsupported($"input {x} is not NCHW; only 2-D spatial ops are supported");
    }

    private static Window ReadWindow(OpContext ctx, int h, int w, int kh, int kw)
    {
        string autoPad = ctx.String("auto_pad", "NOTSET");
        if (autoPad is not ("NOTSET" or "VALID")) throw ctx.Unsupported($"auto_pad={autoPad} is not supported (only NOTSET and VALID)");
        if (ctx.Ints("kernel_shape") is { } k && (k.Length != 2 || k[0] != kh || k[1] != kw))
            throw new ArgumentException($"kernel_shape [{string.Join(",", k)}] does not match the {kh}x{kw} window");
        long[] strides = ctx.Ints("strides") ?? [1, 1], dilations = ctx.Ints("dilations") ?? [1, 1];
        long[] pads = autoPad == "VALID" ? [0, 0, 0, 0] : ctx.Ints("pads") ?? [0, 0, 0, 0];
        if (strides.Length != 2 || dilations.Length != 2 || pads.Length != 4 || strides.Any(s => s < 1) || dilations.Any(d => d < 1) || pads.Any(p => p < 0))
            throw new ArgumentException($"strides [{string.Join(",", strides)}], dilations [{string.Join(",", dilations)}], pads [{string.Join(",", pads)}] are not valid 2-D values");
        long spanH = h + pads[0] + pads[2] - (dilations[0] * (kh - 1) + 1), spanW = w + pads[1] + pads[3] - (dilations[1] * (kw - 1) + 1);
        if (spanH < 0 || spanW < 0) throw new ArgumentException($"a {kh}x{kw} window with dilations [{string.Join(",", dilations)}] does not fit a padded {h}x{w} input");
        return new Window(kh, kw, (int)strides[0], (int)strides[1], (int)dilations[0], (int)dilations[1], (int)pads[0], (int)pads[1],
            (int)(spanH / strides[0] + 1), (int)(spanW / strides[1] + 1));
    }
}
