using Verity.Commitments;
using Verity.Engine.Format;

namespace Verity.Engine.Tests;

/// <summary>Dependencies point down: the engine and the commitments never reach the chain, protocol, node or compiler.</summary>
public class ArchitectureTests
{
    private static readonly string[] Forbidden = ["Nethereum", "Verity.Protocol", "Verity.Chain", "Verity.Node", "Verity.Compiler"];

    public static TheoryData<string> Assemblies() => new() { typeof(VModel).Assembly.GetName().Name!, typeof(Hash256).Assembly.GetName().Name! };

    [Theory]
    [MemberData(nameof(Assemblies))]
    public void Lower_layers_reference_nothing_above_them(string name)
    {
        var assembly = new[] { typeof(VModel).Assembly, typeof(Hash256).Assembly }.Single(a => a.GetName().Name == name);
        var bad = assembly.GetReferencedAssemblies().Select(a => a.Name ?? "").Where(n => Forbidden.Any(f => n.Contains(f, StringComparison.OrdinalIgnoreCase))).ToArray();
        Assert.True(bad.Length == 0, $"{name} references {string.Join(", ", bad)}");
    }

    [Fact]
    public void The_check_sees_real_references()
    {
        // Guards against a vacuous test: the engine does reference the commitments assembly.
        Assert.Contains(typeof(VModel).Assembly.GetReferencedAssemblies(), a => a.Name == typeof(Hash256).Assembly.GetName().Name);
        Assert.Equal("Verity.Engine", typeof(VModel).Assembly.GetName().Name);
        Assert.Equal("Verity.Commitments", typeof(Hash256).Assembly.GetName().Name);
    }
}
