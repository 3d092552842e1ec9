using System.Numerics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Verity.Chain;
using Verity.Client;
using Verity.Engine.Tensors;

namespace Verity.Gateway;

/// <summary>The gateway's endpoints. Each returns the response body or throws <see cref="ApiError"/>.</summary>
internal sealed class Endpoints(VerityClient client, GatewayOptions options, Ledger ledger, IReadOnlyDictionary<string, ApiKey> keys)
{
    private readonly IReadOnlyList<GatewayModel> _models = options.Models;

    public async Task<JsonObject> EmbeddingsAsync(HttpContext ctx)
    {
        var key = Authenticate(ctx);
        using var doc = await ReadJsonAsync(ctx).ConfigureAwait(false);
        var body = doc.RootElement;
        var model = ModelOf(body);
        if (model.Kind != ModelKind.Text)
            throw ApiError.BadRequest($"Model '{model.Name}' takes images, not text: use POST /v1/features.", "model");
        bool base64 = EncodingOf(body);
        if (body.TryGetProperty("dimensions", out _))
            throw ApiError.BadRequest($"'dimensions' is not supported: {model.Name} always returns its full vector.", "dimensions", "unsupported_parameter");
        var inputs = TextInputs(body, model);
        var receipts = await RunJobsAsync(ctx, key, model,
            [.. inputs.Select(ids => IntTensor.FromInts(DType.I32, [1, ids.Length], ids).Bytes.ToArray())]).ConfigureAwait(false);
        int tokens = inputs.Sum(i => i.Length);
        return Response(ctx, model, receipts, base64, "embedding", new JsonObject { ["prompt_tokens"] = tokens, ["total_tokens"] = tokens });
    }

    public async Task<JsonObject> FeaturesAsync(HttpContext ctx)
    {
        var key = Authenticate(ctx);
        string? modelName;
        bool base64 = false;
        var images = new List<byte[]>();
        if (ctx.Request.HasFormContentType)
        {
            var form = await ctx.Request.ReadFormAsync(ctx.RequestAborted).ConfigureAwait(false);
            modelName = form["model"].FirstOrDefault();
            base64 = form["encoding_format"].FirstOrDefault() is { } f && ParseEncoding(f);
            foreach (var file in form.Files)
            {
                using var ms = new MemoryStream();
                await file.CopyToAsync(ms, ctx.RequestAborted).ConfigureAwait(false);
                images.Add(ms.ToArray());
            }
        }
        else
        {
            using var doc = await ReadJsonAsync(ctx).ConfigureAwait(false);
            var body = doc.RootElement;
            modelName = body.TryGetProperty("model", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
            base64 = EncodingOf(body);
            if (!body.TryGetProperty("input", out var input))
                throw ApiError.BadRequest("'input' is required: a base64-encoded image or an array of them.", "input", "missing_required_parameter");
            var items = input.ValueKind == JsonValueKind.Array ? [.. input.EnumerateArray()] : new[] { input };
            foreach (var (item, i) in items.Select((x, i) => (x, i)))
            {
                if (item.ValueKind != JsonValueKind.String || !item.TryGetBytesFromBase64(out var bytes))
                    throw ApiError.BadRequest($"input[{i}] is not a base64-encoded image.", "input");
                images.Add(bytes);
            }
        }
        var model = ModelNamed(modelName);
        if (model.Kind != ModelKind.Image)
            throw ApiError.BadRequest($"Model '{model.Name}' takes text, not images: use POST /v1/embeddings.", "model");
        CheckCount(images.Count);
        var encoded = new List<byte[]>();
        foreach (var (image, i) in images.Select((x, i) => (x, i)))
        {
            if (image.Length == 0)
                throw ApiError.BadRequest($"input[{i}] is empty.", "input", "empty_input");
            try
            {
                encoded.Add(model.EncodeImage!(image));
            }
            catch (Exception e) when (e is ArgumentException or InvalidDataException or FormatException or NotSupportedException)
            {
                throw ApiError.BadRequest($"input[{i}] is not an image this gateway can decode ({image.Length} bytes): {e.Message}", "input", "invalid_image");
            }
        }
        var receipts = await RunJobsAsync(ctx, key, model, encoded).ConfigureAwait(false);
        return Response(ctx, model, receipts, base64, "features", new JsonObject { ["images"] = images.Count });
    }

    public async Task<JsonObject> ModelsAsync(HttpContext ctx)
    {
        Authenticate(ctx);
        var list = new JsonArray();
        foreach (var m in _models)
            list.Add(await ModelJsonAsync(m).ConfigureAwait(false));
        return new JsonObject { ["object"] = "list", ["data"] = list };
    }

    public async Task<JsonObject> ModelAsync(HttpContext ctx)
    {
        Authenticate(ctx);
        return await ModelJsonAsync(ModelNamed(ctx.Request.RouteValues["id"] as string)).ConfigureAwait(false);
    }

    public async Task<JsonObject> JobAsync(HttpContext ctx)
    {
        Authenticate(ctx);
        var text = ctx.Request.RouteValues["id"] as string;
        if (!ulong.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id) || id == 0)
            throw ApiError.BadRequest($"'{text}' is not a job id (a positive integer).", "id");
        var job = new JobId(id);
        Receipt receipt;
        try
        {
            if ((await client.Contracts.JobAsync(job).ConfigureAwait(false)).Status == JobStatus.None)
                throw new ApiError(StatusCodes.Status404NotFound, $"No job {id} on the market.", "invalid_request_error", "id", "job_not_found");
            receipt = await client.ReceiptAsync(job).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not ApiError && !ctx.RequestAborted.IsCancellationRequested)
        {
            throw ChainFailure(e, []);
        }
        if (receipt.Status == JobStatus.Refunded && ledger.Refund(job))
            await WithdrawRefundsAsync().ConfigureAwait(false);
        ctx.Response.Headers["Verity-Job"] = receipt.Job.ToString();
        ctx.Response.Headers["Verity-Receipt"] = receipt.ToHeader();
        var o = receipt.ToJson();
        o["object"] = "verity.receipt";
        return o;
    }

