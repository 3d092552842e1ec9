using System.Numerics;
using Nethereum.Contracts;
using Nethereum.RPC.Eth.DTOs;
using Verity.Commitments;
using Market = Verity.Chain.Generated.JobMarket;
using Models = Verity.Chain.Generated.ModelRegistry;
using Datasets = Verity.Chain.Generated.DatasetRegistry;
using Staking = Verity.Chain.Generated.WorkerStaking;
using TokenAbi = Verity.Chain.Generated.VerityToken;

namespace Verity.Chain;

public enum JobStatus { None, Requested, Assigned, Committed, Challenged, Finalized, Refunded }

public enum AuditState { Unsettled, Clear, Selected, Confirmed }

/// <summary>A job as the market stores it (see IJobMarket.Job).</summary>
/// <remarks><see cref="Data"/> is the input root (the tensor root of the input bytes, docs/COMMITMENTS.md) until a result is posted, then the result commitment
/// keccak256(abi.encode(inputRoot, outputHash, traceRoot)).</remarks>
public sealed record JobView(JobId Id, JobStatus Status, int Attempt, Address Requester, Address Worker, BigInteger Fee,
    AuditState Audit, long Deadline, long BlockNumber, Hash256 ModelId, Hash256 Data);

/// <summary>A dataset's share of a model's fees.</summary>
public sealed record DatasetShare(Hash256 DatasetId, ushort Bps);

/// <summary>What a model owner registers (see IModelRegistry.Registration).</summary>
public sealed record ModelSpec(Hash256 Id, Hash256 WeightsRoot, uint OpSetVersion, ushort ModelClass, ushort OwnerBps,
    BigInteger Fee, Hash256? Parent, IReadOnlyList<DatasetShare> Datasets);

/// <summary>A result to post: the output bytes and the execution trace root.</summary>
public sealed record JobResult(JobId Job, byte[] Output, Hash256 TraceRoot)
{
    /// <summary>SHA-256 of the output bytes, as the market commits to it.</summary>
    public Hash256 OutputHash => Hash256.Of(Output);
}

/// <summary>The Verity contracts of one deployment, in our own types: the operations workers, requesters, model
/// and dataset owners perform. Everything else is reachable through <see cref="Chain"/> and the generated
/// messages.</summary>
public sealed class VerityContracts(ChainClient chain, Deployment deployment)
{
    public ChainClient Chain { get; } = chain;
    public Deployment Deployment { get; } = deployment;

    // ---- token ----

    public Task<TransactionReceipt> TransferAsync(Address from, Address to, BigInteger amount) =>
        Chain.SendAsync(Deployment.Token, new TokenAbi.TransferFunction { To = to.Hex, Value = amount }, from);

    public Task<TransactionReceipt> ApproveAsync(Address owner, Address spender, BigInteger amount) =>
        Chain.SendAsync(Deployment.Token, new TokenAbi.ApproveFunction { Spender = spender.Hex, Value = amount }, owner);

    public Task<BigInteger> BalanceOfAsync(Address account) =>
        Chain.QueryAsync<TokenAbi.BalanceOfFunction, BigInteger>(Deployment.Token, new() { Account = account.Hex });

    public Task<BigInteger> TotalSupplyAsync() =>
        Chain.QueryAsync<TokenAbi.TotalSupplyFunction, BigInteger>(Deployment.Token, new());

    public Task<BigInteger> BurnedAsync() => Chain.QueryAsync<TokenAbi.BurnedFunction, BigInteger>(Deployment.Token, new());

    public Task<BigInteger> MintedAsync() => Chain.QueryAsync<TokenAbi.MintedFunction, BigInteger>(Deployment.Token, new());

    // ---- registries ----

    /// <summary>Approves the bond and registers a dataset of <paramref name="recordCount"/> records under <paramref name="recordsRoot"/>.</summary>
    public async Task<TransactionReceipt> RegisterDatasetAsync(Address owner, Hash256 id, Hash256 recordsRoot, ulong recordCount,
        IReadOnlyList<(Address Contributor, ushort Bps)> contributors, BigInteger bond)
    {
        await ApproveAsync(owner, Deployment.Datasets, bond).ConfigureAwait(false);
        return await Chain.SendAsync(Deployment.Datasets, new Datasets.RegisterFunction
        {
            Id = id.ToArray(), RecordsRoot = recordsRoot.ToArray(), RecordCount = recordCount,
            Contributors = contributors.Select(c => c.Contributor.Hex).ToList(),
            Shares = contributors.Select(c => (BigInteger)c.Bps).ToList(), Bond = bond,
        }, owner).ConfigureAwait(false);
    }

