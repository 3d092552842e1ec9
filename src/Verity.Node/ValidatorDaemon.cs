using System.Buffers.Binary;
using Nethereum.RPC.Eth.DTOs;
using Verity.Chain;
using Verity.Chain.Dispute;
using Verity.Commitments;
using Verity.Engine;
using Verity.Engine.Format;
using Verity.Node.Content;
using AuditSelectedEvent = Verity.Chain.Generated.JobMarket.AuditSelectedEvent;
using ChallengeOfFunction = Verity.Chain.Generated.JobMarket.ChallengeOfFunction;
using ChallengeOfOutput = Verity.Chain.Generated.JobMarket.ChallengeOfOutput;
using ConfirmAuditFunction = Verity.Chain.Generated.JobMarket.ConfirmAuditFunction;
using ParamsFunction = Verity.Chain.Generated.JobMarket.ParamsFunction;
using ParamsOutput = Verity.Chain.Generated.JobMarket.ParamsOutput;
using JobRequestedEvent = Verity.Chain.Generated.JobMarket.JobRequestedEvent;
using ResultSubmittedEvent = Verity.Chain.Generated.JobMarket.ResultSubmittedEvent;

namespace Verity.Node;

/// <summary>A model a daemon serves or checks: the model it executes and what its dispute game needs (length rules,
/// <see cref="DisputeModels.Build"/>).</summary>
public sealed record ServedModel(VModel Model, DisputeModel Dispute)
{
    public static ServedModel Of(VModel model) => new(model, DisputeModels.Build(model));
}

/// <summary>How a validator daemon follows the chain and which results it re-executes.</summary>
public sealed record ValidatorOptions
{
    /// <summary>Blocks an event must be buried under before the daemon acts on it (0 on a local chain).</summary>
    public int Confirmations { get; init; } = 2;
    /// <summary>First block to read when the store is empty.</summary>
    public long StartBlock { get; init; }
    /// <summary>Most blocks one <c>eth_getLogs</c> call spans.</summary>
    public long MaxLogRange { get; init; } = 2_000;
    /// <summary>Re-execute only the results it is drawn to audit, plus a <see cref="SampleBps"/> sample of the rest;
    /// false (the default): every result of a known model.</summary>
    public bool AuditedOnly { get; init; }
    /// <summary>With <see cref="AuditedOnly"/>, the share (basis points) of other results re-executed, drawn by
    /// SHA-256(<see cref="SampleSeed"/> ‖ job id ‖ result block): replayable.</summary>
    public int SampleBps { get; init; }
    public ulong SampleSeed { get; init; }
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(2);
    /// <summary>Where the inputs of jobs requested by root (served off-chain) are fetched.</summary>
    public InputSource Inputs { get; init; } = InputSource.None;
    /// <summary>Withdraw the account's earnings (audit rewards, returned bonds) once they reach this many wei; null:
    /// never (a worker's audit daemon leaves it to the worker daemon of the same account).</summary>
    public System.Numerics.BigInteger? WithdrawAt { get; init; }
}

/// <summary>What one <see cref="ValidatorDaemon.StepAsync"/> did.</summary>
public sealed record ValidatorReport(int Results, int Checked, int Confirmed, int Challenged, int Moves);

