using System.Numerics;
using Nethereum.Contracts;
using Nethereum.Hex.HexTypes;
using Nethereum.RPC.Eth.DTOs;
using Nethereum.Web3;
using Verity.Chain;
using Verity.Commitments;
using G = Verity.Chain.Generated.DisputeGame;
using M = Verity.Chain.Generated.JobMarket;
using R = Verity.Chain.Generated.ModelRegistry;
using D = Verity.Chain.Generated.DatasetRegistry;
using V = Verity.Chain.Generated.DeviceRegistry;
using S = Verity.Chain.Generated.WorkerStaking;

namespace Verity.Explorer;

/// <summary>
/// Follows the deployment's events with <c>eth_getLogs</c> (all six contracts in one filter, in chain order) from
/// <see cref="ExplorerOptions.FromBlock"/> to the head and folds them into an <see cref="ExplorerState"/>. Works
/// against any EVM endpoint: it needs only <c>eth_blockNumber</c>, <c>eth_getLogs</c>, <c>eth_getBlockByNumber</c> and
/// <c>eth_call</c>.
/// </summary>
public sealed class Indexer(ExplorerOptions options, ExplorerState state, Action<string>? log = null)
{
    private readonly Web3 _web3 = new(options.RpcUrl.ToString());
    private readonly VerityContracts _contracts = new(new ChainClient(options.RpcUrl), options.Deployment);
    private long _next = options.FromBlock;
    private Hash256? _lastHash; // of block _next - 1, once indexed

    /// <summary>Reads every block up to the current head; returns the number of logs applied. When the last block
    /// indexed is no longer on the chain (a reorganisation deeper than the confirmations), the index is cleared and
    /// read again from the start: it lives in memory, and only a full re-read is sure to drop every orphaned event.</summary>
    public async Task<int> SyncAsync(CancellationToken ct = default)
    {
        if (_lastHash is { } last && await _contracts.Chain.BlockHashAsync(_next - 1).ConfigureAwait(false) != last)
        {
            log?.Invoke($"explorer: the chain reorganised below block {_next - 1}, deeper than the confirmations; indexing again from block {options.FromBlock}");
            lock (state.Sync)
                state.Clear();
            (_next, _lastHash) = (options.FromBlock, null);
        }
        var head = (long)(await _web3.Eth.Blocks.GetBlockNumber.SendRequestAsync().ConfigureAwait(false)).Value - options.Confirmations;
        int applied = 0;
        while (_next <= head)
        {
            ct.ThrowIfCancellationRequested();
            var to = Math.Min(head, _next + options.MaxLogRange - 1);
            var (logs, hash) = await _contracts.Chain.ReadStableAsync(to, () => _web3.Eth.Filters.GetLogs.SendRequestAsync(new NewFilterInput
            {
                Address = Addresses(),
                FromBlock = new BlockParameter(new HexBigInteger(_next)),
                ToBlock = new BlockParameter(new HexBigInteger(to)),
            })).ConfigureAwait(false);
            var touched = new HashSet<string>(StringComparer.Ordinal);
            lock (state.Sync)
            {
                // A slash is logged by staking before the market's DisputeResolved in the same transaction: collect the
                // range's slashes first, so the outcome can carry them whichever comes first.
                var slashes = logs.Where(l => l.IsLogForEvent<S.SlashedEvent>())
                    .ToDictionary(l => l.TransactionHash, l => l.DecodeEvent<S.SlashedEvent>().Event, StringComparer.Ordinal);
                foreach (var l in logs)
                    Apply(l, slashes, touched);
                state.Head = to;
            }
            // Stakes move with slashes and unstakes; read the slashable amount of the workers touched from the chain
            // rather than replaying staking's arithmetic.
            foreach (var w in touched)
            {
                var slashable = await _contracts.SlashableOfAsync(Address.Parse(w)).ConfigureAwait(false);
                lock (state.Sync)
                    state.Worker(w).Slashable = slashable;
            }
            applied += logs.Length;
            (_next, _lastHash) = (to + 1, hash);
        }
        lock (state.Sync)
            state.Head = Math.Max(state.Head, head);
        return applied;
    }

