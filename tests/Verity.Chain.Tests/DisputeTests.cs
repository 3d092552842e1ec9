using System.Numerics;
using Nethereum.Contracts;
using Verity.Commitments;
using Verity.Chain.Tests.Generated.ManualDisputeGame;
using M = Verity.Chain.Generated.JobMarket;

namespace Verity.Chain.Tests;

/// <summary>
/// The market's side of a dispute: a challenged job is frozen with its fee and the bond held until the dispute
/// game calls back. TEST STAND-IN: the market is deployed with <c>ManualDisputeGame</c> as its dispute game, a
/// contract that records disputes and lets a test account (the referee) decide them by hand, so every outcome of the
/// callback path can be pinned directly; the real bisection game with its one-step check is in RealDisputeTests.
/// </summary>
public sealed class DisputeTests(ChainFixture fx) : IClassFixture<ChainFixture>
{
    private VerityContracts V => fx.V;
    private static readonly BigInteger Fee = ChainFixture.Fee;
    private static readonly BigInteger Bond = MarketParams.Default.ChallengeBond;

    private async Task<(JobId Job, Address Worker, JobResult Result, byte[] Input)> ChallengedAsync(string text)
    {
        var input = ChainFixture.Bytes(text);
        var (job, worker, result) = await fx.CommittedJobAsync(input);
        await V.ChallengeAsync(fx.Challenger, result, TensorCommitment.Root(input), Bond);
        return (job, worker, result, input);
    }

    private Task DecideAsync(JobId job, bool workerWasRight) =>
        fx.Chain.SendAsync(fx.GameAddress, new DecideFunction { JobId = job.ToBigInteger(), WorkerWasRight = workerWasRight }, fx.Referee);

    [Fact]
    public async Task Manual_game_A_challenged_job_is_frozen_with_its_fee_and_bond_held()
    {
        await fx.ResetAsync();
        var challengerBefore = await V.BalanceOfAsync(fx.Challenger);
        var (job, worker, result, input) = await ChallengedAsync("freeze");
        Assert.Equal(challengerBefore - Bond, await V.BalanceOfAsync(fx.Challenger));
        Assert.Equal(JobStatus.Challenged, (await V.JobAsync(job)).Status);

        var opened = await fx.Chain.CallAsync<OpenedFunction, OpenedOutput>(fx.GameAddress, new() { Arg1 = job.ToBigInteger() });
        Assert.Equal(worker, Address.Parse(opened.Worker));
        Assert.Equal(fx.Challenger, Address.Parse(opened.Challenger));
        Assert.Equal(TensorCommitment.Root(input).ToArray(), opened.InputRoot);
        Assert.Equal(result.OutputHash.ToArray(), opened.OutputHash);
        Assert.Equal(result.TraceRoot.ToArray(), opened.TraceRoot);

        var (escrow, bonds, _) = await V.BooksAsync();
        Assert.Equal((Fee, Bond), (escrow, bonds));
        await fx.Node.AdvanceAsync(TimeSpan.FromHours(12)); // well past the challenge window, short of the dispute timeout
        var frozen = await Revert.With<M.WrongStatusError>(() => V.FinalizeAsync(fx.Stranger, result, TensorCommitment.Root(input), withOutput: false));
        Assert.Equal((int)JobStatus.Challenged, (int)frozen.Status);
        await Revert.With<M.WrongStatusError>(() => V.ExpireAsync(fx.Stranger, job));
        await Revert.With<M.DeadlineNotReachedError>(() => fx.Chain.SendAsync(V.Deployment.Market, new M.ExpireDisputeFunction { JobId = job.ToBigInteger() }, fx.Stranger));
        await Revert.With<M.WrongStatusError>(() => V.ChallengeAsync(fx.Stranger, result, TensorCommitment.Root(input), Bond));
        await fx.AssertBooksExactAsync();
    }

    [Fact]
    public async Task Manual_game_A_false_challenge_loses_its_bond_to_the_worker_who_is_then_paid()
    {
        await fx.ResetAsync();
        var (job, worker, result, input) = await ChallengedAsync("honest worker");
        var stakeBefore = await V.SlashableOfAsync(worker);
        await DecideAsync(job, workerWasRight: true);

        var view = await V.JobAsync(job);
        Assert.Equal(JobStatus.Committed, view.Status); // a fresh challenge window, then finalization as usual
        Assert.Equal(Bond, await V.OwedToAsync(worker));
        Assert.Equal(BigInteger.Zero, await V.OwedToAsync(fx.Challenger));
        await fx.FinalizeAsync(result, input, withOutput: false);
        Assert.Equal(Bond + Fee - Fee * 4000 / 10000 - Fee * 500 / 10000, await V.OwedToAsync(worker));
        Assert.Equal(stakeBefore, await V.SlashableOfAsync(worker));
        await fx.AssertBooksExactAsync();
    }

