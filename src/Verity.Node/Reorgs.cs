using Verity.Chain;
using Verity.Commitments;

namespace Verity.Node;

/// <summary>
/// Keeps a daemon's store on the canonical chain (docs/NODE.md, Reorganisations). Before each follow the hash of the
/// last block the store followed to is compared with the chain's; when they differ — a reorganisation deeper than the
/// confirmations — the store is rewound to the newest followed block that is still canonical (what it recorded from
/// later blocks is forgotten and read again), and every transaction it had sent that the chain no longer has is
/// forgotten too (its jobs are posted again, its results acted on again, each after a fresh read of the chain).
/// </summary>
internal static class Reorgs
{
    public static async Task CheckAsync(ChainClient chain, NodeStore store, long startBlock, Action<string> log)
    {
        var followed = store.FollowedBlocks();
        if (followed.Count == 0 || await chain.BlockHashAsync(followed[0].Number).ConfigureAwait(false) == followed[0].Hash)
            return;
        long back = startBlock - 1; // no kept block is canonical any more: follow again from the start
        foreach (var (number, hash) in followed.Skip(1))
            if (await chain.BlockHashAsync(number).ConfigureAwait(false) == hash)
            {
                back = number;
                break;
            }
        store.Rewind(back);
        int dropped = 0;
        foreach (var tx in store.SentTransactions())
            if (await chain.Web3.Eth.Transactions.GetTransactionReceipt.SendRequestAsync(tx).ConfigureAwait(false) is null)
            {
                store.ForgetTransaction(tx);
                dropped++;
            }
        log($"the chain reorganised below block {followed[0].Number}, deeper than the confirmations: store rewound to block {back}; "
            + $"{dropped} sent transaction(s) no longer on chain");
    }
}
