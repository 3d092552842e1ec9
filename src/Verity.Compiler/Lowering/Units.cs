using Verity.Compiler.Float;
using Verity.Compiler.Onnx;
using Verity.Compiler.Quantization;
using Verity.Engine.Ops;
using Verity.Engine.Tensors;

namespace Verity.Compiler.Lowering;

/// <summary>Lowering of the compute units: linear maps, convolutions, normalisation, non-linear functions, pooling.</summary>
internal sealed partial class Lowerer
{
    private void LowerAdd(OnnxNode n, Sym?[] ins)
    {
        switch (ins[0], ins[1])
        {
            case (EmbedSym a, EmbedSym b):
                _sym[n.Outputs[0]] = new EmbedSym(a.Word ?? b.Word, a.Pos ?? b.Pos, a.Row ?? b.Row, Math.Max(a.Ids, b.Ids));
                return;
            case (ActSym or EmbedSym, FillSym { Value: 0 }):
                _sym[n.Outputs[0]] = Act(n.Inputs[0]);
                return;
            case (FillSym { Value: 0 }, ActSym or EmbedSym):
                _sym[n.Outputs[0]] = Act(n.Inputs[1]);
                return;
            case (ActSym or EmbedSym, ActSym or EmbedSym):
                var (a1, b1) = (ActIn(n, 0), ActIn(n, 1));
                string end = n.Outputs[0];
                bool relu = false;
                if (SoleConsumer(end, "Relu") is { } r) { _done.Add(r); end = r.Outputs[0]; relu = true; }
                var t = TypeFor(end);
                double so = ScaleFor(end, t);
                var (mults, shift) = QuantMath.SharedMultiplier(a1.Scale / so, b1.Scale / so);
                int v = Emit(new Add { Name = n.Name, Inputs = [a1.Value, b1.Value], OutType = t, MultA = mults[0], MultB = mults[1], Shift = shift, Relu = relu });
                _sym[end] = new ActSym(v, t, so, a1.Shape);
                return;
            default:
                throw Unsupported(n, "Add of a runtime tensor and a constant is only supported as the bias of MatMul/Gemm");
        }
    }

    /// <summary>Multiplying or dividing by a positive constant only changes the scale: no op is emitted.</summary>
    private void LowerScale(OnnxNode n, Sym?[] ins)
    {
        int ai = ins[0] is ActSym or EmbedSym ? 0 : 1;
        if (ins[1 - ai] is not ConstSym c || ins[ai] is not (ActSym or EmbedSym)) throw Unsupported(n, "only scaling a runtime tensor by a constant is supported");
        if (n.OpType == "Div" && ai == 1) throw Unsupported(n, "dividing a constant by a runtime tensor is not supported");
        float k = Scalar(c.Value, n);
        if (!(k > 0) || float.IsInfinity(k)) throw Unsupported(n, $"scaling by {k} is not supported (positive finite constants only)");
        var a = ActIn(n, ai);
        _sym[n.Outputs[0]] = a with { Scale = n.OpType == "Mul" ? a.Scale * k : a.Scale / k };
    }

