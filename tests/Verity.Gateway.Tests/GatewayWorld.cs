using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Verity.Chain;
using Verity.Cli.Commands;
using Verity.Cli.Models;
using Verity.Cli.Network;
using Verity.Client;
using Verity.Commitments;
using Verity.Engine;
using Verity.Gateway;
using Verity.Node;

namespace Verity.Gateway.Tests;

[CollectionDefinition(Name)]
public sealed class GatewayCollection : ICollectionFixture<GatewayWorld>
{
    public const string Name = "gateway";
}

/// <summary>
/// A devnet (anvil, the contracts, the real MiniLM and ResNet18 registered, three worker daemons in-process that the
/// tests stop and restart, no audits and no validator, a block every 100 ms, a 5-second challenge window) and a
/// gateway on a loopback port in front of it, paying from the devnet's requester account. Keys: alice (large budget),
/// bob (2.5 VRT: two MiniLM jobs), carol (2 requests a minute).
/// </summary>
public sealed class GatewayWorld : IAsyncLifetime
{
    public const string Alice = "vk-alice-0123456789abcdef";
    public const string Bob = "vk-bob-0123456789abcdef";
    public const string Carol = "vk-carol-0123456789abcdef";

    private readonly List<string> _files = [];
    private readonly CancellationTokenSource _stop = new();
    private Task _blocks = Task.CompletedTask;

