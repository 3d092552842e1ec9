using System.CommandLine;
using Verity.Cli.Network;
using Verity.Explorer;

namespace Verity.Cli.Commands;

/// <summary><c>verity explorer --rpc URL --deployment deployment.json --port P</c> (or <c>--config</c>): the web explorer
/// in its own process, following any EVM endpoint that holds the deployment; stopped by Ctrl-C or SIGTERM. It takes the
/// shared network flags; it sends nothing, so --account and --keystore are accepted and unused.</summary>
public static class ExplorerCommand
{
    public static Command Create(NetworkOptions net)
    {
        var port = new Option<int>("--port") { Description = "Port to serve on", DefaultValueFactory = _ => 8080 };
        var host = new Option<string>("--host") { Description = "Address to listen on", DefaultValueFactory = _ => "127.0.0.1" };
        var stores = new Option<string[]>("--node-store") { Description = "A daemon's SQLite store to read job detail from (repeatable)", AllowMultipleArgumentsPerToken = true };
        var from = new Option<long?>("--from-block") { Description = "First block to index (default: the deployment file's block)" };
        var poll = new Option<double>("--poll") { Description = "Seconds between polls of the chain", DefaultValueFactory = _ => 2 };
        var cmd = net.AddTo(new Command("explorer",
            "Serve the web explorer (jobs, disputes, workers, models and lineage, datasets, devices, totals) for a deployment"));
        foreach (var o in new Option[] { port, host, stores, from, poll })
            cmd.Options.Add(o);
        cmd.SetAction(async (p, ct) => await Cli.RunAsync(async () =>
        {
            if (p.GetValue(port) is < 0 or > 65535)
                throw new ArgumentException("--port must be between 0 and 65535");
            if (p.GetValue(poll) is <= 0 or > 3600)
                throw new ArgumentException("--poll must be between 0 and 3600 seconds");
            if (p.GetValue(from) is < 0)
                throw new ArgumentException("--from-block must not be negative");
            // Opening the connection reads the deployment file and checks the endpoint's chain id against it.
            var config = net.Read(p);
            if (config.Confirmations < 0)
                throw new ArgumentException("--confirmations must not be negative");
            var connection = await NetworkConnection.OpenAsync(config);
            var rpc = connection.Config.Rpc!;
            var d = connection.Deployment;
            var options = new ExplorerOptions
            {
                RpcUrl = rpc, Deployment = d.Deployment, FromBlock = p.GetValue(from) ?? d.Block, Confirmations = config.Confirmations,
                PollInterval = TimeSpan.FromSeconds(p.GetValue(poll)), NodeStores = p.GetValue(stores) ?? [],
            };
            var app = ExplorerApp.Build(options, $"http://{p.GetValue(host)}:{p.GetValue(port)}", Console.Error.WriteLine);
            await app.StartAsync(ct);
            Console.Error.WriteLine($"explorer: serving {string.Join(", ", app.Urls)} for market {d.Deployment.Market} on {rpc}");
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
