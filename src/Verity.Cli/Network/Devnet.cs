using System.Numerics;
using Verity.Chain;
using Verity.Cli.Commands;
using Verity.Cli.Models;
using Verity.Commitments;
using Verity.Engine.Ops;
using Verity.Node;
using Verity.Node.Content;

namespace Verity.Cli.Network;

/// <summary>How a local devnet is set up and run.</summary>
public sealed record DevnetOptions
{
    public int Workers { get; init; } = 3;
    /// <summary>Each worker's stake in whole tokens (default 2,000 each); stake weighs the draw.</summary>
    public IReadOnlyList<int>? Stakes { get; init; }
    /// <summary>The strategy of the last worker; null: all honest.</summary>
    public CheatStrategy? Cheat { get; init; }
    /// <summary>Market timings in chain seconds. Anvil advances one second per block (AnvilNode), and the devnet
    /// mines a block every <see cref="BlockInterval"/>, so a chain second is that long.</summary>
    public MarketParams Market { get; init; } = MarketParams.Default with
    {
        ResultTimeout = 600, ChallengeWindow = 30, AuditWindow = 60, DisputeTimeout = 6000, AuditBps = 1000,
    };
    public ulong MoveTime { get; init; } = 120;
    public TimeSpan BlockInterval { get; init; } = TimeSpan.FromMilliseconds(100);
    public TimeSpan Poll { get; init; } = TimeSpan.FromMilliseconds(200);
    /// <summary>Whether the workers finalize their own results (false leaves it to requesters, who may too).</summary>
    public bool WorkersFinalize { get; init; } = true;
    /// <summary>Where else the daemons fetch inputs served off-chain (folders or URLs, e.g. a gateway's
    /// <c>/v1/inputs</c>), after <see cref="Devnet.InputsFolder"/>.</summary>
    public IReadOnlyList<string> Inputs { get; init; } = [];
    public int MaxBatch { get; init; } = 32;
    /// <summary>Register and serve ResNet18 too (image jobs).</summary>
    public bool Images { get; init; } = true;
    /// <summary>Run a validator that re-executes every result (besides the workers' own audits).</summary>
    public bool Validator { get; init; } = true;
}

/// <summary>
/// A whole Verity network on this machine: anvil, the contracts, both real models compiled and registered with
/// their lineage (a dataset of the calibration inputs each, two contributors), funded accounts, workers staking and
/// serving (the last one dishonest when asked), their audit daemons, a validator, and a block producer.
/// <see cref="RunNodesAsync"/> runs them all as one unit; a test that stops and restarts the workers while the chain
/// moves on runs <see cref="ProduceBlocksAsync"/> and <see cref="StartWorkers"/> / <see cref="StopWorkersAsync"/> itself.
/// </summary>
public sealed class Devnet : IAsyncDisposable
{
    public static readonly BigInteger Fee = Deployer.Token + 777;
    public const ushort OwnerBps = 2000, DatasetBps = 1000;

    private CancellationTokenSource? _workersStop;
    private Task _workers = Task.CompletedTask;

    private Devnet(DevnetOptions options, AnvilNode node, VerityContracts v, DeploymentFile file,
        IReadOnlyDictionary<string, (LoadedModel Loaded, ServedModel Served)> models, IReadOnlyDictionary<string, Hash256> datasets)
    {
        Options = options;
        Node = node;
        V = v;
        File = file;
        Models = models;
        Datasets = datasets;
        InputsFolder = Directory.CreateTempSubdirectory("verity-devnet-inputs-").FullName;
    }

    public DevnetOptions Options { get; }
    public AnvilNode Node { get; }
    public VerityContracts V { get; }
    public DeploymentFile File { get; }
    /// <summary>"minilm" (and "resnet18") → the loaded model and what its daemons need.</summary>
    public IReadOnlyDictionary<string, (LoadedModel Loaded, ServedModel Served)> Models { get; }
    /// <summary>Model name → the dataset in its lineage.</summary>
    public IReadOnlyDictionary<string, Hash256> Datasets { get; }
    /// <summary>Where the requester serves inputs off-chain (<see cref="RequestServedAsync"/>) and every daemon looks
    /// for them: the devnet's stand-in for the requester's server.</summary>
    public string InputsFolder { get; }

    public Address Owner => Node.Accounts[0];
    public Address ModelOwner => Node.Accounts[1];
    public IReadOnlyList<Address> Workers => [.. Node.Accounts.Skip(2).Take(Options.Workers)];
    public Address Validator => Node.Accounts[2 + Options.Workers];
    public Address Requester => Node.Accounts[3 + Options.Workers];
    public Address DatasetOwner => Node.Accounts[4 + Options.Workers];
    public IReadOnlyList<Address> Contributors => [Node.Accounts[5 + Options.Workers], Node.Accounts[6 + Options.Workers]];
    /// <summary>An account with ether and no tokens, for calls anyone may make.</summary>
    public Address Stranger => Node.Accounts[7 + Options.Workers];
    /// <summary>The dishonest worker, if any.</summary>
    public Address? Cheater => Options.Cheat is null ? null : Workers[^1];

