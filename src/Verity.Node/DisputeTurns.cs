using Verity.Chain;
using Verity.Chain.Dispute;

namespace Verity.Node;

/// <summary>A daemon's turn in one dispute, the worker's side or the challenger's: the moves due, then the end by
/// timeout of an opponent who stopped moving (<see cref="DisputePlayer.TakeTurnAsync"/>), logged; a revert is logged
/// and the turn retried at the next step.</summary>
internal static class DisputeTurns
{
    /// <summary>Returns the transactions sent.</summary>
    public static async Task<int> TakeAsync(VerityContracts contracts, DisputeModel dispute, JobId job, DisputeParty me, bool asChallenger,
        Action<string> log, CancellationToken ct)
    {
        var player = new DisputePlayer(contracts.Chain, contracts.Deployment.DisputeGame, dispute);
        try
        {
            var turn = await player.TakeTurnAsync(job, me, asChallenger, ct).ConfigureAwait(false);
            if (turn.Receipts.Count > 0)
                log($"job {job}: {turn.Receipts.Count} dispute move(s), now {turn.Phase}{(turn.TimedOut ? " (the other side missed its move: ended by timeout)" : "")}");
            return turn.Receipts.Count;
        }
        catch (ContractRevertedException e)
        {
            log($"job {job}: dispute move reverted: {e.Message}");
            return 0;
        }
    }
}
