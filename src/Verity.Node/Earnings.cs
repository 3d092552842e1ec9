using System.Numerics;
using Verity.Chain;

namespace Verity.Node;

/// <summary>
/// Collects what the market owes a daemon's account — worker fees, audit rewards, challenge bonds returned after a
/// won dispute — by <c>withdraw</c> once the amount reaches a threshold (one transaction for many jobs' earnings).
/// </summary>
internal static class Earnings
{
    /// <summary>Withdraws the account's balance in the market when it is at least <paramref name="threshold"/> wei
    /// (null: never). Returns the amount withdrawn, 0 when nothing was.</summary>
    public static async Task<BigInteger> CollectAsync(VerityContracts contracts, Address account, BigInteger? threshold, Action<string> log)
    {
        if (threshold is not { } at)
            return 0;
        var owed = await contracts.OwedToAsync(account).ConfigureAwait(false);
        if (owed == 0 || owed < at)
            return 0;
        try
        {
            var receipt = await contracts.WithdrawAsync(account).ConfigureAwait(false);
            log($"withdrew {TokenAmount.Short(owed)} VRT of earnings in {receipt.TransactionHash}");
            return owed;
        }
        catch (ContractRevertedException e)
        {
            log($"withdraw reverted, rechecking at the next step: {e.Message}");
            return 0;
        }
    }
}
