namespace Verity.Explorer.Tests;

/// <summary>The explorer reads the chain (and, optionally, node stores as plain SQLite files): it never references the
/// engine, the compiler, the node daemons or the CLI, so a gateway can host it without them.</summary>
public sealed class ArchitectureTests
{
    [Fact]
    public void The_explorer_references_only_the_chain_and_commitments_of_Verity()
    {
        var verity = typeof(ExplorerApp).Assembly.GetReferencedAssemblies().Select(a => a.Name!)
            .Where(n => n.StartsWith("Verity.", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToArray();
        Assert.Contains("Verity.Chain", verity);
        Assert.All(verity, n => Assert.Contains(n, new[] { "Verity.Chain", "Verity.Commitments" }));
    }
}