    public Task<TransactionReceipt> RegisterModelAsync(Address owner, ModelSpec m) =>
        Chain.SendAsync(Deployment.Models, new Models.RegisterFunction
        {
            R = new Models.Registration
            {
                Id = m.Id.ToArray(), WeightsRoot = m.WeightsRoot.ToArray(), OpSetVersion = m.OpSetVersion,
                ModelClass = m.ModelClass, OwnerBps = m.OwnerBps, Fee = m.Fee,
                Parent = (m.Parent ?? Hash256.Zero).ToArray(),
                Datasets = m.Datasets.Select(d => new Models.DatasetShare { DatasetId = d.DatasetId.ToArray(), Bps = d.Bps }).ToList(),
            },
        }, owner);

    /// <summary>A registered model's owner, fee and weights root; null when no model has that id.</summary>
    public async Task<(Address Owner, BigInteger Fee, Hash256 WeightsRoot, uint OpSetVersion)?> ModelAsync(Hash256 id)
    {
        if (!await Chain.QueryAsync<Models.ExistsFunction, bool>(Deployment.Models, new() { Id = id.ToArray() }).ConfigureAwait(false))
            return null;
        var m = (await Chain.CallAsync<Models.GetFunction, Models.GetOutput>(Deployment.Models, new() { Id = id.ToArray() }).ConfigureAwait(false)).ReturnValue1;
        return (Address.Parse(m.Owner), m.Fee, new Hash256(m.WeightsRoot), (uint)m.OpSetVersion);
    }

    // ---- staking ----

    /// <summary>A worker's active stake (not counting what is unstaking).</summary>
    public async Task<BigInteger> StakeOfAsync(Address worker) =>
        (await Chain.CallAsync<Staking.WorkerOfFunction, Staking.WorkerOfOutput>(Deployment.Staking, new() { Worker = worker.Hex }).ConfigureAwait(false)).ReturnValue1.Stake;

    /// <summary>The models a worker serves.</summary>
    public async Task<IReadOnlyList<Hash256>> ModelsOfAsync(Address worker) =>
        [.. (await Chain.QueryAsync<Staking.ModelsOfFunction, List<byte[]>>(Deployment.Staking, new() { Worker = worker.Hex }).ConfigureAwait(false)).Select(b => new Hash256(b))];

    /// <summary>Approves and stakes.</summary>
    public async Task<TransactionReceipt> StakeAsync(Address worker, BigInteger amount)
    {
        await ApproveAsync(worker, Deployment.Staking, amount).ConfigureAwait(false);
        return await Chain.SendAsync(Deployment.Staking, new Staking.StakeFunction { Amount = amount }, worker).ConfigureAwait(false);
    }

    public Task<TransactionReceipt> ServeAsync(Address worker, Hash256 modelId) =>
        Chain.SendAsync(Deployment.Staking, new Staking.ServeFunction { ModelId = modelId.ToArray() }, worker);

    public Task<TransactionReceipt> SetMinStakeAsync(ushort modelClass, BigInteger amount) =>
        Chain.SendAsync(Deployment.Staking, new Staking.SetMinStakeFunction { ModelClass = modelClass, Amount = amount }, Deployment.Owner);

    public Task<BigInteger> SlashableOfAsync(Address worker) =>
        Chain.QueryAsync<Staking.SlashableOfFunction, BigInteger>(Deployment.Staking, new() { Worker = worker.Hex });

    public Task<BigInteger> TotalStakedAsync() =>
        Chain.QueryAsync<Staking.TotalStakedFunction, BigInteger>(Deployment.Staking, new());

    // ---- market ----

