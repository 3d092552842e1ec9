using System.Buffers.Binary;
using System.Text.Json.Nodes;
using Verity.Commitments;

namespace Verity.Chain.Provenance;

/// <summary>A contributor of a dataset and its share of the dataset's royalties.</summary>
public sealed record Contribution(Address Contributor, ushort Bps, int Records);

/// <summary>A canonical dataset (docs/PROVENANCE.md): records sorted by their bytes, the RFC 6962 root over them,
/// contributors with shares summing to 10,000 bps, and the id derived from all of it.</summary>
public sealed class DatasetFile
{
    /// <summary>The format tag written to and required from dataset files.</summary>
    public const string Format = "verity-dataset/1";
    /// <summary>Most contributors the registry accepts (DatasetRegistry.MAX_CONTRIBUTORS).</summary>
    public const int MaxContributors = 32;

    private readonly Hash256[] _leaves;

    private DatasetFile(IReadOnlyList<DataRecord> records, DeviceDomain? domain, IReadOnlyList<Contribution> contributors)
    {
        Records = records;
        Domain = domain;
        Contributors = contributors;
        _leaves = records.Select(r => r.Leaf).ToArray();
        Root = Merkle.Root(_leaves);
        var idInput = new List<byte>("verity-dataset/1"u8.ToArray());
        idInput.AddRange(Root.ToArray());
        idInput.AddRange(BigEndian((ulong)records.Count, 8));
        foreach (var c in contributors)
        {
            idInput.AddRange(Convert.FromHexString(c.Contributor.Hex[2..]));
            idInput.AddRange(BigEndian(c.Bps, 2));
        }
        Id = Hash256.Of(idInput.ToArray());
    }

    /// <summary>Records in canonical (byte-wise ascending) order; a record's index here is its leaf index.</summary>
    public IReadOnlyList<DataRecord> Records { get; }
    /// <summary>The device registry the device records were signed for; null if there are none.</summary>
    public DeviceDomain? Domain { get; }
    /// <summary>Contributors in ascending address order, with their shares.</summary>
    public IReadOnlyList<Contribution> Contributors { get; }
    /// <summary>The records root.</summary>
    public Hash256 Root { get; }
    /// <summary>SHA-256 of "verity-dataset/1" ‖ root ‖ count ‖ (contributor ‖ bps)*: the id to register under.</summary>
    public Hash256 Id { get; }

    /// <summary>The audit path of record <paramref name="index"/>.</summary>
    public Hash256[] Proof(int index) => Merkle.Proof(_leaves, index);

    /// <summary>Builds the canonical dataset, rejecting duplicates, replayed sequence numbers, bad signatures, mixed
    /// domains and shares that cannot be whole (every contributor needs at least 1 bp).</summary>
    /// <exception cref="InvalidDataException">Naming the offending record or contributor.</exception>
    public static DatasetFile Build(IEnumerable<(DataRecord Record, DeviceDomain? Domain)> input)
    {
        var items = input.ToList();
        if (items.Count == 0) throw new InvalidDataException("a dataset needs at least one record");
        var domains = items.Where(i => i.Domain is not null).Select(i => i.Domain!).Distinct().ToList();
        if (domains.Count > 1)
            throw new InvalidDataException($"readings were signed for {domains.Count} different registries or chains " +
                $"({string.Join(", ", domains.Select(d => $"chain {d.ChainId} registry {d.Registry}"))}); a dataset uses one");
        var domain = domains.SingleOrDefault();
        var records = items.Select(i => i.Record).ToList();

        foreach (var r in records.Where(r => r.IsDevice))
            if (!r.SignatureValid(domain!))
                throw new InvalidDataException($"reading {r.Sequence} of device {r.Device}: the signature does not verify " +
                    $"for owner {r.Contributor} under chain {domain!.ChainId} registry {domain.Registry}");
        foreach (var g in records.GroupBy(r => (r.Device, r.Sequence, r.IsDevice ? Hash256.Zero : r.PayloadHash,
                     r.IsDevice ? Address.Zero : r.Contributor)).Where(g => g.Count() > 1))
            throw new InvalidDataException(g.Key.Device.IsZero
                ? $"duplicate record: contributor {g.Key.Item4} gave payload {g.Key.Item3} {g.Count()} times"
                : $"duplicate record: device {g.Key.Device} sequence {g.Key.Sequence} appears {g.Count()} times (a replayed reading)");
        foreach (var dev in records.Where(r => r.IsDevice).GroupBy(r => r.Device))
        {
            var ordered = dev.OrderBy(r => r.Sequence).ToList();
            for (var i = 1; i < ordered.Count; i++)
                if (ordered[i].Timestamp < ordered[i - 1].Timestamp)
                    throw new InvalidDataException($"device {dev.Key}: sequence {ordered[i].Sequence} is timestamped before " +
                        $"sequence {ordered[i - 1].Sequence}; sequence numbers must increase with time");
        }

        return Canonical(records, domain);
    }

