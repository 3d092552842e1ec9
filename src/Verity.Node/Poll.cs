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

    /// <summary>The account's transactions waiting in the node's mempool (pending nonce less latest nonce).</summary>
    public static async Task<long> PendingAsync(ChainClient chain, Address account)
    {
        var count = chain.Web3.Eth.Transactions.GetTransactionCount;
        var pending = await count.SendRequestAsync(account.Hex, BlockParameter.CreatePending()).ConfigureAwait(false);
        var latest = await count.SendRequestAsync(account.Hex, BlockParameter.CreateLatest()).ConfigureAwait(false);
        return (long)(pending.Value - latest.Value);
    }
}

/// <summary>
/// Holds a daemon's sends while its account has transactions in the mempool (docs/NODE.md, Own transactions still
/// pending): one may be a send its store never recorded (made just before a kill or an RPC outage), which reading the
/// job cannot see yet, and a node that estimates gas on the latest block (geth) would let the same send through
/// again, to revert on chain. Logs once per wait.
/// </summary>
internal sealed class PendingGate(ChainClient chain, Address account, Action<string> log)
{
    private bool _waiting;

    /// <summary>True when the daemon must not send in this step.</summary>
    public async Task<bool> ClosedAsync()
    {
        long pending = await Poll.PendingAsync(chain, account).ConfigureAwait(false);
        if (pending > 0 && !_waiting)
            log($"{pending} transaction(s) of this account still pending; sending nothing until they are mined");
        _waiting = pending > 0;
        return _waiting;
    }
}
