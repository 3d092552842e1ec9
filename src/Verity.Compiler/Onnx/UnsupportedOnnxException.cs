namespace Verity.Compiler.Onnx;

/// <summary>A node uses an op, domain or attribute value that Verity does not implement; the message names the node and op.</summary>
public sealed class UnsupportedOnnxException(string nodeName, string opType, string detail)
    : Exception($"node '{nodeName}' ({opType}): {detail}")
{
    public string NodeName { get; } = nodeName;
    public string OpType { get; } = opType;
}