    private void LowerMatMul(OnnxNode n, Sym?[] ins)
    {
        if (ins[0] is ActSym or EmbedSym or TransposedSym && ins[1] is ActSym or TransposedSym)
        {
            if (n.OpType != "MatMul") throw Unsupported(n, "Gemm needs a constant B");
            // Transposes on either side are read in place; one right after is written in place.
            (ActSym a, int[] pa) = ins[0] is TransposedSym ta ? (ta.Source, ta.Perm) : (ActIn(n, 0), []);
            (ActSym b, int[] pb) = ins[1] is TransposedSym tb ? (tb.Source, tb.Perm) : (ActIn(n, 1), []);
            long[] sa = pa.Length == 0 ? a.Shape : [.. pa.Select(p => a.Shape[p])], sb = pb.Length == 0 ? b.Shape : [.. pb.Select(p => b.Shape[p])];
            long[] shape = [.. sa[..^1], sb[^1]];
            string product = n.Outputs[0];
            int[] po = [];
            if (SoleConsumer(product, "Transpose") is { } tr && Ints(tr, "perm", []).Length == shape.Length)
            {
                po = [.. Ints(tr, "perm", []).Select(p => (int)p)];
                shape = [.. po.Select(p => shape[p])];
                _done.Add(tr);
                product = tr.Outputs[0];
            }
            if (po.Length == 0 && MatchSoftmax(product) is { } sm)
            {
                // Attention scores: scale by 1/√d, add the (all-zero) mask, softmax — fused into the product.
                double sIn = ScaleFor(sm.Input, DType.I16);
                var (mq, sq) = QuantMath.Multiplier(a.Scale * b.Scale * sm.Factor / sIn);
                if (MatchMix(sm.Output) is { } mix)
                {
                    // …and the product with V too: the probabilities are never materialised.
                    var ot = TypeFor(mix.Output);
                    double os = ScaleFor(mix.Output, ot);
                    var (mo, so2) = QuantMath.Multiplier(mix.V.Scale / 32768 / os);
                    int va = Emit(new Attention
                    {
                        Name = n.Name, Inputs = [a.Value, b.Value, mix.V.Value], OutType = ot, ScoreMult = mq, ScoreShift = sq, SoftmaxTable = SoftmaxTable(sIn),
                        OutMult = mo, OutShift = so2, PermQ = pa, PermK = pb, PermV = mix.PermV, PermOut = mix.PermOut,
                    });
                    _sym[mix.Output] = new ActSym(va, ot, os, mix.Shape(shape));
                    return;
                }
                int vs = Emit(new MatMul { Name = n.Name, Inputs = [a.Value, b.Value], OutType = DType.I16, Mult = mq, Shift = sq, PermA = pa, PermB = pb, SoftmaxTable = SoftmaxTable(sIn) });
                _sym[sm.Output] = new ActSym(vs, DType.I16, 1.0 / 32768, shape);
                return;
            }
            var t = TypeFor(n.Outputs[0]);
            double so = ScaleFor(n.Outputs[0], t);
            var (m, s) = QuantMath.Multiplier(a.Scale * b.Scale / so);
            int v = Emit(new MatMul { Name = n.Name, Inputs = [a.Value, b.Value], OutType = t, Mult = m, Shift = s, PermA = pa, PermB = pb, PermOut = po });
            _sym[product] = new ActSym(v, t, so, shape);
            return;
        }
        if (ins[1] is not ConstSym wc) throw Unsupported(n, "B must be a constant or a runtime tensor");
        var x = ActIn(n, 0);
        var w = wc.Value;
        if (w.Rank != 2) throw Unsupported(n, $"weight of rank {w.Rank} is not supported");
        bool transB = n.OpType == "Gemm" && Attr(n, "transB", 0) == 1;
        if (n.OpType == "Gemm" && (Attr(n, "transA", 0) != 0 || (n.Attributes.TryGetValue("alpha", out var al) && al.F != 1)))
            throw Unsupported(n, "transA=1 or alpha≠1 is not supported");
        int kDim = transB ? w.Shape[1] : w.Shape[0], nDim = transB ? w.Shape[0] : w.Shape[1];
        if (x.Shape[^1] != kDim) throw Unsupported(n, $"input width {x.Shape[^1]} does not match weight K={kDim}");
        var wt = new float[nDim * kDim];
        for (int i = 0; i < nDim; i++) for (int k = 0; k < kDim; k++) wt[i * kDim + k] = transB ? w.FloatData[i * kDim + k] : w.FloatData[k * nDim + i];

        var bias = new float[nDim];
        string end = n.Outputs[0];
        if (n.OpType == "Gemm" && n.Inputs.Length > 2 && n.Inputs[2].Length > 0)
        {
            var c = ((ConstSym)Get(n.Inputs[2], n)).Value.FloatData;
            float beta = n.Attributes.TryGetValue("beta", out var be) ? be.F : 1;
            for (int i = 0; i < nDim; i++) bias[i] = beta * (c.Length == 1 ? c[0] : c[i]);
        }
        else if (SoleConsumer(end, "Add") is { } add && add.Inputs.FirstOrDefault(i => i != end) is { } bName && _sym.GetValueOrDefault(bName) is ConstSym bc && bc.Value.Length == nDim)
        {
            _done.Add(add); end = add.Outputs[0];
            bias = bc.Value.FloatData;
        }

        long[] outShape = [.. x.Shape[..^1], nDim];
        if (MatchGelu(end) is { } g)
        {
            // GELU fused into the Linear: requantize to I16 at the pre-activation scale, then one table lookup.
            double sPre = ScaleFor(end, DType.I16), c = g.Divisor;
            var (table, tOut, sOut) = Table(DType.I16, sPre, g.End, xv => xv * 0.5 * (1 + ErfFunction.Erf((float)(xv / c))));
            var lin = MakeLinear(n.Name, x, wt, bias, nDim, kDim, tOut, sPre, relu: false);
            _sym[g.End] = new ActSym(Emit(new Linear { Name = lin.Name, Inputs = lin.Inputs, OutType = tOut, N = lin.N, K = lin.K, W = lin.W, Bias = lin.Bias, Mult = lin.Mult, Shift = lin.Shift, Relu = false, Table = table }), tOut, sOut, outShape);
            return;
        }
        var t1 = TypeFor(end);
        double s1 = ScaleFor(end, t1);
        _sym[end] = new ActSym(Emit(MakeLinear(n.Name, x, wt, bias, nDim, kDim, t1, s1, relu: false)), t1, s1, outShape);
    }

