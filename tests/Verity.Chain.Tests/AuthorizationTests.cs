using System.Numerics;
using Verity.Commitments;
using M = Verity.Chain.Generated.JobMarket;
using S = Verity.Chain.Generated.WorkerStaking;
using R = Verity.Chain.Generated.ModelRegistry;
using D = Verity.Chain.Generated.DatasetRegistry;

namespace Verity.Chain.Tests;

/// <summary>Unauthorised calls and calls in the wrong state revert with custom errors that carry their values.</summary>
public sealed class AuthorizationTests(ChainFixture fx) : IClassFixture<ChainFixture>
{
    private VerityContracts V => fx.V;

    [Fact]
    public async Task Only_the_drawn_worker_may_post_a_result()
    {
        await fx.ResetAsync();
        var input = ChainFixture.Bytes("who posts");
        var (job, worker) = await fx.RequestAsync(input);
        var intruder = fx.Workers.First(w => w != worker);
        var e = await Revert.With<M.NotAssignedWorkerError>(() => V.SubmitResultAsync(intruder, ChainFixture.HonestResult(job, input)));
        Assert.Equal(job.ToBigInteger(), e.JobId);
        Assert.Equal(intruder, Address.Parse(e.Caller));
        Assert.Equal(worker, Address.Parse(e.Worker));
    }

    [Fact]
    public async Task Only_the_dispute_game_may_resolve_a_dispute()
    {
        await fx.ResetAsync();
        var e = await Revert.With<M.NotDisputeGameError>(() => fx.Chain.SendAsync(V.Deployment.Market,
            new M.ResolveDisputeFunction { JobId = 1, WorkerWasRight = true }, fx.Stranger));
        Assert.Equal(fx.Stranger, Address.Parse(e.Caller));
        Assert.Equal(fx.GameAddress, Address.Parse(e.Game));
    }

    [Fact]
    public async Task Only_slashers_may_slash()
    {
        await fx.ResetAsync();
        var e = await Revert.With<S.NotSlasherError>(() => fx.Chain.SendAsync(V.Deployment.Staking,
            new S.SlashFunction { Worker = fx.Workers[0].Hex, Amount = 1, To = fx.Stranger.Hex }, fx.Stranger));
        Assert.Equal(fx.Stranger, Address.Parse(e.Caller));
    }

    [Fact]
    public async Task Only_the_owner_sets_parameters()
    {
        await fx.ResetAsync();
        var e = await Revert.With<M.OwnableUnauthorizedAccountError>(() => fx.Chain.SendAsync(V.Deployment.Market,
            new M.SetDisputeGameFunction { Game = fx.Stranger.Hex }, fx.Stranger));
        Assert.Equal(fx.Stranger, Address.Parse(e.Account));
        var s = await Revert.With<S.OwnableUnauthorizedAccountError>(() => fx.Chain.SendAsync(V.Deployment.Staking,
            new S.SetMinStakeFunction { ModelClass = 1, Amount = 0 }, fx.Stranger));
        Assert.Equal(fx.Stranger, Address.Parse(s.Account));
    }

    [Fact]
    public async Task Only_a_model_owner_changes_its_fee_and_only_a_dataset_owner_retires_it()
    {
        await fx.ResetAsync();
        var m = await Revert.With<R.NotModelOwnerError>(() => fx.Chain.SendAsync(V.Deployment.Models,
            new R.SetFeeFunction { Id = ChainFixture.ModelId.ToArray(), Fee = 1 }, fx.Stranger));
        Assert.Equal(ChainFixture.ModelId, new Hash256(m.Id));
        Assert.Equal(fx.Stranger, Address.Parse(m.Caller));
        Assert.Equal(fx.ModelOwner, Address.Parse(m.Owner));
        var d = await Revert.With<D.NotDatasetOwnerError>(() => fx.Chain.SendAsync(V.Deployment.Datasets,
            new D.RetireFunction { Id = ChainFixture.DatasetA.ToArray() }, fx.Stranger));
        Assert.Equal(fx.DatasetOwner, Address.Parse(d.Owner));
    }