    /// <summary>Approves the fee and requests a job.</summary>
    public async Task<(JobId Job, TransactionReceipt Receipt)> RequestJobAsync(Address requester, Hash256 modelId,
        byte[] input, BigInteger maxFee)
    {
        await ApproveAsync(requester, Deployment.Market, maxFee).ConfigureAwait(false);
        var receipt = await Chain.SendAsync(Deployment.Market, new Market.RequestJobFunction
        {
            ModelId = modelId.ToArray(), Input = input, MaxFee = maxFee,
        }, requester).ConfigureAwait(false);
        var ev = receipt.DecodeAllEvents<Market.JobRequestedEvent>().Single().Event;
        return (JobId.From(ev.JobId), receipt);
    }

    /// <summary>Approves the fee and requests a job whose input is served off-chain: the job commits to
    /// <paramref name="inputRoot"/>, the tensor root of the input bytes (<c>TensorCommitment.Root</c>).</summary>
    public async Task<(JobId Job, TransactionReceipt Receipt)> RequestJobByRootAsync(Address requester, Hash256 modelId,
        Hash256 inputRoot, BigInteger maxFee)
    {
        await ApproveAsync(requester, Deployment.Market, maxFee).ConfigureAwait(false);
        var receipt = await Chain.SendAsync(Deployment.Market, new Market.RequestJobByRootFunction
        {
            ModelId = modelId.ToArray(), InputRoot = inputRoot.ToArray(), MaxFee = maxFee,
        }, requester).ConfigureAwait(false);
        var ev = receipt.DecodeAllEvents<Market.JobRequestedEvent>().Single().Event;
        return (JobId.From(ev.JobId), receipt);
    }

    /// <summary>Records a registered model's dispute shape in the game (its owner only): op count, graph inputs, output
    /// op and the hash of its length rules.</summary>
    public Task<TransactionReceipt> SetShapeAsync(Address owner, Hash256 modelId, Dispute.DisputeModel shape, CancellationToken ct = default) =>
        Chain.SendAsync(Deployment.DisputeGame, new Generated.DisputeGame.SetShapeFunction
        {
            ModelId = modelId.ToArray(), OpCount = shape.OpCount, InputCount = shape.InputCount, OutputOp = shape.OutputOp,
            LengthsHash = shape.LengthsHash.ToArray(),
        }, owner, ct: ct);

    /// <summary>Sets the market's parameters (its owner only).</summary>
    public Task<TransactionReceipt> SetParamsAsync(Address owner, MarketParams p) =>
        Chain.SendAsync(Deployment.Market, new Market.SetParamsFunction { P = p.ToAbi() }, owner);

    /// <summary>The market's current parameters.</summary>
    public async Task<MarketParams> ParamsAsync() => MarketParams.FromAbi((await Chain.CallAsync<Market.ParamsFunction, Market.ParamsOutput>(
        Deployment.Market, new()).ConfigureAwait(false)).ReturnValue1);

    /// <summary>The worker a job is (or would now be) assigned to; <see cref="Address.Zero"/> while undecided.</summary>
    public async Task<Address> DrawnWorkerAsync(JobId job) => Address.Parse(
        await Chain.QueryAsync<Market.DrawnWorkerFunction, string>(Deployment.Market, new() { JobId = job.ToBigInteger() }).ConfigureAwait(false));

    public Task<TransactionReceipt> SubmitResultAsync(Address worker, JobResult r) =>
        Chain.SendAsync(Deployment.Market, new Market.SubmitResultFunction
        {
            JobId = r.Job.ToBigInteger(), Output = r.Output, TraceRoot = r.TraceRoot.ToArray(),
        }, worker);

    public Task<TransactionReceipt> SubmitResultsAsync(Address worker, IReadOnlyList<JobResult> results) =>
        Chain.SendAsync(Deployment.Market, new Market.SubmitResultsFunction
        {
            JobIds = results.Select(r => r.Job.ToBigInteger()).ToList(),
            Outputs = results.Select(r => r.Output).ToList(),
            TraceRoots = results.Select(r => r.TraceRoot.ToArray()).ToList(),
        }, worker);

