using System.Numerics;
using Nethereum.Contracts;
using Verity.Commitments;
using Verity.Chain.Tests.Generated.TestConsumer;
using M = Verity.Chain.Generated.JobMarket;

namespace Verity.Chain.Tests;

/// <summary>Contracts that request jobs get the result by a gas-limited callback; a consumer that reverts, burns all
/// its gas, returns a huge revert blob or re-enters the market cannot block finalization or take anything.</summary>
public sealed class ConsumerTests(ChainFixture fx) : IClassFixture<ChainFixture>
{
    private VerityContracts V => fx.V;
    private static readonly BigInteger Fee = ChainFixture.Fee;

    public enum Mode { Record, Revert, BurnGas, Reenter, ReturnBomb }

    private async Task<Address> DeployConsumerAsync(Mode mode)
    {
        var code = ContractArtifacts.Locate().Load("TestConsumer").Bytecode;
        var (consumer, _) = await fx.Chain.DeployAsync(new TestConsumerDeployment(code)
        {
            Market = V.Deployment.Market.Hex, Token = V.Deployment.Token.Hex, Mode = (int)mode,
        }, fx.Stranger);
        await V.TransferAsync(fx.Owner, consumer, 10 * ChainFixture.T);
        return consumer;
    }

    private async Task<(JobId Job, Address Worker, JobResult Result, byte[] Input)> ConsumerJobAsync(Address consumer, string text)
    {
        var input = ChainFixture.Bytes(text);
        var receipt = await fx.Chain.SendAsync(consumer, new RequestFunction { ModelId = ChainFixture.ModelId.ToArray(), Input = input, MaxFee = Fee }, fx.Stranger);
        var job = JobId.From(receipt.DecodeAllEvents<M.JobRequestedEvent>().Single().Event.JobId);
        await fx.Node.MineAsync(2);
        var worker = await V.DrawnWorkerAsync(job);
        var result = ChainFixture.HonestResult(job, input);
        await V.SubmitResultAsync(worker, result);
        return (job, worker, result, input);
    }

    [Fact]
    public async Task A_consumer_contract_gets_the_output_once_by_callback()
    {
        await fx.ResetAsync();
        var consumer = await DeployConsumerAsync(Mode.Record);
        var (job, _, result, input) = await ConsumerJobAsync(consumer, "call me back");

        // The callback needs the real output: a wrong one cannot finalize a contract's job.
        await fx.PassDeadlineAsync(job);
        var bad = result with { Output = [1, 2, 3] };
        var j = await V.JobAsync(job);
        if (j.Audit == AuditState.Unsettled)
            await fx.Chain.SendAsync(V.Deployment.Market, new M.SettleAuditFunction { JobId = job.ToBigInteger() }, fx.Stranger);
        await fx.PassDeadlineAsync(job);
        var e = await Revert.With<M.ResultMismatchError>(() => V.FinalizeAsync(fx.Stranger, bad, TensorCommitment.Root(input)));
        Assert.Equal(job.ToBigInteger(), e.JobId);

        await fx.FinalizeAsync(result, input);
        Assert.Equal(BigInteger.One, await fx.Chain.QueryAsync<CallsFunction, BigInteger>(consumer, new()));
        Assert.Equal(job.ToBigInteger(), await fx.Chain.QueryAsync<LastJobIdFunction, BigInteger>(consumer, new()));
        var expected = new Nethereum.ABI.ABIEncode().GetSha3ABIEncoded(
            new Nethereum.ABI.ABIValue("bytes", result.Output), new Nethereum.ABI.ABIValue("bytes32", result.TraceRoot.ToArray()));
        Assert.Equal(expected, await fx.Chain.QueryAsync<LastResultFunction, byte[]>(consumer, new()));
    }

    [Theory]
    [InlineData(Mode.Revert)]
    [InlineData(Mode.BurnGas)]
    [InlineData(Mode.ReturnBomb)]
    [InlineData(Mode.Reenter)]
    public async Task A_hostile_consumer_cannot_block_finalization_or_steal(Mode mode)
    {
        await fx.ResetAsync();
        var consumer = await DeployConsumerAsync(mode);
        var (job, worker, result, input) = await ConsumerJobAsync(consumer, $"hostile {mode}");
        var tokensBefore = await V.BalanceOfAsync(consumer);

        await fx.PassDeadlineAsync(job);
        var receipt = await V.FinalizeAsync(fx.Stranger, result, TensorCommitment.Root(input));
        if ((await V.JobAsync(job)).Status != JobStatus.Finalized) // selected for audit: once more after the window
        {
            await fx.PassDeadlineAsync(job);
            receipt = await V.FinalizeAsync(fx.Stranger, result, TensorCommitment.Root(input));
        }
        Assert.Equal(JobStatus.Finalized, (await V.JobAsync(job)).Status);
        var called = receipt.DecodeAllEvents<M.ConsumerCalledEvent>().Single().Event;
        // its callback failed (the re-entering one returns normally after its re-entries failed): nothing changed
        Assert.Equal(mode == Mode.Reenter, called.Ok);
        Assert.True(receipt.GasUsed.Value < 400_000, $"finalize used {receipt.GasUsed.Value} gas");

        // the worker was paid in full; the consumer got nothing beyond what it had, and is owed nothing
        Assert.Equal(Fee - Fee * 4000 / 10000 - Fee * 500 / 10000, await V.OwedToAsync(worker));
        Assert.Equal(tokensBefore, await V.BalanceOfAsync(consumer));
        Assert.Equal(BigInteger.Zero, await V.OwedToAsync(consumer));
        if (mode == Mode.Reenter)
        {
            Assert.False(await fx.Chain.QueryAsync<ReentryWithdrawSucceededFunction, bool>(consumer, new()));
            Assert.False(await fx.Chain.QueryAsync<ReentryFinalizeSucceededFunction, bool>(consumer, new()));
        }
        await fx.AssertBooksExactAsync();
    }

    [Fact]
    public async Task A_refunded_consumer_withdraws_its_fee()
    {
        await fx.ResetAsync();
        var consumer = await DeployConsumerAsync(Mode.Reenter);
        var input = ChainFixture.Bytes("never served");
        var receipt = await fx.Chain.SendAsync(consumer, new RequestFunction { ModelId = ChainFixture.ModelId.ToArray(), Input = input, MaxFee = Fee }, fx.Stranger);
        var job = JobId.From(receipt.DecodeAllEvents<M.JobRequestedEvent>().Single().Event.JobId);
        var before = await V.BalanceOfAsync(consumer);
        await fx.PassDeadlineAsync(job);
        await V.ExpireAsync(fx.Stranger, job);
        await fx.PassDeadlineAsync(job);
        await V.ExpireAsync(fx.Stranger, job);
        await fx.Chain.SendAsync(consumer, new WithdrawFromMarketFunction(), fx.Stranger);
        Assert.Equal(before + Fee, await V.BalanceOfAsync(consumer));
    }
}
