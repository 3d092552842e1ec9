using Verity.Commitments;

namespace Verity.Node.Content;

/// <summary>
/// Job inputs served off-chain (<c>requestJobByRoot</c>, DESIGN D4): fetched by input root from each configured source
/// in order, as files named <c>&lt;root hex&gt;.input</c>; bytes whose tensor root is not the job's are refused. A
/// daemon keeps what it fetched in its store (<see cref="ResolveAsync"/>), so a restart or a dispute does not fetch again.
/// </summary>
public sealed class InputSource(IReadOnlyList<ContentSource> sources, Action<string>? log = null)
{
    /// <summary>Largest input fetched: ResNet18's pixel tensor is 301 KB; this leaves room for larger models' inputs.</summary>
    public const long MaxInputBytes = 16 << 20;

    /// <summary>No sources: every off-chain input is unavailable.</summary>
    public static readonly InputSource None = new([]);

    public IReadOnlyList<ContentSource> Sources => sources;

    /// <summary>The file name an input is served under.</summary>
    public static string NameOf(Hash256 root) => Convert.ToHexStringLower(root.AsSpan()) + ".input";

    /// <summary>Writes <paramref name="input"/> under <paramref name="folder"/> as its root's file (what a requester
    /// that serves its inputs from a folder or a web server does) and returns the root.</summary>
    public static Hash256 Publish(string folder, ReadOnlySpan<byte> input)
    {
        if (input.IsEmpty)
            throw new ArgumentException("an empty input cannot be served");
        var root = TensorCommitment.Root(input);
        Verity.Engine.Format.AtomicFile.Write(Path.Combine(folder, NameOf(root)), input);
        return root;
    }

    /// <summary>Deletes the inputs under <paramref name="folder"/> last written before <paramref name="before"/> (a
    /// publisher's retention: every party of a job keeps the input it fetched in its own store, so the folder is needed
    /// only while a job may still be taken, checked or audited). Returns how many were deleted.</summary>
    public static int Prune(string folder, DateTime before)
    {
        int deleted = 0;
        foreach (var file in new DirectoryInfo(folder).EnumerateFiles("*.input"))
            if (file.LastWriteTimeUtc < before.ToUniversalTime())
            {
                file.Delete();
                deleted++;
            }
        return deleted;
    }

    /// <summary>The input whose tensor root is <paramref name="root"/>, or null (logged) when no source has it yet,
    /// a source fails, or a source's bytes do not match the root.</summary>
    public async Task<byte[]?> FetchAsync(Hash256 root, CancellationToken ct = default)
    {
        string name = NameOf(root);
        foreach (var source in sources)
        {
            byte[]? bytes;
            try
            {
                bytes = await source.FetchAsync(name, MaxInputBytes, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                log?.Invoke($"input {root}: {source} failed: {e.Message}");
                continue;
            }
            if (bytes is null)
                continue;
            if (bytes.Length == 0 || TensorCommitment.Root(bytes) != root)
            {
                log?.Invoke($"input {root}: {source} served {bytes.Length:N0} bytes that do not match the root; refused");
                continue;
            }
            return bytes;
        }
        return null;
    }

    /// <summary><paramref name="job"/> with its input: as recorded (on chain in the request), or fetched now from the
    /// sources and recorded in <paramref name="store"/>; null when it is served off-chain and no source has it yet.</summary>
    public async Task<NodeJob?> ResolveAsync(NodeJob job, NodeStore store, CancellationToken ct = default)
    {
        if (job.Input.Length > 0)
            return job;
        if (await FetchAsync(job.InputRoot, ct).ConfigureAwait(false) is not { } input)
            return null;
        store.RecordInput(job.Id, input);
        return job with { Input = input };
    }
}
