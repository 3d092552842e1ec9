using System.Numerics;
using Nethereum.Contracts;
using Nethereum.RPC.Eth.DTOs;
using Verity.Chain;
using Verity.Chain.Dispute;
using Verity.Cli.Disputes;
using Verity.Commitments;
using Verity.Engine;
using Verity.Engine.Format;
using Verity.Engine.Tensors;
using M = Verity.Chain.Generated.JobMarket;

namespace Verity.Node.Tests;

/// <summary>
/// One anvil with the Verity contracts (the real dispute game), the real MiniLM registered by its id and weights root
/// (20% to its owner, 5% to the validator pool) with its shape and length rules set in the dispute game, three workers staking 1,000 / 2,000 / 3,000 tokens and serving it, a
/// requester with tokens. Snapshotted; each test starts with <see cref="ResetAsync"/>.
/// </summary>
public sealed class NodeWorld : IAsyncLifetime
{
    public static readonly BigInteger T = Deployer.Token;
    /// <summary>An odd fee, so every rounding in the split is exercised.</summary>
    public static readonly BigInteger Fee = T + 7_777;
    public const ushort OwnerBps = 2000;

    /// <summary>Five real WordPiece id sequences ([CLS] … [SEP]) of different lengths.</summary>
    public static readonly int[][] Sentences =
    [
        [101, 1996, 4248, 2829, 4419, 14523, 102], // the quick brown fox jumps
        [101, 7592, 2088, 102], // hello world
        [101, 1037, 3899, 102], // a dog
        [101, 2054, 2003, 1996, 3712, 1029, 102], // what is the sky ?
        [101, 2023, 2003, 1037, 3231, 6251, 102], // this is a test sentence
    ];

    private string _snapshot = "";
    private readonly List<string> _files = [];

    public AnvilNode Node { get; private set; } = null!;
    public ChainClient Chain { get; private set; } = null!;
    public VerityContracts V { get; private set; } = null!;
    /// <summary>The compiled MiniLM with its dispute model, honest run and cheating runs on <see cref="Sentences"/>[0].</summary>
    public MiniLmDispute M { get; private set; } = null!;
    public VModel Model { get; private set; } = null!;
    public Hash256 ModelId { get; private set; }
    public Address ModelOwner => Node.Accounts[1];
    public IReadOnlyList<Address> Workers => [Node.Accounts[2], Node.Accounts[3], Node.Accounts[4]];
    public Address Requester => Node.Accounts[5];
    public Address Stranger => Node.Accounts[6];

    public async Task InitializeAsync()
    {
        M = MiniLmDispute.Instance;
        Model = M.Model;
        ModelId = M.Id;
        Node = await AnvilNode.StartAsync(accounts: 8);
        Chain = new ChainClient(Node.RpcUrl);
        var owner = Node.Accounts[0];
        V = new VerityContracts(Chain, await Deployer.DeployAsync(Chain, owner));
        foreach (var a in Workers.Append(Requester))
            await V.TransferAsync(owner, a, 100_000 * T);
        await V.RegisterModelAsync(ModelOwner, new ModelSpec(ModelId, M.Dispute.WeightsRoot, 1, 1, OwnerBps, Fee, null, []));
        await V.SetShapeAsync(ModelOwner, ModelId, M.Dispute);
        for (var i = 0; i < Workers.Count; i++)
        {
            await V.StakeAsync(Workers[i], (i + 1) * 1_000 * T);
            await V.ServeAsync(Workers[i], ModelId);
        }
        _snapshot = await Node.SnapshotAsync();
    }

    public async Task ResetAsync() => _snapshot = await Node.RestoreAsync(_snapshot);

    public Task DisposeAsync()
    {
        Node?.Dispose();
        foreach (var f in _files)
            foreach (var suffix in new[] { "", "-wal", "-shm" })
                File.Delete(f + suffix);
        return Task.CompletedTask;
    }

    /// <summary>A fresh database path, deleted with the fixture.</summary>
    public string NewStorePath()
    {
        var path = Path.Combine(Path.GetTempPath(), $"verity-node-{Guid.NewGuid():N}.db");
        _files.Add(path);
        return path;
    }

