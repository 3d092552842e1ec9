using Verity.Chain.Dispute;
using Verity.Chain.Generated.OneStepVerifier;
using Verity.Cli.Models;
using Verity.Commitments;
using Verity.Engine;
using Verity.Engine.Ops;
using Verity.Engine.Tensors;
using Xunit.Abstractions;

namespace Verity.Chain.Tests;

/// <summary>
/// Shared test vectors from the compiled ResNet18 (its Conv2d, Add, MaxPool2d and AvgPool2d ops) on a real test image
/// (encoded by the model's image profile): the Solidity one-step must reproduce the engine's elements exactly, padding
/// edges included. The first Conv2d reads the graph input: its chunks are proven against the job's input root.
/// </summary>
public sealed class ResNetVectorTests(OneStepVectorTests.Verifier fx, ITestOutputHelper log) : IClassFixture<OneStepVectorTests.Verifier>
{
    /// <summary>The compiled ResNet18, one real test image, its honest execution (shared with <see cref="ResNetDisputeTests"/>).</summary>
    internal sealed class ResNet
    {
        public static readonly Lazy<ResNet> Instance = new(() => new ResNet());

        private ResNet()
        {
            var files = ModelFiles.Default();
            var loaded = new ModelStore(files, _ => { }).Load("resnet18");
            var model = loaded.Model;
            Id = loaded.Id;
            var image = Directory.GetFiles(Path.Combine(files.ImagesDir, "test")).Order(StringComparer.Ordinal).First();
            var input = ((ImageProfile)loaded.Profile).Encode(image, model.Inputs[0]);
            Values = new Executor(model, threads: 2).Run([input], keepValues: true).Values!;
            Model = model;
            int nIn = model.Inputs.Length;
            int[] lengths = [.. Enumerable.Range(0, model.Ops.Length).Select(i => Values[nIn + i].ByteLength)];
            int[] aux = [.. model.Ops.Select(o => o switch
            {
                Conv2d => Values[o.Inputs[0]].Shape[3],
                Pool2d => Values[o.Inputs[0]].Shape[2] << 16 | Values[o.Inputs[0]].Shape[3],
                _ => 0,
            })];
            Dispute = new DisputeModel([.. model.Ops.Select(o => o.Encode())], nIn, model.OutputIds[0] - nIn,
                DisputeModel.FitLengths(input.Type == DType.I8 ? 1 : input.Type == DType.I16 ? 2 : 3, input.ByteLength, lengths, input.ByteLength + 1, lengths, aux));
            Trace = new DisputeTrace(input.Bytes.ToArray(), [.. Enumerable.Range(0, model.Ops.Length).Select(i => Values[nIn + i].Bytes.ToArray())]);
            if (Dispute.WeightsRoot != loaded.WeightsRoot) throw new InvalidOperationException("weights root mismatch");
        }

        public Hash256 Id { get; }

        /// <summary>A cheater's execution: element <paramref name="element"/> of op <paramref name="op"/>'s output moved
        /// by one, every later op rerun from it. Returns the trace and the output the cheater would post.</summary>
        public (DisputeTrace Trace, byte[] Output) Cheat(int op, int element)
        {
            int nIn = Model.Inputs.Length;
            var values = (IntTensor[])Values.Clone();
            var bad = new IntTensor(values[nIn + op].Type, values[nIn + op].Shape, values[nIn + op].Bytes.ToArray());
            int v = bad.Get(element);
            bad.Set(element, v < bad.Type.Max() ? v + 1 : v - 1);
            values[nIn + op] = bad;
            Executor.ReexecuteFrom(Model, values, op + 1);
            var trace = new DisputeTrace(Trace.Input, [.. Enumerable.Range(0, Model.Ops.Length).Select(i => values[nIn + i].Bytes.ToArray())]);
            return (trace, values[Model.OutputIds[0]].Bytes.ToArray());
        }

        public Engine.Format.VModel Model { get; }
        public IntTensor[] Values { get; }
        public DisputeModel Dispute { get; }
        public DisputeTrace Trace { get; }
    }

