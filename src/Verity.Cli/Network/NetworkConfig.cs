using System.Text.Json;
using System.Text.Json.Nodes;

namespace Verity.Cli.Network;

/// <summary>
/// The settings of every chain-facing command and daemon, one set of keys for all (docs/NODE.md, Configuration):
/// read from a JSON file and overridden by the command-line flag of the same name (snake_case key ↔ --kebab-flag).
/// Paths in the file are relative to the file's folder.
/// </summary>
public sealed record NetworkConfig
{
    /// <summary>The JSON-RPC endpoint of any EVM chain.</summary>
    public Uri? Rpc { get; init; }
    /// <summary>The deployment file (addresses, chain id, deployment block).</summary>
    public string? Deployment { get; init; }
    /// <summary>An account the node holds unlocked (a local devnet); otherwise use a keystore.</summary>
    public string? Account { get; init; }
    /// <summary>A Web3 secret-storage key file; its password comes from <see cref="PasswordFile"/>.</summary>
    public string? Keystore { get; init; }
    public string? PasswordFile { get; init; }
    /// <summary>Blocks an event must be buried under before a daemon acts on it.</summary>
    public int Confirmations { get; init; } = 2;
    /// <summary>The daemon's SQLite store.</summary>
    public string? Store { get; init; }
    /// <summary>Models served or checked: shipped names, .vmodel files, or model ids fetched from <see cref="Artifacts"/>.</summary>
    public IReadOnlyList<string> Models { get; init; } = [];
    /// <summary>Where model artifacts are fetched by id: a folder or an http(s) base URL holding &lt;id&gt;.vmodel.</summary>
    public string? Artifacts { get; init; }
    /// <summary>Where inputs served off-chain (jobs requested by root) are fetched: folders or http(s) base URLs
    /// holding &lt;input root&gt;.input, tried in order.</summary>
    public IReadOnlyList<string> Inputs { get; init; } = [];
    public int PollMs { get; init; } = 2000;
    public int MaxBatch { get; init; } = 32;
    /// <summary>Tokens a worker stakes at start when its stake is below it (whole tokens).</summary>
    public decimal? Stake { get; init; }
    /// <summary>A daemon withdraws its account's earnings from the market once they reach this many tokens (0: whatever
    /// is owed, at every step).</summary>
    public decimal WithdrawAt { get; init; } = 10;
    /// <summary>A dishonest strategy (demos and tests only).</summary>
    public string? Cheat { get; init; }

    /// <summary>Reads a config file; unknown keys and wrong types are errors naming the key.</summary>
    public static NetworkConfig Read(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"config file {path} not found", path);
        JsonObject o;
        try
        {
            o = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new InvalidDataException($"config file {path}: not a JSON object");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"config file {path}: not JSON ({e.Message})");
        }
        string dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        string? PathOf(string? p) => p is null ? null : Path.GetFullPath(p, dir);
        string LocationOf(string l) => NetworkConfig.LocationOf(l, dir);
        var c = new NetworkConfig();
        foreach (var (key, value) in o)
        {
            try
            {
                c = key switch
                {
                    "rpc" => c with { Rpc = ParseRpc(value!.GetValue<string>()) },
                    "deployment" => c with { Deployment = PathOf(value!.GetValue<string>()) },
                    "account" => c with { Account = value!.GetValue<string>() },
                    "keystore" => c with { Keystore = PathOf(value!.GetValue<string>()) },
                    "password_file" => c with { PasswordFile = PathOf(value!.GetValue<string>()) },
                    "confirmations" => c with { Confirmations = value!.GetValue<int>() },
                    "store" => c with { Store = PathOf(value!.GetValue<string>()) },
                    "models" => c with { Models = [.. value!.AsArray().Select(m => m!.GetValue<string>())] },
                    "artifacts" => c with { Artifacts = LocationOf(value!.GetValue<string>()) },
                    "inputs" => c with { Inputs = [.. (value is JsonArray list ? list : new JsonArray(value!.DeepClone())).Select(i => LocationOf(i!.GetValue<string>()))] },
                    "poll_ms" => c with { PollMs = value!.GetValue<int>() },
                    "max_batch" => c with { MaxBatch = value!.GetValue<int>() },
                    "stake" => c with { Stake = value!.GetValue<decimal>() },
                    "withdraw_at" => c with { WithdrawAt = value!.GetValue<decimal>() },
                    "cheat" => c with { Cheat = value!.GetValue<string>() },
                    _ => throw new InvalidDataException($"config file {path}: unknown key \"{key}\""),
                };
            }
            catch (Exception e) when (e is InvalidOperationException or FormatException or NullReferenceException)
            {
                throw new InvalidDataException($"config file {path}: \"{key}\" has the wrong type ({e.Message})");
            }
        }
        return c;
    }

    /// <summary>Writes the keys that are set (paths as given).</summary>
    public void Write(string path)
    {
        var o = new JsonObject();
        if (Rpc is not null) o["rpc"] = Rpc.ToString();
        if (Deployment is not null) o["deployment"] = Deployment;
        if (Account is not null) o["account"] = Account;
        if (Keystore is not null) o["keystore"] = Keystore;
        if (PasswordFile is not null) o["password_file"] = PasswordFile;
        o["confirmations"] = Confirmations;
        if (Store is not null) o["store"] = Store;
        if (Models.Count > 0) o["models"] = new JsonArray([.. Models.Select(m => (JsonNode)m)]);
        if (Artifacts is not null) o["artifacts"] = Artifacts;
        if (Inputs.Count > 0) o["inputs"] = new JsonArray([.. Inputs.Select(i => (JsonNode)i)]);
        o["poll_ms"] = PollMs;
        o["max_batch"] = MaxBatch;
        if (Stake is not null) o["stake"] = Stake;
        o["withdraw_at"] = WithdrawAt;
        if (Cheat is not null) o["cheat"] = Cheat;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, o.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    /// <summary>A source of artifacts or inputs: a URL as given, a folder as a full path (relative to <paramref name="baseDir"/>).</summary>
    public static string LocationOf(string location, string baseDir) =>
        location.Contains("://", StringComparison.Ordinal) ? location : Path.GetFullPath(location, baseDir);

    public static Uri ParseRpc(string text) =>
        !Uri.TryCreate(text, UriKind.Absolute, out var u) || u.Scheme is not ("http" or "https" or "ws" or "wss")
            ? throw new ArgumentException($"rpc must be an http(s) URL, got \"{text}\"")
            : u.Scheme is "ws" or "wss"
                ? throw new ArgumentException($"rpc \"{text}\" is a WebSocket endpoint; give the node's HTTP JSON-RPC URL (http(s)://…), the daemons poll")
                : u;
}
