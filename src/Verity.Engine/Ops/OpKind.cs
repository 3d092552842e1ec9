namespace Verity.Engine.Ops;

/// <summary>The closed integer op set. Codes are part of the .vmodel format and of <see cref="OpSet.Fingerprint"/>.</summary>
public enum OpKind : byte
{
    Linear = 1,
    Conv2d = 2,
    MatMul = 3,
    Softmax = 4,
    Lut = 5,
    Add = 6,
    LayerNorm = 7,
    Transpose = 8,
    Reshape = 9,
    MaxPool2d = 10,
    AvgPool2d = 11,
    Embed = 12,
    ReduceMean = 13,
    Gather = 14,
    Attention = 15,
}