    [Fact]
    public async Task Manual_game_A_wrong_result_is_slashed_the_challenger_rewarded_and_the_job_reassigned()
    {
        await fx.ResetAsync();
        var (job, worker, _, input) = await ChallengedAsync("cheater");
        var stake = await V.SlashableOfAsync(worker);
        var challengerTokens = await V.BalanceOfAsync(fx.Challenger);
        var burnedBefore = await V.BurnedAsync();

        await DecideAsync(job, workerWasRight: false);

        var slashed = stake * 5000 / 10000; // slashBps
        var reward = slashed * 5000 / 10000; // staking's slashRewardBps, paid straight to the winner
        Assert.Equal(stake - slashed, await V.SlashableOfAsync(worker));
        Assert.Equal(challengerTokens + reward, await V.BalanceOfAsync(fx.Challenger));
        Assert.Equal(Bond, await V.OwedToAsync(fx.Challenger)); // bond back, pull-based
        Assert.Equal(burnedBefore + slashed - reward, await V.BurnedAsync());

        var view = await V.JobAsync(job);
        Assert.Equal(JobStatus.Requested, view.Status);
        Assert.Equal(2, view.Attempt);
        Assert.Equal(TensorCommitment.Root(input), view.Data); // the next worker commits against the same input
        await fx.Node.MineAsync(2);
        var next = await V.DrawnWorkerAsync(job);
        Assert.NotEqual(worker, next);
        var honest = ChainFixture.HonestResult(job, input);
        await V.SubmitResultAsync(next, honest);
        await fx.FinalizeAsync(honest, input, withOutput: false);
        Assert.Equal(Fee - Fee * 4000 / 10000 - Fee * 500 / 10000, await V.OwedToAsync(next));
        Assert.Equal(BigInteger.Zero, await V.OwedToAsync(worker));
        await fx.AssertBooksExactAsync();
    }

    [Fact]
    public async Task Manual_game_A_second_lost_dispute_refunds_the_requester()
    {
        await fx.ResetAsync();
        var (job, _, _, input) = await ChallengedAsync("cheat twice");
        await DecideAsync(job, workerWasRight: false);
        await fx.Node.MineAsync(2);
        var second = await V.DrawnWorkerAsync(job);
        var wrong = ChainFixture.HonestResult(job, input) with { TraceRoot = Hash256.Of("bogus"u8) };
        await V.SubmitResultAsync(second, wrong);
        await V.ChallengeAsync(fx.Challenger, wrong, TensorCommitment.Root(input), Bond);
        var receipt = await fx.Chain.SendAsync(fx.GameAddress, new DecideFunction { JobId = job.ToBigInteger(), WorkerWasRight = false }, fx.Referee);
        Assert.Equal(JobStatus.Refunded, (await V.JobAsync(job)).Status);
        Assert.Equal(Fee, await V.OwedToAsync(fx.Requester));
        Assert.Equal(2 * Bond, await V.OwedToAsync(fx.Challenger));
        await fx.AssertBooksExactAsync();
    }

    [Fact]
    public async Task Manual_game_A_dispute_the_game_never_answers_expires_into_a_refund()
    {
        await fx.ResetAsync();
        var (job, worker, _, _) = await ChallengedAsync("silent game");
        await fx.PassDeadlineAsync(job);
        var receipt = await fx.Chain.SendAsync(V.Deployment.Market, new M.ExpireDisputeFunction { JobId = job.ToBigInteger() }, fx.Stranger);
        Assert.Single(receipt.DecodeAllEvents<M.DisputeExpiredEvent>());
        Assert.Equal(JobStatus.Refunded, (await V.JobAsync(job)).Status);
        Assert.Equal(Fee, await V.OwedToAsync(fx.Requester));
        Assert.Equal(Bond, await V.OwedToAsync(fx.Challenger));
        Assert.Equal(BigInteger.Zero, await V.OwedToAsync(worker));
        // the late answer is refused: the job has ended
        var late = await Revert.With<M.WrongStatusError>(() => DecideAsync(job, workerWasRight: false));
        Assert.Equal((int)JobStatus.Refunded, (int)late.Status);
        await fx.AssertBooksExactAsync();
    }

    [Fact]
    public async Task Manual_game_An_audited_job_gets_an_auditor_whose_confirmation_earns_the_audit_reward()
    {
        await fx.ResetAsync();
        // p = 100% for this test
        var p = MarketParams.Default with { AuditBps = 10_000 };
        await V.SetParamsAsync(fx.Owner, p);
        // fill the validator pool with one finalized (audited, unconfirmed) job first
        var (_, _, first) = await fx.CommittedJobAsync(ChainFixture.Bytes("fill the pool"));
        await fx.FinalizeAsync(first, ChainFixture.Bytes("fill the pool"), withOutput: false);

        var input = ChainFixture.Bytes("audit me");
        var (job, worker, result) = await fx.CommittedJobAsync(input);
        await fx.Node.MineAsync(1);
        var settle = await fx.Chain.SendAsync(V.Deployment.Market, new M.SettleAuditFunction { JobId = job.ToBigInteger() }, fx.Stranger);
        var selected = settle.DecodeAllEvents<M.AuditSelectedEvent>().Single().Event;
        var auditor = Address.Parse(selected.Auditor);
        Assert.NotEqual(worker, auditor);
        Assert.False(auditor.IsZero);
        var notAuditor = await Revert.With<M.NotAuditorError>(() => fx.Chain.SendAsync(V.Deployment.Market, new M.ConfirmAuditFunction { JobId = job.ToBigInteger() }, fx.Stranger));
        Assert.Equal(auditor, Address.Parse(notAuditor.Auditor));
        await fx.Chain.SendAsync(V.Deployment.Market, new M.ConfirmAuditFunction { JobId = job.ToBigInteger() }, auditor);
        var poolBefore = await V.ValidatorPoolAsync();
        var owedBefore = await V.OwedToAsync(auditor); // the auditor may have earned as a worker before (the pool's job)
        await fx.FinalizeAsync(result, input, withOutput: false);
        var reward = BigInteger.Min(p.AuditReward, poolBefore + Fee * 500 / 10000);
        Assert.Equal(reward, await V.OwedToAsync(auditor) - owedBefore);
        Assert.Equal(poolBefore + Fee * 500 / 10000 - reward, await V.ValidatorPoolAsync());
        await fx.AssertBooksExactAsync();
    }
}
