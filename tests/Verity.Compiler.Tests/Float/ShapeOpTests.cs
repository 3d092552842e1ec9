using Verity.Compiler.Float;
using static Verity.Compiler.Tests.Float.Graph;

namespace Verity.Compiler.Tests.Float;

/// <summary>Slice, Gather, broadcasting and the other data-movement ops on hand-checked values.</summary>
public sealed class ShapeOpTests
{
    private static readonly FloatTensor Ten = L([10], [.. Enumerable.Range(0, 10).Select(i => (long)i)]);

    [Theory]
    [InlineData(-3, long.MaxValue, 1, new long[] { 7, 8, 9 })]
    [InlineData(-1, long.MinValue, -1, new long[] { 9, 8, 7, 6, 5, 4, 3, 2, 1, 0 })]
    [InlineData(8, 1, -3, new long[] { 8, 5, 2 })]
    [InlineData(-100, 100, 1, new long[] { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 })]
    [InlineData(20, -20, -1, new long[] { 9, 8, 7, 6, 5, 4, 3, 2, 1, 0 })]
    [InlineData(-1, -11, -4, new long[] { 9, 5, 1 })]
    [InlineData(1, 8, 3, new long[] { 1, 4, 7 })]
    [InlineData(5, 2, 1, new long[0])]
    [InlineData(2, 5, -1, new long[0])]
    public void Slice_counts_negatives_from_the_end_and_clamps(long start, long end, long step, long[] expected)
    {
        var y = Run1("Slice", 13, [Ten, L([1], start), L([1], end), L([1], 0), L([1], step)]);
        Assert.Equal([expected.Length], y.Shape);
        Assert.Equal(expected, y.LongData);
    }

    [Fact]
    public void Slice_on_a_negative_axis_of_a_float_matrix()
    {
        var x = F([2, 5], 0, 1, 2, 3, 4, 10, 11, 12, 13, 14);
        var y = Run1("Slice", 13, [x, L([1], -1), L([1], long.MinValue), L([1], -1), L([1], -2)]);
        Assert.Equal([2, 3], y.Shape);
        Assert.Equal([4f, 2, 0, 14, 12, 10], y.FloatData);
    }

    [Fact]
    public void Slice_before_opset_10_reads_attributes()
    {
        var y = Run1("Slice", 9, [F([2, 3], 1, 2, 3, 4, 5, 6)], Ints("starts", 1, -2), Ints("ends", 2, 1000), Ints("axes", 0, 1));
        Assert.Equal([1, 2], y.Shape);
        Assert.Equal([5f, 6], y.FloatData);
    }

    [Fact]
    public void Gather_takes_negative_indices_from_the_end_on_any_axis()
    {
        var x = F([3, 2], 1, 2, 3, 4, 5, 6);
        var rows = Run1("Gather", 13, [x, L([2], -1, 0)]);
        Assert.Equal([2, 2], rows.Shape);
        Assert.Equal([5f, 6, 1, 2], rows.FloatData);

        var cols = Run1("Gather", 13, [x, L([1, 2], -1, -2)], Int("axis", -1));
        Assert.Equal([3, 1, 2], cols.Shape);
        Assert.Equal([2f, 1, 4, 3, 6, 5], cols.FloatData);

        var scalar = Run1("Gather", 13, [L([3], 4, 5, 6), L([], -3)]);
        Assert.Equal([], scalar.Shape);
        Assert.Equal([4L], scalar.LongData);
    }

    [Fact]
    public void Gather_out_of_range_names_the_index()
    {
        var e = Assert.Throws<InvalidOperationException>(() => Run1("Gather", 13, [F([3], 1, 2, 3), L([1], -4)]));
        Assert.Contains("index -4 is out of range for axis 0 of size 3", e.Message);
        Assert.Contains("node 'Gather_0' (Gather)", e.Message);
    }

    [Fact]
    public void Add_broadcasts_in_both_directions()
    {
        var a = F([2, 3, 1], 0, 10, 20, 30, 40, 50);
        var b = F([1, 4], 1, 2, 3, 4);
        var y = Run1("Add", 13, [a, b]);
        Assert.Equal([2, 3, 4], y.Shape);
        for (int i = 0; i < 6; i++)
            for (int j = 0; j < 4; j++)
                Assert.Equal(a.FloatData[i] + b.FloatData[j], y.FloatData[i * 4 + j]);
    }

