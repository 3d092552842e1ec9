using Verity.Engine.Format;
using Verity.Engine.Ops;
using Verity.Engine.Tensors;
using static Verity.Engine.Tests.TestKit;

namespace Verity.Engine.Tests;

/// <summary>
/// A small model built in code from a fixed seed that uses every op kind: a one-layer, two-head attention block over
/// token ids, and a small conv net over an 8-bit image. Built with integer arithmetic only (no Math.Exp), so its bytes,
/// and the golden digests over them, do not depend on the platform's floating-point library.
/// </summary>
internal static class SyntheticModel
{
    public const int Vocab = 50, D = 32, Heads = 2, HeadDim = 16, MaxPositions = 16, Classes = 5, Channels = 16, ImageSize = 12;

    /// <summary>round(2^30·exp(−1/256)): the softmax table decays by this factor per step of the score.</summary>
    private const long SoftmaxStep = 1069555701;

    public static VModel Build()
    {
        var r = new Rng(20240601);
        var ops = new List<Op>();
        int Emit(Op op) { ops.Add(op); return 2 + ops.Count - 1; } // value ids: 0 = ids, 1 = image
        const int i8 = 127 / 3 * 2, i16 = 32767 / 3 * 2; // typical bounds of activations after requant

        // Text branch: embed → layer norm → q, k, v → two-head attention → output projection → GELU-like table → residual.
        int embed = Emit(new Embed
        {
            Name = "embed", Inputs = [0], OutType = DType.I16, Vocab = Vocab, D = D, MaxPositions = MaxPositions,
            Word = Weights(r, Vocab * D), WordMult = Mults(r, Vocab), Pos = Weights(r, MaxPositions * D), PosMult = Mults(r, MaxPositions),
            Type = Weights(r, D), TypeMult = r.Int(1 << 14, (1 << 15) - 1), Shift = ShiftFor(2 * Std(127), 1 << 15, 32767 / 3),
        });
        int ln = Emit(new LayerNorm
        {
            Name = "ln", Inputs = [embed], OutType = DType.I8, D = D, Eps = 1000, Shift = 21,
            G = [.. Enumerable.Range(0, D).Select(_ => r.Int(-(1 << 12), 1 << 12))], B = Longs(r, D, 1 << 20),
        });
        int q = Emit(Linear(r, D, D, DType.I8, false, i8, "q", ln));
        int k = Emit(Linear(r, D, D, DType.I16, false, i8, "k", ln));
        int v = Emit(Linear(r, D, D, DType.I8, false, i8, "v", ln));
        int qh = Emit(new Transpose { Name = "q_heads", Inputs = [Emit(Split(q, "q_split", DType.I8))], OutType = DType.I8, Perm = [0, 2, 1, 3] });
        int ks = Emit(Split(k, "k_split", DType.I16));
        long scoreStd = 4 * Std(i8) * Std(i16);
        // Kᵀ is read in place: PermB takes [1, S, H, dh] to [1, H, dh, S].
        int scores = Emit(new MatMul { Name = "scores", Inputs = [qh, ks], OutType = DType.I16, Mult = 1 << 14, Shift = ShiftFor(scoreStd, 1 << 14, 1200), PermB = [0, 2, 3, 1] });
        int probs = Emit(new Softmax { Name = "softmax", Inputs = [scores], OutType = DType.I16, Table = SoftmaxTable() });
        int vh = Emit(new Transpose { Name = "v_heads", Inputs = [Emit(Split(v, "v_split", DType.I8))], OutType = DType.I8, Perm = [0, 2, 1, 3] });
        // The heads merge in place: PermOut writes [1, H, S, dh] as [1, S, H, dh].
        int ctx = Emit(new MatMul { Name = "context", Inputs = [probs, vh], OutType = DType.I16, Mult = 1 << 14, Shift = ShiftFor(32768L * Std(i8) / 2, 1 << 14, 32767 / 3), PermOut = [0, 2, 1, 3] });
        // The same attention as one op; its output must equal ctx (AttentionTests checks that on random data).
        int fused = Emit(new Attention
        {
            Name = "attention", Inputs = [qh, ks, vh], OutType = DType.I16, ScoreMult = 1 << 14, ScoreShift = ShiftFor(scoreStd, 1 << 14, 1200), SoftmaxTable = SoftmaxTable(),
            OutMult = 1 << 14, OutShift = ShiftFor(32768L * Std(i8) / 2, 1 << 14, 32767 / 3), PermK = [0, 2, 3, 1], PermOut = [0, 2, 1, 3],
        });
        int flat = Emit(new Reshape { Name = "merge_reshape", Inputs = [fused], OutType = DType.I16, Dims = [1, -1, D] });
        int proj = Emit(Linear(r, D, D, DType.I16, false, i16, "proj", flat));
        int gelu = Emit(new Lut { Name = "gelu", Inputs = [proj], OutType = DType.I16, Table = GeluLikeTable() });
        int residual = Emit(new Add { Name = "residual", Inputs = [gelu, embed], OutType = DType.I16, MultA = 1 << 14, MultB = 1 << 14, Shift = 15, Relu = false });
        int mean = Emit(new ReduceMean { Name = "mean_pool", Inputs = [residual], OutType = DType.I16, Axis = 1 });
        int cls = Emit(new Gather { Name = "cls", Inputs = [residual], OutType = DType.I16, Axis = 1, Index = 0 });
        int pooled = Emit(new Add { Name = "pooled", Inputs = [mean, cls], OutType = DType.I8, MultA = 1 << 14, MultB = 1 << 14, Shift = 23, Relu = true });
        int squashed = Emit(new Lut { Name = "squash", Inputs = [pooled], OutType = DType.I8, Table = [.. Enumerable.Range(-128, 256).Select(x => (short)((x * x >> 7) - 64))] });
        var head = Linear(r, D, Classes, DType.I16, false, i8, "head", squashed);
        int logits = Emit(new Ops.Linear
        {
            Name = head.Name, Inputs = head.Inputs, OutType = head.OutType, N = head.N, K = head.K, W = head.W, Bias = head.Bias, Mult = head.Mult,
            Shift = head.Shift, Relu = false, Table = SoftClipTable(), // a fused activation
        });

        // Image branch: conv(relu) → max pool; a strided 7×7 conv with asymmetric pads beside it; 1×1 conv → add(relu) → avg pool.
        int conv1 = Emit(Conv(r, 3, Channels, 3, 3, 1, [1, 1, 1, 1], DType.I8, true, 127, "conv1", 1));
        int pool1 = Emit(new MaxPool2d { Name = "maxpool", Inputs = [conv1], OutType = DType.I8, KH = 3, KW = 3, StrideH = 2, StrideW = 2, Pads = [1, 1, 0, 0] });
        int conv2 = Emit(Conv(r, Channels, Channels, 1, 1, 1, [0, 0, 0, 0], DType.I8, false, 127, "conv2", pool1));
        int stem = Emit(Conv(r, 3, Channels, 7, 7, 2, [3, 3, 2, 2], DType.I16, false, 127, "stem7x7", 1));
        int sum = Emit(new Add { Name = "block_add", Inputs = [conv2, stem], OutType = DType.I8, MultA = 1 << 15, MultB = 164, Shift = 16, Relu = true });
        int features = Emit(new AvgPool2d { Name = "avgpool", Inputs = [sum], OutType = DType.I8, KH = 3, KW = 3, StrideH = 2, StrideW = 2, Pads = [1, 1, 0, 0] });

        return new VModel
        {
            Name = "synthetic-every-op",
            Meta = new Dictionary<string, string> { ["source"] = "Verity.Engine.Tests/SyntheticModel.cs", ["seed"] = "20240601" },
            Inputs = [new ModelValue("ids", DType.I32, [1, -1], 1), new ModelValue("image", DType.I8, [1, 3, ImageSize, ImageSize], 0.0078125)],
            Ops = [.. ops],
            OutputIds = [logits, features],
            Outputs = [new ModelValue("logits", DType.I16, [1, Classes], 0.0009765625), new ModelValue("features", DType.I8, [1, Channels, 3, 3], 0.015625)],
        };

        Op Split(int input, string name, DType type) => new Reshape { Name = name, Inputs = [input], OutType = type, Dims = [1, -1, Heads, HeadDim] };
    }