    public static TheoryData<string> Cases => new() { "conv-first", "conv3x3", "conv3x3-stride2", "conv1x1-downsample", "conv-last", "add", "maxpool", "avgpool" };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task The_Solidity_one_step_reproduces_ResNet_elements(string name)
    {
        var r = ResNet.Instance.Value;
        var convs = Enumerable.Range(0, r.Model.Ops.Length).Where(i => r.Model.Ops[i] is Conv2d c && c.Inputs[0] >= r.Model.Inputs.Length).ToList();
        int op = name switch
        {
            "conv-first" => Enumerable.Range(0, r.Model.Ops.Length).First(i => r.Model.Ops[i] is Conv2d c && c.Inputs[0] < r.Model.Inputs.Length),
            "conv3x3" => convs.First(i => r.Model.Ops[i] is Conv2d { KH: 3, StrideH: 1 }),
            "conv3x3-stride2" => convs.First(i => r.Model.Ops[i] is Conv2d { KH: 3, StrideH: 2 }),
            "conv1x1-downsample" => convs.First(i => r.Model.Ops[i] is Conv2d { KH: 1 }),
            "conv-last" => convs[^1],
            "maxpool" => Enumerable.Range(0, r.Model.Ops.Length).First(i => r.Model.Ops[i] is MaxPool2d),
            "avgpool" => Enumerable.Range(0, r.Model.Ops.Length).First(i => r.Model.Ops[i] is AvgPool2d),
            _ => Enumerable.Range(0, r.Model.Ops.Length).First(i => r.Model.Ops[i] is Add),
        };
        var output = r.Values[r.Model.Inputs.Length + op];
        int bytes = output.Type == DType.I8 ? 1 : 2, per = TensorCommitment.ChunkBytes / bytes;
        int side = output.Shape.Length == 4 ? output.Shape[3] : 1;
        var nonZero = Enumerable.Range(0, output.Length).Where(i => output.Get(i) != 0).ToList();
        Assert.NotEmpty(nonZero);
        long maxGas = 0;
        foreach (var e in new[] { 0, side - 1, output.Length / 2 + side / 2, output.Length - 1, nonZero[0], nonZero[nonZero.Count / 2], nonZero[^1] }.Distinct())
        {
            var ctx = OneStepProver.Context(r.Dispute, r.Trace, op, e / per, e % per);
            var proof = OneStepProver.Prove(r.Dispute, r.Trace, op, e / per, e % per);
            var got = await fx.Chain.CallAsync<RecomputeFunction, RecomputeOutput>(fx.Address, new() { C = ctx, P = proof });
            log.WriteLine($"{name}: op {op} ({r.Model.Ops[op].Name}), element {e} of {output.Length}: engine {output.Get(e)}, chain {got.Value}, " +
                $"{proof.Params.Count} param chunks, {proof.Operands.Sum(o => o.Chunks.Count)} input chunks");
            Assert.Equal(output.Get(e), (int)got.Value);
            var gas = (long)(await fx.Chain.Web3.Eth.GetContractTransactionHandler<RecomputeFunction>()
                .EstimateGasAsync(fx.Address.Hex, new RecomputeFunction { C = ctx, P = proof, FromAddress = fx.Node.Accounts[0].Hex })).Value;
            maxGas = Math.Max(maxGas, gas);
        }
        log.WriteLine($"{name}: largest one-step recompute as a transaction: {maxGas:N0} gas");
        Assert.True(maxGas < 10_000_000, $"{maxGas:N0}");
    }

    /// <summary>The first Conv2d's image chunks are proven against the job's input root: a forged chunk, or an
    /// operand root other than the input root, is refused.</summary>
    [Fact]
    public async Task A_forged_image_chunk_or_a_wrong_input_root_is_refused()
    {
        var r = ResNet.Instance.Value;
        int op = Enumerable.Range(0, r.Model.Ops.Length).First(i => r.Model.Ops[i] is Conv2d c && c.Inputs[0] < r.Model.Inputs.Length);
        var ctx = OneStepProver.Context(r.Dispute, r.Trace, op, 3, 5);
        var proof = OneStepProver.Prove(r.Dispute, r.Trace, op, 3, 5);
        proof.Operands[0].Chunks[0].Data[0] ^= 1;
        await Revert.With<ChunkInvalidError>(() => fx.Chain.CallAsync<RecomputeFunction, RecomputeOutput>(fx.Address, new() { C = ctx, P = proof }));
        proof = OneStepProver.Prove(r.Dispute, r.Trace, op, 3, 5);
        proof.Operands[0].OpRoot = r.Trace.OpRoots[0].ToArray();
        await Revert.With<InputInvalidError>(() => fx.Chain.CallAsync<RecomputeFunction, RecomputeOutput>(fx.Address, new() { C = ctx, P = proof }));
    }
}
