using System.Security.Cryptography;
using Verity.Commitments;
using Verity.Engine.Format;
using Verity.Engine.Ops;
using Verity.Engine.Tensors;

namespace Verity.Engine.Tests;

/// <summary>.vmodel files around hand-made op bytes: a correct weights root and trailer unless a test breaks them on purpose.</summary>
internal static class RawModel
{
    /// <summary>Op header: kind code, name, output type code, input value ids. Parameters follow.</summary>
    public static ParamWriter Op(byte code, DType outType = DType.I8, int[]? inputs = null, string name = "op", byte? typeCode = null)
    {
        var w = new ParamWriter();
        w.U8(code); w.Str(name); w.U8(typeCode ?? (byte)outType); w.I32s(inputs ?? [0]);
        return w;
    }

    /// <summary>A model with one input x: I8[1, 8]; the outputs default to the last op's value.</summary>
    public static byte[] File(IReadOnlyList<byte[]> ops, int version = OpSet.Version, int[]? outputIds = null, int? outputCount = null,
        int inputCount = 1, Hash256? weightsRoot = null, byte[]? afterBody = null)
    {
        var w = new ParamWriter();
        w.Raw(VModel.Magic); w.I32(version); w.Str("crafted");
        w.I32(1); w.Str("k"); w.Str("v");
        w.I32(inputCount);
        for (int i = 0; i < Math.Min(inputCount, 1); i++) Value(w, "x");
        w.I32(ops.Count);
        foreach (var op in ops) w.Bytes(op);
        outputIds ??= [ops.Count];
        w.I32s(outputIds);
        w.I32(outputCount ?? outputIds.Length);
        for (int i = 0; i < (outputCount ?? outputIds.Length); i++) Value(w, $"y{i}");
        var root = weightsRoot ?? (ops.Count == 0 ? Hash256.Of([]) : TraceRoot.Compute([.. ops.Select(o => TensorCommitment.Root(o))]));
        w.Raw(root.ToArray());
        if (afterBody is not null) w.Raw(afterBody);
        return Seal(w.ToArray());
    }

    public static byte[] Seal(byte[] body) => [.. body, .. SHA256.HashData(body)];

    private static void Value(ParamWriter w, string name) { w.Str(name); w.U8((byte)DType.I8); w.I32s([1, 8]); w.F64(1); }

    /// <summary>A valid I8 → I8 lookup op reading value <paramref name="input"/>.</summary>
    public static byte[] Lut(int input = 0) => new Lut { Name = "lut", Inputs = [input], OutType = DType.I8, Table = [.. Enumerable.Range(-128, 256).Select(x => (short)Math.Clamp(x, -127, 127))] }.Encode();
}

public class FormatTests
{
    private static readonly byte[] Good = ExecutorTests.ModelBytes;

    private static InvalidDataException Rejects(byte[] file, Hash256? expectedId = null)
    {
        var e = Record.Exception(() => VModel.Load(file, expectedId));
        Assert.NotNull(e);
        Assert.True(e is InvalidDataException, $"expected InvalidDataException, got {e.GetType().Name}: {e.Message}");
        Assert.False(string.IsNullOrWhiteSpace(e.Message));
        return (InvalidDataException)e;
    }

    [Fact]
    public void Crafted_files_load_when_nothing_is_wrong()
    {
        // The rejection tests below change one thing in files like these.
        var (model, _, _) = VModel.Load(RawModel.File([RawModel.Lut(), RawModel.Lut(1)]));
        Assert.Equal(2, model.Ops.Length);
        var run = new Executor(model).Run([IntTensor.FromInts(DType.I8, [1, 8], [-127, -5, 0, 5, 127, 1, 2, 3])]);
        Assert.Equal(new[] { -127, -5, 0, 5, 127, 1, 2, 3 }, run.Outputs[0].ToInts());
    }

