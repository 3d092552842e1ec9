using System.CommandLine;
using Verity.Cli.Models;
using Verity.Cli.Network;
using Verity.Gateway;

namespace Verity.Cli.Commands;

/// <summary><c>verity gateway</c>: the OpenAI-compatible HTTP gateway (docs/GATEWAY.md) in front of a deployment,
/// paying for jobs from the configured account; runs until Ctrl-C.</summary>
public static class GatewayCommand
{
    public static Command Build(NetworkOptions net)
    {
        var port = new Option<int>("--port") { Description = "TCP port to listen on", DefaultValueFactory = _ => 8080 };
        var host = new Option<string>("--host") { Description = "Address to listen on (0.0.0.0 for every interface)", DefaultValueFactory = _ => "127.0.0.1" };
        var keys = new Option<string>("--keys") { Description = "API keys file: {\"keys\":[{\"key\",\"name\",\"budget\",\"requests_per_minute\"}]}", Required = true };
        var models = new Option<string[]>("--serve") { Description = "Models to serve (shipped name or .vmodel; repeatable)", DefaultValueFactory = _ => ["minilm", "resnet18"], AllowMultipleArgumentsPerToken = true };
        var ledger = new Option<string>("--ledger") { Description = "SQLite file of what each key has spent", DefaultValueFactory = _ => "gateway-ledger.db" };
        var timeout = new Option<int>("--timeout") { Description = "Seconds a request waits for its jobs before answering 504", DefaultValueFactory = _ => 300 };
        var maxInputs = new Option<int>("--max-inputs") { Description = "Most inputs (jobs) per request", DefaultValueFactory = _ => 32 };
        var retention = new Option<double>("--inputs-retention-hours") { Description = "Hours a served input is kept after it was last requested (at least the market's result timeout + challenge + audit windows)", DefaultValueFactory = _ => 48 };
        var serveInputs = new Option<string?>("--serve-inputs") { Description = "Serve large inputs (images) off-chain from this folder at /v1/inputs/; workers list <base URL>/v1/inputs in their inputs" };
        var cmd = net.AddTo(new Command("gateway", "Serve /v1/embeddings, /v1/features, /v1/models and /v1/jobs/{id} over HTTP, each input a job on the network")
            { port, host, keys, models, ledger, timeout, maxInputs, serveInputs, retention });
        cmd.SetAction(async (p, ct) => await Requester.Run(async () =>
        {
            if (p.GetValue(port) is < 0 or > 65535) throw new ArgumentException($"--port {p.GetValue(port)} is not a TCP port");
            if (p.GetValue(timeout) < 1) throw new ArgumentException($"--timeout must be at least 1 second, got {p.GetValue(timeout)}");
            if (p.GetValue(maxInputs) < 1) throw new ArgumentException($"--max-inputs must be at least 1, got {p.GetValue(maxInputs)}");
            if (!System.Net.IPAddress.TryParse(p.GetValue(host), out _)) throw new ArgumentException($"--host '{p.GetValue(host)}' is not an IP address");
            var apiKeys = KeysFile.Load(p.GetValue(keys)!);
            var client = await Requester.ClientAsync(net.Read(p), sends: true);
            var store = new ModelStore(ModelFiles.Default(), Console.Error.WriteLine);
            var served = new List<GatewayModel>();
            foreach (var name in p.GetValue(models)!)
            {
                var m = store.Load(name);
                await client.FeeOfAsync(m.Id); // refuses a model not registered on this deployment, naming it
                served.Add(GatewayModels.From(m, ModelStore.ShippedNames.Contains(name) ? name : null));
            }
            await using var gateway = await GatewayServer.StartAsync(client, new GatewayOptions
            {
                Models = served, Keys = apiKeys, StorePath = Path.GetFullPath(p.GetValue(ledger)!), Host = p.GetValue(host)!, Port = p.GetValue(port),
                Timeout = TimeSpan.FromSeconds(p.GetValue(timeout)), MaxInputs = p.GetValue(maxInputs),
                ServeInputs = p.GetValue(serveInputs) is { } folder ? Directory.CreateDirectory(folder).FullName : null,
                InputsRetention = p.GetValue(retention) is > 0 and < 1e6 and var h ? TimeSpan.FromHours(h)
                    : throw new ArgumentException($"--inputs-retention-hours must be positive, got {p.GetValue(retention)}"),
                Log = line => Console.Error.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {line}"),
            }, ct);
            Console.WriteLine($"gateway listening on {gateway.BaseUrl} (OpenAI base URL {gateway.BaseUrl}v1), serving {string.Join(", ", served.Select(m => m.Name))} for {apiKeys.Count} key(s), paying from {client.Requester}"
                + (p.GetValue(serveInputs) is { } f ? $"; large inputs served off-chain at {gateway.BaseUrl}v1/inputs/ from {Path.GetFullPath(f)}" : ""));
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException)
            {
            }
            Console.WriteLine("gateway stopped");
            return 0;
        }));
        return cmd;
    }
}