    private Linear MakeLinear(string name, ActSym x, float[] w, float[] bias, int n, int k, DType outType, double so, bool relu)
    {
        var (q, sw) = QuantMath.PerRowInt8(w, n, k);
        var b = new long[n]; var mult = new int[n]; var shift = new int[n];
        for (int i = 0; i < n; i++)
        {
            b[i] = (long)Math.Round(bias[i] / (x.Scale * sw[i]));
            (mult[i], shift[i]) = QuantMath.Multiplier(x.Scale * sw[i] / so);
        }
        return new Linear { Name = name, Inputs = [x.Value], OutType = outType, N = n, K = k, W = q, Bias = b, Mult = mult, Shift = shift, Relu = relu };
    }

    private sealed record GeluMatch(string Name, string End, double Divisor);

    /// <summary>x → Div(x, c) → Erf → Add(1) → Mul(x, ·) → Mul(0.5): GELU as one unit.</summary>
    private GeluMatch? MatchGelu(string x)
    {
        if (!_consumers.TryGetValue(x, out var users) || users.Count != 2) return null;
        var div = users.FirstOrDefault(u => u.OpType == "Div" && u.Inputs[0] == x);
        var mulX = users.FirstOrDefault(u => u.OpType == "Mul");
        if (div is null || mulX is null || _sym.GetValueOrDefault(div.Inputs[1]) is not ConstSym dc) return null;
        var erf = SoleConsumer(div.Outputs[0], "Erf");
        var add = erf is null ? null : SoleConsumer(erf.Outputs[0], "Add");
        if (add is null || !mulX.Inputs.Contains(add.Outputs[0])) return null;
        if (add.Inputs.FirstOrDefault(i => i != erf!.Outputs[0]) is not { } one || _sym.GetValueOrDefault(one) is not ConstSym oc || Scalar(oc.Value, add) != 1) return null;
        var half = SoleConsumer(mulX.Outputs[0], "Mul");
        if (half is null || half.Inputs.FirstOrDefault(i => i != mulX.Outputs[0]) is not { } h || _sym.GetValueOrDefault(h) is not ConstSym hc || Scalar(hc.Value, half) != 0.5f) return null;
        foreach (var node in new[] { div, erf!, add, mulX, half }) _done.Add(node);
        return new GeluMatch(erf!.Name + "_gelu", half.Outputs[0], Scalar(dc.Value, div));
    }

    /// <summary>Element-wise function as a lookup table from the input's integer domain to the output's.</summary>
    private ActSym LutOp(string name, ActSym x, string outTensor, Func<double, double> f)
    {
        var (table, t, so) = Table(x.Type, x.Scale, outTensor, f);
        int v = Emit(new Lut { Name = name, Inputs = [x.Value], OutType = t, Table = table });
        return new ActSym(v, t, so, x.Shape);
    }

