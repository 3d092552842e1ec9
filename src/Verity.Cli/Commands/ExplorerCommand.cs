using System.CommandLine;
using Verity.Explorer;

namespace Verity.Cli.Commands;

/// <summary><c>verity explorer --rpc URL --deployment deployment.json --port P</c>: the web explorer in its own process,
/// following any EVM endpoint that holds the deployment.</summary>
public static class ExplorerCommand
{
    public static Command Create()
    {
        var rpc = new Option<string>("--rpc") { Description = "JSON-RPC URL of the chain", Required = true };
        var deployment = new Option<string>("--deployment") { Description = "Deployment file (contract addresses and start block)", Required = true };
        var port = new Option<int>("--port") { Description = "Port to serve on", DefaultValueFactory = _ => 8080 };
        var host = new Option<string>("--host") { Description = "Address to listen on", DefaultValueFactory = _ => "127.0.0.1" };
        var stores = new Option<string[]>("--node-store") { Description = "A daemon's SQLite store to read job detail from (repeatable)", AllowMultipleArgumentsPerToken = true };
        var from = new Option<long?>("--from-block") { Description = "First block to index (default: the deployment file's block)" };
        var poll = new Option<double>("--poll") { Description = "Seconds between polls of the chain", DefaultValueFactory = _ => 2 };
        var cmd = new Command("explorer", "Serve the web explorer (jobs, disputes, workers, models and lineage, datasets, devices, totals) for a deployment")
            { rpc, deployment, port, host, stores, from, poll };
        cmd.SetAction(async (p, ct) => await Cli.RunAsync(async () =>
        {
            if (!Uri.TryCreate(p.GetValue(rpc), UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
                throw new ArgumentException($"--rpc must be an http(s) URL, got \"{p.GetValue(rpc)}\"");
            if (p.GetValue(port) is < 0 or > 65535)
                throw new ArgumentException("--port must be between 0 and 65535");
            if (p.GetValue(poll) is <= 0 or > 3600)
                throw new ArgumentException("--poll must be between 0 and 3600 seconds");
            var (d, block) = DeploymentJson.Read(p.GetValue(deployment)!);
            var options = new ExplorerOptions
            {
                RpcUrl = url, Deployment = d, FromBlock = p.GetValue(from) ?? block,
                PollInterval = TimeSpan.FromSeconds(p.GetValue(poll)), NodeStores = p.GetValue(stores) ?? [],
            };
            var app = ExplorerApp.Build(options, $"http://{p.GetValue(host)}:{p.GetValue(port)}", Console.Error.WriteLine);
            await app.StartAsync(ct);
            Console.Error.WriteLine($"explorer: serving {string.Join(", ", app.Urls)} for market {d.Market.Hex} on {url}");
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException)
            {
            }
            await app.StopAsync(CancellationToken.None);
            return 0;
        }));
        return cmd;
    }
}
