using System.Collections.Concurrent;
using System.Numerics;
using Nethereum.Contracts;
using Nethereum.RPC.Eth.DTOs;
using Verity.Chain;
using Verity.Chain.Dispute;
using Verity.Commitments;
using Xunit.Abstractions;
using M = Verity.Chain.Generated.JobMarket;

namespace Verity.Node.Tests;

/// <summary>Validator daemons over a real anvil and the real MiniLM: an honest result drawn for audit is confirmed and
/// the auditor paid; a wrong result (one element of one op changed, later ops recomputed) is challenged and its worker
/// slashed through the real dispute game, the worker's side played by its own one-sided player; a restart neither
/// challenges twice nor loses the game.</summary>
public sealed class ValidatorDaemonTests(NodeWorld w, ITestOutputHelper output) : IClassFixture<NodeWorld>, IAsyncLifetime
{
    private static readonly BigInteger Bond = MarketParams.Default.ChallengeBond;
    private readonly ConcurrentQueue<string> _log = new();

    public Task InitializeAsync() => w.ResetAsync();

    public Task DisposeAsync()
    {
        foreach (var line in _log)
            output.WriteLine(line);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task An_honest_result_drawn_for_audit_is_confirmed_by_its_auditor_s_daemon_which_earns_the_audit_reward()
    {
        await w.SetAuditBpsAsync(10_000);
        var jobs = await w.RequestAsync([NodeWorld.InputBytes(NodeWorld.Sentences[1])]);
        var job = jobs[0];
        var workerStores = w.Workers.Select(_ => new NodeStore(w.NewStorePath())).ToArray();
        var validatorPaths = w.Workers.Select(_ => w.NewStorePath()).ToArray();
        var validatorStores = validatorPaths.Select(p => new NodeStore(p)).ToArray();
        using var stop = new CancellationTokenSource();
        var running = Enumerable.Range(0, 3).Select(i => w.Daemon(i, workerStores[i], _log.Enqueue).RunAsync(stop.Token))
            .Concat(Enumerable.Range(0, 3).Select(i => w.Validator(i, validatorStores[i], _log.Enqueue).RunAsync(stop.Token))).ToArray();
        Address auditor;
        try
        {
            await NodeWorld.UntilAsync(async () => (await w.V.JobAsync(job)).Status == JobStatus.Committed, "the result posted");
            await w.Node.MineAsync(1);
            var settle = await w.Chain.SendAsync(w.V.Deployment.Market, new M.SettleAuditFunction { JobId = job.ToBigInteger() }, w.Stranger);
            auditor = Address.Parse(settle.DecodeAllEvents<M.AuditSelectedEvent>().Single().Event.Auditor);
            await NodeWorld.UntilAsync(async () => (await w.V.JobAsync(job)).Audit == AuditState.Confirmed, "the audit confirmed");
        }
        finally
        {
            await StopAsync(stop, running);
            foreach (var s in workerStores.Concat(validatorStores))
                s.Dispose();
        }

        var view = await w.V.JobAsync(job);
        Assert.NotEqual(view.Worker, auditor);
        int a = w.Workers.ToList().IndexOf(auditor);
        using (var store = new NodeStore(validatorPaths[a]))
        {
            var r = Assert.Single(store.Results());
            Assert.Equal(ResultState.Confirmed, r.State);
            Assert.NotNull(r.Tx);
            Assert.Equal(w.Local(NodeWorld.InputBytes(NodeWorld.Sentences[1])).TraceRoot, r.OwnTraceRoot);
        }
        for (var i = 0; i < 3; i++) // nobody else confirmed or challenged
        {
            using var store = new NodeStore(validatorPaths[i]);
            Assert.All(store.Results(), r => Assert.True(i == a || r.State is ResultState.Agreed or ResultState.Done, $"{r.State}"));
        }

        var pool = await w.V.ValidatorPoolAsync();
        var workerOwed = await w.V.OwedToAsync(view.Worker);
        await w.FinalizeAsync(job);
        var validatorCut = NodeWorld.Fee * MarketParams.Default.ValidatorBps / 10_000;
        var reward = BigInteger.Min(MarketParams.Default.AuditReward, pool + validatorCut);
        Assert.True(reward > 0);
        Assert.Equal(reward, await w.V.OwedToAsync(auditor));
        Assert.Equal(pool + validatorCut - reward, await w.V.ValidatorPoolAsync());
        Assert.Equal(workerOwed + NodeWorld.Fee - NodeWorld.Fee * NodeWorld.OwnerBps / 10_000 - validatorCut, await w.V.OwedToAsync(view.Worker));
        await w.AssertBooksExactAsync();
    }

    [Fact]
    public async Task A_worker_that_changed_one_element_of_a_Linear_output_is_challenged_by_a_validator_daemon_and_slashed()
    {
        var (job, cheater, cheat) = await CheatAsync();
        int v = (w.Workers.ToList().IndexOf(cheater) + 1) % 3;
        var validator = w.Workers[v];
        var honest = w.Workers.Where(x => x != cheater).ToArray();
        var honestStakes = await Task.WhenAll(honest.Select(h => w.V.SlashableOfAsync(h)));
        var stake = await w.V.SlashableOfAsync(cheater);
        var tokens = await w.V.BalanceOfAsync(validator);
        var burned = await w.V.BurnedAsync();

        var path = w.NewStorePath();
        using var stop = new CancellationTokenSource();
        Task running;
        using (var store = new NodeStore(path))
        {
            running = w.Validator(v, store, _log.Enqueue).RunAsync(stop.Token);
            var worker = PlayWorkerAsync(job, cheater, cheat, stop.Token);
            try
            {
                await NodeWorld.UntilAsync(async () => (await w.V.JobAsync(job)).Status == JobStatus.Requested, "the cheater slashed", 60);
                using var mine = new NodeStore(path);
                await NodeWorld.UntilAsync(() => Task.FromResult(mine.Results().Single().State == ResultState.Done), "the dispute closed");
            }
            finally
            {
                await StopAsync(stop, running, worker);
            }
        }

        var slashed = stake * MarketParams.Default.SlashBps / 10_000;
        var reward = slashed * 5000 / 10_000; // slashRewardBps
        Assert.Equal(stake - slashed, await w.V.SlashableOfAsync(cheater));
        Assert.Equal(honestStakes, await Task.WhenAll(honest.Select(h => w.V.SlashableOfAsync(h))));
        Assert.Equal(tokens - Bond + reward, await w.V.BalanceOfAsync(validator));
        Assert.Equal(Bond, await w.V.OwedToAsync(validator));
        Assert.Equal(BigInteger.Zero, await w.V.OwedToAsync(cheater));
        Assert.Equal(burned + slashed - reward, await w.V.BurnedAsync());
        var view = await w.V.JobAsync(job);
        Assert.Equal(2, view.Attempt); // reassigned
        Assert.Single(await ChallengesAsync());
        await w.AssertBooksExactAsync();

        // A validator that collects its earnings (withdraw_at 0) takes the returned bond back at its next step.
        using (var store = new NodeStore(path))
            await w.Validator(v, store, _log.Enqueue, new ValidatorOptions { Confirmations = 0, WithdrawAt = 0 }).StepAsync();
        Assert.Equal(BigInteger.Zero, await w.V.OwedToAsync(validator));
        Assert.Equal(tokens + reward, await w.V.BalanceOfAsync(validator));
        await w.AssertBooksExactAsync();
    }

    [Fact]
    public async Task After_a_restart_the_validator_does_not_challenge_twice_and_plays_the_game_to_the_end()
    {
        var (job, cheater, cheat) = await CheatAsync();
        int v = (w.Workers.ToList().IndexOf(cheater) + 1) % 3;
        var validator = w.Workers[v];
        var stake = await w.V.SlashableOfAsync(cheater);
        var path = w.NewStorePath();

        // The first daemon re-executes and disagrees; its challenge goes out but the process dies before recording it.
        using (var store = new NodeStore(path))
        {
            var first = w.Validator(v, store, _log.Enqueue);
            await first.FollowAsync();
            Assert.Equal(1, await first.CheckAsync());
            Assert.Equal(ResultState.Disagreed, store.Results().Single().State);
        }
        var posted = (await w.ResultEventsAsync()).Single().Event;
        await w.V.ChallengeAsync(validator, new JobResult(job, posted.Output, new Hash256(posted.TraceRoot)),
            TensorCommitment.Root(w.M.InputBytes), Bond);
        var nonce = await w.NonceAsync(validator);

        // Two more daemons over the same file, one after the other, each alternating with the worker's own player.
        var player = new DisputePlayer(w.Chain, w.V.Deployment.DisputeGame, w.M.Dispute);
        int moves = 0;
        for (var life = 0; life < 2; life++)
        {
            using var store = new NodeStore(path);
            var daemon = w.Validator(v, store, _log.Enqueue);
            for (var i = 0; i < (life == 0 ? 4 : 100) && (await w.V.JobAsync(job)).Status == JobStatus.Challenged; i++)
            {
                var report = await daemon.StepAsync();
                Assert.Equal(0, report.Challenged);
                moves += report.Moves;
                await player.PlaySideAsync(job, new DisputeParty(cheater, cheat), asChallenger: false);
            }
            if (life == 1)
                await daemon.StepAsync();
            Assert.Equal(life == 0 ? ResultState.Challenged : ResultState.Done, store.Results().Single().State);
        }

        Assert.Equal(JobStatus.Requested, (await w.V.JobAsync(job)).Status);
        Assert.Equal(stake - stake * MarketParams.Default.SlashBps / 10_000, await w.V.SlashableOfAsync(cheater));
        Assert.Single(await ChallengesAsync());
        Assert.Equal(nonce + moves, await w.NonceAsync(validator)); // nothing sent but its moves
        Assert.True(moves > 4);
        await w.AssertBooksExactAsync();
    }

    /// <summary>Requests a job on MiniLM's dispute input; its drawn worker posts a cheating execution: one element of the
    /// first Linear's output moved by one and every later op recomputed from it.</summary>
    private async Task<(JobId Job, Address Cheater, DisputeTrace Cheat)> CheatAsync()
    {
        var job = (await w.RequestAsync([w.M.InputBytes]))[0];
        var cheater = await w.V.DrawnWorkerAsync(job);
        var (cheat, output) = w.M.Cheat(w.M.FindOp(1), 5);
        await w.V.SubmitResultAsync(cheater, new JobResult(job, output, cheat.Root));
        return (job, cheater, cheat);
    }

    /// <summary>The worker's side of the game in its own loop, from its own (cheating) trace.</summary>
    private async Task PlayWorkerAsync(JobId job, Address worker, DisputeTrace trace, CancellationToken ct)
    {
        var player = new DisputePlayer(new ChainClient(w.Node.RpcUrl), w.V.Deployment.DisputeGame, w.M.Dispute);
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await player.PlaySideAsync(job, new DisputeParty(worker, trace), asChallenger: false, ct: ct);
                await Task.Delay(50, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Cancels the daemons and waits for them; a worker daemon cancelled mid-step ends with its
    /// cancellation exception.</summary>
    private static async Task StopAsync(CancellationTokenSource stop, params Task[] running)
    {
        await stop.CancelAsync();
        foreach (var t in running)
        {
            try
            {
                await t;
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    private async Task<List<EventLog<M.JobChallengedEvent>>> ChallengesAsync()
    {
        var e = w.Chain.Web3.Eth.GetEvent<M.JobChallengedEvent>(w.V.Deployment.Market.Hex);
        return await e.GetAllChangesAsync(e.CreateFilterInput(BlockParameter.CreateEarliest(), BlockParameter.CreateLatest()));
    }
}
