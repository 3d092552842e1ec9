using System.Numerics;
using Nethereum.ABI;
using Nethereum.ABI.FunctionEncoding.Attributes;
using Nethereum.Contracts;
using Nethereum.RPC.Eth.DTOs;
using Nethereum.Util;
using Verity.Chain;
using Verity.Commitments;
using Verity.Engine;
using Verity.Engine.Format;
using Verity.Node;
using Verity.Node.Content;
using Market = Verity.Chain.Generated.JobMarket;
using Models = Verity.Chain.Generated.ModelRegistry;

namespace Verity.Client;

/// <summary>How far <see cref="VerityClient.WaitAsync"/> waits: a result posted (challengeable), or finalized (paid).</summary>
public enum WaitFor { Posted, Finalized }

/// <summary>A job just requested: its id, the fee the market escrowed (wei), its input root and the transaction.</summary>
public sealed record Submission(JobId Job, BigInteger Fee, Hash256 InputRoot, string Tx);

/// <summary>Which jobs <see cref="VerityClient.JobsAsync"/> lists (newest first, at most <see cref="Limit"/>).</summary>
public sealed record JobFilter(Hash256? Model = null, JobStatus? Status = null, Address? Requester = null, int Limit = 20);

/// <summary>The outcome of re-executing a posted result: right when both the output hash and the trace root equal the
/// local run's (and the result read from the event is the one the market committed to).</summary>
public sealed record Verification(JobId Job, bool Right, Hash256 PostedOutputHash, Hash256 LocalOutputHash, Hash256 PostedTraceRoot,
    Hash256 LocalTraceRoot, bool CommitmentMatches);

/// <summary>Client options: where to start reading events and how often to poll.</summary>
public sealed record VerityClientOptions
{
    /// <summary>First block to read events from (the market's deployment block on a long chain).</summary>
    public long StartBlock { get; init; }
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(500);
}

/// <summary>
/// The requester's SDK (docs/GATEWAY.md, "SDK"): requests jobs from <paramref name="requester"/>, follows them to a
/// posted or finalized result (finalizing them itself once the challenge window has passed: anyone may), reads their
/// receipts from the market's events, re-executes them locally and lists them. Thread-safe: submissions from one
/// requester are serialized, because each is an approve followed by a request.
/// </summary>
public sealed class VerityClient(VerityContracts contracts, Address requester, VerityClientOptions? options = null)
{
    private readonly VerityClientOptions _options = options ?? new VerityClientOptions();
    private readonly SemaphoreSlim _send = new(1, 1);

    public VerityContracts Contracts => contracts;
    public Address Requester => requester;

    /// <summary>The model's current fee (wei); throws <see cref="ArgumentException"/> for an unregistered model.</summary>
    public async Task<BigInteger> FeeOfAsync(Hash256 modelId)
    {
        var d = contracts.Deployment;
        if (!await contracts.Chain.QueryAsync<Models.ExistsFunction, bool>(d.Models, new() { Id = modelId.ToArray() }).ConfigureAwait(false))
            throw new ArgumentException($"model {modelId} is not registered on chain");
        return await contracts.Chain.QueryAsync<Models.FeeOfFunction, BigInteger>(d.Models, new() { Id = modelId.ToArray() }).ConfigureAwait(false);
    }

