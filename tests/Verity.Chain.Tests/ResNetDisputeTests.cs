using System.Numerics;
using Nethereum.Contracts;
using Verity.Chain.Dispute;
using Verity.Commitments;
using Xunit.Abstractions;
using G = Verity.Chain.Generated.DisputeGame;

namespace Verity.Chain.Tests;

/// <summary>
/// A full dispute over a real ResNet18 job on anvil: the request carries the encoded test image (the graph input) in
/// calldata, the market commits to its tensor root, and a worker that corrupted one element of op 0 (the first
/// Conv2d, which reads the image) is slashed: the one-step proves the image's chunks against the job's input root.
/// </summary>
public sealed class ResNetDisputeTests(ITestOutputHelper log) : IAsyncLifetime
{
    private static readonly BigInteger T = Deployer.Token;
    private static readonly BigInteger Fee = T + 7_777;
    private AnvilNode _node = null!;

    public async Task InitializeAsync() => _node = await AnvilNode.StartAsync(accounts: 6);

    public Task DisposeAsync()
    {
        _node?.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_worker_that_corrupted_the_first_Conv2d_which_reads_the_image_is_slashed_through_the_game()
    {
        var r = ResNetVectorTests.ResNet.Instance.Value;
        var chain = new ChainClient(_node.RpcUrl);
        Address owner = _node.Accounts[0], modelOwner = _node.Accounts[1], worker = _node.Accounts[2], requester = _node.Accounts[3],
            challenger = _node.Accounts[4];
        var v = new VerityContracts(chain, await Deployer.DeployAsync(chain, owner));
        foreach (var a in new[] { worker, requester, challenger })
            await v.TransferAsync(owner, a, 100_000 * T);
        await v.RegisterModelAsync(modelOwner, new ModelSpec(r.Id, r.Dispute.WeightsRoot, 1, 1, 2000, Fee, null, []));
        await v.SetShapeAsync(modelOwner, r.Id, r.Dispute);
        await v.StakeAsync(worker, 1_000 * T);
        await v.ServeAsync(worker, r.Id);

        Assert.Equal(2, r.Dispute.KindOf(0)); // op 0 is the Conv2d over the image
        int outBytes = OpHeader.Parse(r.Dispute.Encodings[0]).OutBytes;
        int element = r.Trace.Outputs[0].Length / outBytes / 2 + 57; // an interior element
        var (cheat, output) = r.Cheat(0, element);
        var (job, request) = await v.RequestJobAsync(requester, r.Id, r.Trace.Input, Fee);
        log.WriteLine($"request with a {r.Trace.Input.Length:N0}-byte input: {request.GasUsed.Value:N0} gas");
        Assert.Equal(TensorCommitment.Root(r.Trace.Input), (await v.JobAsync(job)).Data);
        await _node.MineAsync(2);
        Assert.Equal(worker, await v.DrawnWorkerAsync(job));
        var result = new JobResult(job, output, cheat.Root);
        await v.SubmitResultAsync(worker, result);
        await v.ChallengeAsync(challenger, result, TensorCommitment.Root(r.Trace.Input), MarketParams.Default.ChallengeBond);
        var stake = await v.SlashableOfAsync(worker);

        var outcome = await new DisputePlayer(chain, v.Deployment.DisputeGame, r.Dispute)
            .PlayAsync(job, new DisputeParty(worker, cheat), new DisputeParty(challenger, r.Trace));
        log.WriteLine($"dispute: op {outcome.Op}, chunk {outcome.ChunkIndex}, element {outcome.ElementInChunk}, {outcome.Receipts.Count} txs, " +
            $"total gas {outcome.TotalGas:N0}, largest tx {outcome.MaxTxGas:N0}");

        Assert.False(outcome.WorkerWasRight);
        Assert.Equal(0, outcome.Op);
        Assert.Equal(element * outBytes / TensorCommitment.ChunkBytes, outcome.ChunkIndex);
        var check = outcome.Receipts[^1].DecodeAllEvents<G.OneStepCheckedEvent>().Single().Event;
        Assert.NotEqual(check.Claimed, check.Computed);
        Assert.Equal(stake - stake * 5000 / 10000, await v.SlashableOfAsync(worker));
    }
}
