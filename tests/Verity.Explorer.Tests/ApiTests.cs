using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Verity.Chain;

namespace Verity.Explorer.Tests;

/// <summary>The JSON API over a real anvil: what it reports for a real job and model, its error shape for bad input
/// (never a stack trace), and the <c>verity explorer</c> command serving the same from a deployment file.</summary>
[Collection("browser")]
public sealed class ApiTests
{
    private static async Task<(HttpStatusCode Status, JsonElement Body, string Type)> GetAsync(HttpClient http, string path)
    {
        using var r = await http.GetAsync(path);
        var text = await r.Content.ReadAsStringAsync();
        Assert.DoesNotContain(" at Verity.", text, StringComparison.Ordinal); // no stack trace, ever
        return (r.StatusCode, JsonDocument.Parse(text).RootElement.Clone(), r.Content.Headers.ContentType?.MediaType ?? "");
    }

    /// <summary>Each bad path with the status it must get.</summary>
    private static readonly (string Path, int Status)[] BadRequests =
    [
        ("api/jobs/abc", 400), ("api/jobs/0", 400), ("api/jobs/-1", 400), ("api/jobs/1e3", 400), ("api/jobs/%20", 400),
        ("api/jobs/99999999999999999999999999", 400), ("api/jobs/12345", 404), ("api/jobs?limit=0", 400), ("api/jobs?limit=x", 400),
        ("api/models/0x12", 400), ("api/models/not-a-hash", 400),
        ("api/models/0x0000000000000000000000000000000000000000000000000000000000000001", 404),
        ("api/totals?buckets=100000", 400), ("api/nothing-here", 404), ("api/jobs/1/extra", 404), ("no-such-page.html", 404),
    ];