/// <summary>
/// A validator's daemon (docs/NODE.md): follows <c>JobRequested</c> (for the inputs), <c>ResultSubmitted</c> and
/// <c>AuditSelected</c> from the block its store saved; re-executes posted results of the models it knows and compares
/// the trace root and output hash; as the drawn auditor of a result it agrees with, sends <c>confirmAudit</c>; against
/// a result it disagrees with, sends <c>challenge</c> with the bond and plays the challenger's side of the dispute game
/// to the end (<see cref="DisputePlayer.PlaySideAsync"/>). Every send is preceded by a read of the job on chain, so a
/// restart over the same store never confirms or challenges twice.
/// </summary>
/// The dispute needs nothing from the worker off chain: the worker reveals the disputed chunk on chain, and the
/// one-step's operands are proven against this validator's own trace root.
/// <remarks>One daemon per validator and store; not thread-safe (one step at a time).</remarks>
public sealed class ValidatorDaemon(VerityContracts contracts, Address validator, IReadOnlyDictionary<Hash256, ServedModel> models,
    NodeStore store, ValidatorOptions? options = null,
    Action<string>? log = null)
{
    private readonly ValidatorOptions _options = options ?? new ValidatorOptions();
    private static readonly Execution Honest = new();
    private readonly Dictionary<(JobId, long), DisputeTrace> _traces = [];
    private readonly HashSet<JobId> _awaitingInput = [];
    private PendingGate? _gate;

    public Address Validator => validator;
    public NodeStore Store => store;

    /// <summary>Steps until cancelled (then returns without throwing), waiting <see cref="ValidatorOptions.PollInterval"/>
    /// between steps; a failed step is logged and retried.</summary>
    public Task RunAsync(CancellationToken ct) => Poll.RunAsync(async c => await StepAsync(c).ConfigureAwait(false), _options.PollInterval, Log, ct);

    /// <summary>One pass: follow, check, act, play, collect.</summary>
    public async Task<ValidatorReport> StepAsync(CancellationToken ct = default)
    {
        int results = await FollowAsync(ct).ConfigureAwait(false);
        int checkedCount = await CheckAsync(ct).ConfigureAwait(false);
        if (await (_gate ??= new PendingGate(contracts.Chain, validator, Log)).ClosedAsync().ConfigureAwait(false))
            return new ValidatorReport(results, checkedCount, 0, 0, 0);
        var (confirmed, challenged) = await ActAsync(ct).ConfigureAwait(false);
        int moves = await PlayAsync(ct).ConfigureAwait(false);
        await Earnings.CollectAsync(contracts, validator, _options.WithdrawAt, Log).ConfigureAwait(false);
        return new ValidatorReport(results, checkedCount, confirmed, challenged, moves);
    }

    /// <summary>Reads requests (of known models), results and audit draws from the block after the saved one up to
    /// the head less the confirmations; records them with the block reached. Returns the results recorded.</summary>
    public async Task<int> FollowAsync(CancellationToken ct = default)
    {
        var eth = contracts.Chain.Web3.Eth;
        await Reorgs.CheckAsync(contracts.Chain, store, _options.StartBlock, Log).ConfigureAwait(false);
        long head = (long)(await eth.Blocks.GetBlockNumber.SendRequestAsync().ConfigureAwait(false)).Value;
        long safe = head - _options.Confirmations;
        long from = Math.Max(store.LastBlock + 1, _options.StartBlock);
        string market = contracts.Deployment.Market.Hex;
        var requested = eth.GetEvent<JobRequestedEvent>(market);
        var submitted = eth.GetEvent<ResultSubmittedEvent>(market);
        var audited = eth.GetEvent<AuditSelectedEvent>(market);
        int count = 0;
        while (from <= safe)
        {
            ct.ThrowIfCancellationRequested();
            long to = Math.Min(safe, from + _options.MaxLogRange - 1);
            BlockParameter a = new((ulong)from), b = new((ulong)to);
            var ((requests, submits, draws), hash) = await contracts.Chain.ReadStableAsync(to, async () =>
                (await requested.GetAllChangesAsync(requested.CreateFilterInput(a, b)).ConfigureAwait(false),
                 await submitted.GetAllChangesAsync(submitted.CreateFilterInput(a, b)).ConfigureAwait(false),
                 await audited.GetAllChangesAsync(audited.CreateFilterInput(a, b)).ConfigureAwait(false))).ConfigureAwait(false);
            var jobs = requests
                .Where(l => models.ContainsKey(new Hash256(l.Event.ModelId)))
                .Select(l => new NodeJob(JobId.From(l.Event.JobId), new Hash256(l.Event.ModelId), new Hash256(l.Event.InputRoot),
                    l.Event.Input ?? [], (long)l.Log.BlockNumber.Value, NodeJobState.Seen, null, null, null, null))
                .ToList();
            var results = submits
                .Select(l => new PostedResult(JobId.From(l.Event.JobId), (long)l.Log.BlockNumber.Value, Address.Parse(l.Event.Worker),
                    new Hash256(l.Event.OutputHash), new Hash256(l.Event.TraceRoot), l.Event.Output ?? [], null, ResultState.Pending, null, null))
                .ToList();
            var audits = draws
                .Select(l => (JobId.From(l.Event.JobId), (long)l.Log.BlockNumber.Value, Address.Parse(l.Event.Auditor)))
                .ToList();
            store.RecordFollowed(jobs, results, audits, to, throughHash: hash);
            count += results.Count;
            from = to + 1;
        }
        return count;
    }

    /// <summary>Re-executes the pending results it should check (<see cref="ValidatorOptions.AuditedOnly"/>) and
    /// records whether it agrees; drops those of unknown models, its own, and those no longer open. Returns the
    /// results re-executed.</summary>
    public async Task<int> CheckAsync(CancellationToken ct = default)
    {
        int count = 0;
        foreach (var r in store.Results(ResultState.Pending))
        {
            ct.ThrowIfCancellationRequested();
            var job = store.Job(r.Job);
            if (job is null || r.Worker == validator || (await contracts.JobAsync(r.Job).ConfigureAwait(false)).Status != JobStatus.Committed)
            {
                store.RecordResult(r.Job, r.Block, ResultState.Done);
                continue;
            }
            if (_options.AuditedOnly && r.Auditor != validator && !Sampled(r))
                continue; // an audit may still draw us
            if (await _options.Inputs.ResolveAsync(job, store, ct).ConfigureAwait(false) is not { } withInput)
            {
                // Served off-chain and not found yet: asked again each step while the result is open.
                if (_awaitingInput.Add(r.Job))
                    Log($"job {r.Job}: input {job.InputRoot} is served off-chain and no source has it yet; not checked until one does");
                continue;
            }
            _awaitingInput.Remove(r.Job);
            if (Trace(r, withInput) is not { } trace)
            {
                store.RecordResult(r.Job, r.Block, ResultState.Done);
                continue;
            }
            bool agree = trace.Root == r.TraceRoot && Hash256.Of(trace.Outputs[models[job.ModelId].Dispute.OutputOp]) == r.OutputHash;
            if (agree)
                _traces.Remove((r.Job, r.Block)); // only a disputed result needs its full trace kept
            store.RecordResult(r.Job, r.Block, agree ? ResultState.Agreed : ResultState.Disagreed, trace.Root);
            Log($"job {r.Job}: {(agree ? "agrees with" : "DISAGREES with")} the result of {r.Worker.Hex[..10]} (trace root {trace.Root})");
            count++;
        }
        return count;
    }

    /// <summary>Confirms the audits it is drawn to for results it agrees with; challenges the results it disagrees
    /// with. Each reads the job first: a confirmation or challenge already on chain from this validator (sent before a
    /// restart) is recorded without sending. Returns the confirmations and challenges sent.</summary>
    public async Task<(int Confirmed, int Challenged)> ActAsync(CancellationToken ct = default)
    {
        int confirmed = 0, challenged = 0;
        long now = (long)await contracts.Chain.BlockTimestampAsync().ConfigureAwait(false);
        foreach (var r in store.Results(ResultState.Agreed))
        {
            ct.ThrowIfCancellationRequested();
            var j = await contracts.JobAsync(r.Job).ConfigureAwait(false);
            if (j.Status != JobStatus.Committed)
                store.RecordResult(r.Job, r.Block, ResultState.Done);
            else if (r.Auditor == validator && j.Audit == AuditState.Confirmed)
                store.RecordResult(r.Job, r.Block, ResultState.Confirmed);
            else if (r.Auditor == validator && j.Audit == AuditState.Selected && j.Deadline > now)
            {
                var receipt = await Try(() => contracts.Chain.SendAsync(contracts.Deployment.Market,
                    new ConfirmAuditFunction { JobId = r.Job.ToBigInteger() }, validator, ct: ct)).ConfigureAwait(false);
                if (receipt is null)
                    continue;
                store.RecordResult(r.Job, r.Block, ResultState.Confirmed, txHash: receipt.TransactionHash);
                Log($"job {r.Job}: audit confirmed in {receipt.TransactionHash}");
                confirmed++;
            }
        }
        foreach (var r in store.Results(ResultState.Disagreed))
        {
            ct.ThrowIfCancellationRequested();
            var j = await contracts.JobAsync(r.Job).ConfigureAwait(false);
            if (j.Status == JobStatus.Challenged)
            {
                var c = await contracts.Chain.CallAsync<ChallengeOfFunction, ChallengeOfOutput>(contracts.Deployment.Market,
                    new() { JobId = r.Job.ToBigInteger() }).ConfigureAwait(false);
                bool mine = Address.Parse(c.ReturnValue1.Challenger) == validator;
                store.RecordResult(r.Job, r.Block, mine ? ResultState.Challenged : ResultState.Done);
                Log($"job {r.Job}: already challenged by {(mine ? "this validator" : c.ReturnValue1.Challenger)}");
                continue;
            }
            if (j.Status != JobStatus.Committed || j.Worker != r.Worker || j.Deadline <= now)
            {
                store.RecordResult(r.Job, r.Block, ResultState.Done);
                continue;
            }
            var input = store.Job(r.Job)!;
            var bond = (await contracts.Chain.CallAsync<ParamsFunction, ParamsOutput>(contracts.Deployment.Market, new())
                .ConfigureAwait(false)).ReturnValue1.ChallengeBond;
            var sent = await Try(() => contracts.ChallengeAsync(validator, new JobResult(r.Job, r.Output, r.TraceRoot), input.InputRoot, bond))
                .ConfigureAwait(false);
            if (sent is null)
                continue;
            store.RecordResult(r.Job, r.Block, ResultState.Challenged, txHash: sent.TransactionHash);
            Log($"job {r.Job}: challenged in {sent.TransactionHash}");
            challenged++;
        }
        return (confirmed, challenged);
    }

    /// <summary>Makes this validator's moves in the disputes it opened; closes those that ended. Returns the moves.</summary>
    public async Task<int> PlayAsync(CancellationToken ct = default)
    {
        int moves = 0;
        foreach (var r in store.Results(ResultState.Challenged))
        {
            ct.ThrowIfCancellationRequested();
            var job = store.Job(r.Job)!;
            var j = await contracts.JobAsync(r.Job).ConfigureAwait(false);
            if (j.Status != JobStatus.Challenged)
            {
                store.RecordResult(r.Job, r.Block, ResultState.Done);
                Log($"job {r.Job}: dispute over ({j.Status}{(j.Status == JobStatus.Requested ? ", the worker lost" : "")})");
                continue;
            }
            var trace = Trace(r, job)!;
            moves += await DisputeTurns.TakeAsync(contracts, models[job.ModelId].Dispute, r.Job, new DisputeParty(validator, trace, r.Output),
                asChallenger: true, Log, ct).ConfigureAwait(false);
        }
        return moves;
    }

    /// <summary>This validator's execution of a result's job (kept in memory; recomputed after a restart); null when
    /// the input cannot be executed.</summary>
    private DisputeTrace? Trace(PostedResult r, NodeJob job)
    {
        if (_traces.TryGetValue((r.Job, r.Block), out var kept))
            return kept;
        if (TensorCommitment.Root(job.Input) != job.InputRoot)
        {
            Log($"job {r.Job}: input bytes do not match the input root {job.InputRoot}; not checked");
            return null;
        }
        try
        {
            return _traces[(r.Job, r.Block)] = Honest.Trace(models[job.ModelId].Model, job.Input, r.Job);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException)
        {
            Log($"job {r.Job}: the model refuses the input: {e.Message}");
            return null;
        }
    }

    private bool Sampled(PostedResult r)
    {
        if (_options.SampleBps <= 0)
            return false;
        Span<byte> seed = stackalloc byte[24];
        BinaryPrimitives.WriteUInt64BigEndian(seed, _options.SampleSeed);
        BinaryPrimitives.WriteUInt64BigEndian(seed[8..], r.Job.Value);
        BinaryPrimitives.WriteInt64BigEndian(seed[16..], r.Block);
        return BinaryPrimitives.ReadUInt64BigEndian(Hash256.Of(seed.ToArray()).ToArray()) % 10_000 < (ulong)_options.SampleBps;
    }

    private async Task<TransactionReceipt?> Try(Func<Task<TransactionReceipt>> send)
    {
        try
        {
            return await send().ConfigureAwait(false);
        }
        catch (ContractRevertedException e)
        {
            Log($"reverted, rechecking at the next step: {e.Message}");
            return null;
        }
    }

    private void Log(string message) => log?.Invoke($"validator {validator.Hex[..10]}: {message}");
}
