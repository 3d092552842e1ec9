using System.ClientModel;
using System.Numerics;
using System.Text.Json;
using OpenAI;
using Verity.Chain;
using Verity.Cli.Commands;
using Verity.Cli.Network;
using Verity.Client;
using Verity.Commitments;
using Xunit.Abstractions;

namespace Verity.Gateway.Tests;

/// <summary>The gateway through the official OpenAI .NET library and over raw HTTP: real jobs on the local network,
/// vectors equal to <c>verity infer --local</c>, receipts equal to the chain's.</summary>
[Collection(GatewayCollection.Name)]
public sealed class EmbeddingsTests(GatewayWorld w, ITestOutputHelper output) : IDisposable
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

    [Fact]
    public async Task The_OpenAI_library_gets_embeddings_equal_to_a_local_run_with_receipts_from_the_chain()
    {
        string[] texts = ["A cat sits on the mat.", "Verifiable inference on a decentralized network!"];
        var embeddings = new OpenAIClient(new ApiKeyCredential(GatewayWorld.Alice),
            new OpenAIClientOptions { Endpoint = new Uri(w.Gateway.BaseUrl, "/v1") }).GetEmbeddingClient("minilm");

        var result = await embeddings.GenerateEmbeddingsAsync(texts);

        Assert.Equal(texts.Length, result.Value.Count);
        var locals = texts.Select(t => Infer.Run(w.MiniLm, t, null, threads: 1)).ToArray();
        for (var i = 0; i < texts.Length; i++)
        {
            Assert.Equal(i, result.Value[i].Index);
            var v = result.Value[i].ToFloats().ToArray();
            Assert.Equal(locals[i].Output.Length, v.Length);
            for (var k = 0; k < v.Length; k++) // float32 is the wire type: the local double rounded once, exactly
                Assert.Equal((float)locals[i].Output[k], v[k]);
        }

        // The receipts: in the body's extension field and in the headers, equal to what the chain says.
        var raw = result.GetRawResponse();
        using var doc = JsonDocument.Parse(raw.Content.ToString());
        var verity = doc.RootElement.GetProperty("verity");
        Assert.True(verity.GetProperty("finalized").GetBoolean());
        var receipts = verity.GetProperty("receipts").EnumerateArray().ToArray();
        Assert.Equal(texts.Length, receipts.Length);
        Assert.True(raw.Headers.TryGetValue("Verity-Job", out var jobHeader));
        var jobs = jobHeader!.Split(',').Select(s => new JobId(ulong.Parse(s.Trim()))).ToArray();
        Assert.Equal(receipts.Select(r => r.GetProperty("job_id").GetString()), jobs.Select(j => j.ToString()));
        for (var i = 0; i < texts.Length; i++)
        {
            var chain = await w.Client.ReceiptAsync(jobs[i]);
            Assert.Equal(JobStatus.Finalized, chain.Status);
            Assert.Equal(w.MiniLm.Id, chain.ModelId);
            Assert.Equal(locals[i].OutputSha256, chain.OutputHash);
            Assert.Equal(locals[i].TraceRoot, chain.TraceRoot);
            Assert.Equal(w.Net.Requester, chain.Requester);
            Assert.Equal(chain.ToJson(withOutput: false).ToJsonString(), receipts[i].GetRawText());
            Assert.Equal(Devnet.Fee, chain.Fee);
            // The split as the market paid it (docs/PROTOCOL.md, Fee split): a royalty cut of 30% divided as
            // distributeRoyalties divides a pot (dataset 1/3, owner the rest), 5% to the validator pool, the rest to the worker.
            var royalty = Devnet.Fee * (Devnet.OwnerBps + Devnet.DatasetBps) / 10_000;
            var dataset = Assert.Single(chain.Split!.Datasets);
            Assert.Equal(w.Net.Datasets["minilm"], dataset.DatasetId);
            Assert.Equal(royalty * Devnet.DatasetBps / (Devnet.OwnerBps + Devnet.DatasetBps), dataset.Amount);
            Assert.Equal(royalty - dataset.Amount, chain.Split.Owner);
            Assert.Equal(Devnet.Fee * w.Net.Options.Market.ValidatorBps / 10_000, chain.Split.ValidatorPool);
            Assert.Equal(Devnet.Fee - royalty - chain.Split.ValidatorPool, chain.Split.Worker);
            Assert.Equal(chain.Fee, chain.Split.Total);
            Assert.Contains(chain.Worker!.Value, w.Net.Workers);
        }
        Assert.Contains(raw.Headers, h => h.Key == "Verity-Receipt" && h.Value.Contains($"output={locals[0].OutputSha256}"));
    }

    [Fact]
    public async Task Float_and_base64_encodings_and_token_arrays_give_the_same_vector()
    {
        const string text = "The same sentence three ways.";
        int[] ids = w.MiniLm.Profile is Cli.Models.TextProfile t ? t.Tokenizer.Encode(text) : throw new InvalidOperationException();
        var local = Infer.Run(w.MiniLm, text, null, 1);

        var (s1, floats, _) = await w.PostAsync("/v1/embeddings", new { model = "minilm", input = text, encoding_format = "float" });
        var (s2, b64, _) = await w.PostAsync("/v1/embeddings", new { model = w.MiniLm.Id.ToString(), input = new[] { ids }, encoding_format = "base64" });
        Assert.Equal(200, s1);
        Assert.Equal(200, s2);
        var v1 = floats.GetProperty("data")[0].GetProperty("embedding").EnumerateArray().Select(e => e.GetSingle()).ToArray();
        var bytes = Convert.FromBase64String(b64.GetProperty("data")[0].GetProperty("embedding").GetString()!);
        var v2 = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes).ToArray();
        Assert.Equal(local.Output.Select(x => (float)x), v1);
        Assert.Equal(v1, v2);
        Assert.Equal("list", floats.GetProperty("object").GetString());
        Assert.Equal("embedding", floats.GetProperty("data")[0].GetProperty("object").GetString());
        Assert.Equal("minilm", floats.GetProperty("model").GetString());
        Assert.Equal(ids.Length, floats.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(ids.Length, b64.GetProperty("usage").GetProperty("total_tokens").GetInt32());
    }

    [Fact]
    public async Task Verity_Wait_posted_answers_before_finalization_and_the_job_finalizes_later()
    {
        var (status, body, response) = await w.PostAsync("/v1/embeddings", new { model = "minilm", input = "Answer as soon as it is posted." }, wait: "posted");

        Assert.Equal(200, status);
        var verity = body.GetProperty("verity");
        Assert.False(verity.GetProperty("finalized").GetBoolean());
        var receipt = verity.GetProperty("receipts")[0];
        Assert.Equal("committed", receipt.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, receipt.GetProperty("split").ValueKind);
        var job = new JobId(ulong.Parse(receipt.GetProperty("job_id").GetString()!));
        Assert.Equal(job.ToString(), response.Headers.GetValues("Verity-Job").Single());
        Assert.Contains("status=committed", response.Headers.GetValues("Verity-Receipt").Single());

        var final = await w.Client.WaitAsync(job, WaitFor.Finalized, TimeSpan.FromSeconds(60));
        Assert.Equal(JobStatus.Finalized, final.Status);
        Assert.Equal(receipt.GetProperty("output_sha256").GetString(), final.OutputHash.ToString());
    }

    [Fact]
    public async Task Jobs_endpoint_returns_the_receipt_the_chain_holds()
    {
        var (_, body, _) = await w.PostAsync("/v1/embeddings", new { model = "minilm", input = "Look me up." });
        var id = body.GetProperty("verity").GetProperty("receipts")[0].GetProperty("job_id").GetString()!;

        var (status, receipt, response) = await w.GetAsync($"/v1/jobs/{id}");

        Assert.Equal(200, status);
        var chain = await w.Client.ReceiptAsync(new JobId(ulong.Parse(id)));
        Assert.Equal("verity.receipt", receipt.GetProperty("object").GetString());
        Assert.Equal("finalized", receipt.GetProperty("status").GetString());
        Assert.Equal(chain.Output, Convert.FromBase64String(receipt.GetProperty("output").GetString()!));
        Assert.Equal(Hash256.Of(chain.Output), Hash256.Parse(receipt.GetProperty("output_sha256").GetString()!));
        Assert.Equal(chain.TraceRoot.ToString(), receipt.GetProperty("trace_root").GetString());
        Assert.Equal(chain.Split!.Worker, BigInteger.Parse(receipt.GetProperty("split").GetProperty("worker").GetString()!));
        Assert.Equal(chain.FinalizeTx, receipt.GetProperty("finalize_tx").GetString());
        Assert.Equal(id, response.Headers.GetValues("Verity-Job").Single());

        var (missing, error, _) = await w.GetAsync("/v1/jobs/999999");
        Assert.Equal(404, missing);
        Assert.Equal("job_not_found", error.GetProperty("error").GetProperty("code").GetString());
        var (bad, error2, _) = await w.GetAsync("/v1/jobs/abc");
        Assert.Equal(400, bad);
        Assert.Contains("'abc'", error2.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task Models_lists_the_served_models_in_the_OpenAI_shape()
    {
        var models = new OpenAIClient(new ApiKeyCredential(GatewayWorld.Alice),
            new OpenAIClientOptions { Endpoint = new Uri(w.Gateway.BaseUrl, "/v1") }).GetOpenAIModelClient();
        var list = (await models.GetModelsAsync()).Value;
        Assert.Equal(["minilm", "resnet18"], list.Select(m => m.Id).Order());

        var (status, body, _) = await w.GetAsync("/v1/models");
        Assert.Equal(200, status);
        var minilm = body.GetProperty("data").EnumerateArray().Single(m => m.GetProperty("id").GetString() == "minilm");
        Assert.Equal("model", minilm.GetProperty("object").GetString());
        Assert.Equal(w.MiniLm.Id.ToString(), minilm.GetProperty("verity").GetProperty("model_id").GetString());
        Assert.Equal(Devnet.Fee.ToString(), minilm.GetProperty("verity").GetProperty("fee").GetString());
    }
}