    /// <summary>table[q − min] = round(f(q·inScale) / outScale) over the input type's whole range, saturated.</summary>
    private (short[] Table, DType Type, double Scale) Table(DType inType, double inScale, string outTensor, Func<double, double> f)
    {
        var t = TypeFor(outTensor);
        double so = ScaleFor(outTensor, t);
        int size = inType == DType.I16 ? 65536 : 256, offset = size / 2, max = inType.Max();
        var table = new short[size];
        for (int i = 0; i < size; i++) table[i] = (short)QuantMath.Saturate(f(Math.Clamp(i - offset, -max, max) * inScale) / so, t.Max());
        return (table, t, so);
    }

    private void LowerLut(OnnxNode n, Func<float, float> f) => _sym[n.Outputs[0]] = LutOp(n.Name, ActIn(n, 0), n.Outputs[0], v => f((float)v));

    private void LowerRelu(OnnxNode n) => _sym[n.Outputs[0]] = LutOp(n.Name, ActIn(n, 0), n.Outputs[0], v => Math.Max(0, v));

    private void LowerConv(OnnxNode n, Sym?[] ins)
    {
        var x = ActIn(n, 0);
        if (ins[1] is not ConstSym wc || wc.Value.Rank != 4) throw Unsupported(n, "weights must be a constant [Cout, Cin, kH, kW]");
        if (Attr(n, "group", 1) != 1) throw Unsupported(n, $"group={Attr(n, "group", 1)} is not supported");
        if (Ints(n, "dilations", [1, 1]).Any(d => d != 1)) throw Unsupported(n, "dilations other than 1 are not supported");
        if (n.Attributes.TryGetValue("auto_pad", out var ap) && ap.S is not ("NOTSET" or "")) throw Unsupported(n, $"auto_pad={ap.S} is not supported");
        var w = wc.Value;
        int cout = w.Shape[0], cin = w.Shape[1], kh = w.Shape[2], kw = w.Shape[3], k = cin * kh * kw;
        if (x.Shape.Length != 4 || x.Shape[1] != cin) throw Unsupported(n, $"input channels {x.Shape[1]} do not match weights {cin}");
        var pads = Ints(n, "pads", [0, 0, 0, 0]); var strides = Ints(n, "strides", [1, 1]);
        var wf = (float[])w.FloatData.Clone();
        var bias = n.Inputs.Length > 2 && n.Inputs[2].Length > 0 ? (float[])((ConstSym)Get(n.Inputs[2], n)).Value.FloatData.Clone() : new float[cout];

        string end = n.Outputs[0];
        if (SoleConsumer(end, "BatchNormalization") is { } bn)
        {
            if (Attr(bn, "spatial", 1) != 1) throw Unsupported(bn, "spatial=0 is not supported");
            float eps = bn.Attributes.TryGetValue("epsilon", out var e) ? e.F : 1e-5f;
            float[] P(int i) => _sym.GetValueOrDefault(bn.Inputs[i]) is ConstSym c ? c.Value.FloatData : throw Unsupported(bn, "parameters must be constant");
            var (gamma, beta, mean, variance) = (P(1), P(2), P(3), P(4));
            for (int o = 0; o < cout; o++)
            {
                double f = gamma[o] / Math.Sqrt(variance[o] + eps);
                for (int j = 0; j < k; j++) wf[o * k + j] = (float)(wf[o * k + j] * f);
                bias[o] = (float)((bias[o] - mean[o]) * f + beta[o]);
            }
            _done.Add(bn); end = bn.Outputs[0];
        }
        bool relu = false;
        if (SoleConsumer(end, "Relu") is { } r) { _done.Add(r); end = r.Outputs[0]; relu = true; }

        var t = TypeFor(end);
        double so = ScaleFor(end, t);
        var lin = MakeLinear(n.Name, x, wf, bias, cout, k, t, so, relu);
        // ONNX pads are [top, left, bottom, right] for 2-D, which is the engine's order too.
        int v = Emit(new Conv2d
        {
            Name = n.Name, Inputs = [x.Value], OutType = t, Cout = cout, Cin = cin, KH = kh, KW = kw, StrideH = (int)strides[0], StrideW = (int)strides[1],
            Pads = [.. pads.Select(p => (int)p)], W = lin.W, Bias = lin.Bias, Mult = lin.Mult, Shift = lin.Shift, Relu = relu,
        });
        long oh = (x.Shape[2] + pads[0] + pads[2] - kh) / strides[0] + 1, ow = (x.Shape[3] + pads[1] + pads[3] - kw) / strides[1] + 1;
        _sym[end] = new ActSym(v, t, so, [1, cout, oh, ow]);
    }

