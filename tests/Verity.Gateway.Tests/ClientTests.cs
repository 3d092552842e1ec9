using Verity.Chain;
using Verity.Cli.Commands;
using Verity.Cli.Network;
using Verity.Client;
using Verity.Commitments;
using Verity.Engine;
using Verity.Node;

namespace Verity.Gateway.Tests;

/// <summary>The SDK on its own: submit, wait (finalizing itself), receipts, verification of honest and tampered
/// results, listing.</summary>
[Collection(GatewayCollection.Name)]
public sealed class ClientTests(GatewayWorld w)
{
    private byte[] Input(string text) => Infer.Encode(w.MiniLm, text, null).Bytes.ToArray();

    [Fact]
    public async Task An_honest_job_is_finalized_by_the_waiting_client_and_verifies_right()
    {
        var input = Input("An honest worker computed this.");
        var s = await w.Client.SubmitAsync(w.MiniLm.Id, input, Devnet.Fee);
        Assert.Equal(Devnet.Fee, s.Fee);
        Assert.Equal(TensorCommitment.Root(input), s.InputRoot);

        var receipt = await w.Client.WaitAsync(s.Job, WaitFor.Finalized, TimeSpan.FromSeconds(60));

        Assert.Equal(JobStatus.Finalized, receipt.Status);
        // Nobody else finalizes on this network: the waiting client sent it (anyone may).
        var tx = await w.Net.V.Chain.Web3.Eth.Transactions.GetTransactionByHash.SendRequestAsync(receipt.FinalizeTx);
        Assert.Equal(w.Net.Requester, Address.Parse(tx.From));
        var v = await w.Client.VerifyAsync(s.Job, w.MiniLm.Model, w.MiniLm.Id);
        Assert.True(v.Right);
        Assert.True(v.CommitmentMatches);
        var local = new Executor(w.MiniLm.Model).Run([Execution.Decode(w.MiniLm.Model, input)]);
        Assert.Equal(local.TraceRoot, v.LocalTraceRoot);
        Assert.Equal(v.PostedTraceRoot, v.LocalTraceRoot);
        Assert.Equal(Hash256.Of(local.Outputs[0].Bytes), receipt.OutputHash);
    }

    [Fact]
    public async Task A_tampered_output_or_trace_root_verifies_wrong()
    {
        var honest = Input("A dishonest worker changed this.");
        var badOutput = await w.TamperedJobAsync(honest, forgeOutput: true);
        var badTrace = await w.TamperedJobAsync(honest, forgeOutput: false);

        var v1 = await w.Client.VerifyAsync(badOutput, w.MiniLm.Model);
        Assert.False(v1.Right);
        Assert.True(v1.CommitmentMatches); // the chain did accept this wrong result
        Assert.NotEqual(v1.PostedOutputHash, v1.LocalOutputHash);
        var v2 = await w.Client.VerifyAsync(badTrace, w.MiniLm.Model);
        Assert.False(v2.Right);
        Assert.Equal(v2.PostedOutputHash, v2.LocalOutputHash);
        Assert.NotEqual(v2.PostedTraceRoot, v2.LocalTraceRoot);

        await Assert.ThrowsAsync<ArgumentException>(() => w.Client.VerifyAsync(badOutput, w.ResNet.Model, w.ResNet.Id));
    }

    [Fact]
    public async Task Jobs_lists_newest_first_with_filters()
    {
        var a = await w.Client.SubmitAsync(w.MiniLm.Id, Input("list me"), Devnet.Fee);
        await w.Client.WaitAsync(a.Job, WaitFor.Finalized, TimeSpan.FromSeconds(60));
        var b = await w.Client.SubmitAsync(w.MiniLm.Id, Input("and me"), Devnet.Fee);

        var newest = await w.Client.JobsAsync(new JobFilter(Limit: 2));
        Assert.Equal([b.Job, a.Job], newest.Select(j => j.Id));
        var finalized = await w.Client.JobsAsync(new JobFilter(Model: w.MiniLm.Id, Status: JobStatus.Finalized, Limit: 5));
        Assert.NotEmpty(finalized);
        Assert.All(finalized, j => Assert.Equal(JobStatus.Finalized, j.Status));
        Assert.Contains(a.Job, finalized.Select(j => j.Id));
        Assert.DoesNotContain(b.Job, finalized.Select(j => j.Id));
        Assert.Empty(await w.Client.JobsAsync(new JobFilter(Model: w.ResNet.Id, Requester: w.Net.Stranger)));
        await w.Client.WaitAsync(b.Job, WaitFor.Finalized, TimeSpan.FromSeconds(60));
    }
}
