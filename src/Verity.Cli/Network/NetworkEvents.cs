using System.Numerics;
using Nethereum.ABI.FunctionEncoding.Attributes;
using Nethereum.Contracts;
using Nethereum.RPC.Eth.DTOs;
using Verity.Chain;
using M = Verity.Chain.Generated.JobMarket;
using S = Verity.Chain.Generated.WorkerStaking;

namespace Verity.Cli.Network;

/// <summary>One thing that happened on the network, in block order, with a line for people.</summary>
public sealed record NetworkEvent(long Block, long LogIndex, JobId? Job, string Kind, string Text);

/// <summary>Reads the market's and staking's events over a block range: what the demo streams and sums up.</summary>
public sealed class NetworkEvents(VerityContracts v, Func<Address, string> name)
{
    public List<M.JobRequestedEvent> Requested { get; } = [];
    public List<M.ResultSubmittedEvent> Results { get; } = [];
    public List<M.AuditSelectedEvent> AuditsSelected { get; } = [];
    public List<M.AuditConfirmedEvent> AuditsConfirmed { get; } = [];
    public List<M.JobChallengedEvent> Challenges { get; } = [];
    public List<M.DisputeResolvedEvent> Disputes { get; } = [];
    public List<M.JobFinalizedEvent> Finalized { get; } = [];
    public List<M.JobRefundedEvent> Refunded { get; } = [];
    public List<M.JobReassignedEvent> Reassigned { get; } = [];
    public List<S.SlashedEvent> Slashes { get; } = [];

    /// <summary>Reads blocks <paramref name="from"/>..<paramref name="to"/>, adds them to the lists, and returns them
    /// as lines in block order.</summary>
    public async Task<IReadOnlyList<NetworkEvent>> ReadAsync(long from, long to)
    {
        var lines = new List<NetworkEvent>();
        string market = v.Deployment.Market.Hex, staking = v.Deployment.Staking.Hex;
        async Task Read<T>(string contract, List<T> into, Func<T, (JobId?, string, string)> describe) where T : IEventDTO, new()
        {
            var e = v.Chain.Web3.Eth.GetEvent<T>(contract);
            foreach (var l in await e.GetAllChangesAsync(e.CreateFilterInput(new BlockParameter((ulong)from), new BlockParameter((ulong)to))))
            {
                into.Add(l.Event);
                var (job, kind, text) = describe(l.Event);
                lines.Add(new NetworkEvent((long)l.Log.BlockNumber.Value, (long)l.Log.LogIndex.Value, job, kind, text));
            }
        }
        string W(string a) => name(Address.Parse(a));
        await Read<M.JobRequestedEvent>(market, Requested, e => (JobId.From(e.JobId), "requested", $"requested by {W(e.Requester)}, {(e.Input is { Length: > 0 } input ? $"{input.Length:N0} input bytes" : "input served off-chain")}, fee {TokenAmount.Short(e.Fee)}"));
        await Read<M.ResultSubmittedEvent>(market, Results, e => (JobId.From(e.JobId), "posted", $"result posted by {W(e.Worker)} (trace root {Hex(e.TraceRoot)})"));
        await Read<M.AuditSelectedEvent>(market, AuditsSelected, e => (JobId.From(e.JobId), "audit", $"selected for audit by {W(e.Auditor)}"));
        await Read<M.AuditConfirmedEvent>(market, AuditsConfirmed, e => (JobId.From(e.JobId), "audited", $"audit confirmed by {W(e.Auditor)}"));
        await Read<M.JobChallengedEvent>(market, Challenges, e => (JobId.From(e.JobId), "challenged", $"CHALLENGED by {W(e.Challenger)} (bond {TokenAmount.Short(e.Bond)})"));
        await Read<M.DisputeResolvedEvent>(market, Disputes, e => (JobId.From(e.JobId), "resolved",
            e.WorkerWasRight ? $"dispute resolved: {W(e.Worker)} was right, {W(e.Challenger)} loses its bond"
                             : $"dispute resolved: {W(e.Worker)} was WRONG, slashed {TokenAmount.Short(e.Slashed)}; the job is reassigned"));
        await Read<M.JobFinalizedEvent>(market, Finalized, e => (JobId.From(e.JobId), "finalized",
            $"finalized: {TokenAmount.Short(e.WorkerCut)} to {W(e.Worker)}, {TokenAmount.Short(e.RoyaltyCut)} royalties, {TokenAmount.Short(e.ValidatorCut)} to the validator pool"));
        await Read<M.JobRefundedEvent>(market, Refunded, e => (JobId.From(e.JobId), "refunded", $"refunded {TokenAmount.Short(e.Fee)} to {W(e.Requester)}"));
        await Read<M.JobReassignedEvent>(market, Reassigned, e => (JobId.From(e.JobId), "reassigned", $"reassigned (attempt {e.Attempt}), excluding {W(e.Excluded)}"));
        await Read<S.SlashedEvent>(staking, Slashes, e => (null, "slashed", $"{W(e.Worker)} SLASHED {TokenAmount.Short(e.Amount)}: {TokenAmount.Short(e.Reward)} to {W(e.To)}, {TokenAmount.Short(e.Burned)} burned"));
        return [.. lines.OrderBy(l => l.Block).ThenBy(l => l.LogIndex)];
    }

    private static string Hex(byte[] b) => "0x" + Convert.ToHexStringLower(b)[..8] + "…";
}
