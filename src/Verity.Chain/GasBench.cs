using System.Numerics;
using System.Text.Json;
using System.Text.Json.Serialization;
using Nethereum.Contracts;
using Nethereum.RPC.Eth.DTOs;
using Verity.Commitments;

namespace Verity.Chain;

/// <summary>Gas used by the job market's steps, measured on a fresh anvil (see <see cref="GasBench"/>).</summary>
public sealed record GasReport(
    [property: JsonPropertyName("request")] long Request,
    [property: JsonPropertyName("result")] long Result,
    [property: JsonPropertyName("finalize")] long Finalize,
    [property: JsonPropertyName("single_job_total")] long SingleJobTotal,
    [property: JsonPropertyName("batch32_total")] long Batch32Total,
    [property: JsonPropertyName("batch32_per_job")] long Batch32PerJob,
    [property: JsonPropertyName("input_bytes")] int InputBytes,
    [property: JsonPropertyName("output_bytes")] int OutputBytes,
    [property: JsonPropertyName("servers")] int Servers,
    [property: JsonPropertyName("hardfork")] string Hardfork)
{
    public string ToJson() => JsonSerializer.Serialize(this, new JsonSerializerOptions { WriteIndented = true });

    public string ToText() => string.Join(Environment.NewLine,
        $"gas (anvil {Hardfork}, input {InputBytes} B, output {OutputBytes} B, {Servers} workers serving the model):",
        $"  request           {Request,10:N0}",
        $"  result            {Result,10:N0}",
        $"  finalize          {Finalize,10:N0}",
        $"  single_job_total  {SingleJobTotal,10:N0}",
        $"  batch32_total     {Batch32Total,10:N0}",
        $"  batch32_per_job   {Batch32PerJob,10:N0}",
        "  (dispute figures come with the dispute game)");
}

/// <summary>
/// Deploys the contracts to a fresh anvil and measures the gas of one job's request, result and finalization, and
/// the per-job cost of posting 32 results in one transaction. Steady state: a warm-up job runs first, so the
/// counters and the payees' balances are already non-zero, as they are on a chain in use. The model has one
/// dataset with two contributors, and is served by three workers; the requester is an account (no callback).
/// </summary>
public static class GasBench
{
    public const int InputBytes = 256; // e.g. 64 int32 token ids
    public const int OutputBytes = 384; // e.g. a 384-dim int8 embedding

