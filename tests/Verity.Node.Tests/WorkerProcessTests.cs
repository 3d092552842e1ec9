using System.Diagnostics;
using System.Text;
using Verity.Chain;
using Verity.Cli.Models;
using Verity.Commitments;
using Verity.Engine;
using Verity.Engine.Ops;
using Verity.Node;
using Xunit;
using Xunit.Abstractions;

namespace Verity.Node.Tests;

/// <summary>
/// The path a newcomer takes against any EVM endpoint, with the real commands as processes: a key created with
/// <c>verity key new</c>, contracts deployed with <c>verity deploy</c>, and a <c>verity worker</c> configured by a file —
/// signing with its keystore, fetching the model by id from an artifact folder, staking, serving, executing a job,
/// finalizing it — and a <c>verity gateway</c> paying from its own keystore that gets an embedding through that worker;
/// then the worker is stopped by SIGTERM.
/// </summary>
[Trait("Category", "Network")]
public sealed class WorkerProcessTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("verity-worker-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public async Task A_keystore_worker_configured_by_file_stakes_serves_executes_and_finalizes()
    {
        await using var node = await AnvilNode.StartAsync(accounts: 4);
        var deployer = node.Accounts[0];
        File.WriteAllText(Path.Combine(_dir, "pw.txt"), "a long worker password\n");

        var (code, keyOut, err) = await VerityAsync(null, "key", "new", Path.Combine(_dir, "worker-key.json"), "--password-file", Path.Combine(_dir, "pw.txt"));
        Assert.True(code == 0, err);
        var worker = Address.Parse(keyOut.Trim());
        (code, _, err) = await VerityAsync(null, "deploy", "--rpc", node.RpcUrl.ToString(), "--account", deployer.ToString(), "-o", Path.Combine(_dir, "deployment.json"));
        Assert.True(code == 0, err);
        var file = DeploymentFile.Read(Path.Combine(_dir, "deployment.json"));
        var chain = new ChainClient(node.RpcUrl);
        var v = new VerityContracts(chain, file.Deployment);

        // The model owner registers MiniLM and its dispute shape; the artifact is published under its id.
        var minilm = new ModelStore(ModelFiles.Default(), _ => { }).Load("minilm");
        var shape = DisputeModels.Build(minilm.Model);
        await v.RegisterModelAsync(node.Accounts[1], new ModelSpec(minilm.Id, minilm.WeightsRoot, (uint)OpSet.Version, 1, 2000, Deployer.Token, null, []));
        await v.SetShapeAsync(node.Accounts[1], minilm.Id, shape);
        var artifacts = Directory.CreateDirectory(Path.Combine(_dir, "artifacts")).FullName;
        File.Copy(minilm.Path, Path.Combine(artifacts, Convert.ToHexStringLower(minilm.Id.AsSpan()) + ".vmodel"));
        await node.RpcAsync("anvil_setBalance", default, worker.Hex, "0x56BC75E2D63100000");
        await v.TransferAsync(deployer, worker, 5_000 * Deployer.Token);
        await v.TransferAsync(deployer, node.Accounts[2], 100 * Deployer.Token);

        File.WriteAllText(Path.Combine(_dir, "worker.json"), $$"""
            { "rpc": "{{node.RpcUrl}}", "deployment": "deployment.json", "keystore": "worker-key.json", "password_file": "pw.txt",
              "confirmations": 0, "store": "worker.db", "models": ["{{minilm.Id}}"], "artifacts": "artifacts", "poll_ms": 100, "stake": 1500 }
            """);
        var log = new StringBuilder();
        // A fresh cache: the worker must fetch the model from the artifact folder, not find it compiled.
        using var process = Start(Path.Combine(_dir, "cache"), log, "worker", "--config", Path.Combine(_dir, "worker.json"));
        try
        {
            await NodeWorld.UntilAsync(async () => process.HasExited ? throw new InvalidOperationException($"the worker exited: {log}")
                : (await v.ModelsOfAsync(worker)).Contains(minilm.Id), "the worker serving MiniLM", 120);
            Assert.Equal(1500 * Deployer.Token, await v.StakeOfAsync(worker));

            int[] ids = [101, 7592, 2088, 102];
            var input = IntTensorBytes(ids);
            var (job, _) = await v.RequestJobAsync(node.Accounts[2], minilm.Id, input, Deployer.Token);
            await node.MineAsync(2); // the draw's seed block
            await NodeWorld.UntilAsync(async () => (await v.JobAsync(job)).Status == JobStatus.Committed, "the result posted", 60);
            var j = await v.JobAsync(job);
            Assert.Equal(worker, j.Worker);
            await node.AdvanceAsync(TimeSpan.FromSeconds(j.Deadline - await node.TimestampAsync() + 1));
            await NodeWorld.UntilAsync(async () =>
            {
                // The worker's finalize may first select the job for audit, which extends its deadline by the audit
                // window (nobody else serves the model to confirm it): move time past whatever the deadline is now.
                var now = await v.JobAsync(job);
                if (now.Status == JobStatus.Finalized)
                    return true;
                long chainTime = await node.TimestampAsync();
                if (now.Deadline >= chainTime)
                    await node.AdvanceAsync(TimeSpan.FromSeconds(now.Deadline - chainTime + 1));
                else
                    await node.MineAsync();
                return false;
            }, "the worker finalizing its job", 120);

            var submitted = chain.Web3.Eth.GetEvent<Verity.Chain.Generated.JobMarket.ResultSubmittedEvent>(file.Deployment.Market.Hex);
            var posted = (await submitted.GetAllChangesAsync(submitted.CreateFilterInput(
                Nethereum.RPC.Eth.DTOs.BlockParameter.CreateEarliest(), Nethereum.RPC.Eth.DTOs.BlockParameter.CreateLatest()))).Single().Event;
            var local = new Executor(minilm.Model).Run([Execution.Decode(minilm.Model, input)]);
            Assert.Equal(local.Outputs[0].Bytes.ToArray(), posted.Output);
            Assert.Equal(local.TraceRoot, new Hash256(posted.TraceRoot));
            Assert.True(await v.OwedToAsync(worker) > 0);

            // A gateway paying from its own keystore serves an embedding through this worker.
            var (gateway, vector, requester) = await GatewayEmbeddingAsync(node, v, deployer, minilm, "A keystore pays for this.");
            Assert.Equal(gateway, requester);
            Assert.Equal(Verity.Cli.Commands.Infer.Run(minilm, "A keystore pays for this.", null, 1).Output.Select(x => (float)x), vector);
        }
        finally
        {
            Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();
            bool exited = process.WaitForExit(30_000);
            if (exited)
                process.WaitForExit(); // with a timeout it does not wait for the redirected output to drain; this does
            output.WriteLine(log.ToString());
            if (!exited) process.Kill(true);
            Assert.True(exited, "SIGTERM stops the worker");
        }
        Assert.Equal(0, process.ExitCode);
        Assert.Contains("worker stopped", log.ToString(), StringComparison.Ordinal);
        Assert.Contains("fetched model", log.ToString(), StringComparison.Ordinal);
    }

    /// <summary>Creates a keystore for a gateway wallet, funds it, starts <c>verity gateway --keystore …</c> as a process,
    /// asks it for one embedding (answered once posted) and returns the wallet, the vector and the receipt's requester.</summary>
    private async Task<(Address Gateway, float[] Vector, Address Requester)> GatewayEmbeddingAsync(AnvilNode node, VerityContracts v,
        Address funder, LoadedModel model, string text)
    {
        var (code, keyOut, err) = await VerityAsync(null, "key", "new", Path.Combine(_dir, "gateway-key.json"), "--password-file", Path.Combine(_dir, "pw.txt"));
        Assert.True(code == 0, err);
        var wallet = Address.Parse(keyOut.Trim());
        await node.RpcAsync("anvil_setBalance", default, wallet.Hex, "0x56BC75E2D63100000");
        await v.TransferAsync(funder, wallet, 100 * Deployer.Token);
        File.WriteAllText(Path.Combine(_dir, "keys.json"), """{"keys":[{"key":"vk-process-test-0123456789","name":"t","budget":"10","requests_per_minute":60}]}""");
        int port;
        using (var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            l.Start();
            port = ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
        }
        var log = new StringBuilder();
        using var process = Start(null, log, "gateway", "--rpc", node.RpcUrl.ToString(), "--deployment", Path.Combine(_dir, "deployment.json"),
            "--keystore", Path.Combine(_dir, "gateway-key.json"), "--password-file", Path.Combine(_dir, "pw.txt"), "--keys", Path.Combine(_dir, "keys.json"),
            "--serve", model.Path, "--ledger", Path.Combine(_dir, "ledger.db"), "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromMinutes(2) };
            await NodeWorld.UntilAsync(async () => process.HasExited ? throw new InvalidOperationException($"the gateway exited: {log}")
                : log.ToString().Contains("gateway listening on", StringComparison.Ordinal), "the gateway listening", 120);
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/embeddings")
            {
                Content = new StringContent(System.Text.Json.JsonSerializer.Serialize(new { model = "minilm", input = text }), Encoding.UTF8, "application/json"),
            };
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "vk-process-test-0123456789");
            request.Headers.Add("Verity-Wait", "posted");
            // Anvil mines only on transactions: a block producer lets the draw's seed block get a block on top.
            using var produced = new CancellationTokenSource();
            var producer = Task.Run(async () =>
            {
                while (!produced.IsCancellationRequested)
                {
                    await node.MineAsync();
                    await Task.Delay(200);
                }
            });
            using var response = await http.SendAsync(request);
            await produced.CancelAsync();
            await producer;
            var body = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            Assert.True(response.IsSuccessStatusCode, body.ToString());
            var vector = body.GetProperty("data")[0].GetProperty("embedding").EnumerateArray().Select(e => e.GetSingle()).ToArray();
            var requester = Address.Parse(body.GetProperty("verity").GetProperty("receipts")[0].GetProperty("requester").GetString()!);
            return (wallet, vector, requester);
        }
        finally
        {
            process.Kill(true);
            process.WaitForExit();
            output.WriteLine(log.ToString());
        }
    }

    private static byte[] IntTensorBytes(int[] ids) => Engine.Tensors.IntTensor.FromInts(Engine.Tensors.DType.I32, [1, ids.Length], ids).Bytes.ToArray();

    private static Process Start(string? cache, StringBuilder log, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "verity.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (cache is not null) psi.Environment["VERITY_CACHE"] = cache;
        var p = new Process { StartInfo = psi };
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.AppendLine(e.Data); };
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    private static async Task<(int Code, string Out, string Err)> VerityAsync(string? cache, params string[] args)
    {
        var log = new StringBuilder();
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "verity.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (cache is not null) psi.Environment["VERITY_CACHE"] = cache;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        return (p.ExitCode, await stdout, await stderr);
    }
}