    private void LowerPool(OnnxNode n)
    {
        var x = ActIn(n, 0);
        if (n.Attributes.TryGetValue("auto_pad", out var ap) && ap.S is not ("NOTSET" or "")) throw Unsupported(n, $"auto_pad={ap.S} is not supported");
        if (Attr(n, "ceil_mode", 0) != 0) throw Unsupported(n, "ceil_mode=1 is not supported");
        if (Attr(n, "storage_order", 0) != 0) throw Unsupported(n, "storage_order=1 is not supported");
        if (Ints(n, "dilations", [1, 1]).Any(d => d != 1)) throw Unsupported(n, "dilations other than 1 are not supported");
        var ks = Ints(n, "kernel_shape", []);
        if (ks.Length != 2) throw Unsupported(n, "only 2-D pooling is supported");
        var pads = Ints(n, "pads", [0, 0, 0, 0]); var strides = Ints(n, "strides", [1, 1]);
        if (n.OpType == "AveragePool" && Attr(n, "count_include_pad", 0) != 0 && pads.Any(p => p != 0))
            throw Unsupported(n, "count_include_pad=1 with padding is not supported");
        int[] p = [.. pads.Select(v => (int)v)];
        Pool2d op = n.OpType == "MaxPool"
            ? new MaxPool2d { Name = n.Name, Inputs = [x.Value], OutType = x.Type, KH = (int)ks[0], KW = (int)ks[1], StrideH = (int)strides[0], StrideW = (int)strides[1], Pads = p }
            : new AvgPool2d { Name = n.Name, Inputs = [x.Value], OutType = x.Type, KH = (int)ks[0], KW = (int)ks[1], StrideH = (int)strides[0], StrideW = (int)strides[1], Pads = p };
        int v = Emit(op);
        long oh = (x.Shape[2] + pads[0] + pads[2] - ks[0]) / strides[0] + 1, ow = (x.Shape[3] + pads[1] + pads[3] - ks[1]) / strides[1] + 1;
        _sym[n.Outputs[0]] = x with { Value = v, Shape = [1, x.Shape[1], oh, ow] };
    }

    private void LowerReshape(OnnxNode n, Sym?[] ins)
    {
        var x = ActIn(n, 0);
        long[] dims = ins[1] switch
        {
            ShapeSym s => s.Dims,
            ConstSym { Value.IsFloat: false } c => c.Value.LongData,
            _ => throw Unsupported(n, "the target shape must be constant or derived from input shapes"),
        };
        dims = [.. dims.Select((d, i) => d == 0 ? x.Shape[i] : d)];
        if (dims.Contains(-1) && dims.Contains(SeqLen)) throw Unsupported(n, "−1 together with the dynamic sequence length is not supported");
        if (dims.Contains(-1))
        {
            if (x.Shape.Contains(SeqLen)) throw Unsupported(n, "−1 on a dynamically shaped input is not supported");
            long known = dims.Where(d => d != -1).Aggregate(1L, (a, b) => a * b), total = x.Shape.Aggregate(1L, (a, b) => a * b);
            dims = [.. dims.Select(d => d == -1 ? total / known : d)];
        }
        int v = Emit(new Engine.Ops.Reshape { Name = n.Name, Inputs = [x.Value], OutType = x.Type, Dims = [.. dims.Select(d => d == SeqLen ? -1 : (int)d)] });
        _sym[n.Outputs[0]] = x with { Value = v, Shape = dims };
    }

    private void LowerTranspose(OnnxNode n, Sym? input)
    {
        var (src, inner) = input switch
        {
            TransposedSym t => (t.Source, t.Perm),
            ActSym or EmbedSym => (ActIn(n, 0), Enumerable.Range(0, ActIn(n, 0).Shape.Length).ToArray()),
            _ => throw Unsupported(n, "input must be a runtime tensor"),
        };
        int[] perm = [.. Ints(n, "perm", [.. Enumerable.Range(0, inner.Length).Reverse().Select(i => (long)i)]).Select(p => (int)p)];
        if (perm.Length != inner.Length) throw Unsupported(n, $"perm of length {perm.Length} for rank {inner.Length}");
        _sym[n.Outputs[0]] = new TransposedSym(src, [.. perm.Select(p => inner[p])]);
    }

