using System.Numerics;
using Verity.Chain;
using Verity.Commitments;
using Xunit.Abstractions;

namespace Verity.Node.Tests;

/// <summary>Worker daemons over a real anvil and the real MiniLM: jobs requested on chain are executed, posted,
/// finalized and paid; a restart over the same store loses and duplicates nothing.</summary>
public sealed class WorkerDaemonTests(NodeWorld w, ITestOutputHelper output) : IClassFixture<NodeWorld>, IAsyncLifetime
{
    public Task InitializeAsync() => w.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Three_daemons_execute_post_and_get_paid_for_five_real_jobs()
    {
        var inputs = NodeWorld.Sentences.Select(NodeWorld.InputBytes).ToArray();
        var requesterBefore = await w.V.BalanceOfAsync(w.Requester);
        var jobs = await w.RequestAsync(inputs);
        var lastRequestBlock = (await w.V.JobAsync(jobs[^1])).BlockNumber;

        var paths = w.Workers.Select(_ => w.NewStorePath()).ToArray();
        var daemonStores = paths.Select(p => new NodeStore(p)).ToArray();
        var stores = paths.Select(p => new NodeStore(p)).ToArray(); // the test's own connections: a store is one thread's
        using var stop = new CancellationTokenSource();
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var running = Enumerable.Range(0, 3).Select(i => w.Daemon(i, daemonStores[i], log.Enqueue).RunAsync(stop.Token)).ToArray();
        try
        {
            await NodeWorld.UntilAsync(async () =>
            {
                foreach (var j in jobs)
                    if ((await w.V.JobAsync(j)).Status != JobStatus.Committed)
                        return false;
                return true;
            }, "every job committed");
            foreach (var j in jobs)
                await w.FinalizeAsync(j);
            await NodeWorld.UntilAsync(() => Task.FromResult(stores.All(s => s.AllJobs().All(j => j.State == NodeJobState.Closed))),
                "every job closed in the stores");
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(running);
            foreach (var s in daemonStores)
                s.Dispose();
            foreach (var line in log)
                output.WriteLine(line);
        }

        // Every result is posted once, by the drawn worker, and equals a local run of the same input.
        var events = await w.ResultEventsAsync();
        Assert.Equal(jobs.Length, events.Count);
        var workerOf = new Dictionary<JobId, Address>();
        for (var i = 0; i < jobs.Length; i++)
        {
            var ev = Assert.Single(events, e => JobId.From(e.Event.JobId) == jobs[i]).Event;
            var local = w.Local(inputs[i]);
            Assert.Equal(local.Outputs[0].Bytes.ToArray(), ev.Output);
            Assert.Equal(local.TraceRoot, new Hash256(ev.TraceRoot));
            Assert.Equal(Hash256.Of(ev.Output), new Hash256(ev.OutputHash));
            var job = await w.V.JobAsync(jobs[i]);
            Assert.Equal(JobStatus.Finalized, job.Status);
            workerOf[jobs[i]] = Address.Parse(ev.Worker);
            Assert.Equal(job.Worker, workerOf[jobs[i]]);
        }

        // Each store saw exactly its own jobs, closed them and dropped their traces; a worker with several pending
        // results posted them in one transaction.
        for (var k = 0; k < 3; k++)
        {
            var mine = jobs.Where(j => workerOf[j] == w.Workers[k]).ToHashSet();
            var recorded = stores[k].AllJobs();
            Assert.Equal(jobs.Length, recorded.Count); // every job of the model is seen
            Assert.All(recorded, j => Assert.Null(j.Output));
            var submitted = recorded.Where(j => j.SubmitTx is not null).ToList();
            Assert.Equal(mine, submitted.Select(j => j.Id).ToHashSet());
            Assert.True(submitted.Select(j => j.SubmitTx).Distinct().Count() <= 1, "pending results go out in one batch");
            Assert.Equal(mine.Count == 0 ? 0 : 1, submitted.Select(j => j.SubmitTx).Distinct().Count());
            Assert.True(stores[k].LastBlock >= lastRequestBlock, $"store {k} reached block {stores[k].LastBlock}");
        }
        Assert.Contains(workerOf.Values.GroupBy(a => a), g => g.Count() >= 2); // the batch path was taken

        // Payouts: the configured split, to the wei.
        var royaltyCut = NodeWorld.Fee * NodeWorld.OwnerBps / 10_000;
        var validatorCut = NodeWorld.Fee * MarketParams.Default.ValidatorBps / 10_000;
        var workerCut = NodeWorld.Fee - royaltyCut - validatorCut;
        foreach (var a in w.Workers)
            Assert.Equal(workerCut * workerOf.Values.Count(x => x == a), await w.V.OwedToAsync(a));
        Assert.Equal(royaltyCut * jobs.Length, await w.V.RoyaltyPotAsync(w.ModelId));
        Assert.Equal(validatorCut * jobs.Length, await w.V.ValidatorPoolAsync());
        Assert.Equal(requesterBefore - NodeWorld.Fee * jobs.Length, await w.V.BalanceOfAsync(w.Requester));
        await w.AssertBooksExactAsync();

        // Collecting: a daemon withdraws its account's earnings once they reach its threshold, not before, to the wei.
        var earner = w.Workers.Select((a, k) => (a, k)).First(x => workerOf.ContainsValue(x.a));
        var owed = await w.V.OwedToAsync(earner.a);
        var tokens = await w.V.BalanceOfAsync(earner.a);
        Assert.Equal(0, (await w.Daemon(earner.k, stores[earner.k], options: new WorkerOptions { Confirmations = 0, WithdrawAt = owed + 1 }).StepAsync()).Transactions);
        Assert.Equal(owed, await w.V.OwedToAsync(earner.a));
        Assert.Equal(1, (await w.Daemon(earner.k, stores[earner.k], options: new WorkerOptions { Confirmations = 0, WithdrawAt = owed }).StepAsync()).Transactions);
        Assert.Equal(BigInteger.Zero, await w.V.OwedToAsync(earner.a));
        Assert.Equal(tokens + owed, await w.V.BalanceOfAsync(earner.a));
        await w.AssertBooksExactAsync();
        foreach (var s in stores)
            s.Dispose();
    }

