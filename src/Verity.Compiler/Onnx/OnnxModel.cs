namespace Verity.Compiler.Onnx;

/// <summary>An ONNX attribute value: exactly one of the typed fields is set, as named by <see cref="Kind"/>.</summary>
public sealed record OnnxAttribute(string Name, OnnxAttributeKind Kind, float F, long I, string S, OnnxTensor? T, float[] Floats, long[] Ints);

/// <summary>ONNX AttributeProto.AttributeType values that Verity reads.</summary>
public enum OnnxAttributeKind { Undefined = 0, Float = 1, Int = 2, String = 3, Tensor = 4, Graph = 5, Floats = 6, Ints = 7, Strings = 8 }

/// <summary>One ONNX graph node.</summary>
public sealed record OnnxNode(string Name, string OpType, string Domain, string[] Inputs, string[] Outputs, Dictionary<string, OnnxAttribute> Attributes);

/// <summary>A graph input or output: name, element type and shape (null entries are symbolic dims).</summary>
public sealed record OnnxValueInfo(string Name, OnnxDataType ElementType, long?[] Shape);

/// <summary>ONNX TensorProto.DataType values.</summary>
public enum OnnxDataType { Undefined = 0, Float = 1, UInt8 = 2, Int8 = 3, UInt16 = 4, Int16 = 5, Int32 = 6, Int64 = 7, String = 8, Bool = 9, Float16 = 10, Double = 11, UInt32 = 12, UInt64 = 13 }

/// <summary>A constant tensor from an initializer or Constant node, with its data widened to float or int64.</summary>
public sealed record OnnxTensor(string Name, OnnxDataType DataType, long[] Dims, float[]? Floats, long[]? Longs)
{
    public long ElementCount => Dims.Aggregate(1L, (a, d) => a * d);
}

/// <summary>A parsed ONNX model: its graph and the default-domain opset version.</summary>
public sealed record OnnxModel(long OpsetVersion, List<OnnxNode> Nodes, Dictionary<string, OnnxTensor> Initializers, List<OnnxValueInfo> Inputs, List<OnnxValueInfo> Outputs);