    /// <summary>Requests one job with <paramref name="input"/> (the model's canonical input bytes) in calldata, paying
    /// at most <paramref name="maxFee"/>.</summary>
    public async Task<Submission> SubmitAsync(Hash256 modelId, byte[] input, BigInteger maxFee, CancellationToken ct = default)
    {
        if (input.Length == 0)
            throw new ArgumentException("a job input cannot be empty", nameof(input));
        await _send.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var (job, receipt) = await contracts.RequestJobAsync(requester, modelId, input, maxFee).ConfigureAwait(false);
            var ev = receipt.DecodeAllEvents<Market.JobRequestedEvent>().Single().Event;
            return new Submission(job, ev.Fee, new Hash256(ev.InputRoot), receipt.TransactionHash);
        }
        finally
        {
            _send.Release();
        }
    }

    /// <summary>Requests one job whose input is served off-chain (DESIGN D4; ResNet18's 301 KB pixel tensor would cost ~12 M gas
    /// in calldata): the input is written under <paramref name="serveFolder"/> as <c>&lt;input root&gt;.input</c>
    /// (<see cref="InputSource.Publish"/>) before the request, and only its root goes on chain (<c>requestJobByRoot</c>).
    /// The requester makes that folder reachable by the workers and validators (a shared disk, or served over http, as
    /// the gateway does); a worker without the bytes cannot execute, and the job is refunded at its deadline.</summary>
    public async Task<Submission> SubmitServedAsync(Hash256 modelId, byte[] input, BigInteger maxFee, string serveFolder, CancellationToken ct = default)
    {
        if (input.Length == 0)
            throw new ArgumentException("a job input cannot be empty", nameof(input));
        var root = InputSource.Publish(serveFolder, input);
        await _send.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var (job, receipt) = await contracts.RequestJobByRootAsync(requester, modelId, root, maxFee).ConfigureAwait(false);
            var ev = receipt.DecodeAllEvents<Market.JobRequestedEvent>().Single().Event;
            return new Submission(job, ev.Fee, root, receipt.TransactionHash);
        }
        finally
        {
            _send.Release();
        }
    }

    /// <summary>Polls the job until its result is posted (<see cref="WaitFor.Posted"/>) or it is finalized; a Committed
    /// job whose window has closed is finalized by this client, and a job nobody delivered by its deadline is expired by
    /// it (anyone may do both): redrawn once, then refunded. A refunded job ends the wait too (its receipt says so); a
    /// challenged one is waited out. Throws <see cref="TimeoutException"/> after <paramref name="timeout"/>.</summary>
    public async Task<Receipt> WaitAsync(JobId job, WaitFor until, TimeSpan timeout, CancellationToken ct = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var j = await contracts.JobAsync(job).ConfigureAwait(false);
            if (j.Status == JobStatus.None)
                throw new ArgumentException($"job {job} does not exist");
            bool done = j.Status is JobStatus.Finalized or JobStatus.Refunded
                        || (until == WaitFor.Posted && j.Status == JobStatus.Committed);
            if (done)
                return await ReceiptAsync(job).ConfigureAwait(false);
            // Past the deadline, the next block's timestamp (at least the latest + 1) is past it too.
            bool due = j.Status is JobStatus.Committed or JobStatus.Requested or JobStatus.Assigned
                       && await ChainTimeAsync().ConfigureAwait(false) + 1 >= j.Deadline;
            if (due)
            {
                try
                {
                    if (j.Status == JobStatus.Committed)
                        await contracts.FinalizeAsync(requester, new JobResult(job, [], Hash256.Zero), Hash256.Zero, withOutput: false)
                            .ConfigureAwait(false); // finalized, or selected for audit (its window extended)
                    else
                        await contracts.ExpireAsync(requester, job).ConfigureAwait(false); // nobody delivered: redrawn once, then refunded
                    continue;
                }
                catch (ContractRevertedException)
                {
                    // someone moved it first, or the block came early: read it again after the pause
                }
            }
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"job {job} is still {j.Status.ToString().ToLowerInvariant()} after {timeout.TotalSeconds:0.#} s");
            await Task.Delay(_options.PollInterval, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Withdraws what the market owes the requester (refunded fees: the market credits a refund to a pull
    /// balance); returns the amount, 0 when nothing is owed.</summary>
    public async Task<BigInteger> WithdrawAsync()
    {
        if (await contracts.OwedToAsync(requester).ConfigureAwait(false) == 0)
            return 0;
        await _send.WaitAsync().ConfigureAwait(false);
        try
        {
            var receipt = await contracts.WithdrawAsync(requester).ConfigureAwait(false);
            return receipt.DecodeAllEvents<Market.WithdrawnEvent>().Single().Event.Amount;
        }
        catch (ContractRevertedException e) when (e.Is<Market.NothingToWithdrawError>())
        {
            return 0; // withdrawn meanwhile by another of the requester's clients
        }
        finally
        {
            _send.Release();
        }
    }

    /// <summary>The job's receipt, from its state and the market's events.</summary>
    public async Task<Receipt> ReceiptAsync(JobId job)
    {
        var j = await contracts.JobAsync(job).ConfigureAwait(false);
        if (j.Status == JobStatus.None)
            throw new ArgumentException($"job {job} does not exist");
        var request = (await EventsAsync<Market.JobRequestedEvent>(job).ConfigureAwait(false)).Single();
        var result = (await EventsAsync<Market.ResultSubmittedEvent>(job).ConfigureAwait(false)).LastOrDefault();
        var finalized = (await EventsAsync<Market.JobFinalizedEvent>(job).ConfigureAwait(false)).SingleOrDefault();
        bool hasResult = result is not null && j.Status is JobStatus.Committed or JobStatus.Challenged or JobStatus.Finalized;
        FeeSplit? split = null;
        if (finalized is not null)
            split = await SplitAsync(j.ModelId, job, finalized.Event).ConfigureAwait(false);
        return new Receipt(job, j.ModelId, j.Status, Address.Parse(request.Event.Requester),
            j.Worker.IsZero ? null : j.Worker, new Hash256(request.Event.InputRoot),
            hasResult ? result!.Event.Output : null, hasResult ? new Hash256(result!.Event.OutputHash) : null,
            hasResult ? new Hash256(result!.Event.TraceRoot) : null, request.Event.Fee, split,
            hasResult ? (long)result!.Event.ChallengeDeadline : null,
            request.Log.TransactionHash, hasResult ? result!.Log.TransactionHash : null, finalized?.Log.TransactionHash);
    }

    /// <summary>Re-executes the job's input with <paramref name="model"/> and compares with the posted result. An input
    /// served off-chain is fetched from <paramref name="inputs"/>. Throws <see cref="ArgumentException"/> when the job
    /// has no posted result, its input is found nowhere, or <paramref name="modelId"/> (when given) is not the job's model.</summary>
    public async Task<Verification> VerifyAsync(JobId job, VModel model, Hash256? modelId = null, int threads = 1, InputSource? inputs = null)
    {
        var j = await contracts.JobAsync(job).ConfigureAwait(false);
        if (j.Status == JobStatus.None)
            throw new ArgumentException($"job {job} does not exist");
        if (modelId is { } id && id != j.ModelId)
            throw new ArgumentException($"job {job} is for model {j.ModelId}, not {id}");
        if (j.Status is not (JobStatus.Committed or JobStatus.Challenged or JobStatus.Finalized))
            throw new ArgumentException($"job {job} has no result to verify (status {j.Status.ToString().ToLowerInvariant()})");
        var request = (await EventsAsync<Market.JobRequestedEvent>(job).ConfigureAwait(false)).Single().Event;
        var posted = (await EventsAsync<Market.ResultSubmittedEvent>(job).ConfigureAwait(false)).Last().Event;
        var inputRoot = new Hash256(request.InputRoot);
        var input = request.Input is { Length: > 0 } onChain ? onChain
            : await (inputs ?? InputSource.None).FetchAsync(inputRoot).ConfigureAwait(false)
              ?? throw new ArgumentException($"job {job}'s input {inputRoot} is served off-chain and none of the input sources "
                  + $"({(inputs is { Sources.Count: > 0 } i ? string.Join(", ", i.Sources) : "none given")}) has it");
        if (TensorCommitment.Root(input) != inputRoot)
            throw new InvalidDataException($"job {job}: the input in the request event does not match its input root");
        var local = new Executor(model, threads).Run([Execution.Decode(model, input)]);
        var postedHash = new Hash256(posted.OutputHash);
        var postedTrace = new Hash256(posted.TraceRoot);
        // The market keeps keccak256(abi.encode(inputRoot, outputHash, traceRoot)) for the result it accepted: the event
        // read here must be that result (docs/PROTOCOL.md, Messages).
        var commitment = new Hash256(Sha3Keccack.Current.CalculateHash(new ABIEncode().GetABIEncoded(
            new ABIValue("bytes32", inputRoot.ToArray()), new ABIValue("bytes32", postedHash.ToArray()), new ABIValue("bytes32", postedTrace.ToArray()))));
        var localHash = Hash256.Of(local.Outputs[0].Bytes);
        bool commits = commitment == j.Data && Hash256.Of(posted.Output) == postedHash;
        return new Verification(job, commits && localHash == postedHash && local.TraceRoot == postedTrace,
            postedHash, localHash, postedTrace, local.TraceRoot, commits);
    }

    /// <summary>Jobs on the market, newest first, that pass <paramref name="filter"/> (reads jobs one by one from the
    /// newest: on a long chain pass a model or requester and a limit).</summary>
    public async Task<IReadOnlyList<JobView>> JobsAsync(JobFilter filter)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(filter.Limit, 1);
        var found = new List<JobView>();
        for (var id = await contracts.JobCountAsync().ConfigureAwait(false); id >= 1 && found.Count < filter.Limit; id--)
        {
            var j = await contracts.JobAsync(new JobId(id)).ConfigureAwait(false);
            if ((filter.Model is null || j.ModelId == filter.Model) && (filter.Status is null || j.Status == filter.Status)
                && (filter.Requester is null || j.Requester == filter.Requester))
                found.Add(j);
        }
        return found;
    }

    private async Task<long> ChainTimeAsync() => (long)await contracts.Chain.BlockTimestampAsync().ConfigureAwait(false);

    private async Task<List<EventLog<T>>> EventsAsync<T>(JobId job) where T : IEventDTO, new()
    {
        var e = contracts.Chain.Web3.Eth.GetEvent<T>(contracts.Deployment.Market.Hex);
        var filter = e.CreateFilterInput(job.ToBigInteger(), new BlockParameter((ulong)_options.StartBlock), BlockParameter.CreateLatest());
        var logs = await e.GetAllChangesAsync(filter).ConfigureAwait(false);
        return [.. logs.OrderBy(l => l.Log.BlockNumber.Value).ThenBy(l => l.Log.LogIndex.Value)];
    }

    private async Task<FeeSplit> SplitAsync(Hash256 modelId, JobId job, Market.JobFinalizedEvent f)
    {
        // The job's lineage share was fixed at its request; datasets take royaltyCut · bps / royaltyBps each and the
        // owner the rest, as distributeRoyalties splits a pot (docs/PROTOCOL.md, Fee split).
        var stored = await contracts.Chain.CallAsync<Market.JobOfFunction, Market.JobOfOutput>(contracts.Deployment.Market,
            new() { JobId = job.ToBigInteger() }).ConfigureAwait(false);
        var royaltyBps = stored.ReturnValue1.RoyaltyBps;
        var shares = await contracts.Chain.CallAsync<Models.DatasetsOfFunction, Models.DatasetsOfOutput>(contracts.Deployment.Models,
            new() { Id = modelId.ToArray() }).ConfigureAwait(false);
        var datasets = royaltyBps == 0 ? [] : shares.ReturnValue1
            .Select(s => new DatasetCut(new Hash256(s.DatasetId), f.RoyaltyCut * s.Bps / royaltyBps)).ToList();
        var owner = f.RoyaltyCut - datasets.Aggregate(BigInteger.Zero, (s, d) => s + d.Amount);
        return new FeeSplit(f.WorkerCut, owner, datasets, f.ValidatorCut);
    }
}
