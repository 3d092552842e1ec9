using System.Numerics;
using Nethereum.RPC.Eth.DTOs;
using Verity.Chain;
using Verity.Chain.Dispute;
using Verity.Commitments;
using Verity.Engine;
using Verity.Engine.Format;
using Verity.Engine.Tensors;
using Verity.Node.Content;
using JobReassignedEvent = Verity.Chain.Generated.JobMarket.JobReassignedEvent;
using JobRequestedEvent = Verity.Chain.Generated.JobMarket.JobRequestedEvent;
using SettleAuditFunction = Verity.Chain.Generated.JobMarket.SettleAuditFunction;

namespace Verity.Node;

/// <summary>How a worker daemon follows the chain.</summary>
public sealed record WorkerOptions
{
    /// <summary>Blocks a request must be buried under before the daemon acts on it (0 on a local chain).</summary>
    public int Confirmations { get; init; } = 2;
    /// <summary>First block to read when the store is empty (the market's deployment block, say).</summary>
    public long StartBlock { get; init; }
    /// <summary>Most blocks one <c>eth_getLogs</c> call spans.</summary>
    public long MaxLogRange { get; init; } = 2_000;
    /// <summary>Most results one <c>submitResults</c> carries.</summary>
    public int MaxBatch { get; init; } = 32;
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(2);
    /// <summary>Finalize this worker's own results once their window has passed (true); false leaves it to others.</summary>
    public bool Finalize { get; init; } = true;
    /// <summary>Where the inputs of jobs requested by root (served off-chain) are fetched.</summary>
    public InputSource Inputs { get; init; } = InputSource.None;
    /// <summary>Withdraw the account's earnings from the market once they reach this many wei; null: never (left to
    /// the operator, or to another daemon of the same account).</summary>
    public BigInteger? WithdrawAt { get; init; }
}

/// <summary>What one <see cref="WorkerDaemon.StepAsync"/> did (<see cref="Transactions"/> counts dispute moves and a withdrawal too).</summary>
public sealed record StepReport(int Seen, int Executed, int Submitted, int Transactions, int Closed);

