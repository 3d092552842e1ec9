using System.Numerics;
using Microsoft.AspNetCore.Builder;
using Microsoft.Playwright;
using Verity.Chain;
using Verity.Cli.Disputes;
using Verity.Commitments;
using Verity.Engine.Format;
using Verity.Engine.Tensors;
using Verity.Node;

namespace Verity.Explorer.Tests;

/// <summary>
/// One test's world: a fresh anvil with the Verity contracts (the real dispute game), the real MiniLM registered with
/// its dispute shape, three staked workers serving it, a requester with tokens; an explorer host on a free loopback
/// port following that chain; and headless Chromium (Debian's, /usr/bin/chromium, driven by Playwright). Fresh per
/// test because the explorer follows one chain forward: an anvil snapshot revert would rewind under it.
/// </summary>
public sealed class ExplorerWorld : IAsyncDisposable
{
    public static readonly BigInteger T = Deployer.Token;
    public static readonly BigInteger Fee = T + 7_777;
    public const string Chromium = "/usr/bin/chromium";

    private readonly List<string> _files = [];

    public AnvilNode Node { get; private set; } = null!;
    public ChainClient Chain { get; private set; } = null!;
    public VerityContracts V { get; private set; } = null!;
    public MiniLmDispute M { get; } = MiniLmDispute.Instance;
    public Hash256 ModelId => M.Id;
    public Address Owner => Node.Accounts[0];
    public Address ModelOwner => Node.Accounts[1];
    public IReadOnlyList<Address> Workers => [Node.Accounts[2], Node.Accounts[3], Node.Accounts[4]];
    public Address Requester => Node.Accounts[5];
    public Address Stranger => Node.Accounts[6];
    /// <summary>The block before the deployment, where the explorer starts reading.</summary>
    public long FromBlock { get; private set; }
    public WebApplication App { get; private set; } = null!;
    public Uri BaseUrl { get; private set; } = null!;
    public IPlaywright? Playwright { get; private set; }
    public IBrowser? Browser { get; private set; }

    /// <summary>Starts everything; <paramref name="nodeStores"/> are handed to the explorer for extra detail.</summary>
    public static async Task<ExplorerWorld> StartAsync(IReadOnlyList<string>? nodeStores = null)
    {
        var w = new ExplorerWorld();
        await w.InitAsync(nodeStores ?? []);
        return w;
    }

    private async Task InitAsync(IReadOnlyList<string> nodeStores)
    {
        Node = await AnvilNode.StartAsync(accounts: 10);
        Chain = new ChainClient(Node.RpcUrl);
        var fromBlock = FromBlock = await Node.BlockNumberAsync();
        V = new VerityContracts(Chain, await Deployer.DeployAsync(Chain, Owner));
        foreach (var a in Workers.Append(Requester).Append(ModelOwner))
            await V.TransferAsync(Owner, a, 100_000 * T);
        await V.RegisterModelAsync(ModelOwner, new ModelSpec(ModelId, M.Dispute.WeightsRoot, 1, 1, 2000, Fee, null, []));
        await V.SetShapeAsync(ModelOwner, ModelId, M.Dispute);
        for (var i = 0; i < Workers.Count; i++)
        {
            await V.StakeAsync(Workers[i], (i + 1) * 1_000 * T);
            await V.ServeAsync(Workers[i], ModelId);
        }

        App = ExplorerApp.Build(new ExplorerOptions
        {
            RpcUrl = Node.RpcUrl, Deployment = V.Deployment, FromBlock = fromBlock, PollInterval = TimeSpan.FromMilliseconds(100),
            NodeStores = nodeStores,
        }, "http://127.0.0.1:0");
        await App.StartAsync();
        BaseUrl = new Uri(App.Urls.Single().TrimEnd('/') + "/");
    }

