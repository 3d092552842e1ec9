using System.Diagnostics;
using System.Numerics;
using System.Text.Json;
using Verity.Chain;
using Verity.Cli.Models;
using Verity.Cli.Network;
using Verity.Commitments;
using Verity.Node;

namespace Verity.Cli.Commands;

/// <summary>What <c>verity demo</c> ends with (also its <c>--json</c>).</summary>
public sealed record DemoSummary(int JobsRequested, int JobsFinalized, int JobsFailed, int AuditsSelected, int AuditsConfirmed,
    int Disputes, int DisputesWonByHonest, int WorkersSlashed, int HonestSlashed, string SlashedTokens, string? Cheat,
    IReadOnlyDictionary<string, string> Earned, bool BooksBalanced, double Seconds)
{
    public string ToJson() => JsonSerializer.Serialize(new
    {
        jobs_requested = JobsRequested, jobs_finalized = JobsFinalized, jobs_failed = JobsFailed,
        audits_selected = AuditsSelected, audits_confirmed = AuditsConfirmed, disputes = Disputes,
        disputes_won_by_honest = DisputesWonByHonest, workers_slashed = WorkersSlashed, honest_slashed = HonestSlashed,
        slashed_tokens = SlashedTokens, cheat = Cheat, earned = Earned, books_balanced = BooksBalanced, seconds = Math.Round(Seconds, 1),
    });
}

