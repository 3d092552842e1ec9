using System.Net.Http.Headers;
using System.Text.Json;
using Verity.Cli.Commands;

namespace Verity.Gateway.Tests;

/// <summary><c>POST /v1/features</c>: a real photograph through ResNet18 on the network, as multipart and as base64
/// JSON, equal to <c>verity infer --local --image</c>.</summary>
[Collection(GatewayCollection.Name)]
public sealed class FeaturesTests(GatewayWorld w)
{
    private string Photo => Directory.GetFiles(Path.Combine(w.Store.Files.ImagesDir, "test")).Order(StringComparer.Ordinal).First();

    [Fact]
    public async Task A_photo_as_multipart_or_base64_gives_the_local_features_with_a_receipt()
    {
        var local = Infer.Run(w.ResNet, null, Photo, 1);
        var bytes = await File.ReadAllBytesAsync(Photo);

        using var form = new MultipartFormDataContent();
        form.Add(new StringContent("resnet18"), "model");
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        form.Add(file, "image", Path.GetFileName(Photo));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/features") { Content = form };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", GatewayWorld.Alice);
        request.Headers.Add("Verity-Wait", "posted");
        using var response = await w.Http.SendAsync(request);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(200, (int)response.StatusCode);
        var v = body.GetProperty("data")[0].GetProperty("features").EnumerateArray().Select(e => e.GetSingle()).ToArray();
        Assert.Equal(local.Output.Select(x => (float)x), v);
        Assert.Equal("features", body.GetProperty("data")[0].GetProperty("object").GetString());
        Assert.Equal(1, body.GetProperty("usage").GetProperty("images").GetInt32());
        var receipt = body.GetProperty("verity").GetProperty("receipts")[0];
        Assert.Equal(local.TraceRoot.ToString(), receipt.GetProperty("trace_root").GetString());
        Assert.Equal(w.ResNet.Id.ToString(), receipt.GetProperty("model_id").GetString());

        // The image went off-chain: the request carried its root only, and the gateway serves the bytes under it.
        var requestTx = await w.Net.V.Chain.Web3.Eth.Transactions.GetTransactionByHash.SendRequestAsync(receipt.GetProperty("request_tx").GetString());
        Assert.InRange(requestTx.Input.Length, 2, 2 + 2 * (4 + 3 * 32));
        var root = receipt.GetProperty("input_root").GetString();
        var served = await w.Http.GetByteArrayAsync($"/v1/inputs/{root}.input");
        Assert.Equal(receipt.GetProperty("input_root").GetString(), Verity.Commitments.TensorCommitment.Root(served).ToString());
        using var missing = await w.Http.GetAsync($"/v1/inputs/{new string('0', 64)}.input");
        Assert.Equal(404, (int)missing.StatusCode);
        Assert.Equal("input_not_found", JsonDocument.Parse(await missing.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("code").GetString());
        using var malformed = await w.Http.GetAsync("/v1/inputs/..%2Fsecrets.input");
        Assert.Equal(404, (int)malformed.StatusCode);

        var (status, json, _) = await w.PostAsync("/v1/features", new { model = "resnet18", input = Convert.ToBase64String(bytes), encoding_format = "base64" }, wait: "posted");
        Assert.Equal(200, status);
        var b64 = Convert.FromBase64String(json.GetProperty("data")[0].GetProperty("features").GetString()!);
        Assert.Equal(v, System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(b64).ToArray());
    }

    [Fact]
    public async Task Served_inputs_are_kept_for_a_job_s_exposure_and_pruned_after_their_retention()
    {
        var e = await Assert.ThrowsAsync<ArgumentException>(() => w.StartGatewayAsync(w.NewPath(), inputsRetention: TimeSpan.FromMinutes(1)));
        Assert.Contains("inputs retention 00:01:00 is shorter than a job's exposure on this market", e.Message, StringComparison.Ordinal);

        var folder = Directory.CreateTempSubdirectory("verity-prune-").FullName;
        try
        {
            var old = Verity.Node.Content.InputSource.Publish(folder, [1, 2, 3]);
            var recent = Verity.Node.Content.InputSource.Publish(folder, [4, 5, 6]);
            File.SetLastWriteTimeUtc(Path.Combine(folder, Verity.Node.Content.InputSource.NameOf(old)), DateTime.UtcNow.AddDays(-3));
            File.WriteAllText(Path.Combine(folder, "notes.txt"), "not an input"); // left alone
            Assert.Equal(1, Verity.Node.Content.InputSource.Prune(folder, DateTime.UtcNow - TimeSpan.FromDays(2)));
            Assert.Equal([Verity.Node.Content.InputSource.NameOf(recent), "notes.txt"],
                Directory.GetFiles(folder).Select(f => Path.GetFileName(f)!).Order(StringComparer.Ordinal).ToArray());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Not_an_image_or_the_wrong_model_is_400()
    {
        var (s1, b1, _) = await w.PostAsync("/v1/features", new { model = "resnet18", input = Convert.ToBase64String("plain text, not a JPEG"u8.ToArray()) });
        Assert.Equal(400, s1);
        Assert.Equal("invalid_image", b1.GetProperty("error").GetProperty("code").GetString());
        var (s2, b2, _) = await w.PostAsync("/v1/features", new { model = "resnet18", input = "%%% not base64" });
        Assert.Equal(400, s2);
        Assert.Equal("input", b2.GetProperty("error").GetProperty("param").GetString());
        var (s3, b3, _) = await w.PostAsync("/v1/features", new { model = "minilm", input = Convert.ToBase64String(await File.ReadAllBytesAsync(Photo)) });
        Assert.Equal(400, s3);
        Assert.Equal("model", b3.GetProperty("error").GetProperty("param").GetString());
        var (s4, b4, _) = await w.PostAsync("/v1/features", new { model = "resnet18", input = Array.Empty<string>() });
        Assert.Equal(400, s4);
        Assert.Equal("empty_input", b4.GetProperty("error").GetProperty("code").GetString());
    }
}