    [Fact]
    public void Rejects_empty_and_short_files()
    {
        Assert.Contains("magic", Rejects([]).Message);
        Assert.Contains("magic", Rejects(VModel.Magic.ToArray()).Message);
        Assert.Contains("magic", Rejects([.. VModel.Magic, .. new byte[31]]).Message);
        Rejects([.. VModel.Magic, .. new byte[32]]);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(7)]
    public void Rejects_a_bad_magic(int position)
    {
        var file = (byte[])Good.Clone();
        file[position] ^= 0x20;
        Assert.Contains("magic", Rejects(file).Message);
        Assert.Contains("magic", Rejects(RawModel.Seal(file[..^32])).Message); // even with a matching hash
    }

    [Fact]
    public void Rejects_a_flipped_byte_anywhere_including_inside_weights()
    {
        var conv = SyntheticModel.Build().Ops.Single(o => o.Name == "stem7x7");
        int at = IndexOf(Good, conv.Encode());
        Assert.True(at > 0);
        var positions = new List<int> { 8, 12, 20, at, at + 100, at + 2000, at + conv.Encode().Length - 1, Good.Length - 33, Good.Length - 32, Good.Length - 1 };
        for (int p = 9; p < Good.Length; p += Good.Length / 97) positions.Add(p);
        foreach (int p in positions)
        {
            var file = (byte[])Good.Clone();
            file[p] ^= 0x01;
            var e = Rejects(file);
            Assert.Contains("hash", e.Message);
        }
    }

    [Fact]
    public void Rejects_truncated_and_extended_files()
    {
        foreach (int length in new[] { 8, 39, 40, 41, 100, Good.Length / 2, Good.Length - 32, Good.Length - 31, Good.Length - 1 })
            Rejects(Good[..length]);
        Rejects([.. Good, 0]);
        Rejects([.. Good, .. Good]);
    }

    [Fact]
    public void Rejects_a_wrong_expected_id()
    {
        var id = VModel.Load(Good).Id;
        var other = Hash256.Of([1, 2, 3]);
        var e = Rejects(Good, other);
        Assert.Contains(other.ToString(), e.Message);
        Assert.Contains(id.ToString(), e.Message);
    }

