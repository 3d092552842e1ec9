using System.Numerics;
using Nethereum.ABI.FunctionEncoding.Attributes;
using Nethereum.Contracts;
using Verity.Commitments;
using Verity.Chain.Tests.Generated.ManualDisputeGame;
using Verity.Chain.Tests.Generated.TestConsumer;
using M = Verity.Chain.Generated.JobMarket;
using S = Verity.Chain.Generated.WorkerStaking;

namespace Verity.Chain.Tests;

/// <summary>
/// Long seeded random sequences of calls — request, submit, batch, finalize, audit, challenge, resolve (by the
/// test's manual dispute game), expire, withdraw, distribute, stake/unstake, time passing — checking after every
/// step that the market's and staking's books match their token balances exactly and every few steps that
/// all balances + burned = minted; then that every job can still be driven to an end (finalized or refunded).
/// The chain is deterministic (fixed block timestamps), so a seed replays exactly.
/// </summary>
public sealed class InvariantTests(ChainFixture fx) : IClassFixture<ChainFixture>
{
    private VerityContracts V => fx.V;

    private sealed record Tracked(JobId Job, byte[] Input, Address Requester)
    {
        public JobResult? Posted { get; set; }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public async Task Tokens_are_conserved_and_every_job_can_end(int seed)
    {
        await fx.ResetAsync();
        var rng = new Random(seed);
        var ct = new Sequence(fx, rng);
        await ct.SetUpAsync();
        for (var step = 0; step < 300; step++)
        {
            await ct.StepAsync();
            await fx.AssertBooksExactAsync();
            if (step % 10 == 0)
                await ct.AssertConservedAsync();
        }
        await ct.DrainAsync();
        await ct.AssertConservedAsync();

        // The sequence really exercised the paths it claims to (events since the world was set up).
        var seen = new Dictionary<string, int>
        {
            ["requested"] = await CountAsync<M.JobRequestedEvent>(),
            ["submitted"] = await CountAsync<M.ResultSubmittedEvent>(),
            ["finalized"] = await CountAsync<M.JobFinalizedEvent>(),
            ["reassigned"] = await CountAsync<M.JobReassignedEvent>(),
            ["refunded"] = await CountAsync<M.JobRefundedEvent>(),
            ["audited"] = await CountAsync<M.AuditSelectedEvent>(),
            ["challenged"] = await CountAsync<M.JobChallengedEvent>(),
            ["resolved"] = await CountAsync<M.DisputeResolvedEvent>(),
            ["consumer called"] = await CountAsync<M.ConsumerCalledEvent>(),
            ["withdrawn"] = await CountAsync<M.WithdrawnEvent>(),
        };
        Assert.All(seen, kv => Assert.True(kv.Value > 0, $"seed {seed}: no '{kv.Key}' in the sequence: {string.Join(", ", seen)}"));
    }

    private async Task<int> CountAsync<TEvent>() where TEvent : IEventDTO, new()
    {
        var e = fx.Chain.Web3.Eth.GetEvent<TEvent>(V.Deployment.Market.Hex);
        var logs = await e.GetAllChangesAsync(e.CreateFilterInput(
            Nethereum.RPC.Eth.DTOs.BlockParameter.CreateEarliest(), Nethereum.RPC.Eth.DTOs.BlockParameter.CreateLatest()));
        return logs.Count;
    }

    private sealed class Sequence(ChainFixture fx, Random rng)
    {
        private readonly List<Tracked> _jobs = [];
        private Address _consumer;
        private VerityContracts V => fx.V;
        private Address FourthWorker => fx.Node.Accounts[13];
        private Address[] Challengers => [fx.Challenger, fx.Node.Accounts[14]];
        private Address[] Requesters => [fx.Requester, fx.Stranger, _consumer];
        public int Counted { get; private set; }

