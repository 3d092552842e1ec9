using System.Numerics;
using Verity.Chain;
using Verity.Cli.Models;
using Verity.Commitments;
using Verity.Node;
using Verity.Node.Content;

namespace Verity.Gateway.Tests;

/// <summary>What a <see cref="LocalNetwork"/> runs with.</summary>
public sealed record LocalNetworkOptions
{
    public int Workers { get; init; } = 3;
    /// <summary>Seconds of chain time a result stays challengeable (short: a local network finalizes quickly).</summary>
    public uint ChallengeWindow { get; init; } = 5;
    /// <summary>Wall time between the empty blocks the network mines (each one second of chain time).</summary>
    public TimeSpan BlockInterval { get; init; } = TimeSpan.FromMilliseconds(100);
    public TimeSpan WorkerPoll { get; init; } = TimeSpan.FromMilliseconds(50);
    /// <summary>Whether the workers finalize their own results (false leaves it to requesters, who may too).</summary>
    public bool WorkersFinalize { get; init; } = true;
    /// <summary>Where the workers fetch inputs served off-chain.</summary>
    public InputSource Inputs { get; init; } = InputSource.None;
}

/// <summary>
/// The gateway tests' network (the CLI's <c>Devnet</c> runs its nodes as one unit; these tests stop and restart the
/// workers and keep finalization to requesters): anvil with the contracts (audits off: no validator runs), the given
/// real models registered with a dataset in their lineage (20% to their owner, 10% to the dataset), workers staking and
/// serving every model with their daemons running in-process, a requester with tokens, and a block every
/// <see cref="LocalNetworkOptions.BlockInterval"/> — anvil mines only on transactions and its clock moves one second
/// per block, so without them no challenge window would ever close.
/// </summary>
public sealed class LocalNetwork : IAsyncDisposable
{
    /// <summary>Every model's fee: an odd number of wei, so every rounding of the split shows.</summary>
    public static readonly BigInteger Fee = Deployer.Token + 7_777;
    public const ushort OwnerBps = 2000, DatasetBps = 1000;

    /// <summary>The dataset in every model's lineage.</summary>
    public static readonly Hash256 DatasetId = Hash256.Of("verity gateway tests dataset"u8);

    private readonly LocalNetworkOptions _options;
    private readonly Action<string> _log;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<string> _files = [];
    private CancellationTokenSource? _workersStop;
    private List<Task> _running = [];
    private List<NodeStore> _stores = [];
    private Task _ticker = Task.CompletedTask;
    private Dictionary<Hash256, ServedModel>? _served;

    private LocalNetwork(AnvilNode node, VerityContracts contracts, IReadOnlyList<LoadedModel> models, LocalNetworkOptions options, Action<string> log)
    {
        Node = node;
        Contracts = contracts;
        Models = models;
        _options = options;
        _log = log;
    }

    public AnvilNode Node { get; }
    public VerityContracts Contracts { get; }
    public IReadOnlyList<LoadedModel> Models { get; }
    public Address ModelOwner => Node.Accounts[1];
    public IReadOnlyList<Address> Workers => [.. Node.Accounts.Skip(2).Take(_options.Workers)];
    /// <summary>The requester (the gateway's wallet), funded with 100,000 VRT.</summary>
    public Address Requester => Node.Accounts[2 + _options.Workers];
    /// <summary>An account with ether and no tokens, for calls anyone may make.</summary>
    public Address Stranger => Node.Accounts[3 + _options.Workers];