    /// <summary>Requests one job per input from the gateway's wallet on the key's budget, and waits for them as the
    /// <c>Verity-Wait</c> header says (finalized by default).</summary>
    private async Task<IReadOnlyList<Receipt>> RunJobsAsync(HttpContext ctx, ApiKey key, GatewayModel model, IReadOnlyList<byte[]> inputs)
    {
        var wait = WaitOf(ctx);
        var ct = ctx.RequestAborted;
        BigInteger fee;
        try
        {
            fee = await client.FeeOfAsync(model.Id).ConfigureAwait(false);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            throw ChainFailure(e, []);
        }
        var cost = fee * inputs.Count;
        if (!ledger.TryReserve(key.Name, cost, key.Budget))
            throw new ApiError(StatusCodes.Status429TooManyRequests,
                $"You exceeded your current quota: key '{key.Name}' has spent {ledger.Spent(key.Name)} of its {key.Budget} wei and this request needs {cost} wei ({inputs.Count} × {fee}).",
                "insufficient_quota", null, "insufficient_quota");
        var reserved = cost;
        var jobs = new List<JobId>();
        try
        {
            foreach (var input in inputs)
            {
                // Not cancelled with the request: once a request transaction is on its way, its charge must be recorded.
                var s = options.ServeInputs is { } folder && input.Length >= options.OffChainMinBytes
                    ? await client.SubmitServedAsync(model.Id, input, fee, folder, CancellationToken.None).ConfigureAwait(false)
                    : await client.SubmitAsync(model.Id, input, fee, CancellationToken.None).ConfigureAwait(false);
                ledger.Charge(key.Name, s.Job, s.Fee, fee);
                reserved -= fee;
                jobs.Add(s.Job);
            }
        }
        catch (Exception e)
        {
            throw ChainFailure(e, jobs);
        }
        finally
        {
            ledger.Release(key.Name, reserved);
        }

        Receipt[] receipts;
        try
        {
            receipts = await Task.WhenAll(jobs.Select(j => client.WaitAsync(j, wait, options.Timeout, ct))).ConfigureAwait(false);
        }
        catch (TimeoutException e)
        {
            throw new ApiError(StatusCodes.Status504GatewayTimeout,
                $"The network did not {(wait == WaitFor.Posted ? "post" : "finalize")} every result within {options.Timeout.TotalSeconds:0.#} s ({e.Message}); follow the jobs at /v1/jobs/{{id}}.",
                "server_error", null, "timeout") { Jobs = jobs };
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            throw ChainFailure(e, jobs); // an RPC failure or timeout (a TaskCanceledException of its own) included
        }
        if (receipts.Where(r => r.Status == JobStatus.Refunded).Count(r => ledger.Refund(r.Job)) > 0)
            await WithdrawRefundsAsync().ConfigureAwait(false);
        if (receipts.FirstOrDefault(r => r.Status == JobStatus.Refunded) is { } refunded)
            throw new ApiError(StatusCodes.Status502BadGateway,
                $"Job {refunded.Job} was refunded: no worker delivered a result in time. Its fee is back in the gateway's wallet and not charged.",
                "server_error", null, "job_refunded") { Jobs = jobs };
        return receipts;
    }

