using System.Collections.Concurrent;
using System.Net;
using Verity.Chain;
using Verity.Client;
using Verity.Commitments;
using Verity.Node.Content;
using Xunit.Abstractions;

namespace Verity.Node.Tests;

/// <summary>Jobs requested by root (<c>requestJobByRoot</c>), their input served off-chain (DESIGN D4), on a real anvil
/// with the real MiniLM: the daemons wait for the input while no source has it, refuse bytes that do not match the
/// root, skip a source that fails, then execute, check and finalize; an input never served ends in a refund.</summary>
public sealed class OffChainInputTests(NodeWorld w, ITestOutputHelper output) : IClassFixture<NodeWorld>, IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("verity-inputs-").FullName;
    private readonly ConcurrentQueue<string> _log = new();

    public Task InitializeAsync() => w.ResetAsync();

    public Task DisposeAsync()
    {
        foreach (var line in _log)
            output.WriteLine(line);
        Directory.Delete(_folder, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_job_served_off_chain_waits_for_its_input_then_is_executed_checked_verified_and_finalized()
    {
        var input = NodeWorld.InputBytes(NodeWorld.Sentences[0]);
        var root = TensorCommitment.Root(input);
        using var forger = new FixedHttpServer(NodeWorld.InputBytes(NodeWorld.Sentences[1])); // the wrong bytes under any name
        var inputs = new InputSource([new ContentSource($"http://127.0.0.1:{ClosedPort()}/down"), new ContentSource(forger.Url), new ContentSource(_folder)], _log.Enqueue);
        var (job, _) = await w.V.RequestJobByRootAsync(w.Requester, w.ModelId, root, NodeWorld.Fee);
        await w.Node.MineAsync(2);
        var drawn = w.Workers.ToList().IndexOf(await w.V.DrawnWorkerAsync(job));
        int checker = (drawn + 1) % 3;

        using var workerStore = new NodeStore(w.NewStorePath());
        using var checkerStore = new NodeStore(w.NewStorePath());
        var worker = w.Daemon(drawn, workerStore, _log.Enqueue, options: new WorkerOptions { Confirmations = 0, Inputs = inputs });
        var validator = w.Validator(checker, checkerStore, _log.Enqueue, new ValidatorOptions { Confirmations = 0, Inputs = inputs });

        // Nobody serves it yet (one source down, one serving other bytes): the worker waits, it does not give up.
        for (var i = 0; i < 3; i++)
            Assert.Equal(0, (await worker.StepAsync()).Submitted);
        Assert.Equal(NodeJobState.Seen, workerStore.Job(job)!.State);
        Assert.Empty(workerStore.Job(job)!.Input);
        Assert.Contains(_log, l => l.Contains("do not match the root; refused", StringComparison.Ordinal));
        Assert.Contains(_log, l => l.Contains("/down failed", StringComparison.Ordinal));
        Assert.Single(_log, l => l.Contains($"job {job}: input {root} is served off-chain and no source has it yet", StringComparison.Ordinal));

        // The requester publishes it: the worker fetches it past the bad sources, executes and posts.
        Assert.Equal(root, InputSource.Publish(_folder, input));
        Assert.Equal(1, (await worker.StepAsync()).Submitted);
        Assert.Equal(input, workerStore.Job(job)!.Input); // kept for a dispute and across restarts
        var posted = Assert.Single(await w.ResultEventsAsync()).Event;
        var local = w.Local(input);
        Assert.Equal(local.Outputs[0].Bytes.ToArray(), posted.Output);
        Assert.Equal(local.TraceRoot, new Hash256(posted.TraceRoot));

        // A validator fetches it the same way and agrees; the SDK verifies with the same sources and refuses without.
        await validator.StepAsync();
        Assert.Equal(ResultState.Agreed, Assert.Single(checkerStore.Results()).State);
        var client = new VerityClient(w.V, w.Stranger);
        Assert.True((await client.VerifyAsync(job, w.Model, w.ModelId, inputs: inputs)).Right);
        var none = await Assert.ThrowsAsync<ArgumentException>(() => client.VerifyAsync(job, w.Model, w.ModelId));
        Assert.Contains($"input {root} is served off-chain", none.Message, StringComparison.Ordinal);

        await w.FinalizeAsync(job);
        await w.AssertBooksExactAsync();
    }

    [Fact]
    public async Task A_job_whose_input_is_never_served_is_expired_and_refunded_and_closed_by_the_worker()
    {
        var root = TensorCommitment.Root(NodeWorld.InputBytes(NodeWorld.Sentences[2]));
        var spent = await w.V.BalanceOfAsync(w.Requester);
        var (job, _) = await w.V.RequestJobByRootAsync(w.Requester, w.ModelId, root, NodeWorld.Fee);
        await w.Node.MineAsync(2);
        var stores = w.Workers.Select(_ => new NodeStore(w.NewStorePath())).ToArray();
        try
        {
            var inputs = new InputSource([new ContentSource(_folder)], _log.Enqueue);
            var daemons = Enumerable.Range(0, 3).Select(i => w.Daemon(i, stores[i], _log.Enqueue, options: new WorkerOptions { Confirmations = 0, Inputs = inputs })).ToArray();
            // Each attempt: the drawn worker waits for the input until the deadline; the requester expires the job.
            for (var attempt = 1; attempt <= 2; attempt++)
            {
                foreach (var d in daemons)
                    Assert.Equal(0, (await d.StepAsync()).Submitted);
                var j = await w.V.JobAsync(job);
                await w.Node.AdvanceAsync(TimeSpan.FromSeconds(j.Deadline - await w.Node.TimestampAsync() + 1));
                await w.V.ExpireAsync(w.Requester, job);
                await w.Node.MineAsync(2);
            }
            Assert.Equal(JobStatus.Refunded, (await w.V.JobAsync(job)).Status);
            foreach (var d in daemons)
                await d.StepAsync();
            Assert.All(stores, s => Assert.Equal(NodeJobState.Closed, s.Job(job)!.State));
        }
        finally
        {
            foreach (var s in stores)
                s.Dispose();
        }
        await w.V.WithdrawAsync(w.Requester);
        Assert.Equal(spent, await w.V.BalanceOfAsync(w.Requester)); // the whole fee back (approve leaves no residue)
        Assert.Empty(await w.ResultEventsAsync());
        await w.AssertBooksExactAsync();
    }

    private static int ClosedPort()
    {
        using var l = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port; // closed again when disposed: nothing listens there
    }

    /// <summary>Answers every GET with the same bytes: a source that serves the wrong input.</summary>
    private sealed class FixedHttpServer : IDisposable
    {
        private readonly HttpListener _listener = new();

        public FixedHttpServer(byte[] body)
        {
            int port = ClosedPort();
            Url = $"http://127.0.0.1:{port}/inputs";
            _listener.Prefixes.Add(Url + "/");
            _listener.Start();
            _ = Task.Run(async () =>
            {
                while (_listener.IsListening)
                {
                    HttpListenerContext ctx;
                    try
                    {
                        ctx = await _listener.GetContextAsync();
                    }
                    catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
                    {
                        return;
                    }
                    await ctx.Response.OutputStream.WriteAsync(body);
                    ctx.Response.Close();
                }
            });
        }

        public string Url { get; }

        public void Dispose() => _listener.Close();
    }
}
