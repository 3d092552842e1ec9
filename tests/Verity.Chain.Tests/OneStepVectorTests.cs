using Verity.Cli.Disputes;
using Verity.Chain.Dispute;
using Verity.Chain.Generated.OneStepVerifier;
using Verity.Commitments;
using Xunit.Abstractions;

namespace Verity.Chain.Tests;

/// <summary>
/// Shared test vectors: for real ops of the compiled MiniLM on a real input, the C# side produces the proven input
/// chunks, parameter chunks and the engine's expected element (<see cref="OneStepProver"/>), and the Solidity
/// one-step checker (<c>OneStepVerifier.recompute</c>, called on anvil) must reproduce every element exactly.
/// </summary>
public sealed class OneStepVectorTests(OneStepVectorTests.Verifier fx, ITestOutputHelper log) : IClassFixture<OneStepVectorTests.Verifier>
{
    public sealed class Verifier : IAsyncLifetime
    {
        public AnvilNode Node { get; private set; } = null!;
        public ChainClient Chain { get; private set; } = null!;
        public Address Address { get; private set; }

        public async Task InitializeAsync()
        {
            Node = await AnvilNode.StartAsync(accounts: 1);
            Chain = new ChainClient(Node.RpcUrl);
            (Address, _) = await Chain.DeployAsync(new OneStepVerifierDeployment(ContractArtifacts.Locate().Load("OneStepVerifier").Bytecode), Node.Accounts[0]);
        }

        public Task DisposeAsync()
        {
            Node?.Dispose();
            return Task.CompletedTask;
        }
    }

    private static MiniLmDispute M => MiniLmDispute.Instance;

    public static TheoryData<string> Cases => new() { "linear", "linear+gelu-table", "linear-k1536", "layernorm", "layernorm+residual", "lut", "reshape", "embed", "attention", "reducemean", "gather" };

    private static int OpFor(string name) => name switch
    {
        "linear" => M.FindOp(1, e => e.Length < 200_000),
        "linear+gelu-table" => M.FindOp(1, e => e.Length > 200_000 && K(e) == 384),
        "linear-k1536" => M.FindOp(1, e => K(e) == 1536),
        "lut" => M.FindOp(5),
        "reshape" => M.FindOp(9),
        "embed" => M.FindOp(12),
        "attention" => M.FindOp(15),
        "reducemean" => M.FindOp(13),
        "gather" => M.FindOp(14),
        "layernorm" => M.FindOp(7, e => OpHeader.Parse(e).Inputs.Length == 1),
        _ => M.FindOp(7, e => OpHeader.Parse(e).Inputs.Length == 2),
    };

    private static int K(byte[] encoding) => BitConverter.ToInt32(encoding, OpHeader.Parse(encoding).P0 + 4);

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task The_Solidity_one_step_reproduces_the_engine_element_for_element(string name)
    {
        int op = OpFor(name);
        var output = M.Honest.Outputs[op];
        int bytes = OpHeader.Parse(M.Dispute.Encodings[op]).OutBytes, elements = output.Length / bytes;
        int per = TensorCommitment.ChunkBytes / bytes;
        foreach (var e in new[] { 0, 1, elements / 3, elements / 2 + 7, elements - 1 })
        {
            var ctx = OneStepProver.Context(M.Dispute, M.Honest, op, e / per, e % per);
            var proof = OneStepProver.Prove(M.Dispute, M.Honest, op, e / per, e % per);
            var r = await fx.Chain.CallAsync<RecomputeFunction, RecomputeOutput>(fx.Address, new() { C = ctx, P = proof });
            var expected = M.Values[M.Model.Inputs.Length + op].Get(e);
            log.WriteLine($"{name}: op {op} ({M.Model.Ops[op].Name}), element {e} of {elements}: engine {expected}, chain {r.Value}, " +
                $"{proof.Params.Count} param chunks, {proof.Operands.Sum(o => o.Chunks.Count)} input chunks");
            Assert.Equal(expected, (int)r.Value);
            Assert.Equal(bytes, (int)r.OutBytes);
        }
    }

