using System.Xml.Linq;

namespace Verity.Chain.Tests;

public sealed class ArchitectureTests
{
    /// <summary>The engine side (Engine, Commitments, Compiler) never depends on the chain side: no Nethereum
    /// package and no reference to Verity.Chain, directly or through another project.</summary>
    [Theory]
    [InlineData("Verity.Engine")]
    [InlineData("Verity.Commitments")]
    [InlineData("Verity.Compiler")]
    public void The_engine_side_does_not_reference_the_chain(string project)
    {
        var src = Path.Combine(Path.GetDirectoryName(ContractArtifacts.Locate().ContractsDirectory)!, "src");
        var seen = new HashSet<string>();
        var pending = new Stack<string>([Path.Combine(src, project, project + ".csproj")]);
        while (pending.Count > 0)
        {
            var csproj = Path.GetFullPath(pending.Pop());
            if (!seen.Add(csproj))
                continue;
            var xml = XDocument.Load(csproj);
            foreach (var p in xml.Descendants("PackageReference"))
                Assert.False(p.Attribute("Include")?.Value.StartsWith("Nethereum", StringComparison.OrdinalIgnoreCase) == true,
                    $"{csproj} references {p.Attribute("Include")?.Value}");
            foreach (var r in xml.Descendants("ProjectReference"))
            {
                var path = r.Attribute("Include")!.Value.Replace('\\', '/');
                Assert.DoesNotContain("Verity.Chain", path, StringComparison.Ordinal);
                pending.Push(Path.Combine(Path.GetDirectoryName(csproj)!, path));
            }
        }
    }

    /// <summary>And the compiled assembly agrees: Verity.Commitments (which Verity.Chain uses) loads no chain code.</summary>
    [Fact]
    public void Commitments_assembly_references_no_chain_assembly()
    {
        var refs = typeof(Verity.Commitments.Hash256).Assembly.GetReferencedAssemblies().Select(a => a.Name!);
        Assert.DoesNotContain(refs, n => n.StartsWith("Nethereum", StringComparison.Ordinal) || n == "Verity.Chain");
    }
}
