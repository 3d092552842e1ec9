using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Verity.Chain;
using Verity.Cli.Models;
using Verity.Cli.Network;
using Verity.Client;
using Verity.Gateway;

namespace Verity.Cli.Commands;

/// <summary>
/// <c>verity bench gateway</c>: a bounded load on the gateway over loopback HTTP, against a network of its own
/// (<see cref="Devnet"/>: anvil, the contracts, MiniLM, three in-process workers, audits off), once answering when the result
/// is posted and once when it is finalized. Each request embeds one sentence; latencies are per request. Chain time
/// on the local network moves one second per block and a block comes every 100 ms, so the 5-second challenge window
/// closes in about half a second of wall time: the finalized figures measure the machinery, not a real chain's clock.
/// </summary>
public static class BenchGateway
{
    /// <summary>Chain seconds a result stays challengeable on the bench's devnet.</summary>
    private const uint ChallengeWindow = 5;

    public static Command Build()
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text" };
        var requests = new Option<int>("--requests") { Description = "Requests per run", DefaultValueFactory = _ => 40 };
        var concurrency = new Option<int>("--concurrency") { Description = "Requests in flight at once", DefaultValueFactory = _ => 4 };
        var cmd = new Command("gateway", "Requests per second and p50/p95 latency of /v1/embeddings on a local network, with and without waiting for finalization")
            { json, requests, concurrency };
        cmd.SetAction(async (p, ct) => await Requester.Run(() => RunAsync(p.GetValue(requests), p.GetValue(concurrency), p.GetValue(json), Console.Out, ct)));
        return cmd;
    }

    public static async Task<int> RunAsync(int requests, int concurrency, bool json, TextWriter o, CancellationToken ct = default)
    {
        if (requests < 1) throw new ArgumentException($"--requests must be at least 1, got {requests}");
        if (concurrency < 1) throw new ArgumentException($"--concurrency must be at least 1, got {concurrency}");
        var store = new ModelStore(ModelFiles.Default(), Console.Error.WriteLine);
        var sentences = ModelFiles.CalibrationSentences();
        Console.Error.WriteLine("bench gateway: starting a devnet …");
        var options = new DevnetOptions { Images = false, Validator = false };
        options = options with { Market = options.Market with { ChallengeWindow = ChallengeWindow, AuditBps = 0 } };
        await using var net = await Devnet.StartAsync(options, store, Console.Error.WriteLine, ct);
        var minilm = net.Models["minilm"].Loaded;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var dir = Path.Combine(Path.GetTempPath(), $"verity-bench-gw-{Guid.NewGuid():N}");
        var nodes = net.RunNodesAsync(dir, _ => { }, stop.Token);
        var client = new VerityClient(net.V, net.Requester, new VerityClientOptions { PollInterval = TimeSpan.FromMilliseconds(50) });
        const string key = "vk-bench";
        try
        {
            await using var gateway = await GatewayServer.StartAsync(client, new GatewayOptions
            {
                Models = [GatewayModels.From(minilm)], Keys = [new ApiKey(key, "bench", 1_000_000 * Deployer.Token, 1_000_000)],
                StorePath = Path.Combine(Directory.CreateDirectory(dir).FullName, "gateway-ledger.db"),
            }, ct);
            using var http = new HttpClient { BaseAddress = gateway.BaseUrl, Timeout = TimeSpan.FromMinutes(5) };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
            // Warm-up, both ways and concurrently: JIT, each worker's first run of the engine, connections.
            await Task.WhenAll(Enumerable.Range(0, 2 * concurrency).Select(i => SendAsync(http, sentences[i % sentences.Count], i % 2 == 0 ? "posted" : "finalized", ct)));
            var runs = new List<JsonObject>();
            var next = 1;
            foreach (var wait in new[] { "posted", "finalized" })
            {
                Console.Error.WriteLine($"bench gateway: {requests} requests, {concurrency} at a time, Verity-Wait: {wait} …");
                var latencies = new List<double>();
                var wall = Stopwatch.StartNew();
                var gate = new SemaphoreSlim(concurrency);
                var tasks = Enumerable.Range(0, requests).Select(async _ =>
                {
                    await gate.WaitAsync(ct);
                    try
                    {
                        var text = sentences[Interlocked.Increment(ref next) % sentences.Count];
                        var ms = await SendAsync(http, text, wait, ct);
                        lock (latencies) latencies.Add(ms);
                    }
                    finally
                    {
                        gate.Release();
                    }
                }).ToList();
                await Task.WhenAll(tasks);
                wall.Stop();
                latencies.Sort();
                runs.Add(new JsonObject
                {
                    ["wait"] = wait, ["requests"] = requests, ["concurrency"] = concurrency,
                    ["requests_per_s"] = Math.Round(requests / wall.Elapsed.TotalSeconds, 2),
                    ["p50_ms"] = Math.Round(Percentile(latencies, 0.50), 1), ["p95_ms"] = Math.Round(Percentile(latencies, 0.95), 1),
                });
            }
            if (json)
                o.WriteLine(new JsonObject
                {
                    ["model"] = "minilm", ["workers"] = net.Workers.Count, ["block_interval_ms"] = (int)options.BlockInterval.TotalMilliseconds,
                    ["challenge_window_s"] = ChallengeWindow,
                    ["runs"] = new JsonArray([.. runs]),
                }.ToJsonString());
            else
            {
                o.WriteLine($"gateway bench: minilm, {net.Workers.Count} workers, a block every {options.BlockInterval.TotalMilliseconds} ms, {ChallengeWindow} s challenge window (chain time)");
                foreach (var r in runs)
                    o.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"  wait {r["wait"],-9}  {r["requests"]} requests × {r["concurrency"]}: {r["requests_per_s"]} requests/s, p50 {r["p50_ms"]} ms, p95 {r["p95_ms"]} ms"));
            }
            return 0;
        }
        finally
        {
            await stop.CancelAsync();
            await nodes;
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>One request; its wall time in ms. Anything but 200 fails the bench with the gateway's error.</summary>
    private static async Task<double> SendAsync(HttpClient http, string text, string wait, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/embeddings")
        {
            Content = new StringContent(JsonSerializer.Serialize(new { model = "minilm", input = text }), Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Verity-Wait", wait);
        var sw = Stopwatch.StartNew();
        using var response = await http.SendAsync(request, ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        sw.Stop();
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"the gateway answered {(int)response.StatusCode}: {body}");
        return sw.Elapsed.TotalMilliseconds;
    }

    private static double Percentile(List<double> sorted, double q) =>
        sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Count) - 1, 0, sorted.Count - 1)];
}
