namespace Verity.Engine.Format;

/// <summary>
/// Writes a file whole: a reader sees the old file or the complete new one, and concurrent writers of one path (two
/// processes compiling the same model on first use) each write their own temporary file, so none writes into bytes
/// another has already renamed into place; the last rename wins.
/// </summary>
public static class AtomicFile
{
    public static void Write(string path, ReadOnlySpan<byte> bytes)
    {
        string tmp = TempFor(path);
        using (var f = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write))
            f.Write(bytes);
        File.Move(tmp, path, overwrite: true);
    }

    public static void Write(string path, Stream source)
    {
        string tmp = TempFor(path);
        using (var f = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write))
            source.CopyTo(f);
        File.Move(tmp, path, overwrite: true);
    }

    private static string TempFor(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        return $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
    }
}
