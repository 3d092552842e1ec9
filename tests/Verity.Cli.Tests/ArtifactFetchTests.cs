using System.Net;
using Verity.Cli.Models;
using Verity.Cli.Network;
using Verity.Commitments;
using Xunit;

namespace Verity.Cli.Tests;

/// <summary>A daemon fetches a model it serves by id, from a folder or an http(s) source, and takes only bytes that
/// hash to that id.</summary>
public sealed class ArtifactFetchTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("verity-artifacts-").FullName;
    private readonly ModelFiles _files;
    private readonly string _source;
    private readonly LoadedModel _minilm = Repo.Store.Load("minilm");

    public ArtifactFetchTests()
    {
        _files = new ModelFiles(Path.Combine(_dir, "cache"));
        _source = Directory.CreateDirectory(Path.Combine(_dir, "source")).FullName;
    }

    public void Dispose() => Directory.Delete(_dir, true);

    private static string FileName(Hash256 id) => Convert.ToHexStringLower(id.AsSpan()) + ".vmodel";

    [Fact]
    public async Task A_model_is_fetched_by_id_from_a_folder_checked_and_cached()
    {
        File.Copy(_minilm.Path, Path.Combine(_source, FileName(_minilm.Id)));
        var (model, id, root) = await ServedModels.FetchAsync(_minilm.Id, _source, _files, _ => { });
        Assert.Equal((_minilm.Id, _minilm.WeightsRoot, _minilm.Model.Ops.Length), (id, root, model.Ops.Length));
        // Cached: served again with no source at all.
        File.Delete(Path.Combine(_source, FileName(_minilm.Id)));
        Assert.Equal(_minilm.Id, (await ServedModels.FetchAsync(_minilm.Id, null, _files, _ => { })).Id);
    }

    [Fact]
    public async Task Bytes_that_do_not_hash_to_the_id_are_refused_and_not_cached()
    {
        var bytes = File.ReadAllBytes(_minilm.Path);
        bytes[bytes.Length / 2] ^= 1;
        var forged = Hash256.Of("some other model"u8);
        File.WriteAllBytes(Path.Combine(_source, FileName(forged)), File.ReadAllBytes(_minilm.Path));
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => ServedModels.FetchAsync(forged, _source, _files, _ => { }));
        Assert.Contains($"is not the expected {forged}", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_files.CacheDir, "artifacts", FileName(forged))));
        await Assert.ThrowsAsync<FileNotFoundException>(() => ServedModels.FetchAsync(Hash256.Of("absent"u8), _source, _files, _ => { }));
        await Assert.ThrowsAsync<ArgumentException>(() => ServedModels.FetchAsync(Hash256.Of("absent"u8), null, _files, _ => { }));
    }

    [Fact]
    public async Task A_model_is_fetched_over_http()
    {
        int port = FreePort();
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/models/");
        listener.Start();
        var bytes = File.ReadAllBytes(_minilm.Path);
        var served = Task.Run(async () =>
        {
            var ctx = await listener.GetContextAsync();
            bool known = ctx.Request.Url!.AbsolutePath.EndsWith(FileName(_minilm.Id), StringComparison.Ordinal);
            ctx.Response.StatusCode = known ? 200 : 404;
            if (known)
                await ctx.Response.OutputStream.WriteAsync(bytes);
            ctx.Response.Close();
        });
        var (_, id, _) = await ServedModels.FetchAsync(_minilm.Id, $"http://127.0.0.1:{port}/models", _files, _ => { });
        await served;
        Assert.Equal(_minilm.Id, id);
    }

    private static int FreePort()
    {
        using var l = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
