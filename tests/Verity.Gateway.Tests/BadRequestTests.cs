using System.Text.Json;
using Verity.Chain;
using Verity.Cli.Commands;
using Verity.Cli.Network;
using Verity.Client;
using Xunit.Abstractions;

namespace Verity.Gateway.Tests;

/// <summary>Each kind of bad request gets its HTTP status and an OpenAI-style error body; budgets are the fees paid to
/// the wei and survive a restart; an accepted request that the network does not answer in time is a 504 whose job
/// stays visible.</summary>
[Collection(GatewayCollection.Name)]
public sealed class BadRequestTests(GatewayWorld w, ITestOutputHelper output) : IDisposable
{
    public void Dispose()
    {
        lock (w.Log)
        {
            foreach (var line in w.Log)
                output.WriteLine(line);
            w.Log.Clear();
        }
    }

    private static void AssertError(JsonElement body, string type, string? code, string? param = null)
    {
        var e = body.GetProperty("error");
        Assert.Equal(type, e.GetProperty("type").GetString());
        Assert.Equal(code, e.GetProperty("code").GetString());
        Assert.Equal(param, e.GetProperty("param").GetString());
        Assert.False(string.IsNullOrWhiteSpace(e.GetProperty("message").GetString()));
        Assert.DoesNotContain("   at ", e.GetProperty("message").GetString()); // never a stack trace
    }

