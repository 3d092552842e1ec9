using System.Diagnostics;
using System.Text.Json;
using Nethereum.RPC.Eth.DTOs;
using Verity.Chain;
using Verity.Cli.Models;
using Verity.Cli.Network;
using Verity.Node;

namespace Verity.Cli.Commands;

/// <summary>One run of <c>verity bench network</c>.</summary>
public sealed record NetworkBenchRun(bool Batched, int Jobs, double JobsPerS, double P50Ms, double P95Ms, long GasPerJob, double ChallengeWindowS);

/// <summary>
/// `verity bench network`: N real MiniLM jobs through a live devnet (three honest workers, audits, a validator),
/// request to finalization, with result batching on and off; prints jobs per second end to end, median and p95
/// latency, and gas per job (all gas of the blocks the run spans, divided by the jobs: approve + request, results,
/// audits, finalization).
/// </summary>
public static class BenchNetwork
{
    public static async Task<int> RunAsync(int jobs, bool json, CancellationToken ct)
    {
        if (jobs < 2) throw new ArgumentException($"--jobs must be at least 2, got {jobs}");
        var store = new ModelStore(ModelFiles.Default(), Console.Error.WriteLine);
        var runs = new List<NetworkBenchRun>();
        foreach (var batched in new[] { true, false })
            runs.Add(await RunOnceAsync(store, jobs, batched, ct));
        if (json)
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                runs = runs.Select(r => new
                {
                    batched = r.Batched, jobs = r.Jobs, jobs_per_s = Math.Round(r.JobsPerS, 2), p50_ms = Math.Round(r.P50Ms), p95_ms = Math.Round(r.P95Ms),
                    gas_per_job = r.GasPerJob, challenge_window_s = r.ChallengeWindowS,
                }),
                gas_ratio_unbatched_to_batched = Math.Round((double)runs[1].GasPerJob / runs[0].GasPerJob, 2),
            }));
        else
        {
            Console.WriteLine($"{"batched",-8} {"jobs",5} {"jobs/s",8} {"p50 ms",8} {"p95 ms",8} {"gas/job",9}");
            foreach (var r in runs)
                Console.WriteLine($"{(r.Batched ? "yes" : "no"),-8} {r.Jobs,5} {r.JobsPerS,8:F2} {r.P50Ms,8:F0} {r.P95Ms,8:F0} {r.GasPerJob,9:N0}");
            Console.WriteLine($"latency includes the challenge window: 30 chain seconds = 30 blocks, at most {runs[0].ChallengeWindowS:F1} s of wall time (a block every 100 ms, more while transactions arrive)");
            Console.WriteLine($"gas per job, unbatched / batched: {(double)runs[1].GasPerJob / runs[0].GasPerJob:F2}");
        }
        return 0;
    }

    private static async Task<NetworkBenchRun> RunOnceAsync(ModelStore store, int jobs, bool batched, CancellationToken ct)
    {
        var options = new DevnetOptions { Images = false, MaxBatch = batched ? 32 : 1 };
        await using var net = await Devnet.StartAsync(options, store, Console.Error.WriteLine, ct);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var dir = Path.Combine(Path.GetTempPath(), $"verity-bench-{Guid.NewGuid():N}");
        var nodes = net.RunNodesAsync(dir, _ => { }, stop.Token);
        try
        {
            var sentences = ModelFiles.CalibrationSentences();
            var text = (TextProfile)net.Models["minilm"].Loaded.Profile;
            var id = net.Models["minilm"].Loaded.Id;
            long firstBlock = await net.Node.BlockNumberAsync(ct) + 1;
            var clock = Stopwatch.StartNew();
            var requestedAt = new Dictionary<JobId, double>();
            for (var i = 0; i < jobs; i++)
            {
                var (job, _) = await net.V.RequestJobAsync(net.Requester, id, text.Encode(sentences[i % sentences.Count]).Bytes.ToArray(), Devnet.Fee);
                requestedAt[job] = clock.Elapsed.TotalMilliseconds;
            }
            var finalizedAt = new Dictionary<JobId, double>();
            var events = new NetworkEvents(net.V, a => a.ToString());
            long seen = firstBlock - 1;
            var deadline = clock.Elapsed + TimeSpan.FromMinutes(10);
            while (finalizedAt.Count < jobs)
            {
                if (clock.Elapsed > deadline) throw new TimeoutException($"only {finalizedAt.Count} of {jobs} jobs finalized in 10 minutes");
                await Task.Delay(50, ct);
                long head = await net.Node.BlockNumberAsync(ct);
                if (head <= seen) continue;
                foreach (var e in await events.ReadAsync(seen + 1, head))
                    if (e.Kind == "finalized" && e.Job is { } j && requestedAt.ContainsKey(j))
                        finalizedAt.TryAdd(j, clock.Elapsed.TotalMilliseconds);
                seen = head;
            }
            long lastBlock = seen;
            long gas = 0;
            for (var b = firstBlock; b <= lastBlock; b++)
            {
                var block = await net.V.Chain.Web3.Eth.Blocks.GetBlockWithTransactionsHashesByNumber.SendRequestAsync(new BlockParameter((ulong)b));
                gas += (long)block.GasUsed.Value;
            }
            var latencies = requestedAt.Keys.Select(j => finalizedAt[j] - requestedAt[j]).Order().ToArray();
            double span = (finalizedAt.Values.Max() - requestedAt.Values.Min()) / 1000;
            return new NetworkBenchRun(batched, jobs, jobs / span, Percentile(latencies, 0.5), Percentile(latencies, 0.95), gas / jobs,
                options.Market.ChallengeWindow * options.BlockInterval.TotalSeconds);
        }
        finally
        {
            await stop.CancelAsync();
            await nodes;
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }

    private static double Percentile(double[] sorted, double q) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
}
