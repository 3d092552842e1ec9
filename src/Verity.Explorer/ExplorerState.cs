using System.Globalization;
using System.Numerics;

namespace Verity.Explorer;

/// <summary>
/// The in-memory view the indexer folds events into and the API reads. Every access holds <see cref="Sync"/>;
/// the query methods return fresh JSON-ready objects (amounts as decimal wei strings plus token strings, since JSON
/// numbers cannot carry 256-bit integers).
/// </summary>
public sealed class ExplorerState
{
    /// <summary>The lock over everything below.</summary>
    public object Sync { get; } = new();
    public long Head { get; set; } = -1;
    public string? Error { get; set; }
    public SortedDictionary<ulong, JobRecord> Jobs { get; } = [];
    public Dictionary<string, WorkerRecord> Workers { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, ModelRecord> Models { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, DatasetRecord> Datasets { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, DeviceRecord> Devices { get; } = new(StringComparer.Ordinal);
    public SortedDictionary<long, BlockActivity> Blocks { get; } = [];

    /// <summary>Forgets everything indexed (call under <see cref="Sync"/>): a reorganisation deeper than the
    /// confirmations makes the indexer read the chain again from the start.</summary>
    public void Clear()
    {
        Head = -1;
        Jobs.Clear();
        Workers.Clear();
        Models.Clear();
        Datasets.Clear();
        Devices.Clear();
        Blocks.Clear();
    }

    public WorkerRecord Worker(string address)
    {
        if (!Workers.TryGetValue(address, out var w))
            Workers[address] = w = new WorkerRecord { Address = address };
        return w;
    }

    public void Activity(long block, Func<BlockActivity, BlockActivity> change) =>
        Blocks[block] = change(Blocks.TryGetValue(block, out var a) ? a : new BlockActivity(block, 0, 0, 0, 0, 0));

    private static object Amount(BigInteger wei) => new { wei = wei.ToString(CultureInfo.InvariantCulture), tokens = Hex.Tokens(wei) };

    // ---- queries (call under Sync) ----

    /// <summary>The newest jobs first, at most <paramref name="limit"/>.</summary>
    public object JobList(int limit) => new
    {
        head = Head, error = Error, count = Jobs.Count,
        jobs = Jobs.Values.Reverse().Take(limit).Select(j => new
        {
            id = j.Id, modelId = j.ModelId, status = j.Status, attempt = j.Attempt, worker = j.Worker, requester = j.Requester,
            fee = Amount(j.Fee), requestBlock = j.RequestBlock, lastBlock = j.LastBlock, audit = j.Audit, disputed = j.Dispute.Count > 0,
        }).ToList(),
    };

    public object Job(JobRecord j, IReadOnlyList<object> nodeRows) => new
    {
        head = Head,
        receipt = new
        {
            jobId = j.Id, modelId = j.ModelId, outputHash = j.OutputHash, traceRoot = j.TraceRoot, status = j.Status,
            inputRoot = j.InputRoot, worker = j.Worker, requester = j.Requester, attempt = j.Attempt,
        },
        fee = Amount(j.Fee), inputBytes = j.InputBytes, outputBytes = j.OutputBytes, requestBlock = j.RequestBlock, resultBlock = j.ResultBlock,
        split = j.Split is { } s ? new { fee = Amount(s.Fee), worker = Amount(s.WorkerCut), royalty = Amount(s.RoyaltyCut), validators = Amount(s.ValidatorCut) } : null,
        audit = new { state = j.Audit, auditor = j.Auditor },
        challenger = j.Challenger,
        outcome = j.Outcome is { } o ? new
        {
            workerWasRight = o.WorkerWasRight, expired = o.Expired, bond = Amount(o.Bond), slashed = Amount(o.Slashed),
            reward = Amount(o.Reward), burned = Amount(o.Burned), rewardTo = o.RewardTo,
        } : null,
        events = j.Events, dispute = j.Dispute, nodes = nodeRows,
    };

    public object WorkerList() => new
    {
        head = Head,
        workers = Workers.Values.OrderByDescending(w => w.Stake).ThenBy(w => w.Address, StringComparer.Ordinal).Select(w => new
        {
            address = w.Address, stake = Amount(w.Stake), slashable = Amount(w.Slashable), results = w.Results, finalized = w.Finalized,
            audits = w.Audits, auditsConfirmed = w.AuditsConfirmed, challenges = w.Challenges, slashes = w.Slashes,
            slashed = Amount(w.SlashedAmount), earned = Amount(w.Earned), models = w.Models.ToList(),
        }).ToList(),
    };

    private object ModelSummary(ModelRecord m) => new
    {
        id = m.Id, owner = m.Owner, parent = m.Parent, weightsRoot = m.WeightsRoot, opSetVersion = m.OpSetVersion, modelClass = m.ModelClass,
        ownerBps = m.OwnerBps, fee = Amount(m.Fee), block = m.Block, jobs = m.Jobs, feesPaid = Amount(m.FeesPaid),
        datasets = m.Datasets.Select(d => new { id = d.DatasetId, bps = d.Bps }).ToList(),
        children = Models.Values.Count(c => c.Parent == m.Id),
    };

    public object ModelList() => new { head = Head, models = Models.Values.OrderBy(m => m.Block).Select(ModelSummary).ToList() };

    /// <summary>A model with its lineage as a graph: every ancestor (by parent links), its children, the datasets it
    /// pays and the devices bound to its owner (the device registry binds devices to owners, not to models).</summary>
    public object Model(ModelRecord m)
    {
        var nodes = new List<object>();
        var edges = new List<object>();
        var ancestors = new List<string>();
        for (var p = m.Parent; p is not null && !ancestors.Contains(p) && ancestors.Count < 64; p = Models.GetValueOrDefault(p)?.Parent)
            ancestors.Add(p);
        int depth = ancestors.Count;
        for (var i = 0; i < ancestors.Count; i++)
        {
            nodes.Add(new { id = ancestors[i], kind = "model", label = Short(ancestors[i]), level = depth - 1 - i });
            edges.Add(new { from = ancestors[i], to = i == 0 ? m.Id : ancestors[i - 1], kind = "parent" });
        }
        nodes.Add(new { id = m.Id, kind = "model", label = Short(m.Id), level = depth, self = true });
        foreach (var c in Models.Values.Where(c => c.Parent == m.Id).OrderBy(c => c.Block))
        {
            nodes.Add(new { id = c.Id, kind = "model", label = Short(c.Id), level = depth + 1 });
            edges.Add(new { from = m.Id, to = c.Id, kind = "parent" });
        }
        foreach (var d in m.Datasets)
        {
            nodes.Add(new { id = d.DatasetId, kind = "dataset", label = $"{Short(d.DatasetId)} · {d.Bps} bps", level = depth });
            edges.Add(new { from = d.DatasetId, to = m.Id, kind = "dataset" });
        }
        foreach (var dev in Devices.Values.Where(v => v.Bound && v.Owner == m.Owner).OrderBy(v => v.Block))
        {
            nodes.Add(new { id = dev.Device, kind = "device", label = Short(dev.Device), level = depth });
            edges.Add(new { from = dev.Device, to = m.Id, kind = "device" });
        }
        return new
        {
            head = Head, model = ModelSummary(m), ancestors,
            datasets = m.Datasets.Select(d => Datasets.GetValueOrDefault(d.DatasetId) is { } ds ? DatasetSummary(ds) : new { id = d.DatasetId }).ToList(),
            devices = Devices.Values.Where(v => v.Bound && v.Owner == m.Owner).Select(v => v.Device).ToList(),
            graph = new { nodes, edges },
        };
    }

    private object DatasetSummary(DatasetRecord d) => new
    {
        id = d.Id, owner = d.Owner, recordsRoot = d.RecordsRoot, bond = Amount(d.Bond), block = d.Block, retired = d.Retired,
        contributors = d.Contributors.Select(c => new { address = c.Contributor, bps = c.Bps }).ToList(),
        models = Models.Values.Where(m => m.Datasets.Any(x => x.DatasetId == d.Id)).Select(m => m.Id).ToList(),
    };

    public object DatasetList() => new { head = Head, datasets = Datasets.Values.OrderBy(d => d.Block).Select(DatasetSummary).ToList() };

    public object DeviceList() => new
    {
        head = Head,
        devices = Devices.Values.OrderBy(d => d.Block).Select(d => new
        {
            device = d.Device, owner = d.Owner, block = d.Block, bound = d.Bound,
            models = Models.Values.Where(m => m.Owner == d.Owner).Select(m => m.Id).ToList(),
        }).ToList(),
    };

    /// <summary>Sums, and per-bucket activity from the first indexed block to the head in <paramref name="buckets"/> buckets.</summary>
    public object Totals(long fromBlock, int buckets)
    {
        long to = Math.Max(Head, fromBlock);
        long width = Math.Max(1, (to - fromBlock + buckets) / buckets);
        var series = new List<object>();
        for (long start = fromBlock; start <= to; start += width)
        {
            var inRange = Blocks.Values.Where(b => b.Block >= start && b.Block < start + width).ToList();
            series.Add(new
            {
                fromBlock = start, toBlock = Math.Min(to, start + width - 1), jobs = inRange.Sum(b => b.Requested),
                finalized = inRange.Sum(b => b.Finalized), fees = Amount(inRange.Aggregate(BigInteger.Zero, (s, b) => s + b.FeesPaid)),
                disputes = inRange.Sum(b => b.Disputes), slashes = inRange.Sum(b => b.Slashes),
            });
        }
        return new
        {
            head = Head, bucketBlocks = width,
            jobs = Jobs.Count, finalized = Jobs.Values.Count(j => j.Status == "Finalized"), refunded = Jobs.Values.Count(j => j.Status == "Refunded"),
            open = Jobs.Values.Count(j => j.Status is "Requested" or "Assigned" or "Committed" or "Challenged"),
            disputes = Blocks.Values.Sum(b => b.Disputes), slashes = Blocks.Values.Sum(b => b.Slashes),
            feesPaid = Amount(Blocks.Values.Aggregate(BigInteger.Zero, (s, b) => s + b.FeesPaid)),
            staked = Amount(Workers.Values.Aggregate(BigInteger.Zero, (s, w) => s + w.Stake)),
            workers = Workers.Values.Count(w => w.Stake > 0), models = Models.Count, datasets = Datasets.Count, devices = Devices.Values.Count(d => d.Bound),
            series,
        };
    }

    private static string Short(string hex) => hex.Length > 14 ? hex[..8] + "…" + hex[^4..] : hex;
}