    [Fact]
    public async Task Unknown_model_is_404_model_not_found()
    {
        var (status, body, _) = await w.PostAsync("/v1/embeddings", new { model = "text-embedding-3-small", input = "hello" });
        Assert.Equal(404, status);
        AssertError(body, "invalid_request_error", "model_not_found", "model");
        Assert.Contains("'text-embedding-3-small'", body.GetProperty("error").GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("\"\"")]
    [InlineData("\"   \"")]
    [InlineData("[]")]
    [InlineData("[\"fine\", \"\"]")]
    [InlineData("[[]]")]
    public async Task Empty_input_is_400(string input)
    {
        var before = await w.Net.V.JobCountAsync();
        var (status, body, _) = await w.PostAsync("/v1/embeddings", $"{{\"model\":\"minilm\",\"input\":{input}}}");
        Assert.Equal(400, status);
        AssertError(body, "invalid_request_error", "empty_input", "input");
        Assert.Equal(before, await w.Net.V.JobCountAsync()); // nothing was requested
    }

    [Fact]
    public async Task Oversized_input_and_too_many_inputs_are_400()
    {
        var longText = string.Join(' ', Enumerable.Repeat("verification", 300)); // 300 words: over 256 tokens
        var (s1, b1, _) = await w.PostAsync("/v1/embeddings", new { model = "minilm", input = new[] { "short", longText } });
        Assert.Equal(400, s1);
        AssertError(b1, "invalid_request_error", "context_length_exceeded", "input");
        Assert.Contains("input[1]", b1.GetProperty("error").GetProperty("message").GetString());
        Assert.Contains("256", b1.GetProperty("error").GetProperty("message").GetString());

        var tooLongIds = Enumerable.Repeat(1000, 257).ToArray();
        var (s2, b2, _) = await w.PostAsync("/v1/embeddings", new { model = "minilm", input = tooLongIds });
        Assert.Equal(400, s2);
        AssertError(b2, "invalid_request_error", "context_length_exceeded", "input");

        var (s3, b3, _) = await w.PostAsync("/v1/embeddings", new { model = "minilm", input = Enumerable.Repeat("x", 33).ToArray() });
        Assert.Equal(400, s3);
        AssertError(b3, "invalid_request_error", "too_many_inputs", "input");
        Assert.Contains("33", b3.GetProperty("error").GetProperty("message").GetString());

        var (s4, b4, _) = await w.PostAsync("/v1/embeddings", new { model = "minilm", input = new[] { 101, 999_999, 102 } });
        Assert.Equal(400, s4);
        Assert.Contains("999999", b4.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task Other_malformed_requests_are_400()
    {
        var (s1, b1, _) = await w.PostAsync("/v1/embeddings", "{not json");
        Assert.Equal(400, s1);
        AssertError(b1, "invalid_request_error", "invalid_json");
        var (s2, b2, _) = await w.PostAsync("/v1/embeddings", new { model = "minilm", input = "x", encoding_format = "int8" });
        Assert.Equal(400, s2);
        AssertError(b2, "invalid_request_error", "invalid_value", "encoding_format");
        var (s3, b3, _) = await w.PostAsync("/v1/embeddings", new { model = "resnet18", input = "a photo of a cat" });
        Assert.Equal(400, s3);
        AssertError(b3, "invalid_request_error", "invalid_value", "model");
        var (s4, b4, _) = await w.PostAsync("/v1/embeddings", new { model = "minilm", input = "x" }, wait: "eventually");
        Assert.Equal(400, s4);
        AssertError(b4, "invalid_request_error", "invalid_value", "Verity-Wait");
        var (s5, b5, _) = await w.PostAsync("/v1/embeddings", new { input = "x" });
        Assert.Equal(400, s5);
        AssertError(b5, "invalid_request_error", "missing_required_parameter", "model");
        var (s6, b6, _) = await w.GetAsync("/v1/nothing-here");
        Assert.Equal(404, s6);
        AssertError(b6, "invalid_request_error", "unknown_url");
    }

    [Fact]
    public async Task Bad_or_missing_key_is_401()
    {
        var (s1, b1, _) = await w.PostAsync("/v1/embeddings", new { model = "minilm", input = "hello" }, key: "vk-wrong-0000000000");
        Assert.Equal(401, s1);
        AssertError(b1, "invalid_request_error", "invalid_api_key");
        Assert.DoesNotContain("vk-wrong-0000000000", b1.GetProperty("error").GetProperty("message").GetString()); // masked
        var (s2, b2, _) = await w.PostAsync("/v1/embeddings", new { model = "minilm", input = "hello" }, key: null);
        Assert.Equal(401, s2);
        AssertError(b2, "invalid_request_error", "invalid_api_key");
        var (s3, _, _) = await w.GetAsync("/v1/models", key: null);
        Assert.Equal(401, s3);
    }

    [Fact]
    public async Task Rate_limit_is_429_per_key()
    {
        Assert.Equal(200, (await w.GetAsync("/v1/models", GatewayWorld.Carol)).Status);
        Assert.Equal(200, (await w.GetAsync("/v1/models", GatewayWorld.Carol)).Status);
        var (status, body, response) = await w.GetAsync("/v1/models", GatewayWorld.Carol);
        Assert.Equal(429, status);
        AssertError(body, "requests", "rate_limit_exceeded");
        Assert.True(response.Headers.RetryAfter is not null);
        Assert.Equal(200, (await w.GetAsync("/v1/models", GatewayWorld.Alice)).Status); // another key is not limited
    }

    [Fact]
    public async Task Budget_is_the_fees_paid_to_the_wei_it_runs_out_with_429_and_survives_a_restart()
    {
        var wallet = await w.Net.V.BalanceOfAsync(w.Net.Requester);
        var jobsBefore = await w.Net.V.JobCountAsync();
        Assert.Equal(0, w.Gateway.Ledger.Spent("bob"));

        var (s1, b1, _) = await w.PostAsync("/v1/embeddings", new { model = "minilm", input = "first" }, GatewayWorld.Bob);
        var (s2, b2, _) = await w.PostAsync("/v1/embeddings", new { model = "minilm", input = "second" }, GatewayWorld.Bob);
        Assert.Equal(200, s1);
        Assert.Equal(200, s2);
        // 2.5 VRT covers two fees of 1 VRT + 777 wei, not three.
        var (s3, b3, _) = await w.PostAsync("/v1/embeddings", new { model = "minilm", input = "third" }, GatewayWorld.Bob);
        Assert.Equal(429, s3);
        AssertError(b3, "insufficient_quota", "insufficient_quota");
        // Two inputs in one request would also overrun it: refused before any job is requested.
        var (s4, _, _) = await w.PostAsync("/v1/embeddings", new { model = "minilm", input = new[] { "a", "b" } }, GatewayWorld.Bob);
        Assert.Equal(429, s4);
        Assert.Equal(jobsBefore + 2, await w.Net.V.JobCountAsync());

        // Spend = the fees the market took from the wallet = the fees it paid out, to the wei.
        var receipts = new List<Receipt>();
        foreach (var b in new[] { b1, b2 })
            receipts.Add(await w.Client.ReceiptAsync(new JobId(ulong.Parse(b.GetProperty("verity").GetProperty("receipts")[0].GetProperty("job_id").GetString()!))));
        var spent = w.Gateway.Ledger.Spent("bob");
        Assert.Equal(2 * Devnet.Fee, spent);
        Assert.Equal(wallet - spent, await w.Net.V.BalanceOfAsync(w.Net.Requester));
        Assert.Equal(spent, receipts[0].Split!.Total + receipts[1].Split!.Total);

        await w.RestartGatewayAsync();
        Assert.Equal(spent, w.Gateway.Ledger.Spent("bob"));
        var (s5, b5, _) = await w.PostAsync("/v1/embeddings", new { model = "minilm", input = "after restart" }, GatewayWorld.Bob);
        Assert.Equal(429, s5);
        AssertError(b5, "insufficient_quota", "insufficient_quota");
    }

    [Fact]
    public async Task A_job_nobody_delivers_is_expired_by_the_waiting_gateway_refunded_and_not_charged()
    {
        await w.Net.StopWorkersAsync();
        try
        {
            var wallet = await w.Net.V.BalanceOfAsync(w.Net.Requester);
            var spent = w.Gateway.Ledger.Spent("alice");
            var next = new JobId(await w.Net.V.JobCountAsync() + 1);
            var request = w.PostAsync("/v1/embeddings", new { model = "minilm", input = "nobody will answer" });
            await GatewayWorld.UntilAsync(async () => (await w.Net.V.JobAsync(next)).Status != JobStatus.None, "the job requested");
            // Past the result deadline twice: the waiting client expires the job (redrawn once), then expires it again (refunded).
            var timeout = TimeSpan.FromSeconds(w.Net.Options.Market.ResultTimeout + 1);
            await w.Net.Node.AdvanceAsync(timeout);
            await GatewayWorld.UntilAsync(async () => (await w.Net.V.JobAsync(next)).Attempt == 2, "the job redrawn");
            await w.Net.Node.AdvanceAsync(timeout);

            var (status, body, _) = await request;

            Assert.Equal(502, status);
            AssertError(body, "server_error", "job_refunded");
            Assert.Equal(JobStatus.Refunded, (await w.Net.V.JobAsync(next)).Status);
            // The fee came back (the gateway withdrew the refund from the market): it no longer counts, to the wei.
            Assert.Equal(spent, w.Gateway.Ledger.Spent("alice"));
            Assert.Equal(wallet, await w.Net.V.BalanceOfAsync(w.Net.Requester));
            Assert.Equal(0, await w.Net.V.OwedToAsync(w.Net.Requester));
            var (_, receipt, _) = await w.GetAsync($"/v1/jobs/{next}");
            Assert.Equal("refunded", receipt.GetProperty("status").GetString());
        }
        finally
        {
            w.StartWorkers();
        }
    }

    [Fact]
    public async Task A_request_the_chain_refuses_is_502_with_the_revert_and_charges_nothing()
    {
        // A gateway whose wallet holds ether but no VRT: the key's budget admits the request, the market's
        // transferFrom of the fee reverts.
        var broke = new VerityClient(w.Net.V, w.Net.Stranger);
        await using var gateway = await GatewayServer.StartAsync(broke, new GatewayOptions
        {
            Models = [GatewayModels.From(w.MiniLm)], Keys = GatewayWorld.Keys, StorePath = w.NewPath(), Log = w.Logged,
        });
        using var http = GatewayWorld.NewHttp(gateway);
        var jobs = await w.Net.V.JobCountAsync();

        var (status, body, _) = await w.PostAsync("/v1/embeddings", new { model = "minilm", input = "no money" }, http: http);

        Assert.Equal(502, status);
        AssertError(body, "server_error", "chain_error");
        Assert.Contains("ERC20InsufficientBalance", body.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal(0, gateway.Ledger.Spent("alice"));
        Assert.Equal(jobs, await w.Net.V.JobCountAsync());
    }

    [Fact]
    public async Task A_request_the_network_does_not_answer_in_time_is_504_and_its_job_stays_visible()
    {
        await w.Net.StopWorkersAsync();
        await using var impatient = await w.StartGatewayAsync(w.NewPath(), timeout: TimeSpan.FromSeconds(1));
        using var http = GatewayWorld.NewHttp(impatient);
        try
        {
            var (status, body, response) = await w.PostAsync("/v1/embeddings", new { model = "minilm", input = "nobody is working" }, http: http);
            Assert.Equal(504, status);
            AssertError(body, "server_error", "timeout");
            var job = body.GetProperty("verity").GetProperty("jobs")[0].GetString()!;
            Assert.Equal(job, response.Headers.GetValues("Verity-Job").Single());
            Assert.Equal(Devnet.Fee, impatient.Ledger.Spent("alice")); // the fee is escrowed: it counts

            var (s2, receipt, _) = await w.GetAsync($"/v1/jobs/{job}", http: http);
            Assert.Equal(200, s2);
            Assert.Contains(receipt.GetProperty("status").GetString(), new[] { "requested", "assigned" });

            w.StartWorkers();
            var final = await w.Client.WaitAsync(new JobId(ulong.Parse(job)), WaitFor.Finalized, TimeSpan.FromSeconds(60));
            Assert.Equal(JobStatus.Finalized, final.Status);
        }
        finally
        {
            if (!w.Net.WorkersRunning)
                w.StartWorkers();
        }
    }
}
