using System.CommandLine;
using Verity.Chain;

namespace Verity.Cli.Network;

/// <summary>The flags every chain-facing command shares: <c>--config</c> and one override per config key.</summary>
public sealed class NetworkOptions
{
    public Option<string?> Config { get; } = new("--config") { Description = "JSON config file (keys: rpc, deployment, account, keystore, password_file, confirmations, store, models, artifacts, inputs, poll_ms, max_batch, stake, withdraw_at, cheat)" };
    public Option<string?> Rpc { get; } = new("--rpc") { Description = "JSON-RPC URL of the chain" };
    public Option<string?> Deployment { get; } = new("--deployment") { Description = "Deployment file (contract addresses)" };
    public Option<string?> Account { get; } = new("--account") { Description = "Send from this node-held (unlocked) account" };
    public Option<string?> Keystore { get; } = new("--keystore") { Description = "Send from the key in this Web3 secret-storage file" };
    public Option<string?> PasswordFile { get; } = new("--password-file") { Description = "File whose first line is the keystore password" };
    public Option<int?> Confirmations { get; } = new("--confirmations") { Description = "Blocks an event must be buried under before acting on it" };

    // Daemon keys (verity worker / verity validator).
    public Option<string?> Store { get; } = new("--store") { Description = "The daemon's SQLite store" };
    public Option<string[]> Model { get; } = new("--model") { Description = "Model to serve or check: shipped name, .vmodel file or model id (repeatable)", AllowMultipleArgumentsPerToken = true };
    public Option<string?> Artifacts { get; } = new("--artifacts") { Description = "Folder or http(s) base URL holding <model id>.vmodel files" };
    public Option<string[]> Inputs { get; } = new("--inputs") { Description = "Folder or http(s) base URL holding <input root>.input files, for jobs whose input is served off-chain (repeatable)", AllowMultipleArgumentsPerToken = true };
    public Option<int?> PollMs { get; } = new("--poll-ms") { Description = "Milliseconds between steps" };
    public Option<int?> MaxBatch { get; } = new("--max-batch") { Description = "Most results per submitResults transaction (1 = no batching)" };
    public Option<decimal?> Stake { get; } = new("--stake") { Description = "Stake up to this many tokens at start" };
    public Option<decimal?> WithdrawAt { get; } = new("--withdraw-at") { Description = "Withdraw the account's earnings from the market once they reach this many tokens (default 10; 0: at every step)" };
    public Option<string?> Cheat { get; } = new("--cheat") { Description = "Dishonest strategy, for demos and tests: random-output, reused-output, different-model, skipped-layers, wrong-trace, changed-element" };

    /// <summary>Adds the shared flags to <paramref name="command"/> and returns it.</summary>
    public Command AddTo(Command command)
    {
        foreach (var o in new Option[] { Config, Rpc, Deployment, Account, Keystore, PasswordFile, Confirmations })
            command.Options.Add(o);
        return command;
    }

    /// <summary>Adds the shared flags and the daemon flags.</summary>
    public Command AddDaemonTo(Command command)
    {
        AddTo(command);
        foreach (var o in new Option[] { Store, Model, Artifacts, Inputs, PollMs, MaxBatch, Stake, WithdrawAt, Cheat })
            command.Options.Add(o);
        return command;
    }