    /// <summary>Add (6) is not in MiniLM (its residual adds are fused into LayerNorm): a small engine model
    /// x → Reshape → two Linears (one with ReLU) → Add (with ReLU) over tensors of several chunks, run by the engine's
    /// reference ops, every element of the Add checked on chain.</summary>
    [Fact]
    public async Task The_Solidity_one_step_reproduces_an_engine_Add_element_for_element()
    {
        const int rows = 300, k = 4, n = 3;
        var rng = new Random(7);
        sbyte[] W() => [.. Enumerable.Range(0, n * k).Select(_ => (sbyte)rng.Next(-127, 128))];
        Engine.Ops.Op[] ops =
        [
            new Engine.Ops.Reshape { Name = "r", Inputs = [0], OutType = Engine.Tensors.DType.I16, Dims = [rows, k] },
            new Engine.Ops.Linear { Name = "a", Inputs = [1], OutType = Engine.Tensors.DType.I16, N = n, K = k, W = W(), Bias = [5, -6, 7], Mult = [20000, 17000, 30000], Shift = [12, 13, 14], Relu = false },
            new Engine.Ops.Linear { Name = "b", Inputs = [1], OutType = Engine.Tensors.DType.I8, N = n, K = k, W = W(), Bias = [0, 100, -100], Mult = [16384, 16384, 16384], Shift = [15, 16, 17], Relu = true },
            new Engine.Ops.Add { Name = "sum", Inputs = [2, 3], OutType = Engine.Tensors.DType.I16, MultA = 20000, MultB = 30000, Shift = 15, Relu = true },
        ];
        var x = Engine.Tensors.IntTensor.FromInts(Engine.Tensors.DType.I16, [1, rows * k], [.. Enumerable.Range(0, rows * k).Select(_ => rng.Next(-32767, 32768))]);
        var values = new List<Engine.Tensors.IntTensor> { x };
        foreach (var op in ops)
        {
            var args = op.Inputs.Select(i => values[i]).ToList();
            var y = new Engine.Tensors.IntTensor(op.OutType, op.OutputShape(args));
            if (op.IsView) y = new Engine.Tensors.IntTensor(op.OutType, op.OutputShape(args), args[0].Buffer);
            else op.Reference(args, y);
            values.Add(y);
        }
        int[] lengths = [.. values.Skip(1).Select(v => v.ByteLength)];
        var model = new DisputeModel([.. ops.Select(o => o.Encode())], 1, 3, DisputeModel.FitLengths(3, 1, lengths, 2, lengths));
        var trace = new DisputeTrace(x.Bytes.ToArray(), [.. values.Skip(1).Select(v => v.Bytes.ToArray())]);
        var sum = values[4];
        Assert.True(sum.ByteLength > TensorCommitment.ChunkBytes);
        for (var e = 0; e < sum.Length; e += 37)
        {
            var (chunk, at) = (e / 512, e % 512);
            var r = await fx.Chain.CallAsync<RecomputeFunction, RecomputeOutput>(fx.Address, new()
            {
                C = OneStepProver.Context(model, trace, 3, chunk, at), P = OneStepProver.Prove(model, trace, 3, chunk, at),
            });
            Assert.Equal(sum.Get(e), (int)r.Value);
        }
    }

    /// <summary>Every op kind of MiniLM has a checker; a Transpose (8, used by neither shipped model) has none.</summary>
    [Fact]
    public async Task An_op_kind_without_a_checker_reverts_OneStepUnsupported()
    {
        Engine.Ops.Op[] ops =
        [
            new Engine.Ops.Reshape { Name = "r", Inputs = [0], OutType = Engine.Tensors.DType.I8, Dims = [2, 3] },
            new Engine.Ops.Transpose { Name = "t", Inputs = [1], OutType = Engine.Tensors.DType.I8, Perm = [1, 0] },
        ];
        var model = new DisputeModel([.. ops.Select(o => o.Encode())], 1, 1, DisputeModel.FitLengths(3, 1, [6, 6], 2, [6, 6]));
        var trace = new DisputeTrace([1, 2, 3, 4, 5, 6], [[1, 2, 3, 4, 5, 6], [1, 4, 2, 5, 3, 6]]);
        Assert.Throws<NotSupportedException>(() => OneStepProver.Prove(model, trace, 1, 0, 0));
        var proof = new Proof
        {
            ParamRoot = model.ParamRoots[1].ToArray(),
            WeightsProof = [.. TraceRoot.Proof(model.ParamRoots, 1).Select(h => h.ToArray())],
            Params = OneStepProver.ChunksOf(model.Encodings[1], [(0, 64)]), Operands = [], Input = [], Lengths = [],
        };
        var err = await Revert.With<OneStepUnsupportedError>(() => fx.Chain.CallAsync<RecomputeFunction, RecomputeOutput>(fx.Address,
            new() { C = OneStepProver.Context(model, trace, 1, 0, 0), P = proof }));
        Assert.Equal(8, (int)err.OpKind);
    }

    [Fact]
    public async Task A_wrong_parameter_root_or_a_forged_input_chunk_is_refused()
    {
        int op = OpFor("linear");
        var ctx = OneStepProver.Context(M.Dispute, M.Honest, op, 0, 3);
        var proof = OneStepProver.Prove(M.Dispute, M.Honest, op, 0, 3);
        proof.ParamRoot = M.Dispute.ParamRoots[op + 1].ToArray();
        await Revert.With<ParamRootInvalidError>(() => fx.Chain.CallAsync<RecomputeFunction, RecomputeOutput>(fx.Address, new() { C = ctx, P = proof }));
        proof = OneStepProver.Prove(M.Dispute, M.Honest, op, 0, 3);
        proof.Operands[0].Chunks[0].Data[0] ^= 1;
        await Revert.With<ChunkInvalidError>(() => fx.Chain.CallAsync<RecomputeFunction, RecomputeOutput>(fx.Address, new() { C = ctx, P = proof }));
    }
}