        public async Task SetUpAsync()
        {
            var code = ContractArtifacts.Locate().Load("TestConsumer").Bytecode;
            (_consumer, _) = await fx.Chain.DeployAsync(new TestConsumerDeployment(code)
            {
                Market = V.Deployment.Market.Hex, Token = V.Deployment.Token.Hex, Mode = 0,
            }, fx.Stranger);
            await V.TransferAsync(fx.Owner, _consumer, 1_000 * ChainFixture.T);
            await V.TransferAsync(fx.Owner, FourthWorker, 10_000 * ChainFixture.T);
            await V.TransferAsync(fx.Owner, Challengers[1], 10_000 * ChainFixture.T);
            await V.SetParamsAsync(fx.Owner, MarketParams.Default with { AuditBps = 2_000 }); // audits often enough to be exercised
        }

        private T Pick<T>(IReadOnlyList<T> items) => items[rng.Next(items.Count)];

        private async Task<long> NextTimestampAsync() => await fx.Node.TimestampAsync() + 1;

        private async Task<List<(Tracked T, JobView View)>> JobsAsync(params JobStatus[] statuses)
        {
            var list = new List<(Tracked, JobView)>();
            foreach (var t in _jobs)
            {
                var v = await V.JobAsync(t.Job);
                if (statuses.Contains(v.Status))
                    list.Add((t, v));
            }
            return list;
        }

        public async Task StepAsync()
        {
            var roll = rng.Next(100);
            if (roll < 18) await RequestAsync();
            else if (roll < 30) await AdvanceAsync();
            else if (roll < 44) await SubmitAsync(batch: false);
            else if (roll < 52) await SubmitAsync(batch: true);
            else if (roll < 64) await FinalizeAsync();
            else if (roll < 70) await ChallengeAsync();
            else if (roll < 76) await ResolveAsync();
            else if (roll < 82) await ExpireAsync();
            else if (roll < 85) await ConfirmAuditAsync();
            else if (roll < 91) await WithdrawAsync();
            else if (roll < 94) await DistributeAsync();
            else await StakeAsync();
            Counted++;
        }

        private async Task RequestAsync()
        {
            var requester = Pick(Requesters);
            var input = new byte[rng.Next(1, 64)];
            rng.NextBytes(input);
            JobId job;
            if (requester == _consumer)
            {
                var r = await fx.Chain.SendAsync(_consumer, new RequestFunction { ModelId = ChainFixture.ModelId.ToArray(), Input = input, MaxFee = ChainFixture.Fee }, fx.Stranger);
                job = JobId.From(r.DecodeAllEvents<M.JobRequestedEvent>().Single().Event.JobId);
            }
            else
            {
                (job, _) = await V.RequestJobAsync(requester, ChainFixture.ModelId, input, ChainFixture.Fee);
            }
            _jobs.Add(new Tracked(job, input, requester));
        }

        private Task AdvanceAsync() => rng.Next(3) == 0
            ? fx.Node.MineAsync(rng.Next(1, 4))
            : fx.Node.AdvanceAsync(TimeSpan.FromSeconds(rng.Next(1, 4 * 3600)));

        private JobResult ResultFor(Tracked t) => rng.Next(3) == 0
            ? new JobResult(t.Job, [.. t.Input, 0xEE], Hash256.Of("wrong"u8)) // a wrong result, for challengers
            : ChainFixture.HonestResult(t.Job, t.Input);

        private async Task SubmitAsync(bool batch)
        {
            var now = await NextTimestampAsync();
            var open = (await JobsAsync(JobStatus.Requested, JobStatus.Assigned)).Where(j => j.View.Deadline > now).ToList();
            var byWorker = new Dictionary<Address, List<Tracked>>();
            foreach (var (t, _) in open)
            {
                var w = await V.DrawnWorkerAsync(t.Job);
                if (!w.IsZero)
                    (byWorker.TryGetValue(w, out var l) ? l : byWorker[w] = []).Add(t);
            }
            if (byWorker.Count == 0)
                return;
            var (worker, jobs) = Pick(byWorker.Select(kv => (kv.Key, kv.Value)).ToList());
            var chosen = batch ? jobs.Take(8).ToList() : [Pick(jobs)];
            var results = chosen.Select(ResultFor).ToList();
            if (batch)
                await V.SubmitResultsAsync(worker, results);
            else
                await V.SubmitResultAsync(worker, results[0]);
            for (var i = 0; i < chosen.Count; i++)
                chosen[i].Posted = results[i];
        }

