using Verity.Cli.Models;

namespace Verity.Cli.Commands;

/// <summary>`verity compile`: ONNX + calibration inputs → .vmodel.</summary>
public static class CompileCommand
{
    private static readonly string[] ImageExtensions = [".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif"];

    public static int Run(string onnx, string calibrate, string output, string? name)
    {
        IReadOnlyList<string> items;
        if (Directory.Exists(calibrate))
        {
            items = [.. Directory.GetFiles(calibrate).Where(f => ImageExtensions.Contains(Path.GetExtension(f).ToLowerInvariant())).Order(StringComparer.Ordinal)];
            if (items.Count == 0) throw new ArgumentException($"calibration folder {calibrate} holds no images ({string.Join(", ", ImageExtensions)})");
        }
        else if (File.Exists(calibrate))
        {
            items = [.. File.ReadAllLines(calibrate).Select(l => l.Trim()).Where(l => l.Length > 0)];
            if (items.Count == 0) throw new ArgumentException($"calibration file {calibrate} holds no sentences");
        }
        else throw new FileNotFoundException($"calibration inputs not found: {calibrate}", calibrate);
        if (Path.GetDirectoryName(Path.GetFullPath(output)) is { } dir && !Directory.Exists(dir)) throw new DirectoryNotFoundException($"output folder does not exist: {dir}");
        var store = new ModelStore(ModelFiles.Default(), Console.Error.WriteLine);
        store.Compile(onnx, items, name ?? Path.GetFileNameWithoutExtension(output), output);
        return 0;
    }
}