    /// <summary>Finalizes a job. The result (and the input root) are only checked, and only needed, when the
    /// requester is a contract that gets the output by callback; for an account requester pass
    /// <paramref name="withOutput"/> = false to save the calldata.</summary>
    public Task<TransactionReceipt> FinalizeAsync(Address caller, JobResult r, Hash256 inputRoot, bool withOutput = true) =>
        Chain.SendAsync(Deployment.Market, new Market.FinalizeFunction
        {
            JobId = r.Job.ToBigInteger(),
            InputRoot = withOutput ? inputRoot.ToArray() : new byte[32],
            Output = withOutput ? r.Output : [],
            TraceRoot = withOutput ? r.TraceRoot.ToArray() : new byte[32],
        }, caller);

    public Task<TransactionReceipt> ExpireAsync(Address caller, JobId job) =>
        Chain.SendAsync(Deployment.Market, new Market.ExpireFunction { JobId = job.ToBigInteger() }, caller);

    public async Task<TransactionReceipt> ChallengeAsync(Address challenger, JobResult posted, Hash256 inputRoot, BigInteger bond)
    {
        await ApproveAsync(challenger, Deployment.Market, bond).ConfigureAwait(false);
        return await Chain.SendAsync(Deployment.Market, new Market.ChallengeFunction
        {
            JobId = posted.Job.ToBigInteger(), InputRoot = inputRoot.ToArray(), OutputHash = posted.OutputHash.ToArray(),
            TraceRoot = posted.TraceRoot.ToArray(),
        }, challenger).ConfigureAwait(false);
    }

    public Task<TransactionReceipt> DistributeRoyaltiesAsync(Address caller, Hash256 modelId) =>
        Chain.SendAsync(Deployment.Market, new Market.DistributeRoyaltiesFunction { ModelId = modelId.ToArray() }, caller);

    public Task<BigInteger> RoyaltyPotAsync(Hash256 modelId) =>
        Chain.QueryAsync<Market.RoyaltyPotFunction, BigInteger>(Deployment.Market, new() { Arg1 = modelId.ToArray() });

    public Task<TransactionReceipt> WithdrawAsync(Address account) =>
        Chain.SendAsync(Deployment.Market, new Market.WithdrawFunction(), account);

    public Task<TransactionReceipt> DistributeDatasetAsync(Address caller, Hash256 datasetId) =>
        Chain.SendAsync(Deployment.Market, new Market.DistributeDatasetFunction { DatasetId = datasetId.ToArray() }, caller);

    public Task<BigInteger> OwedToAsync(Address account) =>
        Chain.QueryAsync<Market.OwedToFunction, BigInteger>(Deployment.Market, new() { Arg1 = account.Hex });

    public Task<BigInteger> ValidatorPoolAsync() =>
        Chain.QueryAsync<Market.ValidatorPoolFunction, BigInteger>(Deployment.Market, new());

    public Task<BigInteger> DatasetPoolAsync(Hash256 datasetId) =>
        Chain.QueryAsync<Market.DatasetPoolFunction, BigInteger>(Deployment.Market, new() { Arg1 = datasetId.ToArray() });

    public async Task<(BigInteger Escrow, BigInteger Bonds, BigInteger Owed)> BooksAsync()
    {
        var b = await Chain.CallAsync<Market.BooksFunction, Market.BooksOutput>(Deployment.Market, new()).ConfigureAwait(false);
        return (b.ReturnValue1, b.ReturnValue2, b.ReturnValue3);
    }

    public async Task<JobView> JobAsync(JobId job)
    {
        var o = await Chain.CallAsync<Market.JobOfFunction, Market.JobOfOutput>(Deployment.Market, new() { JobId = job.ToBigInteger() })
            .ConfigureAwait(false);
        var j = o.ReturnValue1;
        return new JobView(job, (JobStatus)(int)j.Status, (int)j.Attempt, Address.Parse(j.Requester), Address.Parse(j.Worker),
            j.Fee, (AuditState)(int)j.Audit, (long)j.Deadline, (long)j.BlockNumber, new Hash256(j.ModelId),
            new Hash256(j.Data));
    }

    public async Task<ulong> JobCountAsync() =>
        (ulong)await Chain.QueryAsync<Market.JobCountFunction, BigInteger>(Deployment.Market, new()).ConfigureAwait(false);
}
