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

    private static MiniLm M => MiniLm.Instance;

    public static TheoryData<string> Cases => new() { "linear", "linear+gelu-table", "linear-k1536", "layernorm", "layernorm+residual" };

    private static int OpFor(string name) => name switch
    {
        "linear" => M.FindOp(1, e => e.Length < 200_000),
        "linear+gelu-table" => M.FindOp(1, e => e.Length > 200_000 && K(e) == 384),
        "linear-k1536" => M.FindOp(1, e => K(e) == 1536),
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
        int bytes = M.Dispute.DtypeOf(op) == 1 ? 1 : 2, elements = output.Length / bytes;
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

    [Fact]
    public async Task An_op_kind_without_a_checker_reverts_OneStepUnsupported()
    {
        int op = M.FindOp(15); // Attention
        var enc = M.Dispute.Encodings[op];
        var proof = new Proof
        {
            ParamRoot = M.Dispute.ParamRoots[op].ToArray(),
            WeightsProof = [.. TraceRoot.Proof(M.Dispute.ParamRoots, op).Select(h => h.ToArray())],
            Params = OneStepProver.ChunksOf(enc, [(0, 64)]), Operands = [],
        };
        var ctx = OneStepProver.Context(M.Dispute, M.Honest, op, 0, 0);
        var err = await Revert.With<OneStepUnsupportedError>(() => fx.Chain.CallAsync<RecomputeFunction, RecomputeOutput>(fx.Address, new() { C = ctx, P = proof }));
        Assert.Equal(15, (int)err.OpKind);
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