    public static async Task<Devnet> StartAsync(DevnetOptions options, ModelStore store, Action<string> log, CancellationToken ct = default)
    {
        if (options.Workers < 1) throw new ArgumentException($"a devnet needs at least one worker, got {options.Workers}");
        var names = options.Images ? new[] { "minilm", "resnet18" } : ["minilm"];
        var models = names.ToDictionary(n => n, n =>
        {
            var loaded = store.Load(n);
            return (Loaded: loaded, Served: ServedModel.Of(loaded.Model));
        });
        var node = await AnvilNode.StartAsync(accounts: options.Workers + 8, cancellationToken: ct);
        try
        {
            var chain = new ChainClient(node.RpcUrl);
            var owner = node.Accounts[0];
            var deployment = await Deployer.DeployAsync(chain, owner, new DeploymentOptions { Market = options.Market, MoveTime = options.MoveTime }, ct: ct);
            var file = new DeploymentFile(deployment, AnvilNode.ChainId, 0);
            var v = new VerityContracts(chain, deployment);
            var datasets = new Dictionary<string, Hash256>();
            var net = new Devnet(options, node, v, file, models, datasets);
            log($"anvil at {node.RpcUrl}; contracts deployed (market {deployment.Market})");
            foreach (var a in net.Workers.Append(net.Validator).Append(net.Requester).Append(net.DatasetOwner).Append(net.ModelOwner))
                await v.TransferAsync(owner, a, 100_000 * Deployer.Token);

            foreach (var (name, (loaded, served)) in models)
            {
                // Lineage: the model pays 10% of each fee to the dataset it was calibrated on.
                var items = name == "minilm" ? ModelFiles.CalibrationSentences() : [.. store.Files.CalibrationImages().Select(p => Path.GetFileName(p))];
                var root = Merkle.Root([.. items.Select(i => Hash256.Of(System.Text.Encoding.UTF8.GetBytes(i!)))]);
                await v.RegisterDatasetAsync(net.DatasetOwner, root, root, (ulong)items.Count, [(net.Contributors[0], 6000), (net.Contributors[1], 4000)], 10 * Deployer.Token);
                datasets[name] = root;
                await v.RegisterModelAsync(net.ModelOwner, new ModelSpec(loaded.Id, loaded.WeightsRoot, (uint)OpSet.Version, 1, OwnerBps, Fee, null,
                    [new DatasetShare(root, DatasetBps)]));
                await v.SetShapeAsync(net.ModelOwner, loaded.Id, served.Dispute, ct);
                log($"model {name} {loaded.Id} registered ({loaded.Model.Ops.Length} ops; fee {TokenAmount.Short(Fee)}, {OwnerBps / 100}% to its owner, {DatasetBps / 100}% to dataset {root.ToString()[..10]}…)");
            }
            for (var i = 0; i < net.Workers.Count; i++)
            {
                int stake = options.Stakes?[i] ?? 2_000;
                await Daemons.JoinAsync(v, net.Workers[i], [.. models.Values.Select(m => m.Loaded.Id)], stake, _ => { }, ct);
                log($"worker {i + 1} {net.Workers[i]} staked {stake} and serves {models.Count} model(s){(net.Workers[i] == net.Cheater ? $" — DISHONEST: {Execution.Name(options.Cheat!.Value)}" : "")}");
            }
            return net;
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs the block producer, every worker (with its audit daemon) and the validator until cancelled.
    /// Stores live in <paramref name="storeDir"/>; daemon logs go to <paramref name="log"/>.</summary>
    public async Task RunNodesAsync(string storeDir, Action<string> log, CancellationToken ct)
    {
        StartWorkers(storeDir, log, ct);
        try
        {
            var tasks = new List<Task> { ProduceBlocksAsync(ct), _workers };
            using var validator = Options.Validator ? new NodeStore(Path.Combine(storeDir, "validator.db")) : null;
            if (validator is not null)
                tasks.Add(new ValidatorDaemon(Client(), Validator, Served(), validator,
                    new ValidatorOptions { Confirmations = 0, PollInterval = Options.Poll, Inputs = Inputs(log) }, log).RunAsync(ct));
            await Task.WhenAll(tasks);
        }
        finally
        {
            await StopWorkersAsync();
        }
    }

    /// <summary>Starts a daemon per worker, and its audit daemon when the market audits (with no audits it would only
    /// poll), until <paramref name="ct"/> is cancelled or <see cref="StopWorkersAsync"/>. Each keeps its store in
    /// <paramref name="storeDir"/> under the worker's number, so a restart resumes where the last run stopped.</summary>
    public void StartWorkers(string storeDir, Action<string> log, CancellationToken ct = default)
    {
        if (_workersStop is not null)
            throw new InvalidOperationException("the devnet's workers are already running");
        Directory.CreateDirectory(storeDir);
        _workersStop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var stop = _workersStop.Token;
        var served = Served();
        var inputs = Inputs(log);
        var stores = new List<NodeStore>();
        NodeStore Store(string name)
        {
            var s = new NodeStore(Path.Combine(storeDir, name + ".db"));
            stores.Add(s);
            return s;
        }
        var tasks = new List<Task>();
        for (var i = 0; i < Workers.Count; i++)
        {
            var w = Workers[i];
            tasks.Add(new WorkerDaemon(Client(), w, served, Store($"worker{i + 1}"),
                new WorkerOptions { Confirmations = 0, MaxBatch = Options.MaxBatch, PollInterval = Options.Poll, Finalize = Options.WorkersFinalize, Inputs = inputs },
                log, new Execution(w == Cheater ? Options.Cheat : null)).RunAsync(stop));
            if (Options.Market.AuditBps > 0)
                tasks.Add(new ValidatorDaemon(Client(), w, served, Store($"worker{i + 1}.audits"),
                    new ValidatorOptions { Confirmations = 0, AuditedOnly = true, PollInterval = Options.Poll, Inputs = inputs }, log).RunAsync(stop));
        }
        _workers = RunThenCloseAsync(tasks, stores);
    }

    /// <summary>Whether <see cref="StartWorkers"/> has run and <see cref="StopWorkersAsync"/> not since.</summary>
    public bool WorkersRunning => _workersStop is not null;

    /// <summary>Stops the worker daemons started by <see cref="StartWorkers"/> and closes their stores.</summary>
    public async Task StopWorkersAsync()
    {
        if (_workersStop is null)
            return;
        await _workersStop.CancelAsync();
        try
        {
            await _workers;
        }
        finally
        {
            _workersStop.Dispose();
            _workersStop = null;
        }
    }

    private static async Task RunThenCloseAsync(List<Task> daemons, List<NodeStore> stores)
    {
        try
        {
            await Task.WhenAll(daemons);
        }
        finally
        {
            foreach (var s in stores)
                s.Dispose();
        }
    }

    private VerityContracts Client() => new(new ChainClient(Node.RpcUrl), File.Deployment);

    private Dictionary<Hash256, ServedModel> Served() => Models.Values.ToDictionary(m => m.Loaded.Id, m => m.Served);

    private InputSource Inputs(Action<string> log) => new([.. Options.Inputs.Prepend(InputsFolder).Select(i => new ContentSource(i))], log);

    /// <summary>Mines an empty block every <see cref="DevnetOptions.BlockInterval"/> until cancelled, so chain time
    /// moves as on a real chain even when nobody sends.</summary>
    public async Task ProduceBlocksAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Node.MineAsync(1, ct);
                await Task.Delay(Options.BlockInterval, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e) when (e is HttpRequestException or IOException)
            {
                await Task.Delay(Options.BlockInterval, CancellationToken.None); // the node is going away
            }
        }
    }