    /// <summary>The fixed input the golden digests are pinned for; other seeds give other valid inputs.</summary>
    public static IntTensor[] Inputs(ulong seed = 7, int tokens = 12)
    {
        var r = new Rng(seed);
        var ids = IntTensor.FromInts(DType.I32, [1, tokens], [.. Enumerable.Range(0, tokens).Select(_ => r.Int(0, Vocab - 1))]);
        return [ids, Tensor(r, DType.I8, [1, 3, ImageSize, ImageSize])];
    }

    /// <summary>Softmax table in integers: Table[0] = 2^30, Table[d] = ⌊Table[d−1]·step / 2^30⌋ while positive.</summary>
    private static int[] SoftmaxTable()
    {
        var t = new List<int> { 1 << 30 };
        while (true)
        {
            long next = t[^1] * SoftmaxStep >> 30;
            if (next == 0) return [.. t];
            t.Add((int)next);
        }
    }

    /// <summary>x − x³/2^30: odd, rising to 12612 at x ≈ 18918 and back to 0 at ±32767.</summary>
    private static short[] SoftClipTable() =>
        [.. Enumerable.Range(-32768, 65536).Select(x => (short)Math.Clamp(x - ((long)x * x * x >> 30), -32767, 32767))];

    /// <summary>x for x ≥ 0; x·(32767 + x)/2^15 below, a dip to −8192 like GELU's.</summary>
    private static short[] GeluLikeTable() =>
        [.. Enumerable.Range(-32768, 65536).Select(x => (short)(x >= 0 ? Math.Min(x, 32767) : Math.Max(-32767, (long)x * (32767 + x) >> 15)))];
}