    /// <summary>Syncs every <see cref="ExplorerOptions.PollInterval"/> until cancelled; a failed pass (the endpoint
    /// down, say) is logged and retried.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await SyncAsync(ct).ConfigureAwait(false);
                lock (state.Sync)
                    state.Error = null;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log?.Invoke($"explorer: sync failed: {e.Message}");
                lock (state.Sync)
                    state.Error = e.Message;
            }
            try
            {
                await Task.Delay(options.PollInterval, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private string[] Addresses()
    {
        var d = options.Deployment;
        return [.. new[] { d.Market, d.DisputeGame, d.Staking, d.Models, d.Datasets, d.Devices }.Where(a => !a.IsZero).Select(a => a.Hex)];
    }

    private void Apply(FilterLog l, Dictionary<string, S.SlashedEvent> slashes, HashSet<string> touched)
    {
        long block = (long)l.BlockNumber.Value;
        string tx = l.TransactionHash;
        bool From(Address a) => string.Equals(l.Address, a.Hex, StringComparison.OrdinalIgnoreCase);
        var d = options.Deployment;
        if (From(d.Market))
            ApplyMarket(l, block, tx, slashes, touched);
        else if (From(d.DisputeGame))
            ApplyGame(l, block, tx);
        else if (From(d.Staking))
            ApplyStaking(l, block, touched);
        else if (From(d.Models) && l.IsLogForEvent<R.ModelRegisteredEvent>())
        {
            var e = l.DecodeEvent<R.ModelRegisteredEvent>().Event;
            var parent = Hex.Of(e.Parent);
            state.Models[Hex.Of(e.Id)] = new ModelRecord
            {
                Id = Hex.Of(e.Id), Owner = Hex.Addr(e.Owner), Parent = parent == Hex.ZeroHash ? null : parent,
                WeightsRoot = Hex.Of(e.WeightsRoot), OpSetVersion = (uint)e.OpSetVersion, ModelClass = (int)e.ModelClass,
                OwnerBps = (int)e.OwnerBps, Fee = e.Fee, Block = block,
                Datasets = [.. e.Datasets.Select(s => (Hex.Of(s.DatasetId), (int)s.Bps))],
            };
        }
        else if (From(d.Models) && l.IsLogForEvent<R.ModelFeeChangedEvent>())
        {
            var e = l.DecodeEvent<R.ModelFeeChangedEvent>().Event;
            if (state.Models.TryGetValue(Hex.Of(e.Id), out var m))
                m.Fee = e.Fee;
        }
        else if (From(d.Datasets) && l.IsLogForEvent<D.DatasetRegisteredEvent>())
        {
            var e = l.DecodeEvent<D.DatasetRegisteredEvent>().Event;
            state.Datasets[Hex.Of(e.Id)] = new DatasetRecord
            {
                Id = Hex.Of(e.Id), Owner = Hex.Addr(e.Owner), RecordsRoot = Hex.Of(e.RecordsRoot), Bond = e.Bond, Block = block,
                Contributors = [.. e.Contributors.Zip(e.Shares, (c, s) => (Hex.Addr(c), (int)s))],
            };
        }
        else if (From(d.Datasets) && l.IsLogForEvent<D.DatasetRetiredEvent>())
        {
            if (state.Datasets.TryGetValue(Hex.Of(l.DecodeEvent<D.DatasetRetiredEvent>().Event.Id), out var ds))
                ds.Retired = true;
        }
        else if (From(d.Devices) && l.IsLogForEvent<V.DeviceBoundEvent>())
        {
            var e = l.DecodeEvent<V.DeviceBoundEvent>().Event;
            state.Devices[Hex.Addr(e.Device)] = new DeviceRecord { Device = Hex.Addr(e.Device), Owner = Hex.Addr(e.Owner), Block = block };
        }
        else if (From(d.Devices) && l.IsLogForEvent<V.DeviceUnboundEvent>())
        {
            if (state.Devices.TryGetValue(Hex.Addr(l.DecodeEvent<V.DeviceUnboundEvent>().Event.Device), out var dev))
                dev.Bound = false;
        }
    }

    private void ApplyStaking(FilterLog l, long block, HashSet<string> touched)
    {
        if (l.IsLogForEvent<S.StakedEvent>())
        {
            var e = l.DecodeEvent<S.StakedEvent>().Event;
            state.Worker(Hex.Addr(e.Worker)).Stake = e.Stake;
            touched.Add(Hex.Addr(e.Worker));
        }
        else if (l.IsLogForEvent<S.UnstakeRequestedEvent>())
        {
            var e = l.DecodeEvent<S.UnstakeRequestedEvent>().Event;
            var w = state.Worker(Hex.Addr(e.Worker));
            w.Stake -= BigInteger.Min(w.Stake, e.Amount);
            touched.Add(w.Address);
        }
        else if (l.IsLogForEvent<S.ServingStartedEvent>())
        {
            var e = l.DecodeEvent<S.ServingStartedEvent>().Event;
            state.Worker(Hex.Addr(e.Worker)).Models.Add(Hex.Of(e.ModelId));
        }
        else if (l.IsLogForEvent<S.ServingStoppedEvent>())
        {
            var e = l.DecodeEvent<S.ServingStoppedEvent>().Event;
            state.Worker(Hex.Addr(e.Worker)).Models.Remove(Hex.Of(e.ModelId));
        }
        else if (l.IsLogForEvent<S.SlashedEvent>())
        {
            var e = l.DecodeEvent<S.SlashedEvent>().Event;
            var w = state.Worker(Hex.Addr(e.Worker));
            w.Slashes++;
            w.SlashedAmount += e.Amount;
            w.Stake -= BigInteger.Min(w.Stake, e.Amount);
            touched.Add(w.Address);
            state.Activity(block, a => a with { Slashes = a.Slashes + 1 });
        }
    }

    private void ApplyMarket(FilterLog l, long block, string tx, Dictionary<string, S.SlashedEvent> slashes, HashSet<string> touched)
    {
        if (l.IsLogForEvent<M.JobRequestedEvent>())
        {
            var e = l.DecodeEvent<M.JobRequestedEvent>().Event;
            var job = new JobRecord
            {
                Id = (ulong)e.JobId, ModelId = Hex.Of(e.ModelId), Requester = Hex.Addr(e.Requester), Fee = e.Fee,
                InputRoot = Hex.Of(e.InputRoot), InputBytes = e.Input?.Length ?? 0, RequestBlock = block,
            };
            state.Jobs[job.Id] = job;
            if (state.Models.TryGetValue(job.ModelId, out var m))
                m.Jobs++;
            state.Activity(block, a => a with { Requested = a.Requested + 1 });
            Event(job, block, tx, "requested", job.Requester, $"fee {Hex.Tokens(e.Fee)} VRT, " + (job.InputBytes > 0 ? $"input {job.InputBytes} bytes" : "input served off-chain (root only)"));
            return;
        }
        if (JobOf(l) is not { } j)
            return; // not a job's event, or a job requested before FromBlock
        if (l.IsLogForEvent<M.JobAssignedEvent>())
        {
            var e = l.DecodeEvent<M.JobAssignedEvent>().Event;
            (j.Status, j.Worker) = ("Assigned", Hex.Addr(e.Worker));
            Event(j, block, tx, "assigned", j.Worker, $"attempt {e.Attempt}");
        }
        else if (l.IsLogForEvent<M.ResultSubmittedEvent>())
        {
            var e = l.DecodeEvent<M.ResultSubmittedEvent>().Event;
            (j.Status, j.Worker, j.OutputHash, j.TraceRoot, j.OutputBytes, j.ResultBlock) =
                ("Committed", Hex.Addr(e.Worker), Hex.Of(e.OutputHash), Hex.Of(e.TraceRoot), e.Output?.Length ?? 0, block);
            state.Worker(j.Worker).Results++;
            Event(j, block, tx, "result", j.Worker, $"output {j.OutputHash[..18]}…, trace root {j.TraceRoot[..18]}…");
        }
        else if (l.IsLogForEvent<M.JobReassignedEvent>())
        {
            var e = l.DecodeEvent<M.JobReassignedEvent>().Event;
            // The previous attempt's result (if any) is void: the receipt shows the live attempt; the events keep the history.
            (j.Status, j.Attempt, j.Audit, j.Auditor) = ("Requested", (int)e.Attempt, "None", null);
            (j.Worker, j.OutputHash, j.TraceRoot, j.OutputBytes, j.ResultBlock) = (null, null, null, null, null);
            Event(j, block, tx, "reassigned", null, $"attempt {e.Attempt}, excluding {Hex.Addr(e.Excluded)}");
        }
        else if (l.IsLogForEvent<M.JobRefundedEvent>())
        {
            j.Status = "Refunded";
            Event(j, block, tx, "refunded", j.Requester, $"{Hex.Tokens(j.Fee)} VRT back to the requester");
        }
        else if (l.IsLogForEvent<M.AuditSelectedEvent>())
        {
            var e = l.DecodeEvent<M.AuditSelectedEvent>().Event;
            (j.Audit, j.Auditor) = ("Selected", Hex.Addr(e.Auditor));
            state.Worker(j.Auditor).Audits++;
            Event(j, block, tx, "audit selected", j.Auditor, "drawn auditor must confirm or challenge");
        }
        else if (l.IsLogForEvent<M.AuditConfirmedEvent>())
        {
            j.Audit = "Confirmed";
            var auditor = Hex.Addr(l.DecodeEvent<M.AuditConfirmedEvent>().Event.Auditor);
            state.Worker(auditor).AuditsConfirmed++;
            Event(j, block, tx, "audit confirmed", auditor, "auditor re-executed and agreed");
        }
        else if (l.IsLogForEvent<M.JobChallengedEvent>())
        {
            var e = l.DecodeEvent<M.JobChallengedEvent>().Event;
            (j.Status, j.Challenger, j.Outcome) = ("Challenged", Hex.Addr(e.Challenger), null);
            state.Worker(j.Challenger).Challenges++;
            state.Activity(block, a => a with { Disputes = a.Disputes + 1 });
            Event(j, block, tx, "challenged", j.Challenger, $"bond {Hex.Tokens(e.Bond)} VRT");
            Step(j, block, tx, "challenge", "challenger", j.Challenger, $"bond {Hex.Tokens(e.Bond)} VRT posted");
        }
        else if (l.IsLogForEvent<M.DisputeResolvedEvent>())
        {
            var e = l.DecodeEvent<M.DisputeResolvedEvent>().Event;
            slashes.TryGetValue(tx, out var s);
            j.Outcome = new DisputeOutcome(e.WorkerWasRight, e.Bond, e.Slashed, s?.Reward ?? 0, s?.Burned ?? 0,
                s is null ? null : Hex.Addr(s.To), false);
            if (e.WorkerWasRight)
                j.Status = "Committed";
            var text = e.WorkerWasRight
                ? $"worker was right: bond {Hex.Tokens(e.Bond)} VRT to the worker"
                : $"worker slashed {Hex.Tokens(e.Slashed)} VRT ({Hex.Tokens(j.Outcome.Reward)} to the challenger, {Hex.Tokens(j.Outcome.Burned)} burned); bond {Hex.Tokens(e.Bond)} VRT back";
            Event(j, block, tx, "dispute resolved", null, text);
            Step(j, block, tx, e.WorkerWasRight ? "outcome" : "slash", null, Hex.Addr(e.Worker), text);
        }
        else if (l.IsLogForEvent<M.DisputeExpiredEvent>())
        {
            var e = l.DecodeEvent<M.DisputeExpiredEvent>().Event;
            j.Outcome = new DisputeOutcome(false, e.Bond, 0, 0, 0, null, true);
            Step(j, block, tx, "expired", null, null, $"dispute timed out at the market: bond {Hex.Tokens(e.Bond)} VRT back, nobody slashed");
        }
        else if (l.IsLogForEvent<M.JobFinalizedEvent>())
        {
            var e = l.DecodeEvent<M.JobFinalizedEvent>().Event;
            j.Status = "Finalized";
            j.Split = new FeeSplit(e.Fee, e.WorkerCut, e.RoyaltyCut, e.ValidatorCut);
            var w = state.Worker(Hex.Addr(e.Worker));
            w.Finalized++;
            w.Earned += e.WorkerCut;
            touched.Add(w.Address);
            if (state.Models.TryGetValue(j.ModelId, out var m))
                m.FeesPaid += e.Fee;
            state.Activity(block, a => a with { Finalized = a.Finalized + 1, FeesPaid = a.FeesPaid + e.Fee });
            Event(j, block, tx, "finalized", w.Address,
                $"worker {Hex.Tokens(e.WorkerCut)}, royalty {Hex.Tokens(e.RoyaltyCut)}, validators {Hex.Tokens(e.ValidatorCut)} VRT");
        }
    }

    private void ApplyGame(FilterLog l, long block, string tx)
    {
        if (l.IsLogForEvent<G.ShapeSetEvent>() || JobOf(l) is not { } j)
            return;
        string? Role(string mover) => Hex.Addr(mover) == j.Worker ? "worker" : Hex.Addr(mover) == j.Challenger ? "challenger" : null;
        if (l.IsLogForEvent<G.DisputeOpenedEvent>())
            Step(j, block, tx, "open", null, null, $"game opened on the worker's trace root {Hex.Of(l.DecodeEvent<G.DisputeOpenedEvent>().Event.TraceRoot)}");
        else if (l.IsLogForEvent<G.TraceCommittedEvent>())
            Step(j, block, tx, "commit", "challenger", j.Challenger, $"challenger's trace root {Hex.Of(l.DecodeEvent<G.TraceCommittedEvent>().Event.TraceRoot)}");
        else if (l.IsLogForEvent<G.OutputCheckedEvent>())
        {
            var e = l.DecodeEvent<G.OutputCheckedEvent>().Event;
            Step(j, block, tx, "output check", "challenger", j.Challenger, $"output root {Hex.Of(e.OutputRoot)} vs op root {Hex.Of(e.OpRoot)}");
        }
        else if (l.IsLogForEvent<G.BisectedEvent>())
        {
            var e = l.DecodeEvent<G.BisectedEvent>().Event;
            var over = (int)e.Phase == 4 ? "chunks" : "ops";
            Step(j, block, tx, "bisect", Role(e.Mover), Hex.Addr(e.Mover), $"{over} [{e.Start}, {e.Start + e.Size})");
        }
        else if (l.IsLogForEvent<G.OpFoundEvent>())
            Step(j, block, tx, "op found", null, null, $"first differing op: {l.DecodeEvent<G.OpFoundEvent>().Event.Op}");
        else if (l.IsLogForEvent<G.OpRootRevealedEvent>())
        {
            var e = l.DecodeEvent<G.OpRootRevealedEvent>().Event;
            Step(j, block, tx, "op root", Role(e.Mover), Hex.Addr(e.Mover), $"op root {Hex.Of(e.OpRoot)}, output {e.OutLen} bytes");
        }
        else if (l.IsLogForEvent<G.ChunkFoundEvent>())
        {
            var e = l.DecodeEvent<G.ChunkFoundEvent>().Event;
            Step(j, block, tx, "chunk found", null, null, $"op {e.Op}, chunk {e.ChunkIndex}");
        }
        else if (l.IsLogForEvent<G.ChunkRevealedEvent>())
        {
            var e = l.DecodeEvent<G.ChunkRevealedEvent>().Event;
            Step(j, block, tx, "chunk reveal", "worker", j.Worker, $"op {e.Op}, chunk {e.ChunkIndex}: {e.Chunk?.Length ?? 0} bytes on chain");
        }
        else if (l.IsLogForEvent<G.OneStepCheckedEvent>())
        {
            var e = l.DecodeEvent<G.OneStepCheckedEvent>().Event;
            Step(j, block, tx, "one-step", "challenger", j.Challenger,
                $"op {e.Op}, element {e.Element}: worker claimed {e.Claimed}, recomputed {e.Computed}");
        }
        else if (l.IsLogForEvent<G.DisputeTimedOutEvent>())
        {
            var loser = Hex.Addr(l.DecodeEvent<G.DisputeTimedOutEvent>().Event.Loser);
            Step(j, block, tx, "timeout", Role(loser), loser, "did not move in time and loses");
        }
        else if (l.IsLogForEvent<G.DisputeEndedEvent>())
        {
            var right = l.DecodeEvent<G.DisputeEndedEvent>().Event.WorkerWasRight;
            Step(j, block, tx, "ended", null, null, right ? "the worker was right" : "the worker was wrong");
        }
    }

    /// <summary>The job named by the log's first indexed topic, if it is a known job (market and game events
    /// index the job id first; the others index an address or a model id, which is never a known job's number).</summary>
    private JobRecord? JobOf(FilterLog l)
    {
        if (l.Topics is not { Length: > 1 } || l.Topics[1]?.ToString() is not { Length: 66 } topic)
            return null;
        var n = new BigInteger(Convert.FromHexString(topic[2..]), isUnsigned: true, isBigEndian: true);
        return n <= ulong.MaxValue && state.Jobs.TryGetValue((ulong)n, out var j) ? j : null;
    }

    private static void Event(JobRecord j, long block, string tx, string kind, string? actor, string detail)
    {
        j.Events.Add(new JobEvent(block, tx, kind, actor, detail));
        j.LastBlock = block;
    }

    private static void Step(JobRecord j, long block, string tx, string kind, string? role, string? actor, string detail)
    {
        j.Dispute.Add(new DisputeStep(j.Dispute.Count + 1, block, tx, kind, role, actor, detail));
        j.LastBlock = block;
    }
}