    public static async Task<GasReport> RunAsync(TextWriter? log = null, CancellationToken ct = default)
    {
        await using var node = await AnvilNode.StartAsync(accounts: 10, cancellationToken: ct).ConfigureAwait(false);
        var chain = new ChainClient(node.RpcUrl);
        var a = node.Accounts;
        Address owner = a[0], modelOwner = a[1], contributor1 = a[2], contributor2 = a[3], requester = a[4], anyone = a[5];
        Address[] workers = [a[6], a[7], a[8]];
        log?.WriteLine("gas bench: deploying to a fresh anvil …");
        var v = new VerityContracts(chain, await Deployer.DeployAsync(chain, owner, ct: ct).ConfigureAwait(false));
        var t = Deployer.Token;

        var dataset = Hash256.Of("bench dataset"u8);
        var model = Hash256.Of("bench model"u8);
        var fee = t;
        await v.TransferAsync(owner, requester, 1_000_000 * t).ConfigureAwait(false);
        await v.RegisterDatasetAsync(owner, dataset, Hash256.Of("records"u8), [(contributor1, 6000), (contributor2, 4000)], 10 * t)
            .ConfigureAwait(false);
        await v.RegisterModelAsync(modelOwner, new ModelSpec(model, Hash256.Of("weights"u8), 1, 1, 2000, fee, null,
            [new DatasetShare(dataset, 1000)])).ConfigureAwait(false);
        // Worker 0 holds most of the stake, so most jobs are drawn to it and it can post a batch of 32.
        BigInteger[] stakes = [8_000 * t, 1_000 * t, 1_000 * t];
        for (var i = 0; i < workers.Length; i++)
        {
            await v.TransferAsync(owner, workers[i], stakes[i]).ConfigureAwait(false);
            await v.StakeAsync(workers[i], stakes[i]).ConfigureAwait(false);
            await v.ServeAsync(workers[i], model).ConfigureAwait(false);
        }
        // Approve once, without limit (as wallets commonly do for a market): the request figures are the request
        // alone (a finite allowance adds ~2,900 gas per request to update it).
        await v.ApproveAsync(requester, v.Deployment.Market, BigInteger.Pow(2, 256) - 1).ConfigureAwait(false);

        var window = TimeSpan.FromSeconds(MarketParams.Default.AuditWindow + MarketParams.Default.ChallengeWindow + 1);

        async Task<(long Request, long Result, long Finalize)> OneJob(int n)
        {
            var input = Payload(InputBytes, n);
            var req = await chain.SendAsync(v.Deployment.Market, new Generated.JobMarket.RequestJobFunction
            {
                ModelId = model.ToArray(), Input = input, MaxFee = fee,
            }, requester, ct: ct).ConfigureAwait(false);
            var job = JobId.From(req.DecodeAllEvents<Generated.JobMarket.JobRequestedEvent>().Single().Event.JobId);
            await node.MineAsync(2, ct).ConfigureAwait(false);
            var worker = await v.DrawnWorkerAsync(job).ConfigureAwait(false);
            var result = new JobResult(job, Payload(OutputBytes, n + 1_000_000), Hash256.Of(input));
            var res = await v.SubmitResultAsync(worker, result).ConfigureAwait(false);
            await node.AdvanceAsync(window, ct).ConfigureAwait(false);
            TransactionReceipt fin;
            do // an audited job is finalized by a second call after the extended window
            {
                fin = await v.FinalizeAsync(anyone, result, Hash256.Of(input), withOutput: false).ConfigureAwait(false);
                if ((await v.JobAsync(job).ConfigureAwait(false)).Status == JobStatus.Finalized)
                    break;
                await node.AdvanceAsync(window, ct).ConfigureAwait(false);
            }
            while (true);
            return (Gas(req), Gas(res), Gas(fin));
        }

        await OneJob(0).ConfigureAwait(false); // warm-up
        (long request, long resultGas, long finalize) = (0, 0, 0);
        for (var n = 1; ; n++) // measure a job that was not audited (an audited one pays one more finalize call)
        {
            (request, resultGas, finalize) = await OneJob(n).ConfigureAwait(false);
            if (finalize < 150_000 || n > 5)
                break;
        }

        log?.WriteLine("gas bench: batch of 32 …");
        var mine = new List<JobResult>();
        for (var n = 0; mine.Count < 32 && n < 200; n++)
        {
            var input = Payload(InputBytes, 100 + n);
            var (job, _) = await RequestNoApproveAsync(chain, v, requester, model, input, fee).ConfigureAwait(false);
            mine.Add(new JobResult(job, Payload(OutputBytes, 2_000_000 + n), Hash256.Of(input)));
        }
        await node.MineAsync(2, ct).ConfigureAwait(false);
        var batch = new List<JobResult>();
        foreach (var r in mine)
            if (await v.DrawnWorkerAsync(r.Job).ConfigureAwait(false) == workers[0] && batch.Count < 32)
                batch.Add(r);
        while (batch.Count < 32) // unlucky draw: top up with more jobs
        {
            var input = Payload(InputBytes, 5_000 + batch.Count);
            var (job, _) = await RequestNoApproveAsync(chain, v, requester, model, input, fee).ConfigureAwait(false);
            await node.MineAsync(2, ct).ConfigureAwait(false);
            if (await v.DrawnWorkerAsync(job).ConfigureAwait(false) == workers[0])
                batch.Add(new JobResult(job, Payload(OutputBytes, 6_000 + batch.Count), Hash256.Of(input)));
        }
        var batchGas = Gas(await v.SubmitResultsAsync(workers[0], batch).ConfigureAwait(false));

        var report = new GasReport(request, resultGas, finalize, request + resultGas + finalize, batchGas, batchGas / 32,
            InputBytes, OutputBytes, workers.Length, AnvilNode.Hardfork);
        log?.WriteLine(report.ToText());
        return report;
    }

    private static async Task<(JobId, TransactionReceipt)> RequestNoApproveAsync(ChainClient chain, VerityContracts v,
        Address requester, Hash256 model, byte[] input, BigInteger fee)
    {
        var r = await chain.SendAsync(v.Deployment.Market, new Generated.JobMarket.RequestJobFunction
        {
            ModelId = model.ToArray(), Input = input, MaxFee = fee,
        }, requester).ConfigureAwait(false);
        return (JobId.From(r.DecodeAllEvents<Generated.JobMarket.JobRequestedEvent>().Single().Event.JobId), r);
    }

    private static long Gas(TransactionReceipt r) => (long)r.GasUsed.Value;

    /// <summary>Deterministic, mostly non-zero bytes (the expensive kind of calldata).</summary>
    private static byte[] Payload(int length, int seed)
    {
        var bytes = new byte[length];
        var rng = new Random(seed);
        rng.NextBytes(bytes);
        for (var i = 0; i < bytes.Length; i++)
            bytes[i] |= 1;
        return bytes;
    }
}