    private ActSym EmitTranspose(string name, TransposedSym t)
    {
        int v = Emit(new Engine.Ops.Transpose { Name = name + "_transpose", Inputs = [t.Source.Value], OutType = t.Source.Type, Perm = t.Perm });
        return t.Source with { Value = v, Shape = [.. t.Perm.Select(p => t.Source.Shape[p])] };
    }

    private void LowerSoftmax(OnnxNode n)
    {
        var x = ActIn(n, 0);
        long axis = Attr(n, "axis", _g.OpsetVersion >= 13 ? -1 : 1);
        if (axis != -1 && axis != x.Shape.Length - 1) throw Unsupported(n, $"softmax over axis {axis} is not supported (last axis only)");
        if (x.Type != DType.I16) throw Unsupported(n, "softmax input must be I16");
        int v = Emit(new Engine.Ops.Softmax { Name = n.Name, Inputs = [x.Value], OutType = DType.I16, Table = SoftmaxTable(x.Scale) });
        _sym[n.Outputs[0]] = new ActSym(v, DType.I16, 1.0 / 32768, x.Shape);
    }

    private sealed record MixMatch(ActSym V, int[] PermV, int[] PermOut, string Output)
    {
        /// <summary>Output shape given the probabilities' shape [.., S, S].</summary>
        public long[] Shape(long[] probs)
        {
            long[] sv = PermV.Length == 0 ? V.Shape : [.. PermV.Select(p => V.Shape[p])];
            long[] c = [.. probs[..^1], sv[^1]];
            return PermOut.Length == 0 ? c : [.. PermOut.Select(p => c[p])];
        }
    }

    /// <summary>probabilities → MatMul(·, V) [→ Transpose]: the second half of attention.</summary>
    private MixMatch? MatchMix(string probs)
    {
        if (!_consumers.TryGetValue(probs, out var users) || users.Count != 1 || _g.Outputs.Any(o => o.Name == probs)) return null;
        var mm = users[0];
        if (mm.OpType != "MatMul" || mm.Inputs[0] != probs) return null;
        (ActSym v, int[] pv) = _sym.GetValueOrDefault(mm.Inputs[1]) switch
        {
            TransposedSym t => (t.Source, t.Perm),
            ActSym a => (a, []),
            _ => (null!, []),
        };
        if (v is null || v.Type != DType.I8) return null;
        _done.Add(mm);
        string output = mm.Outputs[0];
        int[] po = [];
        if (SoleConsumer(output, "Transpose") is { } tr && Ints(tr, "perm", []).Length == v.Shape.Length)
        {
            po = [.. Ints(tr, "perm", []).Select(p => (int)p)];
            _done.Add(tr);
            output = tr.Outputs[0];
        }
        return new MixMatch(v, pv, po, output);
    }

    /// <summary>Table[d] = round(2^30·exp(−d·scale)) while ≥ 1: exp of the distance below the row maximum.</summary>
    private static int[] SoftmaxTable(double scale)
    {
        var table = new List<int>();
        for (int d = 0; d <= 65535; d++)
        {
            double e = Math.Round(Math.Pow(2, 30) * Math.Exp(-d * scale));
            if (e < 1) break;
            table.Add((int)e);
        }
        return [.. table];
    }

    private sealed record SoftmaxMatch(string Input, string Output, double Factor);