    public ModelStore Store { get; } = new(ModelFiles.Default(), _ => { });
    public LoadedModel MiniLm { get; private set; } = null!;
    public LoadedModel ResNet { get; private set; } = null!;
    public Devnet Net { get; private set; } = null!;
    public VerityClient Client { get; private set; } = null!;
    public GatewayServer Gateway { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;
    public string StorePath { get; private set; } = "";
    public List<string> Log { get; } = [];

    public static IReadOnlyList<ApiKey> Keys { get; } =
    [
        new(Alice, "alice", 1_000 * Deployer.Token, 10_000),
        new(Bob, "bob", KeysFile.ParseTokens("2.5"), 10_000),
        new(Carol, "carol", 1_000 * Deployer.Token, 2),
    ];

    public async Task InitializeAsync()
    {
        Net = await Devnet.StartAsync(new DevnetOptions
        {
            // No audits: every transaction follows from a test's requests, and a result finalizes 5 s after it is posted.
            Market = MarketParams.Default with { ChallengeWindow = 5, AuditBps = 0 },
            Validator = false,
            Poll = TimeSpan.FromMilliseconds(50),
            // Workers leave finalizing to requesters here, so that every wait exercises the client finalizing itself.
            WorkersFinalize = false,
            // The workers fetch the inputs the gateway serves off-chain (images) from its /v1/inputs.
            Inputs = [$"http://127.0.0.1:{GatewayPort}/v1/inputs"],
        }, Store, Logged);
        MiniLm = Net.Models["minilm"].Loaded;
        ResNet = Net.Models["resnet18"].Loaded;
        _blocks = Net.ProduceBlocksAsync(_stop.Token);
        StartWorkers();
        Client = new VerityClient(Net.V, Net.Requester, new VerityClientOptions { PollInterval = TimeSpan.FromMilliseconds(50) });
        StorePath = NewPath();
        Gateway = await StartGatewayAsync(StorePath, port: GatewayPort);
        Http = NewHttp(Gateway);
    }

    /// <summary>The main gateway's port, known before the workers start (they fetch its inputs).</summary>
    public int GatewayPort { get; } = FreePort();
    /// <summary>Where the gateways write the inputs they serve off-chain.</summary>
    public string InputsFolder { get; } = Directory.CreateTempSubdirectory("verity-gw-inputs-").FullName;
    /// <summary>The worker daemons' stores, kept across <see cref="StartWorkers"/>.</summary>
    public string WorkerStores { get; } = Directory.CreateTempSubdirectory("verity-gw-workers-").FullName;

    /// <summary>(Re)starts the devnet's worker daemons over their stores (a test that posts by hand stops them first).</summary>
    public void StartWorkers() => Net.StartWorkers(WorkerStores, Logged);

    public async Task DisposeAsync()
    {
        Http?.Dispose();
        if (Gateway is not null)
            await Gateway.DisposeAsync();
        await _stop.CancelAsync();
        await _blocks;
        if (Net is not null)
            await Net.DisposeAsync();
        _stop.Dispose();
        foreach (var f in _files)
            foreach (var suffix in new[] { "", "-wal", "-shm" })
                File.Delete(f + suffix);
        Directory.Delete(InputsFolder, recursive: true);
        Directory.Delete(WorkerStores, recursive: true);
    }

    public void Logged(string line)
    {
        lock (Log)
            Log.Add(line);
    }

    public string NewPath()
    {
        var path = Path.Combine(Path.GetTempPath(), $"verity-gw-{Guid.NewGuid():N}.db");
        _files.Add(path);
        return path;
    }

    public Task<GatewayServer> StartGatewayAsync(string storePath, TimeSpan? timeout = null, int port = 0, TimeSpan? inputsRetention = null) =>
        GatewayServer.StartAsync(Client, new GatewayOptions
        {
            InputsRetention = inputsRetention ?? TimeSpan.FromDays(2),
            Port = port,
            ServeInputs = InputsFolder,
            Models = [GatewayModels.From(MiniLm), GatewayModels.From(ResNet)],
            Keys = Keys,
            StorePath = storePath,
            Timeout = timeout ?? TimeSpan.FromSeconds(90),
            Log = Logged,
        });

    /// <summary>Stops the gateway and starts a new one over the same ledger file (a restart).</summary>
    public async Task RestartGatewayAsync()
    {
        await Gateway.DisposeAsync();
        Http.Dispose();
        Gateway = await StartGatewayAsync(StorePath, port: GatewayPort);
        Http = NewHttp(Gateway);
    }

    private static int FreePort()
    {
        using var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        l.Start();
        return ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
    }

    public static HttpClient NewHttp(GatewayServer g) => new() { BaseAddress = g.BaseUrl, Timeout = TimeSpan.FromMinutes(3) };

    /// <summary>POSTs <paramref name="body"/> as JSON with <paramref name="key"/> (null: no Authorization header).</summary>
    public async Task<(int Status, JsonElement Body, HttpResponseMessage Response)> PostAsync(string path, object body, string? key = Alice,
        string? wait = null, HttpClient? http = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(body as string ?? JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"),
        };
        if (key is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        if (wait is not null)
            request.Headers.Add("Verity-Wait", wait);
        return await SendAsync(request, http);
    }

    public async Task<(int Status, JsonElement Body, HttpResponseMessage Response)> GetAsync(string path, string? key = Alice, HttpClient? http = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (key is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return await SendAsync(request, http);
    }

    private async Task<(int, JsonElement, HttpResponseMessage)> SendAsync(HttpRequestMessage request, HttpClient? http)
    {
        var response = await (http ?? Http).SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        using var doc = JsonDocument.Parse(text); // every answer, error or not, is a JSON body
        return ((int)response.StatusCode, doc.RootElement.Clone(), response);
    }

    /// <summary>A job whose drawn worker posts, from its own account and by hand (the daemons stopped meanwhile), either
    /// the honest trace root with one bit of the output flipped or the honest output with a wrong trace root.</summary>
    public async Task<JobId> TamperedJobAsync(byte[] input, bool forgeOutput)
    {
        await Net.StopWorkersAsync();
        try
        {
            var job = (await Client.SubmitAsync(MiniLm.Id, input, Devnet.Fee)).Job;
            var run = new Executor(MiniLm.Model).Run([Execution.Decode(MiniLm.Model, input)]);
            var output = run.Outputs[0].Bytes.ToArray();
            if (forgeOutput)
                output[17] ^= 1; // one element of the embedding moved
            var root = forgeOutput ? run.TraceRoot : Hash256.Of(run.TraceRoot.ToArray());
            Address drawn = Address.Zero;
            await UntilAsync(async () => !(drawn = await Net.V.DrawnWorkerAsync(job)).IsZero, "a worker drawn");
            await Net.V.SubmitResultAsync(drawn, new JobResult(job, output, root));
            return job;
        }
        finally
        {
            StartWorkers();
        }
    }

    /// <summary>Waits until <paramref name="done"/> holds (polling), up to <paramref name="seconds"/>.</summary>
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
}
