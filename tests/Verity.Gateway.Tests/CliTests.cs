using System.Text.Json;
using Verity.Chain;
using Verity.Cli;
using Verity.Cli.Commands;
using Verity.Cli.Network;
using Verity.Client;

namespace Verity.Gateway.Tests;

/// <summary><c>verity infer</c> (through the network), <c>verity verify</c> and <c>verity jobs</c>, in-process, through
/// the same network flags as the real command (a deployment file, the RPC URL, a node-held account).</summary>
[Collection(GatewayCollection.Name)]
public sealed class CliTests(GatewayWorld w)
{
    private NetworkConfig Config(bool account = true)
    {
        var path = w.NewPath() + ".json";
        w.Net.File.Write(path);
        return new NetworkConfig { Rpc = w.Net.Node.RpcUrl, Deployment = path, Account = account ? w.Net.Requester.Hex : null, PollMs = 50 };
    }

    [Fact]
    public async Task Infer_through_the_network_prints_the_local_output_and_a_finalized_receipt()
    {
        const string text = "Through the chain, not locally.";
        var o = new StringWriter();
        var code = await Requester.InferAsync(Config(), w.MiniLm, text, null, WaitFor.Finalized, TimeSpan.FromSeconds(60), null, json: true, o);

        Assert.Equal(0, code);
        var r = JsonDocument.Parse(o.ToString()).RootElement;
        var local = Infer.Run(w.MiniLm, text, null, 1);
        Assert.Equal(local.Output.Select(x => Math.Round(x, 7)), r.GetProperty("output").EnumerateArray().Select(e => e.GetDouble()));
        Assert.Equal("finalized", r.GetProperty("status").GetString());
        var receipt = r.GetProperty("receipt");
        Assert.Equal(local.OutputSha256.ToString(), receipt.GetProperty("output_sha256").GetString());
        Assert.Equal(local.TraceRoot.ToString(), receipt.GetProperty("trace_root").GetString());
        Assert.Equal(w.MiniLm.Id.ToString(), receipt.GetProperty("model_id").GetString());
        Assert.Equal(Devnet.Fee.ToString(), receipt.GetProperty("fee").GetString());

        var text2 = new StringWriter();
        Assert.Equal(0, await Requester.InferAsync(Config(), w.MiniLm, text, null, WaitFor.Posted, TimeSpan.FromSeconds(60), null, json: false, text2));
        Assert.Contains("(committed)", text2.ToString());
        Assert.Contains($"trace root    {local.TraceRoot}", text2.ToString());
        Assert.Contains("(384 values)", text2.ToString());
    }

    [Fact]
    public async Task Verify_exits_0_for_an_honest_job_and_1_for_a_tampered_one()
    {
        var honest = await w.Client.SubmitAsync(w.MiniLm.Id, Infer.Encode(w.MiniLm, "verify me", null).Bytes.ToArray(), Devnet.Fee);
        await w.Client.WaitAsync(honest.Job, WaitFor.Posted, TimeSpan.FromSeconds(60));
        var tampered = await w.TamperedJobAsync(Infer.Encode(w.MiniLm, "tamper with me", null).Bytes.ToArray(), forgeOutput: true);

        var right = new StringWriter();
        Assert.Equal(0, await Requester.VerifyAsync(Config(account: false), honest.Job, null, json: false, right));
        Assert.Contains("RIGHT", right.ToString());
        var wrong = new StringWriter();
        Assert.Equal(1, await Requester.VerifyAsync(Config(account: false), tampered, "minilm", json: true, wrong));
        var v = JsonDocument.Parse(wrong.ToString()).RootElement;
        Assert.False(v.GetProperty("right").GetBoolean());
        Assert.NotEqual(v.GetProperty("posted_output_sha256").GetString(), v.GetProperty("local_output_sha256").GetString());

        // Errors are one line and exit code 2: a job that does not exist, a job id that is not one.
        Assert.Equal(Cli.Cli.BadInput, await Requester.Run(() => Requester.VerifyAsync(Config(), new JobId(999_999), null, false, TextWriter.Null)));
        Assert.Throws<ArgumentException>(() => Requester.ParseJob("twelve"));
    }

    [Fact]
    public async Task Jobs_lists_with_status_filter_and_refuses_an_unknown_status()
    {
        var s = await w.Client.SubmitAsync(w.MiniLm.Id, Infer.Encode(w.MiniLm, "list", null).Bytes.ToArray(), Devnet.Fee);
        await w.Client.WaitAsync(s.Job, WaitFor.Finalized, TimeSpan.FromSeconds(60));

        var o = new StringWriter();
        Assert.Equal(0, await Requester.JobsAsync(Config(account: false), "minilm", "finalized", 3, json: true, o));
        var jobs = JsonDocument.Parse(o.ToString()).RootElement.GetProperty("jobs").EnumerateArray().ToArray();
        Assert.InRange(jobs.Length, 1, 3);
        Assert.All(jobs, j => Assert.Equal("finalized", j.GetProperty("status").GetString()));
        Assert.Equal(s.Job.ToString(), jobs[0].GetProperty("job_id").GetString());

        var text = new StringWriter();
        Assert.Equal(0, await Requester.JobsAsync(Config(account: false), null, null, 2, json: false, text));
        Assert.Contains("2 job(s)", text.ToString());
        await Assert.ThrowsAsync<ArgumentException>(() => Requester.JobsAsync(Config(), null, "done", 5, false, TextWriter.Null));
    }
}