    [Fact]
    public async Task Wrong_state_and_early_calls_revert_with_their_values()
    {
        await fx.ResetAsync();
        var input = ChainFixture.Bytes("early");
        await V.ApproveAsync(fx.Requester, V.Deployment.Market, ChainFixture.Fee);
        var fee = await Revert.With<M.FeeAboveMaxError>(() => fx.Chain.SendAsync(V.Deployment.Market,
            new M.RequestJobFunction { ModelId = ChainFixture.ModelId.ToArray(), Input = input, MaxFee = ChainFixture.Fee - 1 }, fx.Requester));
        Assert.Equal(ChainFixture.Fee, fee.Fee);
        Assert.Equal(ChainFixture.Fee - 1, fee.MaxFee);

        var (job, worker, result) = await fx.CommittedJobAsync(input);
        var early = await Revert.With<M.DeadlineNotReachedError>(() => V.FinalizeAsync(fx.Stranger, result, TensorCommitment.Root(input), withOutput: false));
        Assert.Equal(job.ToBigInteger(), early.JobId);
        Assert.True(early.Deadline > early.NowTs);

        var again = await Revert.With<M.WrongStatusError>(() => V.SubmitResultAsync(worker, result));
        Assert.Equal((int)JobStatus.Committed, (int)again.Status);

        var own = await Revert.With<M.CannotChallengeOwnResultError>(() => V.ChallengeAsync(worker, result, TensorCommitment.Root(input), 100 * ChainFixture.T));
        Assert.Equal(worker, Address.Parse(own.Worker));

        var wrong = await Revert.With<M.ResultMismatchError>(() => V.ChallengeAsync(fx.Challenger,
            result with { TraceRoot = Hash256.Of("other"u8) }, TensorCommitment.Root(input), 100 * ChainFixture.T));
        Assert.Equal(job.ToBigInteger(), wrong.JobId);

        var none = await Revert.With<M.NothingToWithdrawError>(() => V.WithdrawAsync(fx.Stranger));
        Assert.Equal(fx.Stranger, Address.Parse(none.Account));

        var notAudited = await Revert.With<M.NotSelectedForAuditError>(() => fx.Chain.SendAsync(V.Deployment.Market,
            new M.ConfirmAuditFunction { JobId = job.ToBigInteger() }, fx.Stranger));
        Assert.Equal(job.ToBigInteger(), notAudited.JobId);
    }

    [Fact]
    public async Task Unstaking_waits_for_its_delay()
    {
        await fx.ResetAsync();
        var w = fx.Workers[0];
        await fx.Chain.SendAsync(V.Deployment.Staking, new S.RequestUnstakeFunction { Amount = 100 * ChainFixture.T }, w);
        var e = await Revert.With<S.UnstakeNotReadyError>(() => fx.Chain.SendAsync(V.Deployment.Staking, new S.WithdrawUnstakedFunction(), w));
        Assert.Equal(w, Address.Parse(e.Worker));
        Assert.True(e.ReadyAt > e.NowTs);
        var too = await Revert.With<S.InsufficientStakeError>(() => fx.Chain.SendAsync(V.Deployment.Staking,
            new S.RequestUnstakeFunction { Amount = 1_000_000 * ChainFixture.T }, w));
        Assert.Equal(900 * ChainFixture.T, too.Available);

        var before = await V.BalanceOfAsync(w);
        await fx.Node.AdvanceAsync(TimeSpan.FromDays(7) + TimeSpan.FromSeconds(1));
        await fx.Chain.SendAsync(V.Deployment.Staking, new S.WithdrawUnstakedFunction(), w);
        Assert.Equal(before + 100 * ChainFixture.T, await V.BalanceOfAsync(w));
        await fx.AssertBooksExactAsync();
    }
}