    public WorkerDaemon Daemon(int worker, NodeStore store, Action<string>? log = null, int confirmations = 0, WorkerOptions? options = null) =>
        new(new VerityContracts(new ChainClient(Node.RpcUrl), V.Deployment), Workers[worker],
            new Dictionary<Hash256, ServedModel> { [ModelId] = new(Model, M.Dispute) }, store,
            options ?? new WorkerOptions { Confirmations = confirmations, PollInterval = TimeSpan.FromMilliseconds(50) }, log);

    /// <summary>A validator daemon run by worker <paramref name="worker"/>'s account (an auditor is drawn among the
    /// model's servers); it plays a dispute from the chain and its own execution alone.</summary>
    public ValidatorDaemon Validator(int worker, NodeStore store, Action<string>? log = null, ValidatorOptions? options = null) =>
        new(new VerityContracts(new ChainClient(Node.RpcUrl), V.Deployment), Workers[worker],
            new Dictionary<Hash256, ServedModel> { [ModelId] = new(Model, M.Dispute) }, store,
            options ?? new ValidatorOptions { Confirmations = 0, PollInterval = TimeSpan.FromMilliseconds(50) }, log);

    /// <summary>Sets the market's audit rate (basis points), the other parameters at their defaults.</summary>
    public Task SetAuditBpsAsync(ushort bps) => V.SetParamsAsync(Node.Accounts[0], MarketParams.Default with { AuditBps = bps });

    public static byte[] InputBytes(int[] ids) => IntTensor.FromInts(DType.I32, [1, ids.Length], ids).Bytes.ToArray();

    /// <summary>Requests one job per input and mines the two blocks after which every draw can be settled.</summary>
    public async Task<JobId[]> RequestAsync(IEnumerable<byte[]> inputs)
    {
        var jobs = new List<JobId>();
        foreach (var input in inputs)
            jobs.Add((await V.RequestJobAsync(Requester, ModelId, input, Fee)).Job);
        await Node.MineAsync(2);
        return [.. jobs];
    }

    /// <summary>Every <c>ResultSubmitted</c> event so far.</summary>
    public async Task<List<EventLog<M.ResultSubmittedEvent>>> ResultEventsAsync()
    {
        var e = Chain.Web3.Eth.GetEvent<M.ResultSubmittedEvent>(V.Deployment.Market.Hex);
        return await e.GetAllChangesAsync(e.CreateFilterInput(BlockParameter.CreateEarliest(), BlockParameter.CreateLatest()));
    }

    public async Task<BigInteger> NonceAsync(Address a) =>
        (await Chain.Web3.Eth.Transactions.GetTransactionCount.SendRequestAsync(a.Hex)).Value;

    /// <summary>Advances past each job's deadline and finalizes it; once more if that selected it for audit. A worker
    /// daemon finalizes its own results too, so a finalize that lost that race is fine.</summary>
    public async Task FinalizeAsync(JobId job)
    {
        for (var i = 0; i < 3; i++)
        {
            var j = await V.JobAsync(job);
            if (j.Status == JobStatus.Finalized)
                return;
            var now = await Node.TimestampAsync();
            if (j.Deadline >= now)
                await Node.AdvanceAsync(TimeSpan.FromSeconds(j.Deadline - now + 1));
            try
            {
                await V.FinalizeAsync(Stranger, new JobResult(job, [], Hash256.Zero), Hash256.Zero, withOutput: false);
            }
            catch (ContractRevertedException)
            {
                if ((await V.JobAsync(job)).Status != JobStatus.Finalized)
                    throw;
            }
        }
        Assert.Equal(JobStatus.Finalized, (await V.JobAsync(job)).Status);
    }

    public async Task AssertBooksExactAsync()
    {
        var (escrow, bonds, owed) = await V.BooksAsync();
        Assert.Equal(escrow + bonds + owed, await V.BalanceOfAsync(V.Deployment.Market));
        Assert.Equal(await V.TotalStakedAsync(), await V.BalanceOfAsync(V.Deployment.Staking));
    }

    /// <summary>Waits (polling) until <paramref name="done"/> holds, up to <paramref name="seconds"/>.</summary>
    public static async Task UntilAsync(Func<Task<bool>> done, string what, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await done())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"timed out waiting for {what}");
            await Task.Delay(50);
        }
    }

    /// <summary>The reference: a local run of the model on <paramref name="input"/>.</summary>
    public RunResult Local(byte[] input) => new Executor(Model).Run([Execution.Decode(Model, input)]);
}