/// <summary>
/// A worker's daemon (docs/NODE.md): follows the market's <c>JobRequested</c> events from the block its store saved,
/// <see cref="WorkerOptions.Confirmations"/> behind the head; executes the jobs drawn to <paramref name="worker"/> for
/// the models it serves, after checking the input bytes against the job's input root; posts the results, in one
/// <c>submitResults</c> when several are pending; keeps each committed trace (output and per-op roots) until the
/// job is finalized or refunded. Every send is preceded by a read of the job on chain, so a restart over the same
/// store never posts a result twice.
/// </summary>
/// <remarks>One daemon per worker and store; not thread-safe (one step at a time).</remarks>
public sealed class WorkerDaemon(VerityContracts contracts, Address worker, IReadOnlyDictionary<Hash256, ServedModel> models,
    NodeStore store, WorkerOptions? options = null, Action<string>? log = null, Execution? execution = null)
{
    private readonly WorkerOptions _options = options ?? new WorkerOptions();
    private readonly Execution _execution = execution ?? new Execution();
    private readonly Dictionary<JobId, DisputeTrace> _disputed = [];
    private readonly HashSet<JobId> _awaitingInput = [];
    private readonly HashSet<(JobId, long)> _drawKnown = []; // results (job, result block) whose audit draw was worked out
    private PendingGate? _gate;

    public Address Worker => worker;
    public NodeStore Store => store;

    /// <summary>Steps until cancelled, waiting <see cref="WorkerOptions.PollInterval"/> between steps. A step that
    /// fails (the RPC is down, say) is logged and retried at the next one.</summary>
    public Task RunAsync(CancellationToken ct) => Poll.RunAsync(async c => await StepAsync(c).ConfigureAwait(false), _options.PollInterval, Log, ct);

    /// <summary>One pass: follow, execute, submit, defend, close, collect.</summary>
    public async Task<StepReport> StepAsync(CancellationToken ct = default)
    {
        int seen = await FollowAsync(ct).ConfigureAwait(false);
        int executed = await ExecuteAsync(ct).ConfigureAwait(false);
        if (await (_gate ??= new PendingGate(contracts.Chain, worker, Log)).ClosedAsync().ConfigureAwait(false))
            return new StepReport(seen, executed, 0, 0, 0);
        var (submitted, txs) = await SubmitAsync(ct).ConfigureAwait(false);
        int moves = await DefendAsync(ct).ConfigureAwait(false);
        int closed = await CloseAsync(ct).ConfigureAwait(false);
        int withdrawals = await Earnings.CollectAsync(contracts, worker, _options.WithdrawAt, Log).ConfigureAwait(false) > 0 ? 1 : 0;
        return new StepReport(seen, executed, submitted, txs + moves + withdrawals, closed);
    }

    /// <summary>Reads <c>JobRequested</c> events for served models from the block after the saved one up to the head
    /// less the confirmations, and <c>JobReassigned</c> (which reopens a job this worker had closed or lost); records
    /// the jobs and the block reached together. Returns the jobs recorded.</summary>
    public async Task<int> FollowAsync(CancellationToken ct = default)
    {
        await Reorgs.CheckAsync(contracts.Chain, store, _options.StartBlock, Log).ConfigureAwait(false);
        long head = (long)(await contracts.Chain.Web3.Eth.Blocks.GetBlockNumber.SendRequestAsync().ConfigureAwait(false)).Value;
        long safe = head - _options.Confirmations;
        long from = Math.Max(store.LastBlock + 1, _options.StartBlock);
        int count = 0;
        var e = contracts.Chain.Web3.Eth.GetEvent<JobRequestedEvent>(contracts.Deployment.Market.Hex);
        var reassigned = contracts.Chain.Web3.Eth.GetEvent<JobReassignedEvent>(contracts.Deployment.Market.Hex);
        while (from <= safe)
        {
            ct.ThrowIfCancellationRequested();
            long to = Math.Min(safe, from + _options.MaxLogRange - 1);
            BlockParameter a = new((ulong)from), b = new((ulong)to);
            var ((logs, reassignedLogs), hash) = await contracts.Chain.ReadStableAsync(to, async () =>
                (await e.GetAllChangesAsync(e.CreateFilterInput(a, b)).ConfigureAwait(false),
                 await reassigned.GetAllChangesAsync(reassigned.CreateFilterInput(a, b)).ConfigureAwait(false))).ConfigureAwait(false);
            var seen = logs
                .Where(l => models.ContainsKey(new Hash256(l.Event.ModelId)))
                .Select(l => new NodeJob(JobId.From(l.Event.JobId), new Hash256(l.Event.ModelId), new Hash256(l.Event.InputRoot),
                    l.Event.Input ?? [], (long)l.Log.BlockNumber.Value, NodeJobState.Seen, null, null, null, null))
                .ToList();
            // A reassigned job (expired, or its worker lost a dispute) is drawn afresh: look at it again.
            var reopened = reassignedLogs.Select(l => JobId.From(l.Event.JobId)).ToList();
            store.RecordSeen(seen, to, reopened, hash);
            count += seen.Count;
            from = to + 1;
        }
        return count;
    }

    /// <summary>Executes the seen jobs now drawn to this worker (or already posted by it); closes those that left the
    /// market's open states under another worker, and those it cannot execute. Returns the jobs executed.</summary>
    public async Task<int> ExecuteAsync(CancellationToken ct = default)
    {
        int count = 0;
        foreach (var j in store.Jobs(NodeJobState.Seen))
        {
            ct.ThrowIfCancellationRequested();
            var onChain = await contracts.JobAsync(j.Id).ConfigureAwait(false);
            bool mine = onChain.Status switch
            {
                JobStatus.Requested or JobStatus.Assigned => await contracts.DrawnWorkerAsync(j.Id).ConfigureAwait(false) == worker,
                JobStatus.Committed or JobStatus.Challenged => onChain.Worker == worker,
                _ => false,
            };
            if (!mine)
            {
                if (onChain.Status is not (JobStatus.Requested or JobStatus.Assigned))
                    store.RecordClosed(j.Id); // another worker's result, or over; a job still open may yet be redrawn to us
                continue;
            }
            if (onChain.Status is JobStatus.Requested or JobStatus.Assigned && onChain.Data != j.InputRoot)
            {
                // The job on chain is not the one recorded (a reorganisation replaced it): executing the recorded input
                // would post a wrong result. The next follow rewinds the store and records the job anew.
                Log($"job {j.Id}: the chain's input root {onChain.Data} is not the recorded {j.InputRoot}; not executed");
                continue;
            }
            if (await _options.Inputs.ResolveAsync(j, store, ct).ConfigureAwait(false) is not { } withInput)
            {
                // Served off-chain and not found yet: asked again each step while the job is open and drawn to us.
                if (_awaitingInput.Add(j.Id))
                    Log($"job {j.Id}: input {j.InputRoot} is served off-chain and no source has it yet; waiting");
                continue;
            }
            _awaitingInput.Remove(j.Id);
            if (Run(withInput) is not { } run)
            {
                store.RecordClosed(j.Id);
                continue;
            }
            store.RecordExecuted(j.Id, run.Outputs[models[j.ModelId].Dispute.OutputOp], run.Root, run.OpRoots);
            Log($"job {j.Id}: executed, trace root {run.Root}");
            count++;
        }
        return count;
    }

    /// <summary>Posts the executed results whose jobs are still open and drawn to this worker before their deadline:
    /// one <c>submitResult</c>, or <c>submitResults</c> batches of at most <see cref="WorkerOptions.MaxBatch"/>.
    /// A result found already on chain under this worker (posted by a send the store had not recorded) is marked
    /// submitted without sending. Returns the results posted and the transactions sent.</summary>
    public async Task<(int Results, int Transactions)> SubmitAsync(CancellationToken ct = default)
    {
        var due = new List<JobResult>();
        long now = (long)await contracts.Chain.BlockTimestampAsync().ConfigureAwait(false);
        foreach (var j in store.Jobs(NodeJobState.Executed))
        {
            ct.ThrowIfCancellationRequested();
            var onChain = await contracts.JobAsync(j.Id).ConfigureAwait(false);
            switch (onChain.Status)
            {
                case JobStatus.Requested or JobStatus.Assigned:
                    if (onChain.Deadline > now && await contracts.DrawnWorkerAsync(j.Id).ConfigureAwait(false) == worker)
                        due.Add(new JobResult(j.Id, j.Output!, j.TraceRoot!.Value));
                    break; // past its deadline it will be expired and redrawn; drawn to another, it may come back
                case JobStatus.Committed or JobStatus.Challenged or JobStatus.Finalized when onChain.Worker == worker:
                    store.RecordSubmitted([j.Id], null);
                    Log($"job {j.Id}: result already on chain");
                    break;
                default:
                    store.RecordClosed(j.Id);
                    break;
            }
        }
        int txs = 0, posted = 0;
        foreach (var batch in due.Chunk(_options.MaxBatch))
        {
            ct.ThrowIfCancellationRequested();
            TransactionReceipt receipt;
            try
            {
                receipt = batch.Length == 1
                    ? await contracts.SubmitResultAsync(worker, batch[0]).ConfigureAwait(false)
                    : await contracts.SubmitResultsAsync(worker, batch).ConfigureAwait(false);
            }
            catch (ContractRevertedException e)
            {
                Log($"submit of {batch.Length} result(s) reverted, rechecking at the next step: {e.Message}");
                continue;
            }
            store.RecordSubmitted([.. batch.Select(r => r.Job)], receipt.TransactionHash);
            Log($"jobs {string.Join(", ", batch.Select(r => r.Job))}: submitted in {receipt.TransactionHash}");
            txs++;
            posted += batch.Length;
        }
        return (posted, txs);
    }

    /// <summary>Plays this worker's side of the disputes opened against its results (<see cref="DisputePlayer.PlaySideAsync"/>,
    /// from its trace recomputed from the input) and ends by timeout a dispute whose challenger stopped moving.
    /// Returns the transactions sent.</summary>
    public async Task<int> DefendAsync(CancellationToken ct = default)
    {
        int moves = 0;
        foreach (var j in store.Jobs(NodeJobState.Submitted))
        {
            ct.ThrowIfCancellationRequested();
            var onChain = await contracts.JobAsync(j.Id).ConfigureAwait(false);
            if (onChain.Status != JobStatus.Challenged || onChain.Worker != worker)
            {
                _disputed.Remove(j.Id);
                continue;
            }
            var served = models[j.ModelId];
            if (!_disputed.TryGetValue(j.Id, out var trace))
                _disputed[j.Id] = trace = _execution.Trace(served.Model, j.Input, j.Id);
            moves += await DisputeTurns.TakeAsync(contracts, served.Dispute, j.Id, new DisputeParty(worker, trace, j.Output), asChallenger: false, Log, ct)
                .ConfigureAwait(false);
        }
        return moves;
    }

    /// <summary>Finalizes this worker's results whose window has passed (the fee is paid then; anyone may finalize,
    /// the worker has the reason to); drops the committed trace of submitted jobs that are finalized or refunded, or no
    /// longer this worker's (a lost dispute reopens the job for another). Returns the jobs closed.</summary>
    public async Task<int> CloseAsync(CancellationToken ct = default)
    {
        int count = 0;
        long now = (long)await contracts.Chain.BlockTimestampAsync().ConfigureAwait(false);
        MarketParams? market = null;
        foreach (var j in store.Jobs(NodeJobState.Submitted))
        {
            ct.ThrowIfCancellationRequested();
            var onChain = await contracts.JobAsync(j.Id).ConfigureAwait(false);
            if (onChain.Status is JobStatus.Committed && onChain.Worker == worker && onChain.Audit == AuditState.Unsettled
                && onChain.Deadline > now && _options.Finalize && !_drawKnown.Contains((j.Id, onChain.BlockNumber))
                && await SettleIfAuditedAsync(j.Id, onChain, market ??= await contracts.ParamsAsync().ConfigureAwait(false)).ConfigureAwait(false))
                _drawKnown.Add((j.Id, onChain.BlockNumber));
            if (onChain.Status is JobStatus.Committed && onChain.Worker == worker && onChain.Deadline <= now && _options.Finalize)
            {
                try
                {
                    await contracts.FinalizeAsync(worker, new JobResult(j.Id, j.Output!, j.TraceRoot!.Value), j.InputRoot).ConfigureAwait(false);
                    onChain = await contracts.JobAsync(j.Id).ConfigureAwait(false);
                    Log($"job {j.Id}: {(onChain.Status == JobStatus.Finalized ? "finalized" : "selected for audit at finalization")}");
                }
                catch (ContractRevertedException e)
                {
                    Log($"job {j.Id}: finalize reverted, rechecking at the next step: {e.Message}");
                }
            }
            if (onChain.Status is JobStatus.Committed or JobStatus.Challenged && onChain.Worker == worker)
                continue;
            store.RecordClosed(j.Id);
            _drawKnown.RemoveWhere(k => k.Item1 == j.Id);
            Log($"job {j.Id}: closed ({onChain.Status})");
            count++;
        }
        return count;
    }

    /// <summary>A result the audit draw selects (<see cref="AuditDraw"/>, known once the block after the result's is
    /// mined) is settled now rather than at finalization, so its audit window starts now: the job is paid an audit
    /// window after its result instead of a challenge window plus an audit window. A result the draw clears is left to
    /// <c>finalize</c>, which settles it for free. Returns whether the draw is known and acted on (false: ask again
    /// at the next step).</summary>
    private async Task<bool> SettleIfAuditedAsync(JobId job, JobView onChain, MarketParams market)
    {
        if (market.AuditBps == 0)
            return true;
        // Gas is estimated on the latest block, and blockhash(b) is readable from block b + 1 on: wait for both.
        if (await contracts.Chain.BlockHashAsync(onChain.BlockNumber + 1).ConfigureAwait(false) is not { } seed
            || await contracts.Chain.BlockHashAsync(onChain.BlockNumber + 2).ConfigureAwait(false) is null)
            return false;
        if (!AuditDraw.Selects(seed, job, market.AuditBps))
            return true;
        try
        {
            await contracts.Chain.SendAsync(contracts.Deployment.Market, new SettleAuditFunction { JobId = job.ToBigInteger() }, worker).ConfigureAwait(false);
            Log($"job {job}: drawn for audit; settled now, so its audit window starts now");
            return true;
        }
        catch (ContractRevertedException e)
        {
            Log($"job {job}: settleAudit reverted, rechecking at the next step: {e.Message}");
            return false;
        }
    }

    /// <summary>Checks the input against the job's root and computes the trace to commit to; null (logged) when the
    /// job cannot be executed: bytes that do not match the root, or an input the model refuses.</summary>
    private DisputeTrace? Run(NodeJob j)
    {
        if (TensorCommitment.Root(j.Input) != j.InputRoot)
        {
            Log($"job {j.Id}: input bytes do not match the input root {j.InputRoot}");
            return null;
        }
        try
        {
            return _execution.Trace(models[j.ModelId].Model, j.Input, j.Id);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException)
        {
            Log($"job {j.Id}: the model refuses the input: {e.Message}");
            return null;
        }
    }

    private void Log(string message) => log?.Invoke($"worker {worker.Hex[..10]}: {message}");
}
