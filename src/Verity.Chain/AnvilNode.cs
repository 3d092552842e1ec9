using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Verity.Chain;

/// <summary>
/// A local anvil chain for tests, benchmarks and the demo: starts the anvil binary that the npm package
/// <c>@foundry-rs/anvil</c> ships (contracts/node_modules) on a free loopback port, with a fixed mnemonic so the
/// accounts are the same every run, waits until it answers, and kills it on dispose. Its accounts are unlocked:
/// transactions are sent with <c>eth_sendTransaction</c>, anvil signs them.
/// </summary>
public sealed class AnvilNode : IAsyncDisposable, IDisposable
{
    /// <summary>The mnemonic the accounts are derived from (anvil's and Hardhat's well-known test mnemonic:
    /// never hold anything of value under it).</summary>
    public const string Mnemonic = "test test test test test test test test test test test junk";

    /// <summary>Pinned so gas figures are reproducible across anvil defaults.</summary>
    public const string Hardfork = "prague";

    public const long ChainId = 31337;

    /// <summary>The genesis block's timestamp (2025-01-01T00:00:00Z); later blocks follow one second apart.</summary>
    public const long GenesisTimestamp = 1_735_689_600;

    private readonly Process _process;
    private readonly StringBuilder _log;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private int _rpcId;

    private AnvilNode(Process process, StringBuilder log, Uri rpcUrl, IReadOnlyList<Address> accounts)
    {
        _process = process;
        _log = log;
        RpcUrl = rpcUrl;
        Accounts = accounts;
    }

    public Uri RpcUrl { get; }

    /// <summary>The unlocked, funded accounts (index 0 is the usual deployer).</summary>
    public IReadOnlyList<Address> Accounts { get; private set; }

