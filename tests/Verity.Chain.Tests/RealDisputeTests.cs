using System.Numerics;
using Nethereum.Contracts;
using Verity.Chain.Dispute;
using Verity.Commitments;
using Xunit.Abstractions;
using G = Verity.Chain.Generated.DisputeGame;
using M = Verity.Chain.Generated.JobMarket;

namespace Verity.Chain.Tests;

/// <summary>
/// Full disputes over a real MiniLM job on anvil, played by <see cref="DisputePlayer"/> from both parties' engine
/// executions and decided by the on-chain one-step check: a cheater that changed one element of a matrix-product
/// (Linear) output, and one that changed one element of a non-linear (LayerNorm) output, is slashed; a false
/// challenge against an honest worker loses its bond. Balances to the wei.
/// </summary>
public sealed class RealDisputeTests(MiniLmDisputeFixture fx, ITestOutputHelper log) : IClassFixture<MiniLmDisputeFixture>
{
    private static readonly BigInteger Bond = MarketParams.Default.ChallengeBond;
    private VerityContracts V => fx.V;

    private async Task<DisputeOutcome> CheaterIsSlashedAsync(int op, int element)
    {
        await fx.ResetAsync();
        var (cheat, output) = fx.M.Cheat(op, element);
        var (job, worker, _) = await fx.ChallengedAsync(cheat, output);
        var stake = await V.SlashableOfAsync(worker);
        var challengerTokens = await V.BalanceOfAsync(fx.Challenger);
        var burned = await V.BurnedAsync();

        var outcome = await new DisputePlayer(fx.Chain, fx.Game, fx.M.Dispute)
            .PlayAsync(job, new DisputeParty(worker, cheat), new DisputeParty(fx.Challenger, fx.M.Honest));
        Log(outcome);

        Assert.False(outcome.WorkerWasRight);
        Assert.Equal(op, outcome.Op);
        Assert.Equal(element * fx.M.Dispute.DtypeOf(op) / TensorCommitment.ChunkBytes, outcome.ChunkIndex);
        var slashed = stake * 5000 / 10000; // slashBps
        var reward = slashed * 5000 / 10000; // slashRewardBps
        Assert.Equal(stake - slashed, await V.SlashableOfAsync(worker));
        Assert.Equal(challengerTokens + reward, await V.BalanceOfAsync(fx.Challenger));
        Assert.Equal(Bond, await V.OwedToAsync(fx.Challenger));
        Assert.Equal(BigInteger.Zero, await V.OwedToAsync(worker));
        Assert.Equal(burned + slashed - reward, await V.BurnedAsync());
        var view = await V.JobAsync(job);
        Assert.Equal(JobStatus.Requested, view.Status); // reassigned
        Assert.Equal(2, view.Attempt);
        var check = outcome.Receipts[^1].DecodeAllEvents<G.OneStepCheckedEvent>().Single().Event;
        Assert.NotEqual(check.Claimed, check.Computed);
        await fx.AssertBooksExactAsync();
        return outcome;
    }

    [Fact]
    public async Task A_wrong_result_selected_for_audit_is_challenged_by_its_auditor_and_slashed_through_the_game()
    {
        await fx.ResetAsync();
        var p = MarketParams.Default with { AuditBps = 10_000 }; // every result is audited in this test
        await fx.Chain.SendAsync(V.Deployment.Market, new M.SetParamsFunction { P = new M.Params
        {
            ResultTimeout = p.ResultTimeout, ChallengeWindow = p.ChallengeWindow, AuditWindow = p.AuditWindow, DisputeTimeout = p.DisputeTimeout,
            AuditBps = p.AuditBps, ValidatorBps = p.ValidatorBps, SlashBps = p.SlashBps, ChallengeBond = p.ChallengeBond, AuditReward = p.AuditReward,
        } }, fx.Owner);
        var (cheat, output) = fx.M.Cheat(fx.M.FindOp(1), 11);
        var (job, _) = await V.RequestJobAsync(fx.Requester, fx.M.Id, fx.M.InputBytes, MiniLmDisputeFixture.Fee);
        await fx.Node.MineAsync(2);
        var worker = await V.DrawnWorkerAsync(job);
        var result = new JobResult(job, output, cheat.Root);
        await V.SubmitResultAsync(worker, result);
        await fx.Node.MineAsync(1);

        var settle = await fx.Chain.SendAsync(V.Deployment.Market, new M.SettleAuditFunction { JobId = job.ToBigInteger() }, fx.Stranger);
        var auditor = Address.Parse(settle.DecodeAllEvents<M.AuditSelectedEvent>().Single().Event.Auditor);
        Assert.NotEqual(worker, auditor);
        // The auditor re-executes (fx.M.Honest is its own engine run), sees a different trace root and challenges.
        Assert.NotEqual(fx.M.Honest.Root, cheat.Root);
        await V.ChallengeAsync(auditor, result, TensorCommitment.Root(fx.M.InputBytes), Bond);
        var stake = await V.SlashableOfAsync(worker);
        var auditorTokens = await V.BalanceOfAsync(auditor);

        var outcome = await new DisputePlayer(fx.Chain, fx.Game, fx.M.Dispute)
            .PlayAsync(job, new DisputeParty(worker, cheat), new DisputeParty(auditor, fx.M.Honest));
        Log(outcome);

        Assert.False(outcome.WorkerWasRight);
        var slashed = stake * 5000 / 10000;
        Assert.Equal(stake - slashed, await V.SlashableOfAsync(worker));
        Assert.Equal(auditorTokens + slashed * 5000 / 10000, await V.BalanceOfAsync(auditor));
        Assert.Equal(JobStatus.Requested, (await V.JobAsync(job)).Status); // reassigned
        await fx.AssertBooksExactAsync();
    }

