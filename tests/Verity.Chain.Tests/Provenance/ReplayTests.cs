using Verity.Chain.Provenance;
using Verity.Commitments;

namespace Verity.Chain.Tests.Provenance;

/// <summary>A reading's signature is bound to the chain, the registry, the device, its owner and its sequence
/// number: replayed elsewhere it does not verify, off-chain or on-chain; reused in one dataset it is refused.</summary>
public sealed class ReplayTests(ProvenanceFixture fx) : IClassFixture<ProvenanceFixture>
{
    private VerityContracts V => fx.V;

    [Theory]
    [InlineData("another chain id")]
    [InlineData("another registry")]
    public async Task A_signature_made_for_another_domain_does_not_verify_here(string elsewhere)
    {
        await fx.ResetAsync();
        var foreign = elsewhere == "another chain id"
            ? fx.Domain with { ChainId = 1 }
            : fx.Domain with { Registry = V.Deployment.Datasets };
        var replayed = fx.Readings(3, 1, foreign, firstSequence: 50).Single().ToRecord();
        Assert.True(replayed.SignatureValid(foreign));
        Assert.False(replayed.SignatureValid(fx.Domain));

        // The builder refuses to mix it with readings signed for this registry.
        var mixed = Assert.Throws<InvalidDataException>(() => DatasetFile.Build(fx.Fleet(1, 1).Append((replayed, foreign))));
        Assert.Contains("different registries or chains", mixed.Message);

        // On-chain, the registry recovers someone else from it: the dataset that carries it is slashed.
        var dataset = DatasetFile.Canonical(fx.Fleet(1, 1, 1).Select(r => r.Item1).Append(replayed), fx.Domain);
        await V.RegisterDatasetAsync(fx.Builder, dataset, ProvenanceFixture.Bond);
        var index = dataset.Records.ToList().FindIndex(r => r.ToBytes().AsSpan().SequenceEqual(replayed.ToBytes()));
        Assert.Equal(RecordFault.BadSignature, (await V.ChallengeDatasetAsync(fx.Challenger, dataset, index)).Fault);
        await fx.AssertBooksExactAsync();
    }

    [Fact]
    public void A_reused_sequence_number_is_a_duplicate_and_the_build_is_refused()
    {
        var again = fx.Readings(1, 1, firstSequence: 2).Single() with { Payload = "{\"celsius\":-4}"u8.ToArray() };
        var signed = fx.Devices[1].SignReading(fx.Domain, fx.OwnerOf(1), again.Sequence, again.Timestamp, again.Payload);
        var e = Assert.Throws<InvalidDataException>(() => DatasetFile.Build(fx.Fleet(0, 3).Append((signed.ToRecord(), fx.Domain))));
        Assert.Contains($"device {fx.Devices[1].Address} sequence 2 appears 2 times", e.Message);
    }

    [Fact]
    public void A_signature_moved_to_another_owner_or_sequence_does_not_verify()
    {
        var r = fx.Readings(0, 1).Single().ToRecord();
        Assert.True(r.SignatureValid(fx.Domain));
        Assert.False((r with { Contributor = fx.Stranger }).SignatureValid(fx.Domain));
        Assert.False((r with { Sequence = r.Sequence + 1 }).SignatureValid(fx.Domain));
        Assert.False((r with { Device = fx.Devices[1].Address }).SignatureValid(fx.Domain));
        Assert.False((r with { PayloadHash = Hash256.Of("other"u8) }).SignatureValid(fx.Domain));
    }
    [Fact]
    public async Task A_malleated_signature_is_refused_here_as_on_chain()
    {
        await fx.ResetAsync();
        var r = fx.Readings(0, 1).Single().ToRecord();
        var n = System.Numerics.BigInteger.Parse("0FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", System.Globalization.NumberStyles.HexNumber);
        var s = new System.Numerics.BigInteger(r.Signature.AsSpan(32, 32), isUnsigned: true, isBigEndian: true);
        var flipped = (n - s).ToByteArray(isUnsigned: true, isBigEndian: true);
        byte[] malleated = [.. r.Signature[..32], .. new byte[32 - flipped.Length], .. flipped, (byte)(r.Signature[64] == 27 ? 28 : 27)];
        var m = r with { Signature = malleated };
        Assert.False(m.SignatureValid(fx.Domain));
        var signer = await V.Chain.QueryAsync<Verity.Chain.Generated.DeviceRegistry.ReadingSignerFunction, string>(V.Deployment.Devices, new()
        {
            Device = m.Device.Hex, Owner = m.Contributor.Hex, Sequence = m.Sequence, Timestamp = m.Timestamp,
            PayloadHash = m.PayloadHash.ToArray(), Signature = m.Signature,
        });
        Assert.True(Address.Parse(signer).IsZero);
    }
}