    /// <summary>Writes deployment.json and one config file per role (worker1…, validator, requester) into
    /// <paramref name="dir"/>; returns the requester's config path.</summary>
    public string WriteConfigs(string dir)
    {
        Directory.CreateDirectory(dir);
        var deployment = Path.Combine(dir, "deployment.json");
        File.Write(deployment);
        var models = Models.Keys.ToArray();
        var common = new NetworkConfig { Rpc = Node.RpcUrl, Deployment = "deployment.json", Confirmations = 0, Models = models, Inputs = [InputsFolder, .. Options.Inputs], PollMs = 200 };
        for (var i = 0; i < Workers.Count; i++)
            (common with { Account = Workers[i].ToString(), Store = $"worker{i + 1}.db" }).Write(Path.Combine(dir, $"worker{i + 1}.json"));
        (common with { Account = Validator.ToString(), Store = "validator.db" }).Write(Path.Combine(dir, "validator.json"));
        var requester = Path.Combine(dir, "requester.json");
        (common with { Account = Requester.ToString() }).Write(requester);
        return requester;
    }

    /// <summary>Requests a job from the requester whose input is served off-chain from <see cref="InputsFolder"/>
    /// (only its root goes on chain: <c>requestJobByRoot</c>).</summary>
    public Task<(JobId Job, Nethereum.RPC.Eth.DTOs.TransactionReceipt Receipt)> RequestServedAsync(Hash256 modelId, byte[] input) =>
        V.RequestJobByRootAsync(Requester, modelId, InputSource.Publish(InputsFolder, input), Fee);

    public async ValueTask DisposeAsync()
    {
        await StopWorkersAsync();
        await Node.DisposeAsync();
        try
        {
            Directory.Delete(InputsFolder, recursive: true);
        }
        catch (IOException)
        {
            // a process of this devnet still holds a file; the temp folder is left behind
        }
    }
}