    [Fact]
    public async Task A_worker_that_changed_one_element_of_a_Linear_output_is_slashed_through_the_game()
    {
        int op = fx.M.FindOp(1);
        await CheaterIsSlashedAsync(op, 5);
    }

    [Fact]
    public async Task A_worker_that_changed_one_element_of_a_LayerNorm_output_is_slashed_through_the_game()
    {
        int op = fx.M.FindOp(7, e => OpHeader.Parse(e).Inputs.Length == 2);
        await CheaterIsSlashedAsync(op, 700);
    }

    [Fact]
    public async Task A_worker_that_changed_one_element_of_the_Embed_output_is_slashed_the_one_step_reading_the_job_input()
    {
        await CheaterIsSlashedAsync(fx.M.FindOp(12), 1000);
    }

    [Fact]
    public async Task A_worker_that_changed_one_element_of_an_Attention_output_is_slashed_through_the_game()
    {
        await CheaterIsSlashedAsync(fx.M.FindOp(15), 1500);
    }

    /// <summary>The other op kinds of MiniLM: the pooler's tanh (Lut), a head-split Reshape, the [CLS] Gather and the
    /// mean over tokens (ReduceMean, the sentence embedding itself).</summary>
    [Theory]
    [InlineData(5, 17)]
    [InlineData(9, 600)]
    [InlineData(13, 200)]
    [InlineData(14, 300)]
    public async Task A_worker_that_changed_one_element_of_any_other_MiniLM_op_kind_is_slashed(int kind, int element)
    {
        await CheaterIsSlashedAsync(fx.M.FindOp(kind), element);
    }

    [Fact]
    public async Task A_false_challenge_against_an_honest_worker_loses_its_bond_at_the_one_step()
    {
        await fx.ResetAsync();
        var (job, worker, result) = await fx.ChallengedAsync(fx.M.Honest, fx.M.HonestOutput);
        var stake = await V.SlashableOfAsync(worker);
        var challengerTokens = await V.BalanceOfAsync(fx.Challenger);
        var (lie, _) = fx.M.Cheat(fx.M.FindOp(1, e => e.Length > 200_000), 3); // a Linear with a fused GELU table

        var outcome = await new DisputePlayer(fx.Chain, fx.Game, fx.M.Dispute)
            .PlayAsync(job, new DisputeParty(worker, fx.M.Honest), new DisputeParty(fx.Challenger, lie));
        Log(outcome);

        Assert.True(outcome.WorkerWasRight);
        var check = outcome.Receipts[^1].DecodeAllEvents<G.OneStepCheckedEvent>().Single().Event;
        Assert.Equal(check.Claimed, check.Computed);
        Assert.Equal(Bond, await V.OwedToAsync(worker));
        Assert.Equal(BigInteger.Zero, await V.OwedToAsync(fx.Challenger));
        Assert.Equal(challengerTokens, await V.BalanceOfAsync(fx.Challenger));
        Assert.Equal(stake, await V.SlashableOfAsync(worker));
        Assert.Equal(JobStatus.Committed, (await V.JobAsync(job)).Status);
        Assert.Equal(result.TraceRoot, fx.M.Honest.Root);
        await fx.AssertBooksExactAsync();
    }