    [Fact]
    public void Rejects_another_op_set_version()
    {
        var e = Rejects(RawModel.File([RawModel.Lut()], version: OpSet.Version + 1));
        Assert.Contains("op set version", e.Message);
        Rejects(RawModel.File([RawModel.Lut()], version: 0));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(16)]
    [InlineData(99)]
    [InlineData(255)]
    public void Rejects_unknown_op_codes(byte code)
    {
        var op = RawModel.Op(code, name: "mystery");
        op.I32(1);
        var bytes = op.ToArray();
        var e = Assert.Throws<InvalidDataException>(() => OpSet.Decode(bytes));
        Assert.Contains($"unknown op code {code}", e.Message);
        Assert.Contains("mystery", e.Message);
        Assert.Contains($"unknown op code {code}", Rejects(RawModel.File([RawModel.Lut(), bytes])).Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    [InlineData(200)]
    public void Rejects_unknown_dtype_codes(byte code)
    {
        var op = RawModel.Op((byte)OpKind.Gather, typeCode: code);
        op.I32(0); op.I32(0);
        Assert.Contains("dtype", Rejects(RawModel.File([op.ToArray()])).Message);
    }

    /// <summary>Op parameter encodings that are well-formed bytes but inconsistent values.</summary>
    private static readonly Dictionary<string, Func<byte[]>> BadOps = new()
    {
        ["Linear: W has 11 bytes for N=4, K=3"] = () => Linear(4, 3, w: 11),
        ["Linear: bias has 3 entries for N=4"] = () => Linear(4, 3, bias: 3),
        ["Linear: mult has 5 entries for N=4"] = () => Linear(4, 3, mult: 5),
        ["Linear: multiplier 65536"] = () => Linear(4, 3, multValue: 1 << 16),
        ["Linear: negative multiplier"] = () => Linear(4, 3, multValue: -1),
        ["Linear: shift 0"] = () => Linear(4, 3, shiftValue: 0),
        ["Linear: shift 63"] = () => Linear(4, 3, shiftValue: 63),
        ["Linear: weight −128"] = () => Linear(4, 3, weightValue: -128),
        ["Linear: bias beyond ±2^40"] = () => Linear(4, 3, biasValue: (1L << 40) + 1),
        ["Linear: activation table of 256 entries"] = () => Linear(4, 3, table: 256),
        ["Conv2d: negative pad"] = () => Conv(pads: [1, -1, 1, 1]),
        ["Conv2d: 3 pads"] = () => Conv(pads: [1, 1, 1]),
        ["Conv2d: stride 0"] = () => Conv(stride: 0),
        ["Conv2d: W too short"] = () => Conv(wShort: 1),
        ["MatMul: shift 0"] = () => MatMul(shift: 0),
        ["Softmax: table[0] is not 2^30"] = () => Softmax([(1 << 30) - 1, 5]),
        ["Softmax: empty table"] = () => Softmax([]),
        ["Softmax: negative entry"] = () => Softmax([1 << 30, -1]),
        ["Softmax: increasing entry"] = () => Softmax([1 << 30, 5, 6]),
        ["Lut: 100 entries"] = () => Lut(100, 0),
        ["Lut: I8 output with an entry of 200"] = () => Lut(256, 200),
        ["Add: shift 63"] = () => { var w = RawModel.Op((byte)OpKind.Add, DType.I8, [0, 0]); w.I32(1); w.I32(1); w.I32(63); w.U8(0); return w.ToArray(); },
        ["LayerNorm: G has D−1 entries"] = () => LayerNorm(8, g: 7),
        ["LayerNorm: negative eps"] = () => LayerNorm(8, eps: -1),
        ["LayerNorm: D = 0"] = () => LayerNorm(0, g: 0),
        ["LayerNorm: shift 0"] = () => LayerNorm(8, shift: 0),
        ["MaxPool2d: pad equal to the kernel"] = () => Pool(OpKind.MaxPool2d, 3, [3, 0, 0, 0]),
        ["AvgPool2d: negative pad"] = () => Pool(OpKind.AvgPool2d, 3, [0, -1, 0, 0]),
        ["AvgPool2d: 2 pads"] = () => Pool(OpKind.AvgPool2d, 3, [0, 0]),
        ["MaxPool2d: kernel 0"] = () => Pool(OpKind.MaxPool2d, 0, [0, 0, 0, 0]),
        ["Embed: word table one row short"] = () => Embed(wordRows: 3),
        ["Embed: shift 0"] = () => Embed(shift: 0),
        ["array length beyond the data"] = () => { var w = RawModel.Op((byte)OpKind.Transpose); w.I32(1_000_000_000); return w.ToArray(); },
        ["negative array length"] = () => { var w = RawModel.Op((byte)OpKind.Reshape); w.I32(-1); return w.ToArray(); },
        ["truncated parameters"] = () => { var w = RawModel.Op((byte)OpKind.Gather); w.I32(0); w.U8(0); return w.ToArray(); },
        ["trailing bytes after the parameters"] = () => { var w = RawModel.Op((byte)OpKind.Gather); w.I32(0); w.I32(0); w.U8(7); return w.ToArray(); },
        ["truncated name"] = () => { var w = new ParamWriter(); w.U8((byte)OpKind.Gather); w.I32(10); w.U8((byte)'a'); return w.ToArray(); },
        ["empty op"] = () => [],
    };

    public static TheoryData<string> BadOpNames() => new(BadOps.Keys);

    [Theory]
    [MemberData(nameof(BadOpNames))]
    public void Rejects_inconsistent_op_parameters(string name)
    {
        var bytes = BadOps[name]();
        var e = Record.Exception(() => OpSet.Decode(bytes));
        Assert.True(e is InvalidDataException, $"{name}: Decode threw {e?.GetType().Name ?? "nothing"}: {e?.Message}");
        Rejects(RawModel.File([RawModel.Lut(), bytes]));
    }

    [Fact]
    public void Rejects_parameter_sizes_whose_product_overflows()
    {
        Rejects(RawModel.File([Linear(1 << 16, 1 << 16, w: 0, bias: 1 << 16, mult: 1 << 16)]));
        var conv = RawModel.Op((byte)OpKind.Conv2d);
        foreach (int v in new[] { 1 << 16, 1 << 16, 1, 1, 1, 1 }) conv.I32(v);
        conv.I32s([0, 0, 0, 0]); conv.U8(0); conv.I8s([]); conv.I64s([]); conv.I32s([]); conv.I32s([]);
        Rejects(RawModel.File([conv.ToArray()]));
    }

    [Fact]
    public void Rejects_an_op_with_the_wrong_number_of_inputs()
    {
        var add = new Add { Name = "add", Inputs = [0], OutType = DType.I8, MultA = 1 << 14, MultB = 1 << 14, Shift = 15, Relu = false }.Encode();
        Assert.Contains("takes 2 input(s)", Rejects(RawModel.File([add])).Message);
        var lut = new Lut { Name = "lut", Inputs = [0, 0], OutType = DType.I8, Table = new short[256] }.Encode();
        Assert.Contains("takes 1 input(s)", Rejects(RawModel.File([lut])).Message);
        var none = new Gather { Name = "g", Inputs = [], OutType = DType.I8, Axis = 0, Index = 0 }.Encode();
        Rejects(RawModel.File([none]));
    }

    [Fact]
    public void Rejects_non_canonical_op_encodings()
    {
        // A relu flag of 7 decodes as true but would re-encode as 1: two files, one model — rejected.
        var add = RawModel.Op((byte)OpKind.Add, DType.I8, [0, 0]);
        add.I32(1 << 14); add.I32(1 << 14); add.I32(15); add.U8(7);
        Assert.Contains("canonical", Rejects(RawModel.File([add.ToArray()])).Message);
    }

    [Fact]
    public void Rejects_unordered_duplicate_or_too_many_metadata_entries()
    {
        var good = RawModel.File([RawModel.Lut()]);
        VModel.Load(good);
        int at = IndexOf(good, [1, 0, 0, 0, 1, 0, 0, 0, (byte)'k']); // meta count 1, then the key "k"
        Assert.True(at > 0);
        var body = good[..^32];
        byte[] twoEntries(string k1, string k2)
        {
            var w = new ParamWriter();
            w.I32(2); w.Str(k1); w.Str("a"); w.Str(k2); w.Str("b");
            return [.. body[..at], .. w.ToArray(), .. body[(at + 4 + 5 + 5)..]];
        }
        VModel.Load(RawModel.Seal(twoEntries("a", "b")));
        Assert.Contains("order", Rejects(RawModel.Seal(twoEntries("b", "a"))).Message);
        Assert.Contains("order", Rejects(RawModel.Seal(twoEntries("a", "a"))).Message);
        foreach (int count in new[] { -1, 1025, int.MaxValue })
        {
            var bad = (byte[])body.Clone();
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(bad.AsSpan(at, 4), count);
            Rejects(RawModel.Seal(bad));
        }
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    [InlineData(int.MaxValue)]
    public void Rejects_an_impossible_op_count(int count)
    {
        var file = RawModel.File([RawModel.Lut()]);
        var body = file[..^32];
        int at = IndexOf(body, RawModel.Lut()) - 8; // the op count precedes the first op's length prefix
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(body.AsSpan(at, 4), count);
        Rejects(RawModel.Seal(body));
    }

    [Fact]
    public void Rejects_matmul_permutations_that_are_not_permutations()
    {
        foreach (var bytes in new[] { MatMul(permA: [0, 0, 1, 2]), MatMul(permA: [0, 2, 1, 3], permOut: [0, 2, 1]), MatMul(permA: [0, 1, 2, 4]) })
        {
            Assert.Throws<InvalidDataException>(() => OpSet.Decode(bytes));
            Rejects(RawModel.File([RawModel.Lut(), bytes]));
        }
    }

    [Fact]
    public void Rejects_broken_wiring()
    {
        Assert.Contains("not defined before it", Rejects(RawModel.File([RawModel.Lut(1)])).Message);   // reads its own output
        Assert.Contains("not defined before it", Rejects(RawModel.File([RawModel.Lut(-1)])).Message);
        Assert.Contains("not defined before it", Rejects(RawModel.File([RawModel.Lut(), RawModel.Lut(3)])).Message);
        Assert.Contains("does not exist", Rejects(RawModel.File([RawModel.Lut()], outputIds: [2])).Message);
        Assert.Contains("does not exist", Rejects(RawModel.File([RawModel.Lut()], outputIds: [-1])).Message);
        Assert.Contains("differ in count", Rejects(RawModel.File([RawModel.Lut()], outputIds: [1], outputCount: 2)).Message);
    }

    [Fact]
    public void Rejects_a_wrong_weights_root_and_bytes_after_the_body()
    {
        Assert.Contains("weights root", Rejects(RawModel.File([RawModel.Lut()], weightsRoot: Hash256.Of([9]))).Message);
        Assert.Contains("trailing bytes", Rejects(RawModel.File([RawModel.Lut()], afterBody: [0])).Message);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1025)]
    [InlineData(int.MaxValue)]
    public void Rejects_bad_value_counts(int count) => Rejects(RawModel.File([RawModel.Lut()], inputCount: count));

    [Fact]
    public void Random_mutations_of_a_rehashed_body_either_load_or_throw_InvalidDataException()
    {
        // Past the hash check the parser sees arbitrary bytes; it must fail only with InvalidDataException.
        var small = SmallModel();
        var rng = new Rng(4242);
        var failures = new List<string>();
        for (int i = 0; i < 3000; i++)
        {
            var body = small[..^32];
            int p = rng.Int(8, body.Length - 1);
            body[p] = rng.Int(0, 3) switch { 0 => (byte)rng.Int(0, 255), 1 => 0xFF, 2 => 0x80, _ => (byte)(body[p] ^ (1 << rng.Int(0, 7))) };
            var e = Record.Exception(() => VModel.Load(RawModel.Seal(body)));
            if (e is not null and not InvalidDataException) failures.Add($"byte {p} = 0x{body[p]:x2}: {e.GetType().Name}: {e.Message} {e.StackTrace?.Split('\n')[0].Trim()}");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures.Distinct().Take(20)));
    }

    [Fact]
    public void Random_truncations_of_a_rehashed_body_throw_InvalidDataException()
    {
        var body = SmallModel()[..^32];
        for (int length = 0; length < body.Length; length += 1 + length / 50)
            Rejects(RawModel.Seal(body[..length]));
    }

    /// <summary>One op of every kind but small weights, so mutations land in headers and lengths often.</summary>
    private static byte[] SmallModel()
    {
        var r = new Rng(77);
        Op[] ops =
        [
            TestKit.Linear(r, 8, 4, DType.I8, true, 127),
            TestKit.Conv(r, 1, 2, 1, 3, 1, [0, 1, 0, 1], DType.I8, false, 127, input: 0),
            new MatMul { Name = "mm", Inputs = [0, 1], OutType = DType.I16, Mult = 1 << 14, Shift = 20 },
            new Softmax { Name = "sm", Inputs = [3], OutType = DType.I16, Table = [1 << 30, 1 << 29, 1 << 28] },
            OpSet.Decode(RawModel.Lut()),
            new Add { Name = "add", Inputs = [0, 1], OutType = DType.I8, MultA = 1 << 14, MultB = 1 << 14, Shift = 15, Relu = true },
            new LayerNorm { Name = "ln", Inputs = [0], OutType = DType.I8, D = 8, Eps = 1, Shift = 20, G = [.. Enumerable.Repeat(4096, 8)], B = new long[8] },
            new Transpose { Name = "t", Inputs = [0], OutType = DType.I8, Perm = [1, 0] },
            new Reshape { Name = "r", Inputs = [0], OutType = DType.I8, Dims = [8, 1] },
            new MaxPool2d { Name = "mp", Inputs = [0], OutType = DType.I8, KH = 1, KW = 2, StrideH = 1, StrideW = 2, Pads = [0, 0, 0, 0] },
            new AvgPool2d { Name = "ap", Inputs = [0], OutType = DType.I8, KH = 1, KW = 2, StrideH = 1, StrideW = 2, Pads = [0, 1, 0, 0] },
            new Embed { Name = "e", Inputs = [0], OutType = DType.I8, Vocab = 3, D = 2, MaxPositions = 2, Word = [1, 2, 3, 4, 5, 6], WordMult = [1, 1, 1], Pos = [1, 1, 1, 1], PosMult = [1, 1], Type = [0, 0], TypeMult = 1, Shift = 1 },
            new ReduceMean { Name = "rm", Inputs = [0], OutType = DType.I8, Axis = 1 },
            new Gather { Name = "g", Inputs = [0], OutType = DType.I8, Axis = 1, Index = 0 },
        ];
        return RawModel.File([.. ops.Select(o => o.Encode())]);
    }

    private static byte[] Linear(int n, int k, int? w = null, int? bias = null, int? mult = null, int multValue = 1 << 14, int shiftValue = 20,
        sbyte weightValue = 1, long biasValue = 0, int table = 0)
    {
        var p = RawModel.Op((byte)OpKind.Linear);
        p.I32(n); p.I32(k); p.U8(0);
        p.I8s([.. Enumerable.Repeat(weightValue, w ?? n * k)]);
        p.I64s([.. Enumerable.Repeat(biasValue, bias ?? n)]);
        p.I32s([.. Enumerable.Repeat(multValue, mult ?? n)]);
        p.I32s([.. Enumerable.Repeat(shiftValue, n)]);
        p.I16s(new short[table]);
        return p.ToArray();
    }

    private static byte[] Conv(int[]? pads = null, int stride = 1, int wShort = 0)
    {
        var p = RawModel.Op((byte)OpKind.Conv2d);
        foreach (int v in new[] { 2, 1, 3, 3, stride, stride }) p.I32(v);
        p.I32s(pads ?? [1, 1, 1, 1]); p.U8(0);
        p.I8s(new sbyte[2 * 9 - wShort]); p.I64s(new long[2]); p.I32s([1 << 14, 1 << 14]); p.I32s([20, 20]);
        return p.ToArray();
    }

    private static byte[] MatMul(int shift = 20, int[]? permA = null, int[]? permOut = null)
    {
        var p = RawModel.Op((byte)OpKind.MatMul, DType.I16, [0, 0]);
        p.I32(1 << 14); p.I32(shift); p.I32s(permA ?? []); p.I32s([]); p.I32s(permOut ?? []);
        return p.ToArray();
    }

    private static byte[] Softmax(int[] table)
    {
        var p = RawModel.Op((byte)OpKind.Softmax, DType.I16);
        p.I32s(table);
        return p.ToArray();
    }

    private static byte[] Lut(int entries, short value)
    {
        var p = RawModel.Op((byte)OpKind.Lut);
        var t = new short[entries];
        t[^1] = value;
        p.I16s(t);
        return p.ToArray();
    }

    private static byte[] LayerNorm(int d, int? g = null, long eps = 0, int shift = 20)
    {
        var p = RawModel.Op((byte)OpKind.LayerNorm);
        p.I32(d); p.I64(eps); p.I32(shift); p.I32s(new int[g ?? d]); p.I64s(new long[d]);
        return p.ToArray();
    }

    private static byte[] Pool(OpKind kind, int k, int[] pads)
    {
        var p = RawModel.Op((byte)kind);
        p.I32(k); p.I32(k); p.I32(1); p.I32(1); p.I32s(pads);
        return p.ToArray();
    }

    private static byte[] Embed(int wordRows = 4, int shift = 10)
    {
        var p = RawModel.Op((byte)OpKind.Embed);
        p.I32(4); p.I32(2); p.I32(3); p.I32(shift); p.I32(1);
        p.I8s(new sbyte[wordRows * 2]); p.I32s(new int[4]); p.I8s(new sbyte[6]); p.I32s(new int[3]); p.I8s(new sbyte[2]);
        return p.ToArray();
    }

    private static int IndexOf(byte[] haystack, byte[] needle)
    {
        for (int i = 0; i + needle.Length <= haystack.Length; i++)
            if (haystack.AsSpan(i, needle.Length).SequenceEqual(needle)) return i;
        return -1;
    }
}