    [Fact]
    public async Task A_result_the_audit_draw_selects_is_settled_by_its_worker_at_once_and_the_others_are_left_to_finalize()
    {
        await w.SetAuditBpsAsync(5_000);
        var inputs = Enumerable.Range(0, 10).Select(i => NodeWorld.InputBytes(NodeWorld.Sentences[i % NodeWorld.Sentences.Length])).ToArray();
        var jobs = await w.RequestAsync(inputs);
        var stores = w.Workers.Select(_ => new NodeStore(w.NewStorePath())).ToArray();
        try
        {
            var daemons = Enumerable.Range(0, 3).Select(i => w.Daemon(i, stores[i])).ToArray();
            foreach (var d in daemons)
                await d.StepAsync(); // execute and post
            await w.Node.MineAsync(2); // the seed blocks of the audit draws, and one on top
            foreach (var d in daemons)
                await d.StepAsync(); // settle the selected ones
            var audits = w.Chain.Web3.Eth.GetEvent<Verity.Chain.Generated.JobMarket.AuditSelectedEvent>(w.V.Deployment.Market.Hex);
            var selected = await audits.GetAllChangesAsync(audits.CreateFilterInput(
                Nethereum.RPC.Eth.DTOs.BlockParameter.CreateEarliest(), Nethereum.RPC.Eth.DTOs.BlockParameter.CreateLatest()));
            int drawn = 0;
            foreach (var job in jobs)
            {
                var j = await w.V.JobAsync(job);
                Assert.Equal(JobStatus.Committed, j.Status);
                var seed = await w.Chain.Web3.Eth.Blocks.GetBlockWithTransactionsHashesByNumber.SendRequestAsync(
                    new Nethereum.RPC.Eth.DTOs.BlockParameter((ulong)(j.BlockNumber + 1)));
                if (AuditDraw.Selects(Hash256.Parse(seed.BlockHash), job, 5_000))
                {
                    drawn++;
                    Assert.Equal(AuditState.Selected, j.Audit);
                    var settle = Assert.Single(selected, e => JobId.From(e.Event.JobId) == job);
                    var tx = await w.Chain.Web3.Eth.Transactions.GetTransactionByHash.SendRequestAsync(settle.Log.TransactionHash);
                    Assert.Equal(j.Worker, Address.Parse(tx.From)); // by its worker, long before the challenge window ends
                }
                else
                    Assert.Equal(AuditState.Unsettled, j.Audit); // left to finalize: no transaction spent on it
            }
            Assert.Equal(drawn, selected.Count);
        }
        finally
        {
            foreach (var s in stores)
                s.Dispose();
        }
        foreach (var job in jobs)
            await w.FinalizeAsync(job);
        await w.AssertBooksExactAsync();
    }

