using System.Numerics;

namespace Verity.Explorer;

/// <summary>One event in a job's life, in chain order.</summary>
public sealed record JobEvent(long Block, string Tx, string Kind, string? Actor, string Detail);

/// <summary>One move or outcome of a dispute: what the game (or the market, for the challenge and the slash) logged.</summary>
public sealed record DisputeStep(int N, long Block, string Tx, string Kind, string? Role, string? Actor, string Detail);

/// <summary>How a finalized job's fee was split (JobFinalized).</summary>
public sealed record FeeSplit(BigInteger Fee, BigInteger WorkerCut, BigInteger RoyaltyCut, BigInteger ValidatorCut);

/// <summary>A dispute's outcome as the market settled it, with the stake slashed (Slashed, same transaction).</summary>
public sealed record DisputeOutcome(bool WorkerWasRight, BigInteger Bond, BigInteger Slashed, BigInteger Reward,
    BigInteger Burned, string? RewardTo, bool Expired);

/// <summary>A job as the explorer rebuilt it from events.</summary>
public sealed class JobRecord
{
    public required ulong Id { get; init; }
    public required string ModelId { get; init; }
    public required string Requester { get; init; }
    public required BigInteger Fee { get; init; }
    public required string InputRoot { get; init; }
    public required int InputBytes { get; init; }
    public required long RequestBlock { get; init; }
    public string Status { get; set; } = "Requested";
    public int Attempt { get; set; } = 1;
    public string? Worker { get; set; }
    public string? OutputHash { get; set; }
    public string? TraceRoot { get; set; }
    public int? OutputBytes { get; set; }
    public long? ResultBlock { get; set; }
    public string Audit { get; set; } = "None";
    public string? Auditor { get; set; }
    public string? Challenger { get; set; }
    public FeeSplit? Split { get; set; }
    public DisputeOutcome? Outcome { get; set; }
    public long LastBlock { get; set; }
    public List<JobEvent> Events { get; } = [];
    public List<DisputeStep> Dispute { get; } = [];
}

/// <summary>A worker's stake and record.</summary>
public sealed class WorkerRecord
{
    public required string Address { get; init; }
    public BigInteger Stake { get; set; }
    public BigInteger Slashable { get; set; }
    public int Results { get; set; }
    public int Finalized { get; set; }
    public int Audits { get; set; }
    public int AuditsConfirmed { get; set; }
    public int Challenges { get; set; }
    public int Slashes { get; set; }
    public BigInteger SlashedAmount { get; set; }
    public BigInteger Earned { get; set; }
    public SortedSet<string> Models { get; } = new(StringComparer.Ordinal);
}

/// <summary>A registered model (ModelRegistered) and its use.</summary>
public sealed class ModelRecord
{
    public required string Id { get; init; }
    public required string Owner { get; init; }
    public string? Parent { get; init; }
    public required string WeightsRoot { get; init; }
    public required uint OpSetVersion { get; init; }
    public required int ModelClass { get; init; }
    public required int OwnerBps { get; init; }
    public BigInteger Fee { get; set; }
    public required IReadOnlyList<(string DatasetId, int Bps)> Datasets { get; init; }
    public long Block { get; init; }
    public int Jobs { get; set; }
    public BigInteger FeesPaid { get; set; }
}

/// <summary>A registered dataset (DatasetRegistered).</summary>
public sealed class DatasetRecord
{
    public required string Id { get; init; }
    public required string Owner { get; init; }
    public required string RecordsRoot { get; init; }
    public required BigInteger Bond { get; init; }
    public required IReadOnlyList<(string Contributor, int Bps)> Contributors { get; init; }
    public long Block { get; init; }
    public bool Retired { get; set; }
}

/// <summary>A device key bound to an owner (DeviceBound); unbound devices stay listed as such.</summary>
public sealed class DeviceRecord
{
    public required string Device { get; init; }
    public required string Owner { get; set; }
    public long Block { get; set; }
    public bool Bound { get; set; } = true;
}

/// <summary>Per-block activity the totals chart is built from.</summary>
public sealed record BlockActivity(long Block, int Requested, int Finalized, BigInteger FeesPaid, int Disputes, int Slashes);
