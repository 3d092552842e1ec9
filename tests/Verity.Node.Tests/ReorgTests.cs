using System.Collections.Concurrent;
using Verity.Chain;
using Verity.Commitments;
using Xunit.Abstractions;

namespace Verity.Node.Tests;

/// <summary>A reorganisation deeper than the daemons' confirmations, on a real anvil (a snapshot reverted, a longer
/// branch mined in its place) with the real MiniLM: the job the daemons had recorded and answered is replaced on the
/// new branch by another job with the same id; nobody executes the old input against the new job, the stores rewind,
/// the new job is executed, checked and finalized; a result for an older job that the reorganisation dropped is posted
/// again; no worker is slashed.</summary>
public sealed class ReorgTests(NodeWorld w, ITestOutputHelper output) : IClassFixture<NodeWorld>, IAsyncLifetime
{
    private readonly ConcurrentQueue<string> _log = new();

    public Task InitializeAsync() => w.ResetAsync();

    public Task DisposeAsync()
    {
        foreach (var line in _log)
            output.WriteLine(line);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_reorganisation_deeper_than_the_confirmations_neither_posts_a_wrong_result_nor_misses_the_new_job()
    {
        var (inputA, inputB) = (NodeWorld.InputBytes(NodeWorld.Sentences[0]), NodeWorld.InputBytes(NodeWorld.Sentences[3]));
        var stakes = await Task.WhenAll(w.Workers.Select(x => w.V.SlashableOfAsync(x)));
        var stores = w.Workers.Select(_ => new NodeStore(w.NewStorePath())).ToArray();
        using var validatorStore = new NodeStore(w.NewStorePath());
        try
        {
            var daemons = Enumerable.Range(0, 3).Select(i => w.Daemon(i, stores[i], _log.Enqueue)).ToArray();
            var validator = w.Validator(0, validatorStore, _log.Enqueue);
            // Before the fork: job C is requested and its draw settled; every daemon has followed up to the fork block.
            var inputC = NodeWorld.InputBytes(NodeWorld.Sentences[1]);
            var (before, _) = await w.V.RequestJobAsync(w.Requester, w.ModelId, inputC, NodeWorld.Fee);
            await w.Node.MineAsync(2);
            int cWorker = w.Workers.ToList().IndexOf(await w.V.DrawnWorkerAsync(before));
            foreach (var d in daemons)
                await d.FollowAsync();
            await validator.FollowAsync();
            long forkBlock = await w.Node.BlockNumberAsync();
            var fork = await w.Node.SnapshotAsync();

            // The old branch: job 1 is sentence A; every daemon records it, the drawn worker posts its result, the
            // validator agrees with it.
            var (job, _) = await w.V.RequestJobAsync(w.Requester, w.ModelId, inputA, NodeWorld.Fee);
            await w.Node.MineAsync(2);
            int oldWorker = w.Workers.ToList().IndexOf(await w.V.DrawnWorkerAsync(job));
            foreach (var d in daemons)
                await d.FollowAsync();
            await daemons[oldWorker].StepAsync();
            await daemons[cWorker].StepAsync(); // C's result goes out on the old branch only
            Assert.Equal(JobStatus.Committed, (await w.V.JobAsync(job)).Status);
            Assert.Equal(JobStatus.Committed, (await w.V.JobAsync(before)).Status);
            await validator.StepAsync();
            Assert.Equal(NodeJobState.Submitted, stores[oldWorker].Job(job)!.State);
            long oldHead = await w.Node.BlockNumberAsync();

            // The reorganisation: back before the request; on the new branch job 1 is sentence B, and the branch grows
            // past the old head, so it is the one every node now follows.
            await w.Node.RevertAsync(fork);
            var (replaced, _) = await w.V.RequestJobAsync(w.Requester, w.ModelId, inputB, NodeWorld.Fee);
            Assert.Equal(job, replaced);
            await w.Node.MineAsync((int)(oldHead - await w.Node.BlockNumberAsync()) + 2);
            int newWorker = w.Workers.ToList().IndexOf(await w.V.DrawnWorkerAsync(job));

            // Before following again, executing from the stores runs nothing: the recorded job is not the chain's.
            foreach (var d in daemons)
                Assert.Equal(0, await d.ExecuteAsync());
            if (newWorker != oldWorker)
                Assert.Contains(_log, l => l.Contains($"job {job}: the chain's input root {TensorCommitment.Root(inputB)} is not the recorded", StringComparison.Ordinal));

            // Following: each store rewinds, records job 1 as it is now, and the drawn worker executes B and posts it.
            foreach (var d in daemons)
                await d.StepAsync();
            Assert.Equal(3, _log.Count(l => l.Contains($"store rewound to block {forkBlock};", StringComparison.Ordinal)));
            Assert.Single(_log, l => l.Contains("1 sent transaction(s) no longer on chain", StringComparison.Ordinal)); // C's submit
            Assert.All(stores, s => Assert.Equal(TensorCommitment.Root(inputB), s.Job(job)!.InputRoot));
            var events = await w.ResultEventsAsync();
            var posted = Assert.Single(events, e => JobId.From(e.Event.JobId) == job).Event;
            var local = w.Local(inputB);
            Assert.Equal(local.Outputs[0].Bytes.ToArray(), posted.Output);
            Assert.Equal(local.TraceRoot, new Hash256(posted.TraceRoot));
            Assert.Equal(w.Workers[newWorker], Address.Parse(posted.Worker));
            // C's result, lost with the old branch, is posted again on the new one by its worker.
            var postedC = Assert.Single(events, e => JobId.From(e.Event.JobId) == before).Event;
            Assert.Equal(w.Local(inputC).TraceRoot, new Hash256(postedC.TraceRoot));
            Assert.Equal(w.Workers[cWorker], Address.Parse(postedC.Worker));

            // The validator forgets the old branch's result and checks the new one only.
            await validator.StepAsync();
            var result = Assert.Single(validatorStore.Results(), r => r.Job == job);
            Assert.Equal(new Hash256(posted.TraceRoot), result.TraceRoot);
            Assert.True(result.State is ResultState.Agreed or ResultState.Done, $"the validator's result is {result.State}");
            Assert.DoesNotContain(_log, l => l.Contains("DISAGREES", StringComparison.Ordinal));

            await w.FinalizeAsync(job);
            await w.FinalizeAsync(before);
        }
        finally
        {
            foreach (var s in stores)
                s.Dispose();
        }
        Assert.Equal(stakes, await Task.WhenAll(w.Workers.Select(x => w.V.SlashableOfAsync(x))));
        await w.AssertBooksExactAsync();
    }
}