        private async Task FinalizeAsync()
        {
            var now = await NextTimestampAsync();
            var due = (await JobsAsync(JobStatus.Committed)).Where(j => j.View.Deadline <= now).ToList();
            if (due.Count == 0)
                return;
            var (t, _) = Pick(due);
            await V.FinalizeAsync(fx.Stranger, t.Posted!, TensorCommitment.Root(t.Input), withOutput: t.Requester == _consumer);
        }

        private async Task ChallengeAsync()
        {
            var now = await NextTimestampAsync();
            var open = (await JobsAsync(JobStatus.Committed)).Where(j => j.View.Deadline > now).ToList();
            if (open.Count == 0)
                return;
            var (t, view) = Pick(open);
            var challenger = Challengers.First(c => c != view.Worker);
            await V.ChallengeAsync(challenger, t.Posted!, TensorCommitment.Root(t.Input), MarketParams.Default.ChallengeBond);
        }

        private async Task ResolveAsync()
        {
            var challenged = await JobsAsync(JobStatus.Challenged);
            if (challenged.Count == 0)
                return;
            var (t, view) = Pick(challenged);
            if (view.Deadline <= await NextTimestampAsync())
            {
                await fx.Chain.SendAsync(V.Deployment.Market, new M.ExpireDisputeFunction { JobId = t.Job.ToBigInteger() }, fx.Stranger);
                return;
            }
            // The referee stands in for the game: the honest result wins, a wrong one loses.
            var honest = t.Posted!.TraceRoot == ChainFixture.HonestResult(t.Job, t.Input).TraceRoot;
            await fx.Chain.SendAsync(fx.GameAddress, new DecideFunction { JobId = t.Job.ToBigInteger(), WorkerWasRight = honest }, fx.Referee);
            if (!honest)
                t.Posted = null;
        }

        private async Task ExpireAsync()
        {
            var now = await NextTimestampAsync();
            var late = (await JobsAsync(JobStatus.Requested, JobStatus.Assigned)).Where(j => j.View.Deadline <= now).ToList();
            if (late.Count == 0)
                return;
            await V.ExpireAsync(fx.Stranger, Pick(late).T.Job);
        }

        private async Task ConfirmAuditAsync()
        {
            var now = await NextTimestampAsync();
            var audited = (await JobsAsync(JobStatus.Committed)).Where(j => j.View.Audit == AuditState.Selected && j.View.Deadline > now).ToList();
            if (audited.Count == 0)
                return;
            var (t, _) = Pick(audited);
            var auditor = Address.Parse(await fx.Chain.QueryAsync<M.AuditorOfFunction, string>(V.Deployment.Market, new() { Arg1 = t.Job.ToBigInteger() }));
            if (!auditor.IsZero)
                await fx.Chain.SendAsync(V.Deployment.Market, new M.ConfirmAuditFunction { JobId = t.Job.ToBigInteger() }, auditor);
        }

        private async Task WithdrawAsync()
        {
            var owed = new List<Address>();
            foreach (var a in fx.Node.Accounts)
                if (await V.OwedToAsync(a) > 0)
                    owed.Add(a);
            if (owed.Count > 0)
                await V.WithdrawAsync(Pick(owed));
            else if (await V.OwedToAsync(_consumer) > 0)
                await fx.Chain.SendAsync(_consumer, new WithdrawFromMarketFunction(), fx.Stranger);
        }

        private async Task DistributeAsync()
        {
            if (await V.RoyaltyPotAsync(ChainFixture.ModelId) > 0)
                await V.DistributeRoyaltiesAsync(fx.Stranger, ChainFixture.ModelId);
            foreach (var d in new[] { ChainFixture.DatasetA, ChainFixture.DatasetB })
                if (await V.DatasetPoolAsync(d) > 0)
                    await V.DistributeDatasetAsync(fx.Stranger, d);
        }

