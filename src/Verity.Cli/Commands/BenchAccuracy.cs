using System.Text.Json;
using Verity.Cli.Models;
using Verity.Cli.Reference;
using Verity.Engine;

namespace Verity.Cli.Commands;

/// <summary>`verity bench accuracy`: cosine of Verity's integer outputs to ONNX Runtime fp32 on the same inputs.</summary>
public static class BenchAccuracy
{
    public static int Run(string modelName, string? texts, string? images, bool json)
    {
        var store = new ModelStore(ModelFiles.Default(), Console.Error.WriteLine);
        var m = store.Load(modelName);
        var exec = new Executor(m.Model, Environment.ProcessorCount);
        var cosines = new List<double>();
        if (m.Profile is TextProfile tp)
        {
            if (texts is null) throw new ArgumentException($"model '{m.Model.Name}' takes text: pass --texts <file>");
            if (!File.Exists(texts)) throw new FileNotFoundException($"texts file not found: {texts}", texts);
            var lines = File.ReadAllLines(texts).Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
            if (lines.Count == 0) throw new ArgumentException($"texts file {texts} holds no sentences");
            using var ort = new OrtReference(store.Files.MiniLmOnnx(), 1);
            foreach (var line in lines)
            {
                var input = tp.Encode(line);
                var ours = Infer.Vector(exec.Run([input], trace: false).Outputs[0], m.Model.Outputs[0].Scale, normalize: true);
                cosines.Add(OrtReference.Cosine(ours, ort.SentenceEmbedding(input.ToInts())));
            }
        }
        else if (m.Profile is ImageProfile ip)
        {
            if (images is null) throw new ArgumentException($"model '{m.Model.Name}' takes images: pass --images <folder>");
            if (!Directory.Exists(images)) throw new DirectoryNotFoundException($"images folder not found: {images}");
            var files = Directory.GetFiles(images).Order(StringComparer.Ordinal).ToList();
            if (files.Count == 0) throw new ArgumentException($"images folder {images} is empty");
            using var ort = new OrtReference(store.Files.ResNetOnnx(), 1);
            foreach (var f in files)
            {
                var ours = Infer.Vector(exec.Run([ip.Encode(f, m.Model.Inputs[0])], trace: false).Outputs[0], m.Model.Outputs[0].Scale, normalize: false);
                cosines.Add(OrtReference.Cosine(ours, ort.Run(m.Model.Inputs[0].Name, ip.Preprocess(f), [1, 3, ImageProfile.Size, ImageProfile.Size])));
            }
        }
        double mean = cosines.Average(), min = cosines.Min();
        if (json) Console.WriteLine(JsonSerializer.Serialize(new { model = m.Model.Name, model_id = m.Id.ToString(), count = cosines.Count, mean_cosine = mean, min_cosine = min }));
        else Console.WriteLine($"{m.Model.Name}: {cosines.Count} inputs, mean cosine {mean:F5}, min cosine {min:F5} (vs ONNX Runtime fp32)");
        return 0;
    }
}