    /// <summary>The config file (if any) with the flags given on top.</summary>
    public NetworkConfig Read(ParseResult p)
    {
        var c = p.GetValue(Config) is { } file ? NetworkConfig.Read(file) : new NetworkConfig();
        if (p.GetValue(Rpc) is { } rpc) c = c with { Rpc = NetworkConfig.ParseRpc(rpc) };
        if (p.GetValue(Deployment) is { } d) c = c with { Deployment = Path.GetFullPath(d) };
        if (p.GetValue(Account) is { } a) c = c with { Account = a };
        if (p.GetValue(Keystore) is { } k) c = c with { Keystore = Path.GetFullPath(k) };
        if (p.GetValue(PasswordFile) is { } pw) c = c with { PasswordFile = Path.GetFullPath(pw) };
        if (p.GetValue(Confirmations) is { } n) c = c with { Confirmations = n };
        if (p.GetResult(Store) is not null && p.GetValue(Store) is { } st) c = c with { Store = Path.GetFullPath(st) };
        if (p.GetResult(Model) is not null && p.GetValue(Model) is { Length: > 0 } m) c = c with { Models = m };
        if (p.GetResult(Artifacts) is not null && p.GetValue(Artifacts) is { } art) c = c with { Artifacts = LocationOf(art) };
        if (p.GetResult(Inputs) is not null && p.GetValue(Inputs) is { Length: > 0 } ins) c = c with { Inputs = [.. ins.Select(LocationOf)] };
        if (p.GetResult(PollMs) is not null && p.GetValue(PollMs) is { } ms) c = c with { PollMs = ms };
        if (p.GetResult(MaxBatch) is not null && p.GetValue(MaxBatch) is { } mb) c = c with { MaxBatch = mb };
        if (p.GetResult(Stake) is not null && p.GetValue(Stake) is { } sk) c = c with { Stake = sk };
        if (p.GetResult(WithdrawAt) is not null && p.GetValue(WithdrawAt) is { } wa) c = c with { WithdrawAt = wa };
        if (p.GetResult(Cheat) is not null && p.GetValue(Cheat) is { } ch) c = c with { Cheat = ch };
        return c;
    }

    private static string LocationOf(string l) => NetworkConfig.LocationOf(l, Directory.GetCurrentDirectory());
}

/// <summary>An open connection to a Verity deployment: the contracts and, when configured, the account that sends.</summary>
public sealed class NetworkConnection
{
    private readonly Address? _account;

    private NetworkConnection(NetworkConfig config, DeploymentFile deployment, VerityContracts contracts, Address? account)
    {
        Config = config;
        Deployment = deployment;
        Contracts = contracts;
        _account = account;
    }

    public NetworkConfig Config { get; }
    public DeploymentFile Deployment { get; }
    public VerityContracts Contracts { get; }
    public ChainClient Chain => Contracts.Chain;

    /// <summary>The sending account; an error for commands that send when none is configured.</summary>
    public Address Account => _account ?? throw new ArgumentException("this command sends transactions: give --account (a node-held account) or --keystore with --password-file");

    public bool HasAccount => _account is not null;

    /// <summary>Reads the deployment, checks the chain answers with the deployment's chain id, and unlocks the
    /// keystore if one is configured (its address must equal --account when both are given).</summary>
    public static async Task<NetworkConnection> OpenAsync(NetworkConfig c)
    {
        var rpc = c.Rpc ?? throw new ArgumentException("no chain endpoint: give --rpc or a --config with \"rpc\"");
        var file = DeploymentFile.Read(c.Deployment ?? throw new ArgumentException("no deployment: give --deployment or a --config with \"deployment\""));
        var chain = new ChainClient(rpc);
        long chainId;
        try
        {
            chainId = (long)(await chain.Web3.Eth.ChainId.SendRequestAsync().ConfigureAwait(false)).Value;
        }
        catch (Exception e) when (e is HttpRequestException or Nethereum.JsonRpc.Client.RpcClientUnknownException or Nethereum.JsonRpc.Client.RpcClientTimeoutException)
        {
            throw new IOException($"cannot reach the chain at {rpc}: {e.Message}");
        }
        if (chainId != file.ChainId)
            throw new ArgumentException($"the chain at {rpc} has chain id {chainId}; the deployment {c.Deployment} is for chain id {file.ChainId}");
        return new NetworkConnection(c, file, new VerityContracts(chain, file.Deployment), Sender(chain, c, chainId));
    }

    /// <summary>The configured sending account, if any: the keystore's (unlocked here, its transactions signed by
    /// <paramref name="chain"/>; it must equal --account when both are given), else the node-held --account.</summary>
    public static Address? Sender(ChainClient chain, NetworkConfig c, long chainId)
    {
        Address? account = c.Account is null ? null : Address.Parse(c.Account);
        if (c.Keystore is null)
            return account;
        var key = KeyFile.Open(c.Keystore, KeyFile.ReadPassword(c.PasswordFile ?? throw new ArgumentException("--keystore needs --password-file")));
        var signer = chain.AddSigner(key, chainId);
        if (account is { } a && a != signer)
            throw new ArgumentException($"--account {a} is not the keystore's address {signer}");
        return signer;
    }
}
