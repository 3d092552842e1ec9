using Verity.Cli.Models;
using Verity.Engine.Tensors;
using Verity.Gateway;
using Verity.Inputs;

namespace Verity.Cli.Commands;

/// <summary>The gateway's view of a loaded model: the same preprocessing and output decoding as <c>verity infer --local</c>.</summary>
public static class GatewayModels
{
    /// <summary>MiniLM's position table is longer, but the shipped text profile caps inputs here (as --local does).</summary>
    public const int MaxTokens = WordPieceTokenizer.DefaultMaxTokens;

    public static GatewayModel From(LoadedModel m, string? name = null) => m.Profile switch
    {
        // Tokenized up to the tokenizer's hard limit, not the model's: a longer text is refused, never silently cut.
        TextProfile t => new GatewayModel(name ?? m.Model.Name, m.Id, ModelKind.Text, MaxTokens, t.Tokenizer.VocabularySize,
            text => t.Tokenizer.Encode(text, WordPieceTokenizer.MaxTokensLimit), null, bytes => DecodeOutput(m, bytes)),
        ImageProfile i => new GatewayModel(name ?? m.Model.Name, m.Id, ModelKind.Image, 0, 0,
            null, image => i.Encode(image, m.Model.Inputs[0]).Bytes.ToArray(), bytes => DecodeOutput(m, bytes)),
        _ => throw new ArgumentException($"model '{m.Model.Name}' has no profile the gateway can serve"),
    };

    /// <summary>Posted output bytes → the vector <see cref="Infer.Vector"/> gives for a local run.</summary>
    public static double[] DecodeOutput(LoadedModel m, byte[] output)
    {
        var spec = m.Model.Outputs[0];
        return Infer.Vector(new IntTensor(spec.Type, [output.Length / spec.Type.Size()], output), spec.Scale, normalize: m.Profile is TextProfile);
    }
}
