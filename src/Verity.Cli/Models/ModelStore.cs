using Verity.Commitments;
using Verity.Compiler;
using Verity.Compiler.Onnx;
using Verity.Engine.Format;

namespace Verity.Cli.Models;

/// <summary>A loaded, hash-verified compiled model with the profile that feeds it.</summary>
public sealed record LoadedModel(VModel Model, Hash256 Id, Hash256 WeightsRoot, ModelProfile Profile, string Path);

/// <summary>Resolves a model name (minilm, resnet18) or .vmodel path; shipped models are compiled on first use and cached.</summary>
public sealed class ModelStore(ModelFiles files, Action<string> log)
{
    public static readonly string[] ShippedNames = ["minilm", "resnet18"];

    public ModelFiles Files => files;

    public LoadedModel Load(string nameOrPath)
    {
        string path = nameOrPath;
        if (ShippedNames.Contains(nameOrPath))
        {
            path = Path.Combine(files.ModelsDir, nameOrPath + ".vmodel");
            if (!File.Exists(path)) CompileShipped(nameOrPath, path);
        }
        else if (!File.Exists(path))
            throw new FileNotFoundException($"unknown model '{nameOrPath}': not a shipped model ({string.Join(", ", ShippedNames)}) and no such file", nameOrPath);
        var (model, id, root) = VModel.Load(path);
        return new LoadedModel(model, id, root, ProfileOf(model), path);
    }

    /// <summary>Compiles an ONNX file with calibration items (sentences or image paths) and writes the .vmodel atomically.</summary>
    public VModel Compile(string onnxPath, IReadOnlyList<string> calibration, string name, string outPath)
    {
        var onnx = OnnxReader.Load(onnxPath);
        ModelCompiler.CheckSupported(onnx);
        var profile = ModelProfile.Detect(onnx, files);
        var options = profile.Options(name) with
        {
            Meta = new Dictionary<string, string>
            {
                ["source_sha256"] = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(onnxPath))),
                ["profile"] = profile is TextProfile ? "text" : "image",
                ["preprocessing"] = profile is TextProfile
                    ? "BERT uncased WordPiece (all-MiniLM-L6-v2 vocab), [CLS] … [SEP], ≤256 tokens; output mean-pooled over tokens"
                    : "RGB, shorter side to 224 then center crop, planes B,G,R minus the package mean image, q = round(x/scale) clamped ±32767",
            },
        };
        log($"calibrating {name} on {calibration.Count} inputs …");
        var inputs = calibration.Select(profile.FloatInput);
        var model = ModelCompiler.Compile(onnx, options, inputs, i => { if (i % 8 == 0 || i == calibration.Count) log($"  calibrated {i}/{calibration.Count}"); });
        byte[] bytes = model.Serialize();
        AtomicFile.Write(outPath, bytes);
        log($"wrote {outPath}: {model.Ops.Length} ops, {bytes.Length:N0} bytes, id {Hash256.Of(bytes.AsSpan(0, bytes.Length - 32))}");
        return model;
    }

    private void CompileShipped(string name, string path)
    {
        log($"compiling shipped model '{name}' on first use (cached in {files.ModelsDir}) …");
        if (name == "minilm") Compile(files.MiniLmOnnx(), ModelFiles.CalibrationSentences(), name, path);
        else Compile(files.ResNetOnnx(), files.CalibrationImages(), name, path);
    }

    private ModelProfile ProfileOf(VModel model) => model.Meta.GetValueOrDefault("profile") switch
    {
        "text" => new TextProfile(files.Vocab()),
        "image" => new ImageProfile(model.Inputs[0].Name, files.MeanImage()),
        var p => throw new InvalidDataException($"model '{model.Name}' has unknown input profile '{p}'"),
    };
}
