using Verity.Chain.Provenance;
using Verity.Commitments;

namespace Verity.Chain.Tests.Provenance;

/// <summary>The canonical dataset file: order, root, shares, and the inputs it refuses (no chain needed).</summary>
public sealed class DatasetFileTests(ProvenanceFixture fx) : IClassFixture<ProvenanceFixture>
{
    [Fact]
    public void The_dataset_is_the_same_whatever_the_input_order_and_survives_its_file()
    {
        var input = fx.Fleet(2, 3, 1, 1, 4).ToList();
        var a = DatasetFile.Build(input);
        var b = DatasetFile.Build(Enumerable.Reverse(input));
        Assert.Equal((a.Id, a.Root), (b.Id, b.Root));
        Assert.Equal(Merkle.Root(a.Records.Select(r => Merkle.LeafHash(r.ToBytes())).ToArray()), a.Root);
        for (var i = 0; i < a.Records.Count; i++)
            Assert.True(Merkle.Verify(a.Root, a.Records[i].Leaf, i, a.Records.Count, a.Proof(i)));
        Assert.Equal(10_000, a.Contributors.Sum(c => c.Bps));

        var path = Path.Combine(Path.GetTempPath(), $"verity-dataset-{Guid.NewGuid():N}.json");
        try
        {
            File.WriteAllText(path, a.ToJson());
            var loaded = DatasetFile.Load(path);
            Assert.Equal((a.Id, a.Root, a.Records.Count), (loaded.Id, loaded.Root, loaded.Records.Count));
            File.WriteAllText(path, a.ToJson().Replace(a.Root.ToString(), Hash256.Of("edited"u8).ToString()));
            Assert.Contains("does not match the records", Assert.Throws<InvalidDataException>(() => DatasetFile.Load(path)).Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Shares_follow_record_counts_by_largest_remainder_and_sum_to_10000()
    {
        // 1 + 1 + 1 records: 3333 each, the one basis point left to the lowest address.
        var three = fx.Fleet(1, 0, 1, 1).Select(r => r.Item1).ToList();
        var s = DatasetFile.SharesByCount(three);
        Assert.Equal([3334, 3333, 3333], s.Select(c => (int)c.Bps));
        Assert.Equal(s.Select(c => c.Contributor.Hex).Order(StringComparer.Ordinal), s.Select(c => c.Contributor.Hex));
    }

    [Fact]
    public void A_contributor_too_small_for_one_basis_point_or_too_many_contributors_is_refused()
    {
        // 20,000 + 1 + 1 records: the two single records share the one basis point left over; one gets none.
        var many = Enumerable.Range(0, 20_000).Select(i => DataRecord.Plain(fx.Builder, Hash256.Of(BitConverter.GetBytes(i))))
            .Append(DataRecord.Plain(fx.Stranger, Hash256.Of("one"u8))).Append(DataRecord.Plain(fx.Challenger, Hash256.Of("two"u8))).ToList();
        Assert.Contains("less than 1 basis point", Assert.Throws<InvalidDataException>(() => DatasetFile.SharesByCount(many)).Message);
        var crowd = Enumerable.Range(0, 33).Select(i => DataRecord.Plain(
            Address.FromBytes(Hash256.Of(BitConverter.GetBytes(i)).AsSpan()[..20]), Hash256.Of("x"u8))).ToList();
        Assert.Contains("at most 32", Assert.Throws<InvalidDataException>(() => DatasetFile.SharesByCount(crowd)).Message);
    }

    [Fact]
    public void Duplicate_plain_records_and_readings_out_of_time_order_are_refused()
    {
        var p = DataRecord.Plain(fx.Stranger, Hash256.Of("a"u8));
        Assert.Contains("duplicate record", Assert.Throws<InvalidDataException>(() => DatasetFile.Build([(p, null), (p, null)])).Message);
        var early = fx.Devices[0].SignReading(fx.Domain, fx.OwnerOf(0), 9, 5, "{}"u8.ToArray()).ToRecord();
        var e = Assert.Throws<InvalidDataException>(() => DatasetFile.Build(fx.Fleet(2).Append((early, fx.Domain))));
        Assert.Contains("sequence numbers must increase with time", e.Message);
    }
}