    [Fact]
    public void Mul_broadcasts_middle_ones_and_scalars()
    {
        var y = Run1("Mul", 13, [F([2, 1, 2], 1, 2, 3, 4), F([3, 1], 1, 10, 100)]);
        Assert.Equal([2, 3, 2], y.Shape);
        Assert.Equal([1f, 2, 10, 20, 100, 200, 3, 4, 30, 40, 300, 400], y.FloatData);
        var s = Run1("Sub", 13, [F([], 1), F([3], 1, 2, 3)]);
        Assert.Equal([0f, -1, -2], s.FloatData);
    }

    [Fact]
    public void Integer_Div_truncates_toward_zero()
    {
        var y = Run1("Div", 13, [L([4], 7, -7, 7, -7), L([4], 2, 2, -2, -2)]);
        Assert.Equal([3L, -3, -3, 3], y.LongData);
    }

    [Fact]
    public void Incompatible_broadcast_names_both_shapes()
    {
        var e = Assert.Throws<InvalidOperationException>(() => Run1("Add", 13, [F([2, 3], new float[6]), F([2], 1, 2)]));
        Assert.Contains("[2,3] and [2] cannot be broadcast", e.Message);
    }

    [Fact]
    public void Reshape_copies_zero_dims_and_infers_minus_one()
    {
        var x = F([2, 3, 4], new float[24]);
        Assert.Equal([2, 12], Run1("Reshape", 13, [x, L([2], 0, -1)]).Shape);
        Assert.Equal([4, 1, 6], Run1("Reshape", 13, [x, L([3], 4, 1, -1)]).Shape);
        Assert.Equal([0, 5], Run1("Reshape", 14, [F([0, 5], []), L([2], 0, 5)], Int("allowzero", 1)).Shape);
    }

    [Fact]
    public void Unsqueeze_reads_axes_from_the_input_from_opset_13()
    {
        var x = F([2, 3], new float[6]);
        Assert.Equal([1, 2, 3, 1], Run1("Unsqueeze", 13, [x, L([2], -1, 0)]).Shape);
        Assert.Equal([2, 1, 3], Run1("Unsqueeze", 11, [x], Ints("axes", 1)).Shape);
    }

    [Fact]
    public void Transpose_defaults_to_reversing_the_dims()
    {
        var x = F([2, 3], 1, 2, 3, 4, 5, 6);
        var y = Run1("Transpose", 13, [x]);
        Assert.Equal([3, 2], y.Shape);
        Assert.Equal([1f, 4, 2, 5, 3, 6], y.FloatData);
        var z = Run1("Transpose", 13, [F([2, 2, 2], 0, 1, 2, 3, 4, 5, 6, 7)], Ints("perm", 1, 2, 0));
        Assert.Equal([0f, 4, 1, 5, 2, 6, 3, 7], z.FloatData);
    }

    [Fact]
    public void Concat_and_Split_are_inverses()
    {
        var a = F([2, 1], 1, 2);
        var b = F([2, 2], 3, 4, 5, 6);
        var c = Run1("Concat", 13, [a, b], Int("axis", -1));
        Assert.Equal([2, 3], c.Shape);
        Assert.Equal([1f, 3, 4, 2, 5, 6], c.FloatData);

        var parts = Run("Split", 8, [c], 2, Int("axis", 1), Ints("split", 1, 2));
        Assert.Equal(a.FloatData, parts[0].FloatData);
        Assert.Equal(b.FloatData, parts[1].FloatData);
        var halves = Run("Split", 13, [F([4], 1, 2, 3, 4)], 2);
        Assert.Equal([3f, 4], halves[1].FloatData);
        var sized = Run("Split", 13, [F([4], 1, 2, 3, 4), L([2], 3, 1)], 2);
        Assert.Equal([4f], sized[1].FloatData);
    }

    [Fact]
    public void Shape_and_Cast()
    {
        var shape = Run1("Shape", 13, [F([2, 3, 4], new float[24])]);
        Assert.Equal([2L, 3, 4], shape.LongData);
        Assert.Equal([3L, 4], Run1("Shape", 15, [F([2, 3, 4], new float[24])], Int("start", -2)).LongData);
        Assert.Equal([2f, 3, 4], Run1("Cast", 13, [shape], Int("to", 1)).FloatData);
        Assert.Equal([-1L, 2, 0], Run1("Cast", 13, [F([3], -1.9f, 2.7f, 0.2f)], Int("to", 7)).LongData);
        Assert.Equal([1L, 0, 1], Run1("Cast", 13, [F([3], -1.9f, 0f, 0.2f)], Int("to", 9)).LongData);
    }
}