    /// <summary>The market credits a refund to the wallet's pull balance: take it back, so the wallet again holds
    /// exactly what the keys have not spent. A failure here is logged, not the request's: the money stays owed.</summary>
    private async Task WithdrawRefundsAsync()
    {
        try
        {
            await client.WithdrawAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is ContractRevertedException or HttpRequestException or Nethereum.JsonRpc.Client.RpcClientUnknownException)
        {
            options.Log?.Invoke($"withdrawing refunds failed (they stay owed to the wallet): {e.Message}");
        }
    }

    private ApiError ChainFailure(Exception e, List<JobId> jobs)
    {
        options.Log?.Invoke($"chain failure: {e}");
        return new ApiError(StatusCodes.Status502BadGateway,
            $"The chain refused or failed the request: {e.Message}" + (jobs.Count > 0 ? $" Jobs already requested: {string.Join(", ", jobs)}." : ""),
            "server_error", null, "chain_error") { Jobs = [.. jobs] };
    }

    private static JsonObject Response(HttpContext ctx, GatewayModel model, IReadOnlyList<Receipt> receipts, bool base64, string kind, JsonObject usage)
    {
        var data = new JsonArray();
        for (var i = 0; i < receipts.Count; i++)
        {
            float[] v = [.. model.DecodeOutput(receipts[i].Output!).Select(x => (float)x)];
            JsonNode vector = base64
                ? JsonValue.Create(Convert.ToBase64String(System.Runtime.InteropServices.MemoryMarshal.AsBytes(v.AsSpan())))
                : new JsonArray([.. v.Select(x => (JsonNode)JsonValue.Create(x))]);
            data.Add(new JsonObject { ["object"] = kind, ["index"] = i, [kind] = vector });
        }
        ctx.Response.Headers["Verity-Job"] = string.Join(", ", receipts.Select(r => r.Job));
        ctx.Response.Headers["Verity-Receipt"] = receipts.Select(r => r.ToHeader()).ToArray();
        return new JsonObject
        {
            ["object"] = "list",
            ["data"] = data,
            ["model"] = model.Name,
            ["usage"] = usage,
            ["verity"] = new JsonObject
            {
                ["finalized"] = receipts.All(r => r.IsFinal),
                ["receipts"] = new JsonArray([.. receipts.Select(r => (JsonNode)r.ToJson(withOutput: false))]),
            },
        };
    }

    private async Task<JsonObject> ModelJsonAsync(GatewayModel m)
    {
        string? fee;
        try
        {
            fee = (await client.FeeOfAsync(m.Id).ConfigureAwait(false)).ToString();
        }
        catch (ArgumentException)
        {
            fee = null; // served here but not (yet) registered on this chain
        }
        return new JsonObject
        {
            ["id"] = m.Name, ["object"] = "model", ["created"] = 0, ["owned_by"] = "verity",
            ["verity"] = new JsonObject
            {
                ["model_id"] = m.Id.ToString(), ["kind"] = m.Kind == ModelKind.Text ? "text" : "image",
                ["endpoint"] = m.Kind == ModelKind.Text ? "/v1/embeddings" : "/v1/features",
                ["max_tokens"] = m.Kind == ModelKind.Text ? m.MaxTokens : null, ["fee"] = fee,
            },
        };
    }

    private ApiKey Authenticate(HttpContext ctx)
    {
        if (GatewayServer.KeyOf(ctx, keys) is { } key)
            return key;
        var header = ctx.Request.Headers.Authorization.ToString();
        throw new ApiError(StatusCodes.Status401Unauthorized, header.Length == 0
                ? "You didn't provide an API key. Send it in the Authorization header: 'Authorization: Bearer YOUR_KEY'."
                : $"Incorrect API key provided: {Mask(header)}.",
            "invalid_request_error", null, "invalid_api_key");
    }

    private static string Mask(string header)
    {
        var k = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : header;
        return k.Length <= 8 ? new string('*', k.Length) : $"{k[..4]}***{k[^4..]}";
    }

    private static async Task<JsonDocument> ReadJsonAsync(HttpContext ctx)
    {
        try
        {
            var doc = await JsonDocument.ParseAsync(ctx.Request.Body, cancellationToken: ctx.RequestAborted).ConfigureAwait(false);
            if (doc.RootElement.ValueKind == JsonValueKind.Object)
                return doc;
            doc.Dispose();
        }
        catch (JsonException)
        {
        }
        throw ApiError.BadRequest("We could not parse the JSON body of your request: expected a JSON object.", null, "invalid_json");
    }

