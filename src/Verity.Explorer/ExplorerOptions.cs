using Verity.Chain;

namespace Verity.Explorer;

/// <summary>Where the explorer reads from and how often.</summary>
public sealed record ExplorerOptions
{
    /// <summary>JSON-RPC endpoint of any EVM chain holding the deployment.</summary>
    public required Uri RpcUrl { get; init; }

    /// <summary>The contract addresses to follow.</summary>
    public required Deployment Deployment { get; init; }

    /// <summary>The first block to read events from (the deployment's block; 0 reads the whole chain).</summary>
    public long FromBlock { get; init; }

    /// <summary>How often the indexer asks for new blocks.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Most blocks per <c>eth_getLogs</c> call (public endpoints cap the range).</summary>
    public long MaxLogRange { get; init; } = 2_000;

    /// <summary>Blocks an event must be buried under before it is shown (0 = show the head; more keeps shallow
    /// reorganisations, which the explorer does not undo, out of the view).</summary>
    public int Confirmations { get; init; }

    /// <summary>Optional SQLite files of worker or validator daemons (<c>NodeStore</c>) whose rows add detail to a job.</summary>
    public IReadOnlyList<string> NodeStores { get; init; } = [];

    /// <summary>URL prefix the pages and API are mapped under ("" or e.g. "/explorer").</summary>
    public string BasePath { get; init; } = "";
}