    [Fact]
    public async Task A_challenger_that_does_not_move_loses_by_timeout()
    {
        await fx.ResetAsync();
        var (job, worker, _) = await fx.ChallengedAsync(fx.M.Honest, fx.M.HonestOutput);
        await Revert.With<G.DeadlineNotReachedError>(() => fx.Chain.SendAsync(fx.Game, new G.TimeoutFunction { JobId = job.ToBigInteger() }, fx.Stranger));
        await Revert.With<G.NotYourMoveError>(() => fx.Chain.SendAsync(fx.Game, new G.CommitTraceFunction { JobId = job.ToBigInteger(), TraceRoot = new byte[32] }, fx.Stranger));
        var same = await Revert.With<G.SameTraceRootError>(() => fx.Chain.SendAsync(fx.Game, new G.CommitTraceFunction { JobId = job.ToBigInteger(), TraceRoot = fx.M.Honest.Root.ToArray() }, fx.Challenger));
        Assert.Equal(fx.M.Honest.Root.ToArray(), same.TraceRoot);
        await fx.Node.AdvanceAsync(TimeSpan.FromSeconds(601));
        var receipt = await fx.Chain.SendAsync(fx.Game, new G.TimeoutFunction { JobId = job.ToBigInteger() }, fx.Stranger);
        Assert.Equal(fx.Challenger, Address.Parse(receipt.DecodeAllEvents<G.DisputeTimedOutEvent>().Single().Event.Loser));
        Assert.Equal(Bond, await V.OwedToAsync(worker));
        await fx.AssertBooksExactAsync();
    }

    [Fact]
    public async Task A_worker_that_posts_an_output_its_own_trace_contradicts_is_slashed_by_the_output_check()
    {
        await fx.ResetAsync();
        var output = fx.M.HonestOutput;
        output[10] ^= 1;
        var (job, worker, _) = await fx.ChallengedAsync(fx.M.Honest, output); // honest trace, tampered output
        var stake = await V.SlashableOfAsync(worker);

        var outcome = await new DisputePlayer(fx.Chain, fx.Game, fx.M.Dispute)
            .PlayAsync(job, new DisputeParty(worker, fx.M.Honest, output), new DisputeParty(fx.Challenger, fx.M.Honest));
        Log(outcome);

        Assert.False(outcome.WorkerWasRight);
        Assert.Equal(fx.M.Dispute.OutputOp, outcome.Op);
        Assert.Single(outcome.Receipts);
        Assert.Equal(stake - stake / 2, await V.SlashableOfAsync(worker));
        Assert.Equal(Bond, await V.OwedToAsync(fx.Challenger));
        await fx.AssertBooksExactAsync();
    }

    [Fact]
    public async Task An_output_challenge_against_a_matching_output_loses_its_bond()
    {
        await fx.ResetAsync();
        var (job, worker, _) = await fx.ChallengedAsync(fx.M.Honest, fx.M.HonestOutput);
        var outcome = await new DisputePlayer(fx.Chain, fx.Game, fx.M.Dispute)
            .PlayAsync(job, new DisputeParty(worker, fx.M.Honest, fx.M.HonestOutput), new DisputeParty(fx.Challenger, fx.M.Honest));
        Assert.True(outcome.WorkerWasRight);
        Assert.Equal(Bond, await V.OwedToAsync(worker));
        await Revert.With<G.WrongPhaseError>(() => fx.Chain.SendAsync(fx.Game, new G.TimeoutFunction { JobId = job.ToBigInteger() }, fx.Stranger));
        await fx.AssertBooksExactAsync();
    }