    [Fact]
    public async Task A_restarted_daemon_neither_loses_nor_duplicates_a_submission()
    {
        var inputs = NodeWorld.Sentences.Select(NodeWorld.InputBytes).ToArray();
        var paths = w.Workers.Select(_ => w.NewStorePath()).ToArray();
        var noncesBefore = new BigInteger[3];
        for (var k = 0; k < 3; k++)
            noncesBefore[k] = await w.NonceAsync(w.Workers[k]);

        // First life: the daemons see and execute three jobs, then die before submitting.
        var first = await w.RequestAsync(inputs[..3]);
        JobId sentBehind;
        int sentBy;
        {
            var stores = paths.Select(p => new NodeStore(p)).ToArray();
            for (var k = 0; k < 3; k++)
            {
                var d = w.Daemon(k, stores[k], output.WriteLine);
                Assert.Equal(3, await d.FollowAsync());
                await d.ExecuteAsync();
            }
            var executed = Enumerable.Range(0, 3)
                .SelectMany(k => stores[k].Jobs(NodeJobState.Executed).Select(j => (Worker: k, Job: j))).ToList();
            Assert.Equal(first.ToHashSet(), executed.Select(e => e.Job.Id).ToHashSet());
            // One daemon's send went through but it died before recording it: the result is on chain, the store
            // still says executed.
            (sentBy, var job) = executed[0];
            sentBehind = job.Id;
            await w.V.SubmitResultAsync(w.Workers[sentBy], new JobResult(job.Id, job.Output!, job.TraceRoot!.Value));
            foreach (var s in stores)
                s.Dispose();
        }

        // While they are down, two more jobs arrive.
        var second = await w.RequestAsync(inputs[3..]);
        var all = first.Concat(second).ToArray();

        // Second life: new daemons over the same files.
        {
            var stores = paths.Select(p => new NodeStore(p)).ToArray();
            try
            {
                var daemons = Enumerable.Range(0, 3).Select(k => w.Daemon(k, stores[k], output.WriteLine)).ToArray();
                var reports = new List<StepReport>();
                foreach (var d in daemons)
                    reports.Add(await d.StepAsync());
                Assert.Equal(3 * second.Length, reports.Sum(r => r.Seen)); // each daemon reads only the new jobs: from its saved block on
                Assert.Equal(all.Length - 1, reports.Sum(r => r.Submitted)); // everything but the one already on chain
                foreach (var d in daemons) // and another pass sends nothing
                    Assert.Equal(new StepReport(0, 0, 0, 0, 0), await d.StepAsync());

                var events = await w.ResultEventsAsync();
                Assert.Equal(all.Length, events.Count);
                for (var i = 0; i < all.Length; i++)
                {
                    var ev = Assert.Single(events, e => JobId.From(e.Event.JobId) == all[i]).Event;
                    var local = w.Local(inputs[i]);
                    Assert.Equal(local.Outputs[0].Bytes.ToArray(), ev.Output);
                    Assert.Equal(local.TraceRoot, new Hash256(ev.TraceRoot));
                    Assert.Equal(JobStatus.Committed, (await w.V.JobAsync(all[i])).Status);
                }

                // Every transaction a worker sent is one the store recorded (plus the one sent behind its back).
                for (var k = 0; k < 3; k++)
                {
                    var recorded = stores[k].AllJobs();
                    Assert.Equal(all.ToHashSet(), recorded.Select(j => j.Id).ToHashSet());
                    var txs = recorded.Where(j => j.SubmitTx is not null).Select(j => j.SubmitTx).Distinct().Count();
                    var nonceDelta = await w.NonceAsync(w.Workers[k]) - noncesBefore[k];
                    Assert.Equal(txs + (k == sentBy ? 1 : 0), (int)nonceDelta);
                    // Committed traces are kept while the challenge window is open.
                    Assert.All(recorded.Where(j => j.State == NodeJobState.Submitted), j =>
                    {
                        Assert.NotNull(j.Output);
                        Assert.Equal(w.Model.Ops.Length, j.OpRoots!.Length);
                    });
                }
                var behind = stores[sentBy].Job(sentBehind)!;
                Assert.Equal(NodeJobState.Submitted, behind.State);
                Assert.Null(behind.SubmitTx);
            }
            finally
            {
                foreach (var s in stores)
                    s.Dispose();
            }
        }
        await w.AssertBooksExactAsync();
    }

    [Fact]
    public async Task A_request_is_acted_on_only_once_it_has_its_confirmations()
    {
        var (job, _) = await w.V.RequestJobAsync(w.Requester, w.ModelId, NodeWorld.InputBytes(NodeWorld.Sentences[1]), NodeWorld.Fee);
        var requestBlock = await w.Node.BlockNumberAsync();
        using var store = new NodeStore(w.NewStorePath());
        var d = w.Daemon(0, store, output.WriteLine, confirmations: 3);
        Assert.Equal(0, await d.FollowAsync());
        Assert.Equal(requestBlock - 3, store.LastBlock);
        await w.Node.MineAsync(2);
        Assert.Equal(0, await d.FollowAsync());
        await w.Node.MineAsync(1);
        Assert.Equal(1, await d.FollowAsync());
        Assert.Equal(requestBlock, store.LastBlock);
        Assert.Equal(job, Assert.Single(store.AllJobs()).Id);
    }

    [Fact]
    public void Node_does_not_reference_the_cli()
    {
        var refs = typeof(WorkerDaemon).Assembly.GetReferencedAssemblies().Select(a => a.Name).ToList();
        Assert.DoesNotContain("verity", refs);
        Assert.DoesNotContain("Verity.Cli", refs);
        Assert.DoesNotContain("Verity.Compiler", refs);
    }
}