    /// <summary>t → (Div|Mul by a positive constant | Add of an all-zero fill)* → Softmax over the last axis.</summary>
    private SoftmaxMatch? MatchSoftmax(string t)
    {
        var chain = new List<OnnxNode>();
        double factor = 1;
        for (string cur = t; ;)
        {
            if (!_consumers.TryGetValue(cur, out var users) || users.Count != 1 || _g.Outputs.Any(o => o.Name == cur)) return null;
            var u = users[0];
            string? other = u.Inputs.Length == 2 ? u.Inputs[u.Inputs[0] == cur ? 1 : 0] : null;
            switch (u.OpType)
            {
                case "Div" when u.Inputs[0] == cur && _sym.GetValueOrDefault(other!) is ConstSym c && Scalar(c.Value, u) > 0: factor /= Scalar(c.Value, u); break;
                case "Mul" when _sym.GetValueOrDefault(other!) is ConstSym c && Scalar(c.Value, u) > 0: factor *= Scalar(c.Value, u); break;
                case "Add" when _sym.GetValueOrDefault(other!) is FillSym { Value: 0 }: break;
                case "Softmax" when Attr(u, "axis", _g.OpsetVersion >= 13 ? -1 : 1) == -1:
                    chain.Add(u);
                    foreach (var node in chain) _done.Add(node);
                    return new SoftmaxMatch(cur, u.Outputs[0], factor);
                default: return null;
            }
            chain.Add(u);
            cur = u.Outputs[0];
        }
    }

    private void LowerReduceMean(OnnxNode n)
    {
        var x = ActIn(n, 0);
        var axes = Ints(n, "axes", []);
        if (axes.Length != 1) throw Unsupported(n, "exactly one reduction axis is supported");
        int axis = (int)(axes[0] < 0 ? axes[0] + x.Shape.Length : axes[0]);
        if (axis == x.Shape.Length - 1 && MatchLayerNorm(n) is { } ln)
        {
            var t = TypeFor(ln.End);
            double so = ScaleFor(ln.End, t);
            int d = (int)x.Shape[^1];
            double gMax = ln.Gamma.Max(g => Math.Abs((double)g)) / so;
            int shift = 15 + Math.Clamp(20 - (int)Math.Ceiling(Math.Log2(gMax + 1e-30)), 1, 40);
            var g = ln.Gamma.Select(v => (int)Math.Round(v / so * Math.Pow(2, shift - 15))).ToArray();
            var b = ln.Beta.Select(v => (long)Math.Round(v / so * Math.Pow(2, shift))).ToArray();
            long eps = (long)Math.Round(ln.Eps * (double)d * d / (x.Scale * x.Scale));
            // A residual Add whose only reader is this LayerNorm is fused into it (same bits, one tensor less to commit).
            if (_ops.Count > 0 && _ops[^1] is Add { Relu: false, OutType: DType.I16 } add && x.Value == _inputs.Count + _ops.Count - 1
                && _consumers[n.Inputs[0]].Count == 2 && !_g.Outputs.Any(o => o.Name == n.Inputs[0]))
            {
                _ops.RemoveAt(_ops.Count - 1);
                int vf = Emit(new LayerNorm { Name = n.Name, Inputs = add.Inputs, OutType = t, D = d, Eps = eps, G = g, B = b, Shift = shift, AddMultA = add.MultA, AddMultB = add.MultB, AddShift = add.Shift });
                _sym[ln.End] = new ActSym(vf, t, so, x.Shape);
                return;
            }
            int v = Emit(new LayerNorm { Name = n.Name, Inputs = [x.Value], OutType = t, D = d, Eps = eps, G = g, B = b, Shift = shift });
            _sym[ln.End] = new ActSym(v, t, so, x.Shape);
            return;
        }
        if (x.Shape[axis] == SeqLen || Attr(n, "keepdims", 1) != 0)
        {
            int v1 = Emit(new ReduceMean { Name = n.Name, Inputs = [x.Value], OutType = x.Type, Axis = axis });
            long[] reduced = [.. x.Shape.Where((_, i) => i != axis)];
            if (Attr(n, "keepdims", 1) == 0) { _sym[n.Outputs[0]] = x with { Value = v1, Shape = reduced }; return; }
            long[] kept = [.. x.Shape.Select((d, i) => i == axis ? 1 : d)];
            int v2 = Emit(new Engine.Ops.Reshape { Name = n.Name + "_keepdims", Inputs = [v1], OutType = x.Type, Dims = [.. kept.Select(d => d == SeqLen ? -1 : (int)d)] });
            _sym[n.Outputs[0]] = x with { Value = v2, Shape = kept };
            return;
        }
        int v3 = Emit(new ReduceMean { Name = n.Name, Inputs = [x.Value], OutType = x.Type, Axis = axis });
        _sym[n.Outputs[0]] = x with { Value = v3, Shape = [.. x.Shape.Where((_, i) => i != axis)] };
    }

