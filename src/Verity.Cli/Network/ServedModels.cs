using Verity.Chain;
using Verity.Cli.Models;
using Verity.Commitments;
using Verity.Engine.Format;
using Verity.Node;
using Verity.Node.Content;

namespace Verity.Cli.Network;

/// <summary>
/// Resolves the models a daemon serves or checks — a shipped name, a .vmodel file, or a model id fetched from the
/// configured artifact source (a folder or an http(s) base URL holding &lt;id&gt;.vmodel, cached in .cache/artifacts)
/// — checks each file hashes to its id, and checks the id is registered on chain with the same weights root.
/// </summary>
public static class ServedModels
{
    /// <summary>Largest artifact fetched (ResNet18 is 12 MB; MiniLM 23 MB).</summary>
    private const long MaxArtifactBytes = 1L << 30;

    public static async Task<Dictionary<Hash256, ServedModel>> LoadAsync(IReadOnlyList<string> entries, string? artifacts,
        VerityContracts contracts, ModelStore store, Action<string> log, CancellationToken ct = default)
    {
        if (entries.Count == 0)
            throw new ArgumentException("no models to serve: give --model (a shipped name, a .vmodel file or a model id) or \"models\" in the config");
        var served = new Dictionary<Hash256, ServedModel>();
        foreach (var entry in entries)
        {
            var (model, id, weightsRoot) = IsId(entry)
                ? await FetchAsync(Hash256.Parse(entry), artifacts, store.Files, log, ct).ConfigureAwait(false)
                : Local(store.Load(entry));
            var registered = await contracts.ModelAsync(id).ConfigureAwait(false)
                ?? throw new ArgumentException($"model '{entry}' (id {id}) is not registered on this deployment");
            if (registered.WeightsRoot != weightsRoot)
                throw new ArgumentException($"model '{entry}' (id {id}): weights root {weightsRoot} differs from the registered {registered.WeightsRoot}");
            served[id] = ServedModel.Of(model);
            log($"model {model.Name} {id}: {model.Ops.Length} ops, registered by {registered.Owner}");
        }
        return served;
    }

    /// <summary>A model id: 64 hex digits, with or without 0x.</summary>
    public static bool IsId(string entry)
    {
        var digits = entry.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? entry[2..] : entry;
        return digits.Length == 64 && digits.All(char.IsAsciiHexDigit);
    }

    private static (VModel, Hash256, Hash256) Local(LoadedModel m) => (m.Model, m.Id, m.WeightsRoot);

    /// <summary>The artifact with id <paramref name="id"/>: from the cache, else from the source; its bytes must hash to the id.</summary>
    public static async Task<(VModel Model, Hash256 Id, Hash256 WeightsRoot)> FetchAsync(Hash256 id, string? source, ModelFiles files,
        Action<string> log, CancellationToken ct = default)
    {
        string name = Convert.ToHexStringLower(id.AsSpan()) + ".vmodel";
        string cached = Path.Combine(Directory.CreateDirectory(Path.Combine(files.CacheDir, "artifacts")).FullName, name);
        if (File.Exists(cached))
            return VModel.Load(cached, id);
        if (source is null)
            throw new ArgumentException($"model {id} is not cached and no artifact source is configured (--artifacts a folder or URL)");
        var from = new ContentSource(source);
        var bytes = await from.FetchAsync(name, MaxArtifactBytes, ct).ConfigureAwait(false)
            ?? throw new FileNotFoundException($"model {id}: {from} has no {name}");
        var loaded = VModel.Load(bytes, id); // throws InvalidDataException when the bytes do not hash to the id
        AtomicFile.Write(cached, bytes);
        log($"fetched model {id} ({bytes.Length:N0} bytes) from {source}");
        return loaded;
    }
}
