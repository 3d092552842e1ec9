using System.Numerics;
using R = Verity.Chain.Generated.ModelRegistry;

namespace Verity.Chain.Tests;

/// <summary>A model's fee change applies to later requests only; every job keeps the fee it escrowed.</summary>
public sealed class FeeTermsTests(ChainFixture fx) : IClassFixture<ChainFixture>
{
    [Fact]
    public async Task A_fee_change_leaves_earlier_jobs_at_their_fee()
    {
        await fx.ResetAsync();
        var V = fx.V;
        var f1 = ChainFixture.Fee;
        var f2 = f1 * 3;
        var inA = ChainFixture.Bytes("A");
        var (a, wa, ra) = await fx.CommittedJobAsync(inA);
        await fx.Chain.SendAsync(V.Deployment.Models, new R.SetFeeFunction { Id = ChainFixture.ModelId.ToArray(), Fee = f2 }, fx.ModelOwner);
        var (b, _) = await V.RequestJobAsync(fx.Requester, ChainFixture.ModelId, ChainFixture.Bytes("B"), f2);
        await fx.Chain.SendAsync(V.Deployment.Models, new R.SetFeeFunction { Id = ChainFixture.ModelId.ToArray(), Fee = f1 }, fx.ModelOwner);
        var (c, _) = await V.RequestJobAsync(fx.Requester, ChainFixture.ModelId, ChainFixture.Bytes("C"), f1);
        var (d, _) = await V.RequestJobAsync(fx.Requester, ChainFixture.ModelId, ChainFixture.Bytes("D"), f1);
        Assert.Equal(f1, (await V.JobAsync(a)).Fee);
        Assert.Equal(f2, (await V.JobAsync(b)).Fee);
        Assert.Equal(f1, (await V.JobAsync(c)).Fee);
        Assert.Equal(f1, (await V.JobAsync(d)).Fee);
        Assert.Equal(ChainFixture.ModelId, (await V.JobAsync(b)).ModelId);
        var books = await V.BooksAsync();
        Assert.Equal(f1 * 3 + f2, books.Escrow);
        await fx.FinalizeAsync(ra, inA, withOutput: false);
        Assert.Equal(f1 - f1 * 4000 / 10000 - f1 * 500 / 10000, await V.OwedToAsync(wa));
        Assert.Equal(f1 * 4000 / 10000, await V.RoyaltyPotAsync(ChainFixture.ModelId));
        await fx.AssertBooksExactAsync();
    }
}
