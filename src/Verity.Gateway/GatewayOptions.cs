using System.Globalization;
using System.Numerics;
using System.Text.Json;
using Verity.Chain;
using Verity.Commitments;

namespace Verity.Gateway;

/// <summary>What a served model takes: text (embeddings) or an image (features).</summary>
public enum ModelKind { Text, Image }

/// <summary>A model the gateway serves, with the requester-side preprocessing that turns people's inputs into the
/// job's canonical input (the same code path as <c>verity infer --local</c>, handed in by the caller) and the decoding
/// of a posted output into the vector it stands for.</summary>
/// <param name="Tokenize">Text → token ids, without truncating below <paramref name="MaxTokens"/> (so an oversized
/// input can be refused rather than cut).</param>
/// <param name="EncodeImage">An encoded image (JPEG, PNG, …) → the canonical input bytes.</param>
/// <param name="DecodeOutput">Posted output bytes → the vector (dequantized; normalised for sentence embeddings).</param>
public sealed record GatewayModel(string Name, Hash256 Id, ModelKind Kind, int MaxTokens, int VocabularySize,
    Func<string, int[]>? Tokenize, Func<byte[], byte[]>? EncodeImage, Func<byte[], double[]> DecodeOutput);

/// <summary>One API key: its secret, a name the ledger and logs use, its budget in wei of VRT paid from the
/// gateway's wallet, and its rate limit.</summary>
public sealed record ApiKey(string Key, string Name, BigInteger Budget, int RequestsPerMinute);

/// <summary>How a gateway runs.</summary>
public sealed record GatewayOptions
{
    public required IReadOnlyList<GatewayModel> Models { get; init; }
    public required IReadOnlyList<ApiKey> Keys { get; init; }
    /// <summary>SQLite file of what each key has spent (survives restarts).</summary>
    public required string StorePath { get; init; }
    /// <summary>Loopback by default; "0.0.0.0" to listen on every interface.</summary>
    public string Host { get; init; } = "127.0.0.1";
    /// <summary>0 picks a free port (see <see cref="GatewayServer.BaseUrl"/>).</summary>
    public int Port { get; init; }
    /// <summary>Longest a request waits for its jobs before answering 504 (the jobs stay on chain).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(2);
    /// <summary>Most inputs one request may carry (each becomes a job).</summary>
    public int MaxInputs { get; init; } = 32;
    /// <summary>A folder the gateway serves inputs from at <c>GET /v1/inputs/{root}.input</c>: an input of at least
    /// <see cref="OffChainMinBytes"/> (an image) is written there and requested by root, so only its root goes on chain
    /// (DESIGN D4). Workers and validators list <c>{base URL}/v1/inputs</c> among their <c>inputs</c>. Null: every
    /// input travels in calldata.</summary>
    public string? ServeInputs { get; init; }
    /// <summary>How long an input stays in <see cref="ServeInputs"/> after it was last requested; at least a job's
    /// exposure (result timeout + challenge window + audit window), which the gateway checks at start.</summary>
    public TimeSpan InputsRetention { get; init; } = TimeSpan.FromDays(2);
    /// <summary>Smallest input served off-chain when <see cref="ServeInputs"/> is set (a 128-token text is 512 bytes,
    /// ResNet18's pixel tensor 301 KB).</summary>
    public int OffChainMinBytes { get; init; } = 4096;
    /// <summary>Log lines (requests answered with an error, chain failures); null for none.</summary>
    public Action<string>? Log { get; init; }
}

/// <summary>Reads the keys file (docs/GATEWAY.md): <c>{"keys":[{"key":"…","name":"…","budget":"10.5","requests_per_minute":60}]}</c>,
/// budgets in VRT (up to 18 decimals).</summary>
public static class KeysFile
{
    public static IReadOnlyList<ApiKey> Load(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"keys file not found: {path}", path);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"keys file {path} is not JSON: {e.Message}");
        }
        using (doc)
        {
            if (!doc.RootElement.TryGetProperty("keys", out var keys) || keys.ValueKind != JsonValueKind.Array)
                throw new InvalidDataException($"keys file {path}: expected {{\"keys\": [ … ]}}");
            var list = new List<ApiKey>();
            foreach (var k in keys.EnumerateArray())
            {
                string Str(string name) => k.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s
                    ? s : throw new InvalidDataException($"keys file {path}: key #{list.Count} has no \"{name}\" string");
                int rpm = k.TryGetProperty("requests_per_minute", out var r) && r.TryGetInt32(out var n) ? n : 60;
                if (rpm < 1)
                    throw new InvalidDataException($"keys file {path}: key \"{Str("name")}\" has requests_per_minute {rpm}; it must be at least 1");
                list.Add(new ApiKey(Str("key"), Str("name"), ParseTokens(Str("budget")), rpm));
            }
            if (list.Count == 0)
                throw new InvalidDataException($"keys file {path} holds no keys");
            if (list.GroupBy(k => k.Key).FirstOrDefault(g => g.Count() > 1) is { } dupKey)
                throw new InvalidDataException($"keys file {path}: key \"{dupKey.First().Name}\" appears twice");
            if (list.GroupBy(k => k.Name).FirstOrDefault(g => g.Count() > 1) is { } dupName)
                throw new InvalidDataException($"keys file {path}: name \"{dupName.Key}\" appears twice");
            return list;
        }
    }

    /// <summary>"12.5" VRT → wei (18 decimals), exactly; no exponent, no sign.</summary>
    public static BigInteger ParseTokens(string text) => TokenAmount.TryParse(text)
        ?? throw new InvalidDataException($"budget \"{text}\" is not an amount of VRT such as \"10\" or \"2.5\" (at most 18 decimals)");
}
