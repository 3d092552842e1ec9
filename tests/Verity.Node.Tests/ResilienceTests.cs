using System.Collections.Concurrent;
using System.Diagnostics;
using System.Numerics;
using Nethereum.ABI.FunctionEncoding.Attributes;
using Nethereum.Contracts;
using Nethereum.RPC.Eth.DTOs;
using Verity.Chain;
using Verity.Cli.Models;
using Verity.Cli.Network;
using Xunit.Abstractions;
using M = Verity.Chain.Generated.JobMarket;

namespace Verity.Node.Tests;

/// <summary>
/// The daemons as real processes (<c>verity worker</c> / <c>verity validator</c>) on a devnet with the real MiniLM:
/// a worker killed with SIGKILL mid-job loses and duplicates nothing; a 20-second cut of the chain RPC makes the
/// daemons log, wait and recover without a duplicate transaction. Anvil's automine is off and the test mines the
/// blocks (one every 100 ms), so a transaction can be held in the mempool at the moment that matters.
/// </summary>
[Trait("Category", "Network")]
public sealed class ResilienceTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("verity-resilience-").FullName;
    private readonly List<DaemonProcess> _daemons = [];

    [Fact]
    public async Task A_worker_killed_with_SIGKILL_mid_job_loses_and_duplicates_nothing()
    {
        await using var net = await StartDevnetAsync();
        var w = net.Workers[0];
        var backup = net.Validator; // funded and not staked: it joins as a second worker while w is down
        var (wStart, backupStart) = (await NonceAsync(net, w), await NonceAsync(net, backup));
        await using var miner = new Miner(net.Node);
        var store = Path.Combine(_dir, "worker1.db");
        string[] workerArgs = ["worker", "--config", Path.Combine(_dir, "worker1.json")];

        // Life 1 is killed right after it sent a submit: the transaction is in the mempool, its store does not know.
        // (Three jobs requested in one block, two more blocks so that the draw can be read, then the producer held.)
        var life = await StartAsync("worker life 1", workerArgs);
        await miner.PauseAsync();
        var first = await RequestInOneBlockAsync(net, 0, 3);
        await net.Node.MineAsync(2);
        var sentByLife1 = Assert.Single(await UntilAsync(() => PoolOfAsync(net.Node, w), "life 1's submit in the mempool"));
        life.Kill();
        using (var peek = new NodeStore(store))
            Assert.All(first, j => Assert.NotEqual(NodeJobState.Submitted, peek.Job(j)!.State)); // the store never learnt of it

        // Life 2 starts while that submit is still pending: it must wait for it, not try to post the results again
        // (anvil estimates gas on the pending block and would refuse the copy; geth estimates on the latest and would
        // let it through, to revert on chain).
        life = await StartAsync("worker life 2", workerArgs);
        await life.WaitForAsync("still pending", "submit");
        Assert.DoesNotContain(life.Lines, l => l.Contains("submit", StringComparison.Ordinal));
        miner.Resume();
        await UntilAsync(() => StatusIsAsync(net, first, JobStatus.Finalized), "the first jobs finalized");

        // Life 2 is killed once it has seen the next jobs, before their seed block is mined (nobody can know whom they
        // are drawn to yet): three jobs in flight that it has recorded and not done.
        await miner.PauseAsync();
        var second = await RequestInOneBlockAsync(net, 3, 3);
        using (var peek = new NodeStore(store))
        {
            await UntilAsync(() => Task.FromResult(second.All(j => peek.Job(j) is not null)), "life 2 recording the second jobs");
            life.Kill();
            Assert.All(second, j => Assert.Equal(NodeJobState.Seen, peek.Job(j)!.State));
        }
        miner.Resume();

        // While it is down their deadline passes; the requester expires them and a second worker that joins now is
        // drawn for them (w is excluded from the redraw).
        await net.Node.AdvanceAsync(TimeSpan.FromSeconds(net.Options.Market.ResultTimeout + 1));
        foreach (var j in second)
            await net.V.ExpireAsync(net.Requester, j);
        await StartAsync("second worker", "worker", "--config", Path.Combine(_dir, "validator.json"),
            "--store", Path.Combine(_dir, "second.db"), "--stake", "2000");
        await UntilAsync(() => StatusIsAsync(net, second, JobStatus.Finalized), "the second jobs finalized by the second worker", 90);

        // Life 3 over the same store learns that the jobs went to another worker and closes them, sending nothing.
        var wBeforeLife3 = await NonceAsync(net, w);
        await StartAsync("worker life 3", workerArgs);
        using (var peek = new NodeStore(store))
            await UntilAsync(() => Task.FromResult(peek.AllJobs().Count == 6 && peek.AllJobs().All(j => j.State == NodeJobState.Closed)),
                "life 3 closing every job");
        Assert.Equal(wBeforeLife3, await NonceAsync(net, w));
        StopAll();

        // Every job finalized, with exactly one result: w's three (posted by life 1) and the second worker's three.
        var results = await EventsAsync<M.ResultSubmittedEvent>(net);
        foreach (var j in first.Concat(second))
        {
            var r = Assert.Single(results, e => JobId.From(e.Event.JobId) == j);
            var job = await net.V.JobAsync(j);
            Assert.Equal(JobStatus.Finalized, job.Status);
            Assert.Equal(job.Worker, Address.Parse(r.Event.Worker));
            Assert.Equal(first.Contains(j) ? w : backup, job.Worker);
        }
        // Life 2 found what life 1's pending transaction carried on chain once mined, and recorded it without a send.
        var carried = results.Where(e => e.Log.TransactionHash == sentByLife1).Select(e => JobId.From(e.Event.JobId)).ToList();
        Assert.NotEmpty(carried);
        Assert.Subset(first.ToHashSet(), carried.ToHashSet());
        using (var final = new NodeStore(store))
            Assert.All(carried, j => Assert.Null(final.Job(j)!.SubmitTx));

        // Each worker's nonce counts exactly the transactions the chain shows it had to send (so none reverted or
        // repeated): its submits and finalizes, plus approve + stake + serve for the one that joined.
        Assert.Equal(await ExpectedTransactionsAsync(net, w), (int)(await NonceAsync(net, w) - wStart));
        Assert.Equal(3 + await ExpectedTransactionsAsync(net, backup), (int)(await NonceAsync(net, backup) - backupStart));
        await AssertBooksExactAsync(net);
    }

    [Fact]
    public async Task Cutting_the_chain_RPC_for_20_seconds_makes_daemons_wait_and_recover_without_duplicates()
    {
        await using var net = await StartDevnetAsync();
        var w = net.Workers[0];
        var validator = net.Validator;
        var (wStart, validatorStart) = (await NonceAsync(net, w), await NonceAsync(net, validator));
        await using var miner = new Miner(net.Node);
        await using var proxy = new TcpProxy(net.Node.RpcUrl.Port);
        var rpc = proxy.Url.ToString();
        var worker = await StartAsync("worker", "worker", "--config", Path.Combine(_dir, "worker1.json"), "--rpc", rpc);
        var checker = await StartAsync("validator", "validator", "--config", Path.Combine(_dir, "validator.json"), "--rpc", rpc);

        // Two jobs; the worker's submit goes out, and the RPC is cut while it waits for the receipt (the producer holds
        // the transaction in the mempool until then).
        await miner.PauseAsync();
        var before = await RequestInOneBlockAsync(net, 0, 2);
        await net.Node.MineAsync(2); // the seed block and one on top: a call can read the draw
        var interrupted = Assert.Single(await UntilAsync(() => PoolOfAsync(net.Node, w), "the worker's submit in the mempool"));
        proxy.Cut();
        var cutAt = Stopwatch.StartNew();
        miner.Resume();

        // The chain goes on without them: the interrupted submit is mined and three more jobs are requested.
        var during = await RequestAsync(net, 2, 3);
        if (TimeSpan.FromSeconds(20) - cutAt.Elapsed is { Ticks: > 0 } rest)
            await Task.Delay(rest);
        Assert.False(worker.HasExited, "the worker died during the outage");
        Assert.False(checker.HasExited, "the validator died during the outage");
        Assert.True(proxy.Refused > 0, "nothing tried to reach the chain during the outage");
        Assert.Contains(worker.Lines, l => l.Contains("step failed", StringComparison.Ordinal));
        Assert.Contains(checker.Lines, l => l.Contains("step failed", StringComparison.Ordinal));
        proxy.Restore();

        var jobs = before.Concat(during).ToArray();
        await UntilAsync(() => StatusIsAsync(net, jobs, JobStatus.Finalized), "every job finalized after the outage", 60);
        using (var workerStore = new NodeStore(Path.Combine(_dir, "worker1.db")))
            await UntilAsync(() => Task.FromResult(workerStore.AllJobs().Count == jobs.Length && workerStore.AllJobs().All(j => j.State == NodeJobState.Closed)),
                "the worker closing every job");
        using (var validatorStore = new NodeStore(Path.Combine(_dir, "validator.db")))
            await UntilAsync(() => Task.FromResult(validatorStore.Results() is var rs && rs.Count == jobs.Length
                    && rs.All(r => r.State == ResultState.Done && (r.OwnTraceRoot is null || r.OwnTraceRoot == r.TraceRoot))),
                "the validator following every result (re-executing those still open) without a disagreement");
        Assert.False(worker.HasExited);
        Assert.False(checker.HasExited);
        StopAll();

        // One result per job; the interrupted submit's jobs were found on chain, not sent again.
        var results = await EventsAsync<M.ResultSubmittedEvent>(net);
        foreach (var j in jobs)
            Assert.Equal(w, Address.Parse(Assert.Single(results, e => JobId.From(e.Event.JobId) == j).Event.Worker));
        var interruptedJobs = results.Where(e => e.Log.TransactionHash == interrupted).Select(e => JobId.From(e.Event.JobId)).ToList();
        Assert.NotEmpty(interruptedJobs);
        using (var final = new NodeStore(Path.Combine(_dir, "worker1.db")))
            Assert.All(interruptedJobs, j => Assert.Null(final.Job(j)!.SubmitTx));

        // The worker sent exactly its submits and finalizes (Devnet staked and served it already); the validator,
        // agreeing with every result with audits off, sent nothing.
        Assert.Equal(await ExpectedTransactionsAsync(net, w), (int)(await NonceAsync(net, w) - wStart));
        Assert.Equal(validatorStart, await NonceAsync(net, validator));
        await AssertBooksExactAsync(net);
    }

    [Fact]
    public async Task An_auditor_killed_with_SIGKILL_right_after_confirming_does_not_confirm_twice()
    {
        await using var net = await StartDevnetAsync(workers: 2, auditBps: 10_000);
        var starts = new[] { await NonceAsync(net, net.Workers[0]), await NonceAsync(net, net.Workers[1]) };
        await using var miner = new Miner(net.Node);
        string[] Args(int k) => ["worker", "--config", Path.Combine(_dir, $"worker{k + 1}.json")];
        var processes = new[] { await StartAsync("worker 1", Args(0)), await StartAsync("worker 2", Args(1)) };
        var job = (await RequestAsync(net, 0, 1))[0];
        await UntilAsync(() => StatusIsAsync(net, [job], JobStatus.Committed), "the result posted");
        int x = net.Workers[0] == (await net.V.JobAsync(job)).Worker ? 0 : 1, y = 1 - x;

        // Every result is audited, by one of the model's other servers: y. With the producer held, blocks are mined
        // one at a time only until x settles the audit draw (as soon as its seed block is mined); y's confirmation
        // then waits in the mempool.
        await miner.PauseAsync();
        await UntilAsync(async () =>
        {
            if ((await net.V.JobAsync(job)).Audit != AuditState.Unsettled)
                return true;
            await net.Node.MineAsync(1);
            return false;
        }, "the worker settling the audit draw");
        Assert.Equal(AuditState.Selected, (await net.V.JobAsync(job)).Audit);
        var confirmation = Assert.Single(await UntilAsync(() => PoolOfAsync(net.Node, net.Workers[y]), "the auditor's confirmation in the mempool"));
        processes[y].Kill();

        // Its next life, started while the confirmation is pending, waits for it instead of confirming again.
        var again = await StartAsync($"worker {y + 1} life 2", Args(y));
        await again.WaitForAsync(l => l.Contains(" validator 0x", StringComparison.Ordinal)
            && (l.Contains("still pending", StringComparison.Ordinal) || l.Contains("confirmed", StringComparison.Ordinal) || l.Contains("reverted", StringComparison.Ordinal)),
            "its audit daemon's first step with the confirmation pending");
        Assert.DoesNotContain(again.Lines, l => l.Contains("confirmed", StringComparison.Ordinal) || l.Contains("reverted", StringComparison.Ordinal));
        miner.Resume();
        await UntilAsync(() => StatusIsAsync(net, [job], JobStatus.Finalized), "the job finalized after its audit");
        StopAll();

        // One confirmation, the one the killed life sent; the auditor sent nothing else, the worker its submit, the
        // audit's settlement and its finalize.
        var confirmed = Assert.Single(await EventsAsync<M.AuditConfirmedEvent>(net));
        Assert.Equal(confirmation, confirmed.Log.TransactionHash);
        Assert.Equal(net.Workers[y], Address.Parse(confirmed.Event.Auditor));
        Assert.Equal(AuditState.Confirmed, (await net.V.JobAsync(job)).Audit);
        Assert.Equal(1, (int)(await NonceAsync(net, net.Workers[y]) - starts[y]));
        Assert.Equal(3, (int)(await NonceAsync(net, net.Workers[x]) - starts[x]));
        await AssertBooksExactAsync(net);
    }

    // ---- the network ----

    /// <summary>A devnet with <paramref name="workers"/> workers (staked and serving MiniLM), audits off unless asked
    /// (so that every transaction a daemon should send follows from the jobs), 20-second (20-block) challenge and audit
    /// windows; configs written to the test's folder.</summary>
    private async Task<Devnet> StartDevnetAsync(int workers = 1, ushort auditBps = 0)
    {
        var net = await Devnet.StartAsync(new DevnetOptions
        {
            Workers = workers, Images = false, Validator = false,
            Market = MarketParams.Default with { ResultTimeout = 600, ChallengeWindow = 20, AuditWindow = 20, DisputeTimeout = 6000, AuditBps = auditBps },
        }, new ModelStore(ModelFiles.Default(), _ => { }), output.WriteLine);
        net.WriteConfigs(_dir);
        // From here on transactions wait for the test's producer, as on a real chain.
        await net.Node.RpcAsync("evm_setAutomine", default, false);
        return net;
    }

    private static async Task<JobId[]> RequestAsync(Devnet net, int first, int count)
    {
        var model = net.Models["minilm"].Loaded.Id;
        var jobs = new List<JobId>();
        for (var i = first; i < first + count; i++)
            jobs.Add((await net.V.RequestJobAsync(net.Requester, model, Input(i), Devnet.Fee)).Job);
        return [.. jobs];
    }

    /// <summary>With the producer held: approves the fees in one block and requests <paramref name="count"/> jobs in
    /// the next, and mines nothing after it. The draw is seeded by the next block's hash, and a call can read it once
    /// a block is on top of that one.</summary>
    private static async Task<JobId[]> RequestInOneBlockAsync(Devnet net, int first, int count)
    {
        var market = net.V.Deployment.Market;
        var model = net.Models["minilm"].Loaded.Id.ToArray();
        await InOneBlockAsync(net.Node, net.Requester, [() => net.V.ApproveAsync(net.Requester, market, Devnet.Fee * count)]);
        var receipts = await InOneBlockAsync(net.Node, net.Requester, [.. Enumerable.Range(first, count).Select(i => (Func<Task<TransactionReceipt>>)(() =>
            net.V.Chain.SendAsync(market, new M.RequestJobFunction { ModelId = model, Input = Input(i), MaxFee = Devnet.Fee }, net.Requester)))]);
        return [.. receipts.Select(r => JobId.From(r.DecodeAllEvents<M.JobRequestedEvent>().Single().Event.JobId))];
    }

    /// <summary>Starts the sends, waits until all are in the mempool, mines one block and returns their receipts.</summary>
    private static async Task<TransactionReceipt[]> InOneBlockAsync(AnvilNode node, Address from, Func<Task<TransactionReceipt>>[] sends)
    {
        var sent = sends.Select(s => s()).ToArray();
        await UntilAsync(async () =>
        {
            if (sent.FirstOrDefault(t => t.IsFaulted) is { } failed)
                await failed; // a send that failed says why, rather than a timeout
            return (await PoolOfAsync(node, from)).Count >= sends.Length;
        }, "the transactions in the mempool", 90);
        await node.MineAsync(1);
        return await Task.WhenAll(sent);
    }

    private static byte[] Input(int i) => NodeWorld.InputBytes(NodeWorld.Sentences[i % NodeWorld.Sentences.Length]);

    private static async Task<bool> StatusIsAsync(Devnet net, IEnumerable<JobId> jobs, JobStatus status)
    {
        foreach (var j in jobs)
            if ((await net.V.JobAsync(j)).Status != status)
                return false;
        return true;
    }

    /// <summary>The hashes of <paramref name="account"/>'s transactions waiting in the mempool.</summary>
    private static async Task<IReadOnlyList<string>> PoolOfAsync(AnvilNode node, Address account)
    {
        var pool = await node.RpcAsync("txpool_content");
        var hashes = new List<string>();
        foreach (var kind in new[] { "pending", "queued" })
            if (pool.TryGetProperty(kind, out var bySender))
                foreach (var sender in bySender.EnumerateObject().Where(s => string.Equals(s.Name, account.Hex, StringComparison.OrdinalIgnoreCase)))
                    foreach (var tx in sender.Value.EnumerateObject())
                        hashes.Add(tx.Value.GetProperty("hash").GetString()!);
        return hashes;
    }

    private static async Task<BigInteger> NonceAsync(Devnet net, Address a) =>
        (await net.V.Chain.Web3.Eth.Transactions.GetTransactionCount.SendRequestAsync(a.Hex, BlockParameter.CreateLatest())).Value;

    private static async Task<List<EventLog<TEvent>>> EventsAsync<TEvent>(Devnet net) where TEvent : IEventDTO, new()
    {
        var e = net.V.Chain.Web3.Eth.GetEvent<TEvent>(net.V.Deployment.Market.Hex);
        return await e.GetAllChangesAsync(e.CreateFilterInput(BlockParameter.CreateEarliest(), BlockParameter.CreateLatest()));
    }

    /// <summary>What the chain's events say <paramref name="worker"/> had to send: one transaction per distinct
    /// submit (a batch is one) and one per finalize it sent.</summary>
    private static async Task<int> ExpectedTransactionsAsync(Devnet net, Address worker)
    {
        var submits = (await EventsAsync<M.ResultSubmittedEvent>(net))
            .Where(e => Address.Parse(e.Event.Worker) == worker).Select(e => e.Log.TransactionHash).Distinct().Count();
        var finalizes = 0;
        foreach (var f in await EventsAsync<M.JobFinalizedEvent>(net))
        {
            var tx = await net.V.Chain.Web3.Eth.Transactions.GetTransactionByHash.SendRequestAsync(f.Log.TransactionHash);
            if (Address.Parse(tx.From) == worker)
                finalizes++;
        }
        return submits + finalizes;
    }

    private static async Task AssertBooksExactAsync(Devnet net)
    {
        var (escrow, bonds, owed) = await net.V.BooksAsync();
        Assert.Equal(escrow + bonds + owed, await net.V.BalanceOfAsync(net.V.Deployment.Market));
        Assert.Equal(await net.V.TotalStakedAsync(), await net.V.BalanceOfAsync(net.V.Deployment.Staking));
    }

    private static Task UntilAsync(Func<Task<bool>> done, string what, int seconds = 60) => NodeWorld.UntilAsync(done, what, seconds);

    /// <summary>Polls until <paramref name="get"/> returns a non-empty list, and returns it.</summary>
    private static async Task<IReadOnlyList<T>> UntilAsync<T>(Func<Task<IReadOnlyList<T>>> get, string what, int seconds = 60)
    {
        IReadOnlyList<T> got = [];
        await NodeWorld.UntilAsync(async () => (got = await get()).Count > 0, what, seconds);
        return got;
    }

    // ---- processes ----

    private async Task<DaemonProcess> StartAsync(string name, params string[] args)
    {
        var d = DaemonProcess.Start(name, args);
        _daemons.Add(d);
        await d.WaitForAsync("model(s)"); // its start line, once the model is loaded and it has joined
        return d;
    }

    private void StopAll()
    {
        foreach (var d in _daemons)
            d.Kill();
    }

    public void Dispose()
    {
        foreach (var d in _daemons)
        {
            d.Kill();
            foreach (var line in d.Lines)
                output.WriteLine($"[{d.Name}] {line}");
        }
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>A <c>verity</c> daemon process (the program built next to the tests) with its output kept line by line.</summary>
    private sealed class DaemonProcess
    {
        private readonly Process _process;
        private readonly ConcurrentQueue<string> _lines = new();

        private DaemonProcess(string name, Process process)
        {
            Name = name;
            _process = process;
        }

        public string Name { get; }
        public IEnumerable<string> Lines => _lines;
        public bool HasExited => _process.HasExited;

        public static DaemonProcess Start(string name, string[] args)
        {
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "verity.dll"));
            foreach (var a in args)
                psi.ArgumentList.Add(a);
            var d = new DaemonProcess(name, new Process { StartInfo = psi });
            d._process.OutputDataReceived += (_, e) => { if (e.Data is not null) d._lines.Enqueue(e.Data); };
            d._process.ErrorDataReceived += (_, e) => { if (e.Data is not null) d._lines.Enqueue("stderr: " + e.Data); };
            d._process.Start();
            d._process.BeginOutputReadLine();
            d._process.BeginErrorReadLine();
            return d;
        }

        /// <summary>Waits until a line contains one of <paramref name="texts"/>.</summary>
        public Task WaitForAsync(params string[] texts) =>
            WaitForAsync(l => texts.Any(t => l.Contains(t, StringComparison.Ordinal)), $"\"{string.Join("\" or \"", texts)}\"");

        public Task WaitForAsync(Func<string, bool> match, string what) => NodeWorld.UntilAsync(() =>
        {
            if (_lines.Any(match))
                return Task.FromResult(true);
            if (_process.HasExited)
                throw new InvalidOperationException($"{Name} exited with code {_process.ExitCode}:\n{string.Join("\n", _lines)}");
            return Task.FromResult(false);
        }, $"{Name} to print {what}", 60);

        /// <summary>SIGKILL on Linux: no handler runs, nothing is flushed or closed.</summary>
        public void Kill()
        {
            try
            {
                _process.Kill();
            }
            catch (InvalidOperationException)
            {
                return; // already gone
            }
            _process.WaitForExit();
        }
    }

    /// <summary>The block producer: an empty block every 100 ms (one chain second each). <see cref="PauseAsync"/>
    /// returns once no block is being mined and none will be until <see cref="Resume"/>.</summary>
    private sealed class Miner : IAsyncDisposable
    {
        private readonly AnvilNode _node;
        private readonly SemaphoreSlim _gate = new(1, 1);
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;

        public Miner(AnvilNode node)
        {
            _node = node;
            _loop = RunAsync();
        }

        public Task PauseAsync() => _gate.WaitAsync();

        public void Resume() => _gate.Release();

        private async Task RunAsync()
        {
            try
            {
                while (true)
                {
                    await _gate.WaitAsync(_stop.Token);
                    try
                    {
                        await _node.MineAsync(1, _stop.Token);
                    }
                    finally
                    {
                        _gate.Release();
                    }
                    await Task.Delay(100, _stop.Token);
                }
            }
            catch (OperationCanceledException)
            {
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _loop;
            _stop.Dispose();
        }
    }
}
