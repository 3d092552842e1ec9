namespace Verity.Gateway.Tests;

/// <summary>The requester side's layering: the SDK and the gateway sit beside the node, under the CLI; the SDK needs no
/// web framework, and neither needs the compiler or the CLI.</summary>
public sealed class ArchitectureTests
{
    private static string[] ReferencesOf(Type t) => [.. t.Assembly.GetReferencedAssemblies().Select(a => a.Name!)];

    [Fact]
    public void The_SDK_references_neither_the_CLI_the_compiler_the_gateway_nor_ASP_NET()
    {
        var refs = ReferencesOf(typeof(Verity.Client.VerityClient));
        Assert.Contains("Verity.Chain", refs);
        Assert.DoesNotContain(refs, r => r is "verity" or "Verity.Compiler" or "Verity.Gateway" || r.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));
    }

    [Fact]
    public void The_gateway_references_neither_the_CLI_nor_the_compiler()
    {
        var refs = ReferencesOf(typeof(GatewayServer));
        Assert.Contains("Verity.Client", refs);
        Assert.DoesNotContain(refs, r => r is "verity" or "Verity.Compiler" or "Verity.Inputs");
    }
}
