using System.Security.Cryptography;
using Verity.Commitments;
using Verity.Engine.Format;
using Verity.Engine.Ops;
using Verity.Engine.Tensors;

namespace Verity.Engine.Tests;

/// <summary>The synthetic every-op model through serialization, the executor, the trace and its proofs.</summary>
[Trait("Category", "Determinism")]
public class ExecutorTests
{
    internal static readonly byte[] ModelBytes = SyntheticModel.Build().Serialize();

    internal static VModel Load() => VModel.Load(ModelBytes).Model;

    [Fact]
    public void Model_uses_every_op_kind_and_round_trips_byte_for_byte()
    {
        var (model, id, weightsRoot) = VModel.Load(ModelBytes);
        Assert.Equal(Enum.GetValues<OpKind>().Order(), model.Ops.Select(o => o.Kind).Distinct().Order());
        Assert.Equal(ModelBytes, model.Serialize());
        Assert.Equal(new Hash256(SHA256.HashData(ModelBytes.AsSpan(0, ModelBytes.Length - 32))), id);
        Assert.Equal(new Hash256(ModelBytes.AsSpan(ModelBytes.Length - 32)), id);
        Assert.Equal(model.ComputeWeightsRoot(), weightsRoot);
        Assert.Equal(TraceRoot.Compute([.. model.Ops.Select(o => TensorCommitment.Root(o.Encode()))]), weightsRoot);
        Assert.Equal(id, VModel.Load(ModelBytes, id).Id);
        Assert.Equal("synthetic-every-op", model.Name);
        Assert.Equal("20240601", model.Meta["seed"]);
    }

    [Fact]
    public void Every_computed_op_output_is_informative()
    {
        var model = Load();
        foreach (ulong seed in new ulong[] { 7, 8 })
        {
            var run = new Executor(model, reference: true).Run(SyntheticModel.Inputs(seed), keepValues: true);
            for (int i = 0; i < model.Ops.Length; i++)
                if (!model.Ops[i].IsView) TestKit.AssertInformative(run.Values![model.ValueOfOp(i)], $"op {i} '{model.Ops[i].Name}'");
        }
    }

    [Fact]
    public void Outputs_and_trace_root_are_identical_across_threads_paths_and_repeated_runs()
    {
        var model = Load();
        var inputs = SyntheticModel.Inputs();
        var first = new Executor(model, threads: 1, reference: true).Run(inputs);
        foreach (int threads in new[] { 1, 2 })
            foreach (bool reference in new[] { true, false })
            {
                var executor = new Executor(model, threads, reference);
                for (int run = 0; run < 10; run++)
                {
                    var result = executor.Run(inputs);
                    string what = $"threads={threads}, reference={reference}, run {run}";
                    Assert.True(first.TraceRoot == result.TraceRoot, $"{what}: trace root {result.TraceRoot}, expected {first.TraceRoot}");
                    Assert.Equal(first.OpRoots, result.OpRoots);
                    for (int o = 0; o < first.Outputs.Length; o++) TestKit.AssertSameBytes(first.Outputs[o], result.Outputs[o], $"{what}: output {o}");
                }
            }
    }