    private sealed record LayerNormMatch(string End, float Eps, float[] Gamma, float[] Beta);

    /// <summary>μ = mean(x); d = x − μ; y = d / √(mean(d²) + ε)·γ + β over the last axis.</summary>
    private LayerNormMatch? MatchLayerNorm(OnnxNode mean)
    {
        string x = mean.Inputs[0];
        var sub = _consumers.GetValueOrDefault(mean.Outputs[0])?.SingleOrDefault();
        if (sub is not { OpType: "Sub" } || sub.Inputs[0] != x || sub.Inputs[1] != mean.Outputs[0]) return null;
        var users = _consumers.GetValueOrDefault(sub.Outputs[0]);
        if (users is not { Count: 2 }) return null;
        var pow = users.FirstOrDefault(u => u.OpType == "Pow"); var div = users.FirstOrDefault(u => u.OpType == "Div");
        if (pow is null || div is null || _sym.GetValueOrDefault(pow.Inputs[1]) is not ConstSym pc || Scalar(pc.Value, pow) != 2) return null;
        var mean2 = SoleConsumer(pow.Outputs[0], "ReduceMean");
        var addEps = mean2 is null ? null : SoleConsumer(mean2.Outputs[0], "Add");
        var sqrt = addEps is null ? null : SoleConsumer(addEps.Outputs[0], "Sqrt");
        if (sqrt is null || div.Inputs[1] != sqrt.Outputs[0] || div.Inputs[0] != sub.Outputs[0]) return null;
        if (_sym.GetValueOrDefault(addEps!.Inputs[1]) is not ConstSym ec) return null;
        var mul = SoleConsumer(div.Outputs[0], "Mul");
        var addB = mul is null ? null : SoleConsumer(mul.Outputs[0], "Add");
        if (addB is null) return null;
        if (_sym.GetValueOrDefault(mul!.Inputs.First(i => i != div.Outputs[0])) is not ConstSym gc) return null;
        if (_sym.GetValueOrDefault(addB.Inputs.First(i => i != mul.Outputs[0])) is not ConstSym bc) return null;
        foreach (var node in new[] { sub, pow, mean2!, addEps, sqrt, div, mul, addB }) _done.Add(node);
        return new LayerNormMatch(addB.Outputs[0], Scalar(ec.Value, addEps), gc.Value.FloatData, bc.Value.FloatData);
    }

    private ActSym MaterializeEmbed(string name, EmbedSym e)
    {
        if (e.Word is null || e.Ids < 0) throw new UnsupportedOnnxException(name, "embedding", "an embedding sum needs a token-id lookup");
        var word = e.Word; int vocab = word.Shape[0], d = word.Shape[1];
        var pos = e.Pos?.FloatData ?? new float[d];
        int maxPos = e.Pos?.Shape[0] ?? 1 << 20;
        if (e.Pos is null) throw new UnsupportedOnnxException(name, "embedding", "an embedding sum without positions is not supported");
        var row = e.Row ?? new float[d];
        var (wq, ws) = QuantMath.PerRowInt8(word.FloatData, vocab, d);
        var (pq, ps) = QuantMath.PerRowInt8(pos, maxPos, d);
        var (rq, rs) = QuantMath.PerRowInt8(row, 1, d);
        double so = ScaleFor(name, DType.I16);
        var reals = ws.Select(s => s / so).Concat(ps.Select(s => s / so)).Append(rs[0] / so).ToArray();
        var (mults, shift) = QuantMath.SharedMultiplier(reals);
        int v = Emit(new Embed
        {
            Name = name + "_embed", Inputs = [e.Ids], OutType = DType.I16, Vocab = vocab, D = d, MaxPositions = maxPos, Shift = shift,
            Word = wq, WordMult = mults[..vocab], Pos = pq, PosMult = mults[vocab..(vocab + maxPos)], Type = rq, TypeMult = mults[^1],
        });
        var a = new ActSym(v, DType.I16, so, [1, SeqLen, d]);
        _sym[name] = a;
        return a;
    }
}