/// <summary>
/// `verity demo`: the whole network on this machine — anvil, contracts, both real models registered with their
/// lineage, three staked workers (the last one dishonest), their audits, a validator — and a stream of text and image
/// jobs, shown live as the chain records them, ending with who was paid, what was audited, disputed and slashed.
/// </summary>
public static class NetworkDemo
{
    public static async Task<int> RunAsync(int jobs, string? cheat, bool keepRunning, bool json, CancellationToken ct, int explorerPort = 0)
    {
        if (explorerPort is < 0 or > 65535) throw new ArgumentException($"--explorer-port must be 0 (none) or a port, got {explorerPort}");
        if (jobs < 1) throw new ArgumentException($"--jobs must be at least 1, got {jobs}");
        var strategy = cheat is null or "none" ? (CheatStrategy?)null : Execution.Parse(cheat);
        var say = json ? (Action<string>)Console.Error.WriteLine : Console.WriteLine;
        var clock = Stopwatch.StartNew();
        void Say(string s) => say($"[{clock.Elapsed.TotalSeconds,6:F1}s] {s}");
        var store = new ModelStore(ModelFiles.Default(), Say);
        // The dishonest worker stakes twice what each honest one does, so that it is drawn for about half the jobs.
        var options = new DevnetOptions { Cheat = strategy, Stakes = strategy is null ? null : [2_000, 2_000, 4_000] };
        await using var net = await Devnet.StartAsync(options, store, Say, ct);
        var names = Names(net);

        string runDir = Path.Combine(store.Files.CacheDir, "devnet", DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture));
        Directory.CreateDirectory(runDir);
        var nodeLog = new StreamWriter(Path.Combine(runDir, "nodes.log")) { AutoFlush = true };
        using var stopNodes = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var nodes = net.RunNodesAsync(runDir, l => { lock (nodeLog) nodeLog.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {l}"); }, stopNodes.Token);
        Say($"nodes running (daemon log: {Path.Combine(runDir, "nodes.log")})");
        await using var explorer = await StartExplorerAsync(net, explorerPort, Say, ct);

        var events = new NetworkEvents(net.V, a => names.GetValueOrDefault(a, a.ToString()[..10]));
        long seen = 0;
        async Task FeedAsync()
        {
            long head = await net.Node.BlockNumberAsync(ct);
            if (head <= seen)
                return;
            foreach (var e in await events.ReadAsync(seen + 1, head))
                Say(e.Job is { } j ? $"job {j,-3} {e.Text}" : e.Text);
            seen = head;
        }

        var requested = await RequestAsync(net, store, jobs, Say, FeedAsync, ct);
        var budget = TimeSpan.FromMinutes(5 + jobs / 5);
        var waitUntil = clock.Elapsed + budget;
        while (clock.Elapsed < waitUntil)
        {
            await Task.Delay(500, ct);
            await FeedAsync();
            await ExpireOverdueAsync(net, requested);
            int open = 0;
            foreach (var j in requested)
                if ((await net.V.JobAsync(j)).Status is not (JobStatus.Finalized or JobStatus.Refunded))
                    open++;
            if (open == 0)
                break;
        }
        await FeedAsync();

        // Royalties move in two lazy steps (docs/PROTOCOL.md): pot → model owner and datasets → contributors.
        foreach (var (name, (loaded, _)) in net.Models)
        {
            if (await net.V.RoyaltyPotAsync(loaded.Id) > 0)
                await net.V.DistributeRoyaltiesAsync(net.Requester, loaded.Id);
            if (await net.V.DatasetPoolAsync(net.Datasets[name]) > 0)
                await net.V.DistributeDatasetAsync(net.Requester, net.Datasets[name]);
        }
        var summary = await SummarizeAsync(net, events, requested, names, clock.Elapsed.TotalSeconds);
        Print(summary, json, say);

        if (keepRunning)
        {
            var config = net.WriteConfigs(Path.Combine(store.Files.CacheDir, "devnet"));
            say($"devnet keeps running at {net.Node.RpcUrl}; try:\n  ./verity jobs --config {config}\n  ./verity infer --config {config} --model minilm --text \"hello\"\nCtrl-C stops it.");
            try { await Task.Delay(Timeout.Infinite, ct); } catch (OperationCanceledException) { }
        }
        await stopNodes.CancelAsync();
        await nodes;
        await nodeLog.DisposeAsync();
        return summary.JobsFailed == 0 && summary.HonestSlashed == 0 && summary.BooksBalanced
            && (strategy is null || summary.WorkersSlashed >= 1) ? 0 : 1;
    }

    /// <summary>The web explorer over the devnet, to watch the demo live; null when not asked for or the port is taken.</summary>
    private static async Task<Microsoft.AspNetCore.Builder.WebApplication?> StartExplorerAsync(Devnet net, int port, Action<string> say, CancellationToken ct)
    {
        if (port == 0)
            return null;
        var app = Verity.Explorer.ExplorerApp.Build(new Verity.Explorer.ExplorerOptions
        {
            RpcUrl = net.Node.RpcUrl, Deployment = net.File.Deployment, PollInterval = TimeSpan.FromMilliseconds(500),
        }, $"http://127.0.0.1:{port}");
        try
        {
            await app.StartAsync(ct);
            say($"explorer at http://127.0.0.1:{port}/ (jobs, disputes step by step, workers, models and their lineage)");
            return app;
        }
        catch (IOException e)
        {
            say($"explorer not started: {e.Message}");
            await app.DisposeAsync();
            return null;
        }
    }

    /// <summary>People-readable names of the devnet's accounts.</summary>
    public static Dictionary<Address, string> Names(Devnet net)
    {
        var names = new Dictionary<Address, string>
        {
            [net.Owner] = "deployer", [net.ModelOwner] = "model-owner", [net.Validator] = "validator", [net.Requester] = "requester",
            [net.DatasetOwner] = "dataset-owner", [net.Contributors[0]] = "contributor-1", [net.Contributors[1]] = "contributor-2",
            [net.V.Deployment.Market] = "market",
        };
        for (var i = 0; i < net.Workers.Count; i++)
            names[net.Workers[i]] = net.Workers[i] == net.Cheater ? $"worker-{i + 1}(dishonest)" : $"worker-{i + 1}";
        return names;
    }

    /// <summary>Requests <paramref name="count"/> jobs: sentences for MiniLM, every fourth a photo for ResNet18.</summary>
    public static async Task<List<JobId>> RequestAsync(Devnet net, ModelStore store, int count, Action<string> say, Func<Task>? between, CancellationToken ct)
    {
        var sentences = ModelFiles.CalibrationSentences();
        var images = Directory.Exists(Path.Combine(store.Files.ImagesDir, "test"))
            ? Directory.GetFiles(Path.Combine(store.Files.ImagesDir, "test")).Order(StringComparer.Ordinal).ToArray() : [];
        var ids = new List<JobId>();
        for (var i = 0; i < count; i++)
        {
            ct.ThrowIfCancellationRequested();
            bool image = net.Models.ContainsKey("resnet18") && images.Length > 0 && i % 4 == 3;
            var (loaded, _) = net.Models[image ? "resnet18" : "minilm"];
            byte[] input = image
                ? ((ImageProfile)loaded.Profile).Encode(images[i / 4 % images.Length], loaded.Model.Inputs[0]).Bytes.ToArray()
                : ((TextProfile)loaded.Profile).Encode(sentences[i % sentences.Count]).Bytes.ToArray();
            // An image (a 301 KB pixel tensor) is served off-chain and only its root goes on chain; a sentence travels in calldata.
            var (job, _) = image ? await net.RequestServedAsync(loaded.Id, input) : await net.V.RequestJobAsync(net.Requester, loaded.Id, input, Devnet.Fee);
            ids.Add(job);
            say(image ? $"job {job,-3} → resnet18: {Path.GetFileName(images[i / 4 % images.Length])} (served off-chain)" : $"job {job,-3} → minilm: \"{sentences[i % sentences.Count]}\"");
            if (between is not null)
                await between();
        }
        return ids;
    }

    /// <summary>The requester's side of deadlines: a job whose drawn worker let the deadline pass is expired, which
    /// redraws it (or refunds it after the last attempt).</summary>
    public static async Task ExpireOverdueAsync(Devnet net, IEnumerable<JobId> jobs)
    {
        long now = (long)await net.V.Chain.BlockTimestampAsync();
        foreach (var id in jobs)
        {
            var j = await net.V.JobAsync(id);
            if (j.Status is JobStatus.Requested or JobStatus.Assigned && j.Deadline < now)
            {
                try { await net.V.ExpireAsync(net.Requester, id); }
                catch (ContractRevertedException) { } // someone else did, or it just moved on
            }
        }
    }

    public static async Task<DemoSummary> SummarizeAsync(Devnet net, NetworkEvents events, IReadOnlyList<JobId> jobs,
        IReadOnlyDictionary<Address, string> names, double seconds)
    {
        int finalized = 0;
        foreach (var j in jobs)
            if ((await net.V.JobAsync(j)).Status == JobStatus.Finalized)
                finalized++;
        var slashed = events.Slashes.Select(s => Address.Parse(s.Worker)).ToHashSet();
        int wonByHonest = events.Disputes.Count(d => d.WorkerWasRight == (Address.Parse(d.Worker) != net.Cheater));
        var earned = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (a, n) in names)
        {
            var owed = await net.V.OwedToAsync(a);
            if (owed > 0)
                earned[n] = TokenAmount.Short(owed);
        }
        var (escrow, bonds, owedTotal) = await net.V.BooksAsync();
        bool books = escrow + bonds + owedTotal == await net.V.BalanceOfAsync(net.V.Deployment.Market)
            && await net.V.TotalStakedAsync() == await net.V.BalanceOfAsync(net.V.Deployment.Staking);
        return new DemoSummary(jobs.Count, finalized, jobs.Count - finalized, events.AuditsSelected.Count, events.AuditsConfirmed.Count,
            events.Disputes.Count, wonByHonest, slashed.Count, slashed.Count(a => a != net.Cheater),
            TokenAmount.Short(events.Slashes.Aggregate(BigInteger.Zero, (s, e) => s + e.Amount)),
            net.Options.Cheat is { } c ? Execution.Name(c) : null, earned, books, seconds);
    }

    private static void Print(DemoSummary s, bool json, Action<string> say)
    {
        if (json)
        {
            Console.WriteLine(s.ToJson());
            return;
        }
        say("");
        say($"summary after {s.Seconds:F0}s{(s.Cheat is null ? "" : $" (dishonest worker: {s.Cheat})")}");
        say($"  jobs        {s.JobsRequested} requested, {s.JobsFinalized} finalized, {s.JobsFailed} failed");
        say($"  audits      {s.AuditsSelected} selected, {s.AuditsConfirmed} confirmed");
        say($"  disputes    {s.Disputes}, won by the honest side: {s.DisputesWonByHonest}");
        say($"  slashes     {s.WorkersSlashed} worker(s) slashed ({s.HonestSlashed} honest), {s.SlashedTokens} tokens");
        say("  earned (withdrawable balances in the market):");
        foreach (var (who, amount) in s.Earned)
            say($"    {who,-24} {amount}");
        say($"  books balance to the wei: {s.BooksBalanced}");
    }
}