    [Fact]
    public void Reused_buffers_do_not_leak_between_runs_of_different_lengths()
    {
        var model = Load();
        var executor = new Executor(model, threads: 2);
        var longRun = executor.Run(SyntheticModel.Inputs(1, tokens: 16));
        var kept = longRun.Outputs.Select(o => o.Bytes.ToArray()).ToArray();
        foreach (int tokens in new[] { 3, 16, 1, 9 })
        {
            var inputs = SyntheticModel.Inputs(2 + (ulong)tokens, tokens);
            var reused = executor.Run(inputs);
            var fresh = new Executor(model, threads: 1, reference: true).Run(inputs);
            Assert.Equal(fresh.TraceRoot, reused.TraceRoot);
            for (int o = 0; o < fresh.Outputs.Length; o++) TestKit.AssertSameBytes(fresh.Outputs[o], reused.Outputs[o], $"{tokens} tokens, output {o}");
        }
        // Returned outputs are copies: later runs do not overwrite them.
        for (int o = 0; o < kept.Length; o++) Assert.Equal(kept[o], longRun.Outputs[o].Bytes.ToArray());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Op_roots_commit_to_op_outputs_and_the_trace_root_to_the_op_roots(bool reference)
    {
        var model = Load();
        var run = new Executor(model, threads: 2, reference).Run(SyntheticModel.Inputs(), keepValues: true);
        Assert.NotNull(run.Values);
        Assert.Equal(model.Ops.Length, run.OpRoots.Length);
        Assert.Equal(TraceRoot.Compute(run.OpRoots), run.TraceRoot);
        int views = 0;
        for (int i = 0; i < model.Ops.Length; i++)
        {
            var output = run.Values[model.ValueOfOp(i)];
            Assert.Equal(TensorCommitment.Root(output.Bytes), run.OpRoots[i]);
            if (model.Ops[i].IsView)
            {
                views++;
                int input = model.Ops[i].Inputs[0];
                Assert.True(run.Values[input].Bytes.SequenceEqual(output.Bytes));
                if (input >= model.Inputs.Length) Assert.Equal(run.OpRoots[input - model.Inputs.Length], run.OpRoots[i]);
            }
        }
        Assert.True(views >= 4);
        for (int o = 0; o < model.OutputIds.Length; o++)
        {
            TestKit.AssertSameBytes(run.Values[model.OutputIds[o]], run.Outputs[o], $"output {o}");
            Assert.Equal(model.Outputs[o].Shape, run.Outputs[o].Shape);
            Assert.Equal(model.Outputs[o].Type, run.Outputs[o].Type);
        }
    }

    [Fact]
    public void ExecuteOne_reproduces_every_op_from_its_inputs()
    {
        var model = Load();
        var run = new Executor(model, threads: 2).Run(SyntheticModel.Inputs(), keepValues: true);
        for (int i = 0; i < model.Ops.Length; i++)
        {
            var inputs = model.Ops[i].Inputs.Select(v => run.Values![v]).ToArray();
            var again = Executor.ExecuteOne(model, i, inputs);
            TestKit.AssertSameBytes(run.Values![model.ValueOfOp(i)], again, $"op {i} '{model.Ops[i].Name}'");
            Assert.Equal(run.OpRoots[i], TensorCommitment.Root(again.Bytes));
        }
    }

    [Fact]
    public void A_chunk_proves_into_its_op_root_and_the_op_root_into_the_trace_root()
    {
        var model = Load();
        var run = new Executor(model).Run(SyntheticModel.Inputs(), keepValues: true);
        int op = Array.FindIndex(model.Ops, o => o.Name == "conv1");
        var bytes = run.Values![model.ValueOfOp(op)].Bytes.ToArray();
        int chunks = TensorCommitment.ChunkCount(bytes.Length);
        Assert.True(chunks >= 3, $"conv1 output has {bytes.Length} bytes");
        for (int c = 0; c < chunks; c++)
        {
            var chunk = TensorCommitment.Chunk(bytes, c).ToArray();
            var proof = TensorCommitment.Proof(bytes, c);
            Assert.True(TensorCommitment.VerifyChunk(run.OpRoots[op], chunk, c, chunks, proof), $"chunk {c}");
            chunk[^1] ^= 1;
            Assert.False(TensorCommitment.VerifyChunk(run.OpRoots[op], chunk, c, chunks, proof), $"tampered chunk {c}");
        }
        for (int i = 0; i < model.Ops.Length; i++)
        {
            var proof = TraceRoot.Proof(run.OpRoots, i);
            Assert.True(TraceRoot.Verify(run.TraceRoot, run.OpRoots[i], i, model.Ops.Length, proof), $"op {i}");
            Assert.False(TraceRoot.Verify(run.TraceRoot, Hash256.Zero, i, model.Ops.Length, proof));
        }
    }

    [Fact]
    public void Trace_can_be_switched_off_without_changing_outputs()
    {
        var model = Load();
        var traced = new Executor(model).Run(SyntheticModel.Inputs());
        var plain = new Executor(model).Run(SyntheticModel.Inputs(), trace: false);
        Assert.Empty(plain.OpRoots);
        Assert.Null(plain.Values);
        for (int o = 0; o < traced.Outputs.Length; o++) TestKit.AssertSameBytes(traced.Outputs[o], plain.Outputs[o], $"output {o}");
    }

    [Fact]
    public void Rejects_the_wrong_number_of_inputs()
    {
        var executor = new Executor(Load());
        var inputs = SyntheticModel.Inputs();
        var e = Assert.Throws<ArgumentException>(() => executor.Run([inputs[0]]));
        Assert.Contains("takes 2 input(s), got 1", e.Message);
        e = Assert.Throws<ArgumentException>(() => executor.Run([.. inputs, inputs[1]]));
        Assert.Contains("got 3", e.Message);
        Assert.Throws<ArgumentException>(() => executor.Run([]));
    }

    [Fact]
    public void Rejects_a_wrong_dtype_naming_the_input()
    {
        var executor = new Executor(Load());
        var inputs = SyntheticModel.Inputs();
        var e = Assert.Throws<ArgumentException>(() => executor.Run([new IntTensor(DType.I16, [1, 12]), inputs[1]]));
        Assert.Contains("'ids'", e.Message);
        Assert.Contains("I32", e.Message);
        e = Assert.Throws<ArgumentException>(() => executor.Run([inputs[0], new IntTensor(DType.I16, [1, 3, 12, 12])]));
        Assert.Contains("'image'", e.Message);
    }

    [Theory]
    [InlineData(0, new[] { 2, 12 })]
    [InlineData(0, new[] { 12 })]
    [InlineData(0, new[] { 1, 12, 1 })]
    [InlineData(1, new[] { 1, 3, 11, 12 })]
    [InlineData(1, new[] { 1, 3, 12, 12, 1 })]
    [InlineData(1, new[] { 3, 12, 12 })]
    public void Rejects_a_wrong_shape_naming_the_input(int which, int[] shape)
    {
        var executor = new Executor(Load());
        var inputs = SyntheticModel.Inputs();
        inputs[which] = new IntTensor(inputs[which].Type, shape);
        var e = Assert.Throws<ArgumentException>(() => executor.Run(inputs));
        Assert.Contains(which == 0 ? "'ids'" : "'image'", e.Message);
        Assert.Contains(string.Join(",", shape), e.Message);
    }

    [Fact]
    public void Rejects_out_of_range_values_naming_the_input_and_value()
    {
        var executor = new Executor(Load());
        var inputs = SyntheticModel.Inputs();
        var image = new IntTensor(DType.I8, [1, 3, 12, 12], inputs[1].Bytes.ToArray());
        image.Buffer[37] = 0x80; // −128, outside the symmetric I8 range
        var e = Assert.Throws<ArgumentException>(() => executor.Run([inputs[0], image]));
        Assert.Contains("'image'", e.Message);
        Assert.Contains("-128", e.Message);
        Assert.Contains("37", e.Message);
        var ids = new IntTensor(DType.I32, [1, 4], new byte[16]);
        ids.I32[2] = int.MinValue;
        e = Assert.Throws<ArgumentException>(() => executor.Run([ids, inputs[1]]));
        Assert.Contains("'ids'", e.Message);
        Assert.Contains(int.MinValue.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Message);
    }

    [Theory]
    [InlineData(SyntheticModel.Vocab)]
    [InlineData(int.MaxValue)]
    public void Rejects_token_ids_outside_the_vocabulary_naming_the_id(int id)
    {
        var executor = new Executor(Load());
        var inputs = SyntheticModel.Inputs();
        inputs[0] = IntTensor.FromInts(DType.I32, [1, 4], [1, 2, id, 3]);
        var e = Assert.Throws<ArgumentException>(() => executor.Run(inputs));
        Assert.Contains($"token id {id} at position 2", e.Message);
        // The executor stays usable after a rejected run.
        Assert.Equal(2, executor.Run(SyntheticModel.Inputs()).Outputs.Length);
    }

    [Fact]
    public void Rejects_a_negative_token_id_naming_the_id()
    {
        var executor = new Executor(Load());
        var inputs = SyntheticModel.Inputs();
        inputs[0] = IntTensor.FromInts(DType.I32, [1, 4], [1, 2, -1, 3]);
        var e = Assert.Throws<ArgumentException>(() => executor.Run(inputs));
        Assert.Contains("token id -1 at position 2", e.Message);
    }

    [Fact]
    public void Rejects_more_tokens_than_positions()
    {
        var executor = new Executor(Load());
        var inputs = SyntheticModel.Inputs(tokens: SyntheticModel.MaxPositions + 1);
        var e = Assert.Throws<ArgumentException>(() => executor.Run(inputs));
        Assert.Contains($"{SyntheticModel.MaxPositions + 1} tokens", e.Message);
    }
}