    [Fact]
    public async Task Moves_out_of_turn_or_that_do_not_match_the_mover_s_commitments_revert_with_their_values()
    {
        await fx.ResetAsync();
        var (cheat, output) = fx.M.Cheat(fx.M.FindOp(1), 5);
        var (job, worker, _) = await fx.ChallengedAsync(cheat, output);
        var id = job.ToBigInteger();
        var player = new DisputePlayer(fx.Chain, fx.Game, fx.M.Dispute);
        DisputeParty w = new(worker, cheat), c = new(fx.Challenger, fx.M.Honest);

        await player.PlayUntilAsync(job, w, c, DisputePhase.Trace);
        var early = await Revert.With<G.NotYourMoveError>(() => fx.Chain.SendAsync(fx.Game, new G.BisectFunction { JobId = id, Left = new byte[32], Right = new byte[32] }, fx.Challenger));
        Assert.Equal(worker, Address.Parse(early.Mover));
        var bad = await Revert.With<G.RevealInvalidError>(() => fx.Chain.SendAsync(fx.Game, new G.BisectFunction { JobId = id, Left = new byte[32], Right = new byte[32] }, worker));
        Assert.Equal(cheat.Root.ToArray(), bad.Node);
        await Revert.With<G.WrongPhaseError>(() => fx.Chain.SendAsync(fx.Game, new G.RevealOpRootFunction { JobId = id, OpRoot = new byte[32], Lengths = [], Input = [] }, worker));

        await player.PlayUntilAsync(job, w, c, DisputePhase.OpRoot);
        var forged = (byte[])fx.M.Dispute.Lengths.Clone();
        forged[DisputeModel.RuleBytes * fx.M.FindOp(1) + 11] ^= 1;
        await Revert.With<G.LengthsInvalidError>(() => fx.Chain.SendAsync(fx.Game, new G.RevealOpRootFunction
        {
            JobId = id, OpRoot = cheat.OpRoots[fx.M.FindOp(1)].ToArray(), Lengths = forged, Input = fx.M.InputBytes,
        }, worker));
        await Revert.With<G.OpRootInvalidError>(() => fx.Chain.SendAsync(fx.Game, new G.RevealOpRootFunction
        {
            JobId = id, OpRoot = fx.M.Honest.OpRoots[fx.M.FindOp(1)].ToArray(), Lengths = fx.M.Dispute.Lengths, Input = fx.M.InputBytes,
        }, worker));

        // the worker stops answering: after its deadline anyone ends the game against it
        await fx.Node.AdvanceAsync(TimeSpan.FromSeconds(601));
        var late = await Revert.With<G.DeadlinePassedError>(() => fx.Chain.SendAsync(fx.Game, new G.RevealOpRootFunction
        {
            JobId = id, OpRoot = cheat.OpRoots[fx.M.FindOp(1)].ToArray(), Lengths = fx.M.Dispute.Lengths, Input = fx.M.InputBytes,
        }, worker));
        Assert.Equal(id, late.JobId);
        var receipt = await fx.Chain.SendAsync(fx.Game, new G.TimeoutFunction { JobId = id }, fx.Stranger);
        Assert.Equal(worker, Address.Parse(receipt.DecodeAllEvents<G.DisputeTimedOutEvent>().Single().Event.Loser));
        Assert.Equal(JobStatus.Requested, (await V.JobAsync(job)).Status);
        Assert.Equal(Bond, await V.OwedToAsync(fx.Challenger));
        await fx.AssertBooksExactAsync();
    }

    [Fact]
    public async Task A_cheater_that_does_not_reveal_its_disputed_chunk_loses_by_timeout_and_is_slashed()
    {
        await fx.ResetAsync();
        var (cheat, output) = fx.M.Cheat(fx.M.FindOp(1), 5);
        var (job, worker, _) = await fx.ChallengedAsync(cheat, output);
        var id = job.ToBigInteger();
        var stake = await V.SlashableOfAsync(worker);
        var player = new DisputePlayer(fx.Chain, fx.Game, fx.M.Dispute);
        DisputeParty w = new(worker, cheat), c = new(fx.Challenger, fx.M.Honest);

        // the bisections end at the chunk: now only the worker can move, and only with the bytes of its leaf
        await player.PlayUntilAsync(job, w, c, DisputePhase.Reveal);
        var g = await player.StateAsync(job);
        Assert.False(g.ChallengerMoves);
        await Revert.With<G.NotYourMoveError>(() => fx.Chain.SendAsync(fx.Game, new G.RevealChunkFunction { JobId = id, Chunk = [1] }, fx.Challenger));
        var honestChunk = TensorCommitment.Chunk(fx.M.Honest.Outputs[(int)g.Op], (int)g.Start).ToArray();
        var wrong = await Revert.With<G.ChunkInvalidError>(() => fx.Chain.SendAsync(fx.Game, new G.RevealChunkFunction { JobId = id, Chunk = honestChunk }, worker));
        Assert.Equal(g.WorkerNode, wrong.Node);
        await Revert.With<G.DeadlineNotReachedError>(() => fx.Chain.SendAsync(fx.Game, new G.TimeoutFunction { JobId = id }, fx.Stranger));

        // the worker withholds the chunk: after its deadline anyone ends the game against it
        await fx.Node.AdvanceAsync(TimeSpan.FromSeconds(601));
        var receipt = await fx.Chain.SendAsync(fx.Game, new G.TimeoutFunction { JobId = id }, fx.Stranger);
        Assert.Equal(worker, Address.Parse(receipt.DecodeAllEvents<G.DisputeTimedOutEvent>().Single().Event.Loser));
        Assert.False(receipt.DecodeAllEvents<G.DisputeEndedEvent>().Single().Event.WorkerWasRight);
        Assert.Equal(stake - stake * 5000 / 10000, await V.SlashableOfAsync(worker)); // slashBps
        Assert.Equal(JobStatus.Requested, (await V.JobAsync(job)).Status);
        Assert.Equal(Bond, await V.OwedToAsync(fx.Challenger));
        await fx.AssertBooksExactAsync();
    }

    private void Log(DisputeOutcome o) => log.WriteLine(
        $"dispute: op {o.Op}, chunk {o.ChunkIndex}, element {o.ElementInChunk}, {o.Receipts.Count} txs, total gas {o.TotalGas:N0}, " +
        $"largest tx {o.MaxTxGas:N0}, one-step {(long)o.Receipts[^1].GasUsed.Value:N0}");
}
