using Verity.Engine.Format;
using Xunit;

namespace Verity.Engine.Tests;

/// <summary>Concurrent writers of one path (processes compiling the same model on first use) and readers meanwhile:
/// every read sees one writer's whole bytes, never a mix or a part.</summary>
public sealed class AtomicFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("verity-atomic-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Concurrent_writers_and_readers_never_see_a_partial_file()
    {
        string path = Path.Combine(_dir, "model.vmodel");
        var contents = Enumerable.Range(1, 6).Select(i => Enumerable.Repeat((byte)i, 1 << 20).ToArray()).ToArray();
        using var stop = new CancellationTokenSource();
        var reads = 0;
        var reader = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested || reads == 0)
            {
                if (!File.Exists(path))
                    continue;
                var seen = File.ReadAllBytes(path);
                Assert.Contains(contents, c => c.AsSpan().SequenceEqual(seen));
                reads++;
            }
        });
        await Task.WhenAll(Enumerable.Range(0, 24).Select(i => Task.Run(() => AtomicFile.Write(path, contents[i % contents.Length]))));
        await stop.CancelAsync();
        await reader;
        Assert.Contains(contents, c => c.AsSpan().SequenceEqual(File.ReadAllBytes(path)));
        Assert.Equal([path], Directory.GetFiles(_dir)); // no temporary file left behind
    }
}