    private GatewayModel ModelOf(JsonElement body) =>
        ModelNamed(body.TryGetProperty("model", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null);

    private GatewayModel ModelNamed(string? name)
    {
        if (string.IsNullOrEmpty(name))
            throw ApiError.BadRequest("'model' is required: one of " + string.Join(", ", _models.Select(m => m.Name)) + ".", "model", "missing_required_parameter");
        return _models.FirstOrDefault(m => m.Name == name || m.Id.ToString() == name)
            ?? throw new ApiError(StatusCodes.Status404NotFound,
                $"The model '{name}' does not exist on this gateway (it serves {string.Join(", ", _models.Select(m => m.Name))}).",
                "invalid_request_error", "model", "model_not_found");
    }

    private static bool EncodingOf(JsonElement body) =>
        body.TryGetProperty("encoding_format", out var f) && f.ValueKind != JsonValueKind.Null
            && ParseEncoding(f.ValueKind == JsonValueKind.String ? f.GetString()! : f.GetRawText());

    private static bool ParseEncoding(string format) => format switch
    {
        "float" => false,
        "base64" => true,
        _ => throw ApiError.BadRequest($"'encoding_format' is '{format}': expected 'float' or 'base64'.", "encoding_format"),
    };

    private static WaitFor WaitOf(HttpContext ctx)
    {
        var v = ctx.Request.Headers["Verity-Wait"].ToString();
        return v.ToLowerInvariant() switch
        {
            "" or "finalized" => WaitFor.Finalized,
            "posted" => WaitFor.Posted,
            _ => throw ApiError.BadRequest($"Header 'Verity-Wait' is '{v}': expected 'finalized' (default) or 'posted'.", "Verity-Wait"),
        };
    }

    private void CheckCount(int count)
    {
        if (count == 0)
            throw ApiError.BadRequest("'input' is empty: send at least one input.", "input", "empty_input");
        if (count > options.MaxInputs)
            throw ApiError.BadRequest($"'input' has {count} items; at most {options.MaxInputs} per request (each is a job on the network).", "input", "too_many_inputs");
    }

    /// <summary>The OpenAI input forms: a string, an array of strings, an array of token ids, an array of arrays of
    /// token ids (this model's own WordPiece ids, taken as the job input as they are).</summary>
    private List<int[]> TextInputs(JsonElement body, GatewayModel model)
    {
        if (!body.TryGetProperty("input", out var input) || input.ValueKind == JsonValueKind.Null)
            throw ApiError.BadRequest("'input' is required: a string or an array of strings.", "input", "missing_required_parameter");
        List<JsonElement> items = input.ValueKind switch
        {
            JsonValueKind.String => [input],
            JsonValueKind.Array when input.GetArrayLength() > 0 && input[0].ValueKind == JsonValueKind.Number => [input],
            JsonValueKind.Array => [.. input.EnumerateArray()],
            _ => throw ApiError.BadRequest("'input' must be a string, an array of strings or an array of token arrays.", "input"),
        };
        CheckCount(items.Count);
        var result = new List<int[]>();
        foreach (var (item, i) in items.Select((x, i) => (x, i)))
        {
            int[] ids = item.ValueKind switch
            {
                JsonValueKind.String when string.IsNullOrWhiteSpace(item.GetString()) =>
                    throw ApiError.BadRequest($"input[{i}] is empty: an embedding needs some text.", "input", "empty_input"),
                JsonValueKind.String => model.Tokenize!(item.GetString()!),
                JsonValueKind.Array => TokenIds(item, i, model),
                _ => throw ApiError.BadRequest($"input[{i}] is neither a string nor an array of token ids.", "input"),
            };
            if (ids.Length > model.MaxTokens)
                throw ApiError.BadRequest($"input[{i}] has {ids.Length} tokens; {model.Name} takes at most {model.MaxTokens}.", "input", "context_length_exceeded");
            result.Add(ids);
        }
        return result;
    }

    private static int[] TokenIds(JsonElement array, int index, GatewayModel model)
    {
        if (array.GetArrayLength() == 0)
            throw ApiError.BadRequest($"input[{index}] is an empty token array.", "input", "empty_input");
        var ids = new List<int>();
        foreach (var e in array.EnumerateArray())
        {
            if (e.ValueKind != JsonValueKind.Number || !e.TryGetInt32(out var id) || id < 0 || id >= model.VocabularySize)
                throw ApiError.BadRequest($"input[{index}] holds {e.GetRawText()}, not a token id of {model.Name} (0 to {model.VocabularySize - 1}).", "input");
            ids.Add(id);
            if (ids.Count > model.MaxTokens)
                break; // refused by the length check, whatever follows
        }
        return [.. ids];
    }
}
