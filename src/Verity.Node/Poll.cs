using Nethereum.RPC.Eth.DTOs;
using Verity.Chain;

namespace Verity.Node;

/// <summary>The daemons' loop: step, wait, repeat until cancelled; a failed step is logged and retried next time.</summary>
internal static class Poll
{
    public static async Task RunAsync(Func<CancellationToken, Task> step, TimeSpan interval, Action<string> log, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await step(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return; // stopped mid-step: the store is transactional, the next start resumes
            }
            catch (Exception e)
            {
                log($"step failed, retrying: {e.Message}");
            }
            try
            {
                await Task.Delay(interval, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>The account's transactions waiting in the node's mempool (pending nonce less latest nonce). A daemon
    /// sends nothing while it has any: one may be a send its store never recorded (docs/NODE.md, Own transactions
    /// still pending).</summary>
    public static async Task<long> PendingAsync(ChainClient chain, Address account)
    {
        var count = chain.Web3.Eth.Transactions.GetTransactionCount;
        var pending = await count.SendRequestAsync(account.Hex, BlockParameter.CreatePending()).ConfigureAwait(false);
        var latest = await count.SendRequestAsync(account.Hex, BlockParameter.CreateLatest()).ConfigureAwait(false);
        return (long)(pending.Value - latest.Value);
    }
}
