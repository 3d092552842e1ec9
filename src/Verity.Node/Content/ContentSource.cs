namespace Verity.Node.Content;

/// <summary>
/// A place content is fetched from by name, the name being its hash: a folder, or an http(s) base URL under which
/// <c>{base}/{name}</c> is the content. The caller checks the bytes against the hash; this class only fetches them.
/// </summary>
public sealed class ContentSource
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromMinutes(5) };

    public ContentSource(string location)
    {
        if (string.IsNullOrWhiteSpace(location))
            throw new ArgumentException("a content source is empty: give a folder or an http(s) base URL");
        IsHttp = location.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || location.StartsWith("https://", StringComparison.OrdinalIgnoreCase);
        if (!IsHttp && location.Contains("://", StringComparison.Ordinal))
            throw new ArgumentException($"content source '{location}': only folders and http(s) URLs are supported");
        Location = IsHttp ? location.TrimEnd('/') : Path.GetFullPath(location);
    }

    /// <summary>The folder (full path) or the base URL (without a trailing slash).</summary>
    public string Location { get; }
    public bool IsHttp { get; }

    /// <summary>The bytes named <paramref name="name"/>; null when the source does not have them (no such file, HTTP
    /// 404). Throws <see cref="IOException"/> for any other failure and for content over <paramref name="maxBytes"/>.</summary>
    public async Task<byte[]?> FetchAsync(string name, long maxBytes, CancellationToken ct = default)
    {
        if (!IsHttp)
        {
            string path = Path.Combine(Location, name);
            if (!File.Exists(path))
                return null;
            long size = new FileInfo(path).Length;
            if (size > maxBytes)
                throw new IOException($"{path}: {size:N0} bytes, more than the {maxBytes:N0} allowed");
            return await File.ReadAllBytesAsync(path, ct).ConfigureAwait(false);
        }
        string url = $"{Location}/{name}";
        using var response = await Http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
            return null;
        if (!response.IsSuccessStatusCode)
            throw new IOException($"{url}: HTTP {(int)response.StatusCode}");
        if (response.Content.Headers.ContentLength > maxBytes)
            throw new IOException($"{url}: {response.Content.Headers.ContentLength:N0} bytes, more than the {maxBytes:N0} allowed");
        await using var body = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        using var copy = new MemoryStream();
        var buffer = new byte[81920];
        int read;
        while ((read = await body.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
        {
            if (copy.Length + read > maxBytes)
                throw new IOException($"{url}: more than the {maxBytes:N0} bytes allowed");
            copy.Write(buffer, 0, read);
        }
        return copy.ToArray();
    }

    public override string ToString() => Location;
}
