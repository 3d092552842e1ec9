using System.Numerics;
using Verity.Chain.Dispute;
using Verity.Cli.Disputes;
using Verity.Cli.Models;
using Verity.Commitments;
using Verity.Engine;
using Verity.Engine.Format;
using Verity.Engine.Ops;
using Verity.Engine.Tensors;

namespace Verity.Chain.Tests;

/// <summary>
/// One anvil with the Verity contracts and the real dispute game (<c>DisputeGame</c> + <c>OneStepVerifier</c>),
/// MiniLM registered with its real id and weights root and its shape set in the game, three workers serving it, a
/// requester and a challenger with tokens. Snapshotted; each test starts with <see cref="ResetAsync"/>.
/// </summary>
public sealed class MiniLmDisputeFixture : IAsyncLifetime
{
    public static readonly BigInteger T = Deployer.Token;
    public static readonly BigInteger Fee = T + 7_777;
    private string _snapshot = "";

    public AnvilNode Node { get; private set; } = null!;
    public ChainClient Chain { get; private set; } = null!;
    public VerityContracts V { get; private set; } = null!;
    public MiniLmDispute M { get; private set; } = null!;
    public Address Game => V.Deployment.DisputeGame;
    public Address Owner => Node.Accounts[0];
    public Address ModelOwner => Node.Accounts[1];
    public IReadOnlyList<Address> Workers => [Node.Accounts[2], Node.Accounts[3], Node.Accounts[4]];
    public Address Requester => Node.Accounts[5];
    public Address Challenger => Node.Accounts[6];
    public Address Stranger => Node.Accounts[7];

    public async Task InitializeAsync()
    {
        M = MiniLmDispute.Instance;
        Node = await AnvilNode.StartAsync(accounts: 10);
        Chain = new ChainClient(Node.RpcUrl);
        V = new VerityContracts(Chain, await Deployer.DeployAsync(Chain, Owner));
        foreach (var a in new[] { Requester, Challenger, Stranger }.Concat(Workers))
            await V.TransferAsync(Owner, a, 100_000 * T);
        await V.RegisterModelAsync(ModelOwner, new ModelSpec(M.Id, M.Dispute.WeightsRoot, 1, 1, 2000, Fee, null, []));
        await V.SetShapeAsync(ModelOwner, M.Id, M.Dispute);
        for (var i = 0; i < Workers.Count; i++)
        {
            await V.StakeAsync(Workers[i], (i + 1) * 1_000 * T);
            await V.ServeAsync(Workers[i], M.Id);
        }
        _snapshot = await Node.SnapshotAsync();
    }

    public async Task ResetAsync() => _snapshot = await Node.RestoreAsync(_snapshot);

    public Task DisposeAsync()
    {
        Node?.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>Requests a MiniLM job on the real input; its drawn worker posts <paramref name="output"/> with
    /// <paramref name="trace"/>'s root; the challenger challenges it.</summary>
    public async Task<(JobId Job, Address Worker, JobResult Result)> ChallengedAsync(DisputeTrace trace, byte[] output)
    {
        var (job, _) = await V.RequestJobAsync(Requester, M.Id, M.InputBytes, Fee);
        await Node.MineAsync(2);
        var worker = await V.DrawnWorkerAsync(job);
        var result = new JobResult(job, output, trace.Root);
        await V.SubmitResultAsync(worker, result);
        await V.ChallengeAsync(Challenger, result, TensorCommitment.Root(M.InputBytes), MarketParams.Default.ChallengeBond);
        return (job, worker, result);
    }

    public async Task AssertBooksExactAsync()
    {
        var (escrow, bonds, owed) = await V.BooksAsync();
        Assert.Equal(escrow + bonds + owed, await V.BalanceOfAsync(V.Deployment.Market));
        Assert.Equal(await V.TotalStakedAsync(), await V.BalanceOfAsync(V.Deployment.Staking));
    }
}
