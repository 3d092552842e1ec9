using System.Text.Json;

namespace Verity.Chain;

/// <summary>A compiled contract from <c>contracts/out/&lt;Name&gt;.json</c> (written by contracts/build.mjs).</summary>
public sealed record ContractArtifact(string Name, string Abi, string Bytecode);

/// <summary>Finds the repository's <c>contracts/</c> folder and loads compiled artifacts from its <c>out/</c>.</summary>
public sealed class ContractArtifacts
{
    public ContractArtifacts(string contractsDirectory)
    {
        ContractsDirectory = contractsDirectory;
    }

    /// <summary>The <c>contracts/</c> folder: holds package.json, out/ and node_modules/.</summary>
    public string ContractsDirectory { get; }

    public string OutDirectory => Path.Combine(ContractsDirectory, "out");

    /// <summary>Walks up from the working directory and from the running assembly to the first folder that has
    /// <c>contracts/package.json</c>.</summary>
    public static ContractArtifacts Locate()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "contracts");
                if (File.Exists(Path.Combine(candidate, "package.json")))
                    return new ContractArtifacts(candidate);
            }
        }
        throw new InvalidOperationException(
            "Could not find the contracts/ folder above the working directory; run from the repository.");
    }

    public ContractArtifact Load(string name)
    {
        var path = Path.Combine(OutDirectory, name + ".json");
        if (!File.Exists(path))
            throw new FileNotFoundException($"No compiled contract {name} at {path}: run scripts/contracts.sh first.", path);
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var root = doc.RootElement;
        return new ContractArtifact(name, root.GetProperty("abi").GetRawText(), root.GetProperty("bytecode").GetString()!);
    }
}