    /// <summary>Starts anvil with <paramref name="accounts"/> funded accounts and waits until it answers.</summary>
    public static async Task<AnvilNode> StartAsync(int accounts = 20, string? anvilPath = null,
        CancellationToken cancellationToken = default)
    {
        anvilPath ??= FindBinary(ContractArtifacts.Locate().ContractsDirectory);
        Exception? last = null;
        for (var attempt = 0; attempt < 3; attempt++) // the free port can be taken between probe and bind
        {
            var port = FreePort();
            var psi = new ProcessStartInfo(anvilPath)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var a in new[]
            {
                "--host", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--mnemonic", Mnemonic, "--accounts", accounts.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--balance", "100000", "--hardfork", Hardfork, "--chain-id", ChainId.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--timestamp", GenesisTimestamp.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--silent",
            })
                psi.ArgumentList.Add(a);
            var log = new StringBuilder();
            var process = new Process { StartInfo = psi };
            process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.AppendLine(e.Data); };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.AppendLine(e.Data); };
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var node = new AnvilNode(process, log, new Uri($"http://127.0.0.1:{port}"), []);
            try
            {
                await node.WaitReadyAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
                // Every block one second after the previous one (plus any evm_increaseTime), instead of wall-clock
                // time: block hashes, and so the draws and audits they seed, are the same on every run.
                await node.RpcAsync("anvil_setBlockTimestampInterval", cancellationToken, 1).ConfigureAwait(false);
                var list = await node.RpcAsync("eth_accounts", cancellationToken).ConfigureAwait(false);
                node.Accounts = list.EnumerateArray().Select(e => Address.Parse(e.GetString()!)).ToArray();
                return node;
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                last = e;
                await node.DisposeAsync().ConfigureAwait(false);
            }
        }
        throw new InvalidOperationException($"anvil did not start: {last?.Message}", last);
    }

    /// <summary>The platform binary inside the npm package, or the npm wrapper script as a fallback.</summary>
    public static string FindBinary(string contractsDirectory)
    {
        var os = OperatingSystem.IsWindows() ? "win32" : OperatingSystem.IsMacOS() ? "darwin" : "linux";
        var arch = RuntimeInformation.OSArchitecture == Architecture.Arm64 ? "arm64" : "amd64";
        var exe = OperatingSystem.IsWindows() ? "anvil.exe" : "anvil";
        var native = Path.Combine(contractsDirectory, "node_modules", "@foundry-rs", $"anvil-{os}-{arch}", "bin", exe);
        if (File.Exists(native))
            return native;
        var wrapper = Path.Combine(contractsDirectory, "node_modules", ".bin", "anvil");
        if (File.Exists(wrapper))
            return wrapper;
        throw new FileNotFoundException(
            $"anvil is not installed under {contractsDirectory}/node_modules: run scripts/contracts.sh first.", native);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task WaitReadyAsync(TimeSpan timeout, CancellationToken ct)
    {
        var until = DateTime.UtcNow + timeout;
        while (true)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"anvil exited with code {_process.ExitCode}: {Log}");
            try
            {
                await RpcAsync("eth_chainId", ct).ConfigureAwait(false);
                return;
            }
            catch (HttpRequestException) when (DateTime.UtcNow < until)
            {
                await Task.Delay(50, ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>What anvil printed (errors only, as it runs with --silent).</summary>
    public string Log
    {
        get { lock (_log) return _log.ToString(); }
    }

    /// <summary>A raw JSON-RPC call; returns the "result" element.</summary>
    public async Task<JsonElement> RpcAsync(string method, CancellationToken ct = default, params object[] parameters)
    {
        var body = JsonSerializer.Serialize(new { jsonrpc = "2.0", id = Interlocked.Increment(ref _rpcId), method, @params = parameters });
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await _http.PostAsync(RpcUrl, content, ct).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        using var doc = JsonDocument.Parse(text);
        if (doc.RootElement.TryGetProperty("error", out var error))
            throw new InvalidOperationException($"{method} failed: {error.GetRawText()}");
        return doc.RootElement.GetProperty("result").Clone();
    }

    // ---- dev-chain controls (anvil / Hardhat RPC extensions) ----

    /// <summary>Moves the clock forward: the next block's timestamp is the latest one plus <paramref name="by"/>.
    /// (evm_setNextBlockTimestamp, because evm_increaseTime is ignored while blocks follow a fixed interval.)</summary>
    public async Task IncreaseTimeAsync(TimeSpan by, CancellationToken ct = default)
    {
        var latest = await TimestampAsync(ct).ConfigureAwait(false);
        await RpcAsync("evm_setNextBlockTimestamp", ct, latest + Math.Max(1, (long)by.TotalSeconds)).ConfigureAwait(false);
    }

    /// <summary>Mines <paramref name="blocks"/> empty blocks (each one second apart).</summary>
    public Task MineAsync(int blocks = 1, CancellationToken ct = default) =>
        RpcAsync("anvil_mine", ct, "0x" + blocks.ToString("x", System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Advances the clock by <paramref name="by"/> and mines one block.</summary>
    public async Task AdvanceAsync(TimeSpan by, CancellationToken ct = default)
    {
        await IncreaseTimeAsync(by, ct).ConfigureAwait(false);
        await MineAsync(1, ct).ConfigureAwait(false);
    }

    public async Task<string> SnapshotAsync(CancellationToken ct = default) =>
        (await RpcAsync("evm_snapshot", ct).ConfigureAwait(false)).GetString()!;

    /// <summary>Returns the chain to a snapshot (which is used up: take a new one to return again).</summary>
    public async Task RevertAsync(string snapshot, CancellationToken ct = default)
    {
        var ok = await RpcAsync("evm_revert", ct, snapshot).ConfigureAwait(false);
        if (ok.ValueKind != JsonValueKind.True)
            throw new InvalidOperationException($"evm_revert({snapshot}) was refused.");
    }

    /// <summary>Returns the chain to a snapshot and takes it again, so the same state can be restored repeatedly;
    /// returns the new snapshot id.</summary>
    public async Task<string> RestoreAsync(string snapshot, CancellationToken ct = default)
    {
        await RevertAsync(snapshot, ct).ConfigureAwait(false);
        return await SnapshotAsync(ct).ConfigureAwait(false);
    }

    public async Task<long> BlockNumberAsync(CancellationToken ct = default) =>
        Convert.ToInt64((await RpcAsync("eth_blockNumber", ct).ConfigureAwait(false)).GetString(), 16);

    public async Task<long> TimestampAsync(CancellationToken ct = default)
    {
        var block = await RpcAsync("eth_getBlockByNumber", ct, "latest", false).ConfigureAwait(false);
        return Convert.ToInt64(block.GetProperty("timestamp").GetString(), 16);
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
        _process.Dispose();
        _http.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