    [Fact]
    public async Task Bad_requests_get_a_JSON_error_with_the_right_status()
    {
        await using var w = await ExplorerWorld.StartAsync();
        using var http = new HttpClient { BaseAddress = w.BaseUrl };
        foreach (var (path, status) in BadRequests)
        {
            var (code, body, type) = await GetAsync(http, path);
            Assert.True(status == (int)code, $"{path}: {(int)code} {body}");
            Assert.Equal("application/json", type);
            Assert.Equal(status, body.GetProperty("error").GetProperty("status").GetInt32());
            Assert.False(string.IsNullOrWhiteSpace(body.GetProperty("error").GetProperty("message").GetString()));
        }
        using var post = await http.PostAsync("api/jobs", new StringContent("{}"));
        Assert.True(post.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed, $"{post.StatusCode}"); // the API is read-only
        Assert.Equal((int)post.StatusCode, JsonDocument.Parse(await post.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task The_API_reports_a_requested_job_its_model_and_the_totals_from_chain_events()
    {
        await using var w = await ExplorerWorld.StartAsync();
        using var http = new HttpClient { BaseAddress = w.BaseUrl };
        var (job, _) = await w.V.RequestJobAsync(w.Requester, w.ModelId, w.M.InputBytes, ExplorerWorld.Fee);
        JsonElement j = default;
        await ExplorerWorld.UntilAsync(async () => (j = (await GetAsync(http, $"api/jobs/{job}")).Body).TryGetProperty("receipt", out _), "the job indexed");
        var receipt = j.GetProperty("receipt");
        Assert.Equal("Requested", receipt.GetProperty("status").GetString());
        Assert.Equal("0x" + w.ModelId, receipt.GetProperty("modelId").GetString());
        Assert.Equal("0x" + Commitments.TensorCommitment.Root(w.M.InputBytes), receipt.GetProperty("inputRoot").GetString());
        Assert.Equal(JsonValueKind.Null, receipt.GetProperty("traceRoot").ValueKind);
        Assert.Equal(ExplorerWorld.Fee.ToString(System.Globalization.CultureInfo.InvariantCulture), j.GetProperty("fee").GetProperty("wei").GetString());

        var model = (await GetAsync(http, "api/models/0x" + w.ModelId.ToString().ToUpperInvariant())).Body; // either case
        Assert.Equal(1, model.GetProperty("model").GetProperty("jobs").GetInt32());
        Assert.Equal(1, model.GetProperty("graph").GetProperty("nodes").GetArrayLength());
        var totals = (await GetAsync(http, "api/totals?buckets=4")).Body;
        Assert.Equal(1, totals.GetProperty("jobs").GetInt32());
        Assert.Equal(1, totals.GetProperty("open").GetInt32());
        Assert.Equal(1, totals.GetProperty("series").EnumerateArray().Sum(s => s.GetProperty("jobs").GetInt32()));
        var workers = (await GetAsync(http, "api/workers")).Body.GetProperty("workers");
        Assert.Equal(["3000", "2000", "1000"], workers.EnumerateArray().Select(x => x.GetProperty("stake").GetProperty("tokens").GetString()!).ToArray());
        Assert.Equal(["3000", "2000", "1000"], workers.EnumerateArray().Select(x => x.GetProperty("slashable").GetProperty("tokens").GetString()!).ToArray());
    }

    [Fact]
    public async Task After_a_reorganisation_the_API_shows_the_new_branch_only()
    {
        await using var w = await ExplorerWorld.StartAsync();
        using var http = new HttpClient { BaseAddress = w.BaseUrl };
        var fork = await w.Node.SnapshotAsync();
        var (job, _) = await w.V.RequestJobAsync(w.Requester, w.ModelId, w.M.InputBytes, ExplorerWorld.Fee);
        await ExplorerWorld.UntilAsync(async () => (await GetAsync(http, $"api/jobs/{job}")).Status == HttpStatusCode.OK, "the old branch's job indexed");

        // The branch is dropped; on the new, longer one job 1 is another requester's, with another input.
        long oldHead = await w.Node.BlockNumberAsync();
        await w.Node.RevertAsync(fork);
        var other = ExplorerWorld.InputBytes([101, 7592, 2088, 102]);
        await w.V.TransferAsync(w.Owner, w.Stranger, 10 * ExplorerWorld.T);
        var (replaced, _) = await w.V.RequestJobAsync(w.Stranger, w.ModelId, other, ExplorerWorld.Fee);
        Assert.Equal(job, replaced);
        await w.Node.MineAsync((int)(oldHead - await w.Node.BlockNumberAsync()) + 2);

        var root = "0x" + Commitments.TensorCommitment.Root(other);
        await ExplorerWorld.UntilAsync(async () => (await GetAsync(http, $"api/jobs/{job}")).Body is var b && b.TryGetProperty("receipt", out var r)
            && r.GetProperty("inputRoot").GetString() == root, "the new branch's job indexed");
        var receipt = (await GetAsync(http, $"api/jobs/{job}")).Body.GetProperty("receipt");
        Assert.Equal(w.Stranger.ToString().ToLowerInvariant(), receipt.GetProperty("requester").GetString()!.ToLowerInvariant());
        Assert.Equal(1, (await GetAsync(http, "api/totals?buckets=4")).Body.GetProperty("jobs").GetInt32()); // the old job is gone
    }

    [Fact]
    public async Task The_explorer_command_serves_a_deployment_file_s_chain()
    {
        await using var w = await ExplorerWorld.StartAsync();
        var file = Path.Combine(Path.GetTempPath(), $"verity-deployment-{Guid.NewGuid():N}.json");
        new DeploymentFile(w.V.Deployment, AnvilNode.ChainId, w.FromBlock).Write(file);
        int port;
        using (var l = new TcpListener(IPAddress.Loopback, 0))
        {
            l.Start();
            port = ((IPEndPoint)l.LocalEndpoint).Port;
        }
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "verity.dll"), "explorer", "--rpc", w.Node.RpcUrl.ToString(), "--deployment", file,
                     "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--poll", "0.2", "--confirmations", "2" })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
            await ExplorerWorld.UntilAsync(async () =>
            {
                try
                {
                    return (await GetAsync(http, "api/models")).Body.GetProperty("models").GetArrayLength() == 1;
                }
                catch (HttpRequestException)
                {
                    return false; // not listening yet
                }
            }, "the command's explorer to index the model");
            var models = (await GetAsync(http, "api/models")).Body.GetProperty("models");
            Assert.Equal("0x" + w.ModelId, models[0].GetProperty("id").GetString());
            using var page = await http.GetAsync("");
            Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
            Assert.Contains("<h1>Jobs</h1>", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);

            // With --confirmations 2, a dataset registered in the head block shows only once two blocks are on top of it.
            await w.V.RegisterDatasetAsync(w.ModelOwner, Commitments.Hash256.Of("d"u8), Commitments.Hash256.Of("r"u8), 1, [(w.ModelOwner, (ushort)10_000)], 10 * ExplorerWorld.T);
            await Task.Delay(1500); // several polls
            Assert.Equal(0, (await GetAsync(http, "api/datasets")).Body.GetProperty("datasets").GetArrayLength());
            await w.Node.MineAsync(2);
            await ExplorerWorld.UntilAsync(async () => (await GetAsync(http, "api/datasets")).Body.GetProperty("datasets").GetArrayLength() == 1,
                "the dataset shown after its confirmations");
        }
        finally
        {
            p.Kill(entireProcessTree: true);
            await p.WaitForExitAsync();
            File.Delete(file);
        }

        // A deployment file that is not one is a one-line error and exit code 2.
        File.WriteAllText(file, "{\"owner\": \"0x12\"}");
        var bad = new ProcessStartInfo("dotnet") { RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "verity.dll"), "explorer", "--rpc", "http://127.0.0.1:1", "--deployment", file })
            bad.ArgumentList.Add(a);
        using var q = Process.Start(bad)!;
        var err = await q.StandardError.ReadToEndAsync();
        await q.WaitForExitAsync();
        File.Delete(file);
        Assert.Equal(2, q.ExitCode);
        Assert.StartsWith("error: ", err, StringComparison.Ordinal);
    }
}
