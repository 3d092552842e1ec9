using System.Numerics;
using Nethereum.Contracts;
using Verity.Commitments;
using M = Verity.Chain.Generated.JobMarket;
using S = Verity.Chain.Generated.WorkerStaking;

namespace Verity.Chain.Tests;

public sealed class JobLifecycleTests(ChainFixture fx) : IClassFixture<ChainFixture>
{
    private VerityContracts V => fx.V;
    private static readonly BigInteger Fee = ChainFixture.Fee;

    [Fact]
    public async Task A_job_requested_by_input_root_commits_to_the_same_root_as_one_requested_with_its_bytes()
    {
        await fx.ResetAsync();
        var input = new byte[2500]; // three chunks
        new Random(4).NextBytes(input);
        var root = TensorCommitment.Root(input);
        var (byBytes, r1) = await V.RequestJobAsync(fx.Requester, ChainFixture.ModelId, input, Fee);
        var e1 = r1.DecodeAllEvents<M.JobRequestedEvent>().Single().Event;
        Assert.Equal(root.ToArray(), e1.InputRoot);
        Assert.Equal(input, e1.Input);
        var (byRoot, r2) = await V.RequestJobByRootAsync(fx.Requester, ChainFixture.ModelId, root, Fee);
        var e2 = r2.DecodeAllEvents<M.JobRequestedEvent>().Single().Event;
        Assert.Equal(root.ToArray(), e2.InputRoot);
        Assert.Empty(e2.Input);
        Assert.Equal(root, (await V.JobAsync(byBytes)).Data);
        Assert.Equal(root, (await V.JobAsync(byRoot)).Data);
        Assert.Equal(TensorCommitment.Root([]), (await V.JobAsync((await V.RequestJobAsync(fx.Requester, ChainFixture.ModelId, [], Fee)).Job)).Data);

        await fx.Node.MineAsync(2);
        var worker = await V.DrawnWorkerAsync(byRoot);
        var result = ChainFixture.HonestResult(byRoot, input);
        await V.SubmitResultAsync(worker, result);
        await fx.FinalizeAsync(result, input, withOutput: false);
        Assert.Equal(JobStatus.Finalized, (await V.JobAsync(byRoot)).Status);
        await fx.AssertBooksExactAsync();
    }

    [Fact]
    public async Task An_honest_job_pays_exactly_the_configured_split_to_the_wei()
    {
        await fx.ResetAsync();
        var input = ChainFixture.Bytes("split me");
        var requesterBefore = await V.BalanceOfAsync(fx.Requester);
        var (job, worker, result) = await fx.CommittedJobAsync(input);
        Assert.Equal(requesterBefore - Fee, await V.BalanceOfAsync(fx.Requester));
        await fx.FinalizeAsync(result, input, withOutput: false);

        // finalize: royalty pot = fee * (20% owner + 15% A + 5% B), validator pool = fee * 5%, worker the rest
        var royalty = Fee * 4000 / 10000;
        var validator = Fee * 500 / 10000;
        var workerCut = Fee - royalty - validator;
        Assert.Equal(workerCut, await V.OwedToAsync(worker));
        Assert.Equal(royalty, await V.RoyaltyPotAsync(ChainFixture.ModelId));
        Assert.Equal(validator, await V.ValidatorPoolAsync());

        // royalties by lineage: A 1500/4000, B 500/4000 of the pot, the owner the rest (its 2000/4000 plus dust)
        await V.DistributeRoyaltiesAsync(fx.Stranger, ChainFixture.ModelId);
        var toA = royalty * 1500 / 4000;
        var toB = royalty * 500 / 4000;
        var toOwner = royalty - toA - toB;
        Assert.Equal(toOwner, await V.OwedToAsync(fx.ModelOwner));
        Assert.Equal(toA, await V.DatasetPoolAsync(ChainFixture.DatasetA));
        Assert.Equal(toB, await V.DatasetPoolAsync(ChainFixture.DatasetB));

        // datasets by contributor shares: A1 70% (plus dust, first contributor), A2 30%; B one contributor
        await V.DistributeDatasetAsync(fx.Stranger, ChainFixture.DatasetA);
        await V.DistributeDatasetAsync(fx.Stranger, ChainFixture.DatasetB);
        var a2 = toA * 3000 / 10000;
        Assert.Equal(toA - a2, await V.OwedToAsync(fx.ContributorA1));
        Assert.Equal(a2, await V.OwedToAsync(fx.ContributorA2));
        Assert.Equal(toB, await V.OwedToAsync(fx.ContributorB));

        // every payee withdraws exactly what it was owed
        foreach (var (who, amount) in new[] { (worker, workerCut), (fx.ModelOwner, toOwner), (fx.ContributorA1, toA - a2), (fx.ContributorA2, a2), (fx.ContributorB, toB) })
        {
            var before = await V.BalanceOfAsync(who);
            await V.WithdrawAsync(who);
            Assert.Equal(before + amount, await V.BalanceOfAsync(who));
            Assert.Equal(BigInteger.Zero, await V.OwedToAsync(who));
        }
        Assert.Equal(workerCut + toOwner + toA + toB + validator, Fee);
        var (escrow, bonds, owed) = await V.BooksAsync();
        Assert.Equal((BigInteger.Zero, BigInteger.Zero, validator), (escrow, bonds, owed));
        await fx.AssertBooksExactAsync();
    }