    public static async Task<LocalNetwork> StartAsync(IReadOnlyList<LoadedModel> models, LocalNetworkOptions? options = null,
        Action<string>? log = null, CancellationToken ct = default)
    {
        options ??= new LocalNetworkOptions();
        log ??= _ => { };
        var node = await AnvilNode.StartAsync(accounts: options.Workers + 4, cancellationToken: ct).ConfigureAwait(false);
        try
        {
            var chain = new ChainClient(node.RpcUrl);
            var owner = node.Accounts[0];
            var market = MarketParams.Default with { ChallengeWindow = options.ChallengeWindow, AuditBps = 0 };
            var v = new VerityContracts(chain, await Deployer.DeployAsync(chain, owner, new DeploymentOptions { Market = market }, ct: ct).ConfigureAwait(false));
            var net = new LocalNetwork(node, v, models, options, log);
            // One dataset, two contributors, in every model's lineage: receipts then show a dataset cut.
            await v.TransferAsync(owner, net.ModelOwner, 1_000 * Deployer.Token).ConfigureAwait(false);
            await v.RegisterDatasetAsync(net.ModelOwner, DatasetId, Hash256.Of("records"u8), 1, [(net.Stranger, 6000), (owner, 4000)], 10 * Deployer.Token)
                .ConfigureAwait(false);
            foreach (var m in models)
                await v.RegisterModelAsync(net.ModelOwner, new ModelSpec(m.Id, m.WeightsRoot, 1, 1, OwnerBps, Fee, null, [new DatasetShare(DatasetId, DatasetBps)]))
                    .ConfigureAwait(false);
            for (var i = 0; i < net.Workers.Count; i++)
            {
                await v.TransferAsync(owner, net.Workers[i], 10_000 * Deployer.Token).ConfigureAwait(false);
                await v.StakeAsync(net.Workers[i], (i + 1) * 1_000 * Deployer.Token).ConfigureAwait(false);
                foreach (var m in models)
                    await v.ServeAsync(net.Workers[i], m.Id).ConfigureAwait(false);
            }
            await v.TransferAsync(owner, net.Requester, 100_000 * Deployer.Token).ConfigureAwait(false);
            net._ticker = net.TickAsync(net._stop.Token);
            net.StartWorkers();
            log($"local network: anvil at {node.RpcUrl}, market {v.Deployment.Market}, {net.Workers.Count} workers serving {string.Join(", ", models.Select(m => m.Model.Name))}");
            return net;
        }
        catch
        {
            await node.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Starts a daemon per worker (each over its own store, kept across restarts).</summary>
    public void StartWorkers()
    {
        if (_workersStop is not null)
            throw new InvalidOperationException("the workers are already running");
        while (_files.Count < Workers.Count)
            _files.Add(Path.Combine(Path.GetTempPath(), $"verity-localnet-{Guid.NewGuid():N}.db"));
        _workersStop = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        _served ??= Models.ToDictionary(m => m.Id, m => ServedModel.Of(m.Model));
        var served = _served;
        _stores = [.. _files.Select(f => new NodeStore(f))];
        _running = [.. Workers.Select((w, i) => new WorkerDaemon(new VerityContracts(new ChainClient(Node.RpcUrl), Contracts.Deployment), w,
            served, _stores[i], new WorkerOptions
            {
                Confirmations = 0, PollInterval = _options.WorkerPoll, Finalize = _options.WorkersFinalize, Inputs = _options.Inputs,
            }, _log).RunAsync(_workersStop.Token))];
    }

    public bool WorkersRunning => _workersStop is not null;

    /// <summary>Stops the worker daemons (a test that posts a result by hand stops them first).</summary>
    public async Task StopWorkersAsync()
    {
        if (_workersStop is null)
            return;
        await _workersStop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_running).ConfigureAwait(false);
        foreach (var s in _stores)
            s.Dispose();
        _workersStop.Dispose();
        _workersStop = null;
    }

    private async Task TickAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_options.BlockInterval, ct).ConfigureAwait(false);
                await Node.MineAsync(1, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e) when (e is HttpRequestException or InvalidOperationException)
            {
                _log($"local network: mining failed: {e.Message}");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopWorkersAsync().ConfigureAwait(false);
        await _stop.CancelAsync().ConfigureAwait(false);
        await _ticker.ConfigureAwait(false);
        await Node.DisposeAsync().ConfigureAwait(false);
        foreach (var f in _files)
            foreach (var suffix in new[] { "", "-wal", "-shm" })
                File.Delete(f + suffix);
        _stop.Dispose();
    }
}