    /// <summary>Sorts and commits to <paramref name="records"/> without any check, as a dishonest builder could: for
    /// tests that must put a forged record on-chain to challenge it.</summary>
    internal static DatasetFile Canonical(IEnumerable<DataRecord> records, DeviceDomain? domain)
    {
        var sorted = records.ToList();
        sorted.Sort((a, b) => a.ToBytes().AsSpan().SequenceCompareTo(b.ToBytes()));
        return new DatasetFile(sorted, domain, SharesByCount(sorted));
    }

    /// <summary>Shares by record count, largest remainder: each contributor gets ⌊10,000·n/N⌋ bps, then the bps left
    /// go one each to the largest remainders (ties to the lower address); the sum is exactly 10,000.</summary>
    public static IReadOnlyList<Contribution> SharesByCount(IReadOnlyList<DataRecord> records)
    {
        var counts = records.GroupBy(r => r.Contributor).Select(g => (Contributor: g.Key, N: g.Count()))
            .OrderBy(c => c.Contributor.Hex, StringComparer.Ordinal).ToList();
        if (counts.Count > MaxContributors)
            throw new InvalidDataException($"{counts.Count} contributors; a dataset may have at most {MaxContributors}");
        long total = records.Count;
        var bps = counts.Select(c => 10_000L * c.N / total).ToArray();
        var left = 10_000 - bps.Sum();
        var order = Enumerable.Range(0, counts.Count).OrderByDescending(i => 10_000L * counts[i].N % total).ThenBy(i => i).ToList();
        for (var k = 0; k < left; k++) bps[order[k]]++;
        var result = counts.Select((c, i) => new Contribution(c.Contributor, (ushort)bps[i], c.N)).ToList();
        if (result.FirstOrDefault(c => c.Bps == 0) is { } none)
            throw new InvalidDataException($"contributor {none.Contributor} has {none.Records} of {total} records, " +
                "less than 1 basis point: every contributor needs a non-zero share");
        return result;
    }

    /// <summary>The dataset file's JSON.</summary>
    public string ToJson() => new JsonObject
    {
        ["format"] = Format,
        ["id"] = "0x" + Id,
        ["recordsRoot"] = "0x" + Root,
        ["recordCount"] = Records.Count,
        ["chainId"] = Domain?.ChainId,
        ["deviceRegistry"] = Domain?.Registry.Hex,
        ["contributors"] = new JsonArray(Contributors.Select(c => (JsonNode)new JsonObject
        {
            ["address"] = c.Contributor.Hex, ["bps"] = c.Bps, ["records"] = c.Records,
        }).ToArray()),
        ["records"] = new JsonArray(Records.Select(r => (JsonNode)("0x" + Convert.ToHexStringLower(r.ToBytes()))).ToArray()),
    }.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true });

    /// <summary>Reads a dataset file and rebuilds it from its records; the stated id, root and shares must match.</summary>
    /// <exception cref="InvalidDataException">The file is malformed or was edited inconsistently.</exception>
    public static DatasetFile Load(string path)
    {
        JsonObject o;
        try
        {
            o = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path)) as JsonObject
                ?? throw new InvalidDataException($"{path}: not a dataset file (expected a JSON object)");
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new InvalidDataException($"{path}: not JSON ({e.Message})");
        }
        if ((string?)o["format"] != Format) throw new InvalidDataException($"{path}: format must be \"{Format}\"");
        DeviceDomain? domain = o["deviceRegistry"] is null ? null
            : new DeviceDomain((long)o["chainId"]!, Address.Parse((string)o["deviceRegistry"]!));
        var records = (o["records"] as JsonArray ?? throw new InvalidDataException($"{path}: no \"records\" array"))
            .Select((n, i) =>
            {
                try
                {
                    var r = DataRecord.Parse(Convert.FromHexString(((string)n!)[2..]));
                    return (r, r.IsDevice ? domain : null);
                }
                catch (Exception e) when (e is FormatException or InvalidCastException or ArgumentException or NullReferenceException)
                {
                    throw new InvalidDataException($"{path}: record {i} is not {DataRecord.Length} bytes of 0x-hex");
                }
            });
        var built = Build(records);
        var stated = (o["contributors"] as JsonArray ?? throw new InvalidDataException($"{path}: no \"contributors\" array"))
            .Select(n => (Address: (string?)n?["address"], Bps: (int?)n?["bps"])).ToList();
        var sum = stated.Sum(s => s.Bps ?? 0);
        if (sum != 10_000) throw new InvalidDataException($"{path}: contributor shares sum to {sum} bps, not 10000");
        if (!stated.SequenceEqual(built.Contributors.Select(x => ((string?)x.Contributor.Hex, (int?)x.Bps))))
            throw new InvalidDataException($"{path}: contributor shares do not match the records' counts (expected " +
                string.Join(", ", built.Contributors.Select(x => $"{x.Contributor} {x.Bps}")) + ")");
        if ((string?)o["id"] != "0x" + built.Id || (string?)o["recordsRoot"] != "0x" + built.Root)
            throw new InvalidDataException($"{path}: id or recordsRoot does not match the records (expected 0x{built.Id}, root 0x{built.Root})");
        return built;
    }

    private static byte[] BigEndian(ulong v, int size)
    {
        var b = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(b, v);
        return b[(8 - size)..];
    }
}