    [Fact]
    public async Task A_worker_posts_many_results_in_one_transaction()
    {
        await fx.ResetAsync();
        var jobs = new List<(JobId Job, byte[] Input)>();
        for (var i = 0; i < 12; i++)
        {
            var input = ChainFixture.Bytes($"batch {i}");
            var (job, _) = await V.RequestJobAsync(fx.Requester, ChainFixture.ModelId, input, Fee);
            jobs.Add((job, input));
        }
        await fx.Node.MineAsync(2);
        var byWorker = new Dictionary<Address, List<(JobId Job, byte[] Input)>>();
        foreach (var j in jobs)
        {
            var w = await V.DrawnWorkerAsync(j.Job);
            (byWorker.TryGetValue(w, out var list) ? list : byWorker[w] = []).Add(j);
        }
        Assert.True(byWorker.Count >= 2, "stake-weighted draws over 12 jobs should reach more than one worker");
        foreach (var (worker, mine) in byWorker)
        {
            var receipt = await V.SubmitResultsAsync(worker, mine.Select(j => ChainFixture.HonestResult(j.Job, j.Input)).ToList());
            Assert.Equal(mine.Count, receipt.DecodeAllEvents<M.ResultSubmittedEvent>().Count);
        }
        foreach (var j in jobs)
        {
            var view = await V.JobAsync(j.Job);
            Assert.Equal(JobStatus.Committed, view.Status);
            await fx.FinalizeAsync(ChainFixture.HonestResult(j.Job, j.Input), j.Input, withOutput: false);
        }
        await fx.AssertBooksExactAsync();

        // a batch is all-or-nothing: one foreign job makes the whole batch revert, naming it
        var (a, wa) = await fx.RequestAsync(ChainFixture.Bytes("mine"));
        JobId b;
        Address wb;
        do (b, wb) = await fx.RequestAsync(ChainFixture.Bytes($"theirs {Guid.NewGuid()}")); while (wb == wa);
        var e = await Revert.With<M.NotAssignedWorkerError>(() => V.SubmitResultsAsync(wa,
            [ChainFixture.HonestResult(a, ChainFixture.Bytes("mine")), ChainFixture.HonestResult(b, [])]));
        Assert.Equal(b.ToBigInteger(), e.JobId);
        Assert.Equal(JobStatus.Requested, (await V.JobAsync(a)).Status);
    }

    [Fact]
    public async Task A_missed_result_deadline_reassigns_to_another_worker_who_can_deliver()
    {
        await fx.ResetAsync();
        var input = ChainFixture.Bytes("slow worker");
        var (job, first) = await fx.RequestAsync(input);
        var early = await Revert.With<M.DeadlineNotReachedError>(() => V.ExpireAsync(fx.Stranger, job));
        Assert.Equal(job.ToBigInteger(), early.JobId);
        await fx.PassDeadlineAsync(job);
        var late = await Revert.With<M.DeadlinePassedError>(() => V.SubmitResultAsync(first, ChainFixture.HonestResult(job, input)));
        Assert.Equal(job.ToBigInteger(), late.JobId);

        var receipt = await V.ExpireAsync(fx.Stranger, job);
        var ev = receipt.DecodeAllEvents<M.JobReassignedEvent>().Single().Event;
        Assert.Equal(first, Address.Parse(ev.Excluded));
        Assert.Equal(2, (int)ev.Attempt);
        await fx.Node.MineAsync(2);
        var second = await V.DrawnWorkerAsync(job);
        Assert.NotEqual(first, second);
        Assert.False(second.IsZero);
        await V.SubmitResultAsync(second, ChainFixture.HonestResult(job, input));
        await fx.FinalizeAsync(ChainFixture.HonestResult(job, input), input, withOutput: false);
        Assert.Equal(Fee - Fee * 4000 / 10000 - Fee * 500 / 10000, await V.OwedToAsync(second));
        Assert.Equal(BigInteger.Zero, await V.OwedToAsync(first));
        await fx.AssertBooksExactAsync();
    }

