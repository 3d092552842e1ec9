using System.Numerics;
using Verity.Chain.Tests.Generated.ManualDisputeGame;
using Verity.Commitments;

namespace Verity.Chain.Tests;

/// <summary>
/// One anvil per test class, with the standard world deployed once and snapshotted; each test starts with
/// <see cref="ResetAsync"/>, which returns the chain to that snapshot.
///
/// The world: a model (20% to its owner, datasets A 15% and B 5%, validator pool 5%, worker the rest) served by three
/// workers with stakes 1,000 / 2,000 / 3,000 tokens; a requester and a challenger with tokens. The market's dispute
/// game is a <c>ManualDisputeGame</c> decided by hand by a test account (the referee): TEST ONLY, so that the market's
/// dispute paths can be driven directly; the real game (DisputeGame) is exercised by RealDisputeTests.
/// </summary>
public sealed class ChainFixture : IAsyncLifetime
{
    public static readonly BigInteger T = Deployer.Token;
    /// <summary>An odd fee, so every rounding in the split is exercised.</summary>
    public static readonly BigInteger Fee = T + 7_777;
    public const ushort ModelClass = 1;
    public static readonly BigInteger MinStake = 1_000 * T;

    public static readonly Hash256 ModelId = Hash256.Of("model: test"u8);
    public static readonly Hash256 DatasetA = Hash256.Of("dataset: A"u8);
    public static readonly Hash256 DatasetB = Hash256.Of("dataset: B"u8);

    private string _snapshot = "";

    public AnvilNode Node { get; private set; } = null!;
    public ChainClient Chain { get; private set; } = null!;
    public VerityContracts V { get; private set; } = null!;
    public Address GameAddress { get; private set; }

    public Address Owner => Node.Accounts[0];
    public Address ModelOwner => Node.Accounts[1];
    public Address DatasetOwner => Node.Accounts[2];
    public Address ContributorA1 => Node.Accounts[3]; // 70% of A
    public Address ContributorA2 => Node.Accounts[4]; // 30% of A
    public Address ContributorB => Node.Accounts[5]; // 100% of B
    public IReadOnlyList<Address> Workers => [Node.Accounts[6], Node.Accounts[7], Node.Accounts[8]];
    public Address Requester => Node.Accounts[9];
    public Address Challenger => Node.Accounts[10];
    public Address Referee => Node.Accounts[11];
    public Address Stranger => Node.Accounts[12];

    public async Task InitializeAsync()
    {
        Node = await AnvilNode.StartAsync(accounts: 30);
        Chain = new ChainClient(Node.RpcUrl);
        var artifacts = ContractArtifacts.Locate();
        var (game, _) = await Chain.DeployAsync(new ManualDisputeGameDeployment(artifacts.Load("ManualDisputeGame").Bytecode), Referee);
        GameAddress = game;
        var d = await Deployer.DeployAsync(Chain, Owner, new DeploymentOptions { DisputeGame = game }, artifacts);
        V = new VerityContracts(Chain, d);
        await Chain.SendAsync(game, new SetMarketFunction { Market = d.Market.Hex }, Referee);

        foreach (var a in new[] { DatasetOwner, Requester, Challenger, Stranger }.Concat(Workers))
            await V.TransferAsync(Owner, a, 100_000 * T);
        await V.RegisterDatasetAsync(DatasetOwner, DatasetA, Hash256.Of("records A"u8), 1, [(ContributorA1, 7000), (ContributorA2, 3000)], 10 * T);
        await V.RegisterDatasetAsync(DatasetOwner, DatasetB, Hash256.Of("records B"u8), 1, [(ContributorB, 10000)], 10 * T);
        await V.RegisterModelAsync(ModelOwner, new ModelSpec(ModelId, Hash256.Of("weights"u8), 1, ModelClass, 2000, Fee, null,
            [new DatasetShare(DatasetA, 1500), new DatasetShare(DatasetB, 500)]));
        await V.SetMinStakeAsync(ModelClass, MinStake);
        for (var i = 0; i < Workers.Count; i++)
        {
            await V.StakeAsync(Workers[i], (i + 1) * 1_000 * T);
            await V.ServeAsync(Workers[i], ModelId);
        }
        _snapshot = await Node.SnapshotAsync();
    }

    /// <summary>Returns the chain to the freshly deployed world.</summary>
    public async Task ResetAsync() => _snapshot = await Node.RestoreAsync(_snapshot);

    public Task DisposeAsync()
    {
        Node?.Dispose();
        return Task.CompletedTask;
    }

    // ---- helpers shared by the tests ----

    public static byte[] Bytes(string s) => System.Text.Encoding.UTF8.GetBytes(s);

    public static JobResult HonestResult(JobId job, byte[] input) =>
        new(job, Hash256.Of(input).ToArray(), Hash256.Of([.. "trace:"u8, .. input]));

    /// <summary>Requests a job and mines the two blocks after which the draw can be settled; returns the job and its
    /// drawn worker.</summary>
    public async Task<(JobId Job, Address Worker)> RequestAsync(byte[] input, Address? requester = null)
    {
        var (job, _) = await V.RequestJobAsync(requester ?? Requester, ModelId, input, Fee);
        await Node.MineAsync(2);
        var worker = await V.DrawnWorkerAsync(job);
        Assert.False(worker.IsZero);
        return (job, worker);
    }

    /// <summary>Requests a job and has its drawn worker post the honest result.</summary>
    public async Task<(JobId Job, Address Worker, JobResult Result)> CommittedJobAsync(byte[] input, Address? requester = null)
    {
        var (job, worker) = await RequestAsync(input, requester);
        var result = HonestResult(job, input);
        await V.SubmitResultAsync(worker, result);
        return (job, worker, result);
    }

    /// <summary>Advances past the job's deadline and finalizes it; if that selects it for audit, advances past the
    /// audit window and finalizes again.</summary>
    public async Task FinalizeAsync(JobResult result, byte[] input, bool withOutput = true)
    {
        for (var i = 0; i < 3; i++)
        {
            var job = await V.JobAsync(result.Job);
            if (job.Status == JobStatus.Finalized)
                return;
            var now = await Node.TimestampAsync();
            if (job.Deadline >= now)
                await Node.AdvanceAsync(TimeSpan.FromSeconds(job.Deadline - now + 1));
            await V.FinalizeAsync(Stranger, result, TensorCommitment.Root(input), withOutput);
        }
        Assert.Equal(JobStatus.Finalized, (await V.JobAsync(result.Job)).Status);
    }

    /// <summary>Advances the clock past <paramref name="job"/>'s current deadline.</summary>
    public async Task PassDeadlineAsync(JobId job)
    {
        var j = await V.JobAsync(job);
        var now = await Node.TimestampAsync();
        await Node.AdvanceAsync(TimeSpan.FromSeconds(Math.Max(0, j.Deadline - now) + 1));
    }

    /// <summary>Asserts the market's and staking's books against the token, to the wei.</summary>
    public async Task AssertBooksExactAsync()
    {
        var (escrow, bonds, owed) = await V.BooksAsync();
        Assert.Equal(escrow + bonds + owed, await V.BalanceOfAsync(V.Deployment.Market));
        Assert.Equal(await V.TotalStakedAsync(), await V.BalanceOfAsync(V.Deployment.Staking));
    }
}
