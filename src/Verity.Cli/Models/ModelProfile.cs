using Verity.Compiler;
using Verity.Compiler.Float;
using Verity.Compiler.Onnx;
using Verity.Engine.Format;
using Verity.Engine.Tensors;
using Verity.Inputs;

namespace Verity.Cli.Models;

/// <summary>How people's inputs (text, images) become a model's canonical integer input, and how it is calibrated.</summary>
public abstract class ModelProfile
{
    /// <summary>Options for compiling the ONNX graph under this profile.</summary>
    public abstract CompileOptions Options(string name);

    /// <summary>Float inputs of the ONNX graph for one calibration item (a sentence, an image path).</summary>
    public abstract IReadOnlyDictionary<string, FloatTensor> FloatInput(string item);

    /// <summary>Picks the profile from the graph's inputs: BERT-style token inputs or one image tensor.</summary>
    public static ModelProfile Detect(OnnxModel onnx, ModelFiles files)
    {
        var names = onnx.Inputs.Select(i => i.Name).ToHashSet();
        if (names.Contains("input_ids")) return new TextProfile(files.Vocab());
        if (onnx.Inputs.Count == 1 && onnx.Inputs[0].Shape is [1, 3, 224, 224]) return new ImageProfile(onnx.Inputs[0].Name, files.MeanImage());
        throw new UnsupportedOnnxException("graph", "inputs", $"cannot tell how to feed inputs [{string.Join(", ", names)}]: expected BERT-style token inputs (input_ids, …) or one [1,3,224,224] image");
    }
}

/// <summary>BERT-style text: WordPiece ids; single unpadded segment, so the mask is all ones and token types are zero.</summary>
public sealed class TextProfile(WordPieceTokenizer tokenizer) : ModelProfile
{
    public WordPieceTokenizer Tokenizer => tokenizer;

    public override CompileOptions Options(string name) =>
        new(name, new Dictionary<string, float> { ["attention_mask"] = 1, ["token_type_ids"] = 0 }, MeanPoolOutput: "last_hidden_state", Outputs: ["924"]);

    public override IReadOnlyDictionary<string, FloatTensor> FloatInput(string text)
    {
        long[] ids = [.. tokenizer.Encode(text).Select(i => (long)i)];
        int s = ids.Length;
        return new Dictionary<string, FloatTensor>
        {
            ["input_ids"] = FloatTensor.FromLongs([1, s], ids),
            ["attention_mask"] = FloatTensor.FromLongs([1, s], [.. Enumerable.Repeat(1L, s)]),
            ["token_type_ids"] = FloatTensor.FromLongs([1, s], new long[s]),
        };
    }

    /// <summary>The canonical job input: token ids as I32 [1, S].</summary>
    public IntTensor Encode(string text)
    {
        int[] ids = tokenizer.Encode(text);
        return IntTensor.FromInts(DType.I32, [1, ids.Length], ids);
    }
}

/// <summary>ResNet-style image: RGB pixels → BGR minus the published mean image → quantized at the model's input scale.</summary>
public sealed class ImageProfile(string inputName, float[] meanImage) : ModelProfile
{
    public const int Size = 224;

    public override CompileOptions Options(string name) => new(name, new Dictionary<string, float>());

    public override IReadOnlyDictionary<string, FloatTensor> FloatInput(string path) =>
        new Dictionary<string, FloatTensor> { [inputName] = FloatTensor.FromFloats([1, 3, Size, Size], Preprocess(path)) };

    /// <summary>The float tensor the ONNX graph expects: planes B, G, R minus the mean image.</summary>
    public float[] Preprocess(string path) => Preprocess(ImagePreprocessor.LoadRgbPlanar(path, Size));

    private float[] Preprocess(float[] rgb)
    {
        int plane = Size * Size;
        var x = new float[3 * plane];
        for (int c = 0; c < 3; c++)
            for (int i = 0; i < plane; i++) x[c * plane + i] = rgb[(2 - c) * plane + i] - meanImage[c * plane + i];
        return x;
    }

    /// <summary>The canonical job input: I16 [1,3,224,224] = round(x / scale) (half away from zero, in double), clamped to ±32767.</summary>
    public IntTensor Encode(string path, ModelValue input) => Quantize(Preprocess(path), input);

    /// <summary>The same canonical input from an encoded image held in memory (the gateway's uploads).</summary>
    public IntTensor Encode(byte[] encoded, ModelValue input) => Quantize(Preprocess(ImagePreprocessor.LoadRgbPlanar(encoded, Size)), input);

    private static IntTensor Quantize(float[] x, ModelValue input)
    {
        var q = new int[x.Length];
        for (int i = 0; i < x.Length; i++) q[i] = (int)Math.Clamp(Math.Round(x[i] / input.Scale, MidpointRounding.AwayFromZero), -32767, 32767);
        return IntTensor.FromInts(DType.I16, [1, 3, Size, Size], q);
    }
}