    [Fact]
    public async Task Two_missed_deadlines_refund_the_requester_in_full()
    {
        await fx.ResetAsync();
        var before = await V.BalanceOfAsync(fx.Requester);
        var (job, _) = await fx.RequestAsync(ChainFixture.Bytes("nobody delivers"));
        await fx.PassDeadlineAsync(job);
        await V.ExpireAsync(fx.Stranger, job);
        await fx.PassDeadlineAsync(job);
        var receipt = await V.ExpireAsync(fx.Stranger, job);
        Assert.Equal(Fee, receipt.DecodeAllEvents<M.JobRefundedEvent>().Single().Event.Fee);
        Assert.Equal(JobStatus.Refunded, (await V.JobAsync(job)).Status);
        await V.WithdrawAsync(fx.Requester);
        Assert.Equal(before, await V.BalanceOfAsync(fx.Requester));
        var done = await Revert.With<M.WrongStatusError>(() => V.ExpireAsync(fx.Stranger, job));
        Assert.Equal((int)JobStatus.Refunded, (int)done.Status);
        await fx.AssertBooksExactAsync();
    }

    [Fact]
    public async Task A_job_nobody_is_eligible_for_ends_in_a_refund()
    {
        await fx.ResetAsync();
        // Governance raises the minimum stake above every worker's: nobody can be drawn.
        await V.SetMinStakeAsync(ChainFixture.ModelClass, 1_000_000 * ChainFixture.T);
        var (job, _) = await V.RequestJobAsync(fx.Requester, ChainFixture.ModelId, ChainFixture.Bytes("orphan"), Fee);
        await fx.Node.MineAsync(2);
        Assert.True((await V.DrawnWorkerAsync(job)).IsZero);
        var e = await Revert.With<M.NoEligibleWorkerError>(() => fx.Chain.SendAsync(V.Deployment.Market, new M.AssignFunction { JobId = job.ToBigInteger() }, fx.Stranger));
        Assert.Equal(ChainFixture.ModelId, new Hash256(e.ModelId));
        await fx.PassDeadlineAsync(job);
        await V.ExpireAsync(fx.Stranger, job);
        await fx.PassDeadlineAsync(job);
        await V.ExpireAsync(fx.Stranger, job);
        Assert.Equal(JobStatus.Refunded, (await V.JobAsync(job)).Status);
        Assert.Equal(Fee, await V.OwedToAsync(fx.Requester));
    }

    [Fact]
    public async Task A_draw_whose_seed_block_hash_is_lost_waits_for_its_deadline_and_is_redrawn()
    {
        await fx.ResetAsync();
        var input = ChainFixture.Bytes("forgotten");
        var (job, _) = await V.RequestJobAsync(fx.Requester, ChainFixture.ModelId, input, Fee);
        await fx.Node.MineAsync(300); // the EVM only serves the last 256 block hashes
        Assert.True((await V.DrawnWorkerAsync(job)).IsZero);
        var e = await Revert.With<M.SeedNotAvailableError>(() => fx.Chain.SendAsync(V.Deployment.Market, new M.AssignFunction { JobId = job.ToBigInteger() }, fx.Stranger));
        Assert.Equal(job.ToBigInteger(), e.JobId);
        await fx.PassDeadlineAsync(job);
        await V.ExpireAsync(fx.Stranger, job);
        await fx.Node.MineAsync(2);
        var worker = await V.DrawnWorkerAsync(job);
        Assert.False(worker.IsZero);
        await V.SubmitResultAsync(worker, ChainFixture.HonestResult(job, input));
        await fx.FinalizeAsync(ChainFixture.HonestResult(job, input), input, withOutput: false);
    }

    [Fact]
    public async Task Draws_follow_stake()
    {
        await fx.ResetAsync();
        // 3,000 seeds through the staking contract's own draw: stakes 1:2:3 → expected 500/1000/1500.
        var counts = new Dictionary<Address, int>();
        var tasks = Enumerable.Range(0, 3000).Select(i => fx.Chain.QueryAsync<S.SelectFunction, string>(V.Deployment.Staking, new S.SelectFunction
        {
            ModelId = ChainFixture.ModelId.ToArray(), Seed = Hash256.Of(BitConverter.GetBytes(i)).ToArray(), Exclude = Address.Zero.Hex,
        }));
        foreach (var w in await Task.WhenAll(tasks))
            counts[Address.Parse(w)] = counts.GetValueOrDefault(Address.Parse(w)) + 1;
        for (var i = 0; i < 3; i++)
        {
            var expected = 500 * (i + 1);
            Assert.InRange(counts.GetValueOrDefault(fx.Workers[i]), expected * 0.85, expected * 1.15);
        }
    }
}