        private async Task StakeAsync()
        {
            var w = FourthWorker;
            var info = await fx.Chain.CallAsync<S.WorkerOfFunction, S.WorkerOfOutput>(V.Deployment.Staking, new() { Worker = w.Hex });
            var serving = (await fx.Chain.QueryAsync<S.ModelsOfFunction, List<byte[]>>(V.Deployment.Staking, new() { Worker = w.Hex })).Count > 0;
            var now = await NextTimestampAsync();
            switch (rng.Next(4))
            {
                case 0 when await V.BalanceOfAsync(w) >= 500 * ChainFixture.T:
                    await V.StakeAsync(w, 500 * ChainFixture.T);
                    break;
                case 1 when info.ReturnValue1.Stake > 0:
                    await fx.Chain.SendAsync(V.Deployment.Staking, new S.RequestUnstakeFunction { Amount = info.ReturnValue1.Stake / 2 + 1 }, w);
                    break;
                case 2 when info.ReturnValue1.Unstaking > 0 && info.ReturnValue1.UnstakeReadyAt <= now:
                    await fx.Chain.SendAsync(V.Deployment.Staking, new S.WithdrawUnstakedFunction(), w);
                    break;
                case 3 when !serving && info.ReturnValue1.Stake >= ChainFixture.MinStake:
                    await V.ServeAsync(w, ChainFixture.ModelId);
                    break;
            }
        }

        /// <summary>Every job reaches Finalized or Refunded by ordinary calls; then everyone withdraws and the market
        /// holds exactly the validator pool.</summary>
        public async Task DrainAsync()
        {
            for (var round = 0; round < 40; round++)
            {
                var live = await JobsAsync(JobStatus.Requested, JobStatus.Assigned, JobStatus.Committed, JobStatus.Challenged);
                if (live.Count == 0)
                    break;
                foreach (var (t, _) in live)
                {
                    var view = await V.JobAsync(t.Job);
                    var now = await NextTimestampAsync();
                    switch (view.Status)
                    {
                        case JobStatus.Challenged:
                            await fx.Chain.SendAsync(fx.GameAddress, new DecideFunction { JobId = t.Job.ToBigInteger(), WorkerWasRight = rng.Next(2) == 0 }, fx.Referee);
                            break;
                        case JobStatus.Requested or JobStatus.Assigned when view.Deadline > now:
                            var w = await V.DrawnWorkerAsync(t.Job);
                            if (!w.IsZero)
                            {
                                t.Posted = ChainFixture.HonestResult(t.Job, t.Input);
                                await V.SubmitResultAsync(w, t.Posted);
                            }
                            break;
                        case JobStatus.Requested or JobStatus.Assigned:
                            await V.ExpireAsync(fx.Stranger, t.Job);
                            break;
                        case JobStatus.Committed when view.Deadline <= now:
                            await V.FinalizeAsync(fx.Stranger, t.Posted!, TensorCommitment.Root(t.Input), withOutput: t.Requester == _consumer);
                            break;
                    }
                }
                await fx.Node.AdvanceAsync(TimeSpan.FromHours(3));
            }
            foreach (var t in _jobs)
                Assert.Contains((await V.JobAsync(t.Job)).Status, new[] { JobStatus.Finalized, JobStatus.Refunded });

            await DistributeAsync();
            foreach (var a in fx.Node.Accounts)
                if (await V.OwedToAsync(a) > 0)
                    await V.WithdrawAsync(a);
            if (await V.OwedToAsync(_consumer) > 0)
                await fx.Chain.SendAsync(_consumer, new WithdrawFromMarketFunction(), fx.Stranger);
            var (escrow, bonds, owed) = await V.BooksAsync();
            Assert.Equal(BigInteger.Zero, escrow);
            Assert.Equal(BigInteger.Zero, bonds);
            Assert.Equal(await V.ValidatorPoolAsync(), owed);
            Assert.Equal(owed, await V.BalanceOfAsync(V.Deployment.Market));
        }

        /// <summary>sum of all balances + burned = minted (escrow, bonds, stakes and pools are contract balances).</summary>
        public async Task AssertConservedAsync()
        {
            var holders = fx.Node.Accounts.Concat([V.Deployment.Market, V.Deployment.Staking, V.Deployment.Datasets, _consumer, fx.GameAddress]);
            var sum = BigInteger.Zero;
            foreach (var h in holders)
                sum += await V.BalanceOfAsync(h);
            Assert.Equal(await V.MintedAsync(), sum + await V.BurnedAsync());
        }
    }
}