    /// <summary>A new browser page at <paramref name="path"/> (relative to the explorer's root); the browser starts at
    /// the first call. A missing chromium fails the test with the reason, never skips it.</summary>
    public async Task<IPage> OpenAsync(string path)
    {
        if (Browser is null)
        {
            if (!File.Exists(Chromium))
                throw new InvalidOperationException($"{Chromium} is missing: the browser tests need Debian's chromium; run scripts/browser.sh (apt-get install -y chromium).");
            Playwright = await Microsoft.Playwright.Playwright.CreateAsync();
            // --no-sandbox: the tests run as root in a container, where Chromium's sandbox cannot start.
            Browser = await Playwright.Chromium.LaunchAsync(new() { ExecutablePath = Chromium, Headless = true, Args = ["--no-sandbox"] });
            Assertions.SetDefaultExpectTimeout(30_000);
        }
        var page = await Browser.NewPageAsync(new() { ViewportSize = new() { Width = 1280, Height = 900 } });
        await page.GotoAsync(new Uri(BaseUrl, path).ToString());
        return page;
    }

    /// <summary>Saves a full-page screenshot under TestResults/screenshots/ at the repository root (git-ignored).</summary>
    public static async Task ScreenshotAsync(IPage page, string name)
    {
        var dir = Path.Combine(RepoRoot(), "TestResults", "screenshots");
        Directory.CreateDirectory(dir);
        await page.ScreenshotAsync(new() { Path = Path.Combine(dir, name + ".png"), FullPage = true });
    }

    private static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Verity.sln")))
                return d.FullName;
        return Directory.GetCurrentDirectory();
    }

    public string NewStorePath()
    {
        var path = Path.Combine(Path.GetTempPath(), $"verity-explorer-{Guid.NewGuid():N}.db");
        _files.Add(path);
        return path;
    }

    public WorkerDaemon Daemon(int worker, NodeStore store) =>
        new(new VerityContracts(new ChainClient(Node.RpcUrl), V.Deployment), Workers[worker],
            new Dictionary<Hash256, ServedModel> { [ModelId] = new(M.Model, M.Dispute) }, store,
            new WorkerOptions { Confirmations = 0, PollInterval = TimeSpan.FromMilliseconds(50) });

    public ValidatorDaemon Validator(int worker, NodeStore store) =>
        new(new VerityContracts(new ChainClient(Node.RpcUrl), V.Deployment), Workers[worker],
            new Dictionary<Hash256, ServedModel> { [ModelId] = new(M.Model, M.Dispute) }, store,
            new ValidatorOptions { Confirmations = 0, PollInterval = TimeSpan.FromMilliseconds(50) });

    public static byte[] InputBytes(int[] ids) => IntTensor.FromInts(DType.I32, [1, ids.Length], ids).Bytes.ToArray();

    /// <summary>Advances past the job's deadline and finalizes it; once more if that drew it for audit.</summary>
    public async Task FinalizeAsync(JobId job)
    {
        for (var i = 0; i < 3 && (await V.JobAsync(job)).Status != JobStatus.Finalized; i++)
        {
            var j = await V.JobAsync(job);
            var now = await Node.TimestampAsync();
            if (j.Deadline >= now)
                await Node.AdvanceAsync(TimeSpan.FromSeconds(j.Deadline - now + 1));
            await V.FinalizeAsync(Stranger, new JobResult(job, [], Hash256.Zero), Hash256.Zero, withOutput: false);
        }
        Assert.Equal(JobStatus.Finalized, (await V.JobAsync(job)).Status);
    }

    public static async Task UntilAsync(Func<Task<bool>> done, string what, int seconds = 60)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await done())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"timed out waiting for {what}");
            await Task.Delay(50);
        }
    }

    /// <summary>Cancels background loops and waits for them, ignoring their cancellation.</summary>
    public static async Task StopAsync(CancellationTokenSource stop, params Task[] running)
    {
        await stop.CancelAsync();
        foreach (var t in running)
        {
            try
            {
                await t;
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Browser is not null)
            await Browser.DisposeAsync();
        Playwright?.Dispose();
        if (App is not null)
        {
            await App.StopAsync();
            await App.DisposeAsync();
        }
        Node?.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var f in _files)
            foreach (var suffix in new[] { "", "-wal", "-shm" })
                File.Delete(f + suffix);
    }
}
