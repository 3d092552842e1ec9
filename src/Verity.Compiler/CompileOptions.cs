namespace Verity.Compiler;

/// <summary>How to compile one ONNX model: its name, inputs fixed at compile time, extra pooled output, outputs kept.</summary>
public sealed record CompileOptions(
    string Name,
    IReadOnlyDictionary<string, float> FixedInputs,
    string? MeanPoolOutput = null,
    IReadOnlyList<string>? Outputs = null)
{
    /// <summary>Committed metadata (source hash, preprocessing rules) copied into the model.</summary>
    public IReadOnlyDictionary<string, string> Meta { get; init; } = new Dictionary<string, string>();
}
