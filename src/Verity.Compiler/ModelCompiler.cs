using Verity.Compiler.Float;
using Verity.Compiler.Lowering;
using Verity.Compiler.Onnx;
using Verity.Compiler.Quantization;
using Verity.Engine.Format;

namespace Verity.Compiler;

/// <summary>ONNX → calibrated, quantized integer <see cref="VModel"/>.</summary>
public static class ModelCompiler
{
    public static VModel Compile(OnnxModel onnx, CompileOptions options, IEnumerable<IReadOnlyDictionary<string, FloatTensor>> calibration, Action<int>? progress = null)
    {
        CheckSupported(onnx);
        var cal = Calibration.Run(onnx, calibration, progress);
        return new Lowerer(onnx, cal, options).Lower();
    }

    /// <summary>Fails fast, before calibration, on any op outside the importable set.</summary>
    public static void CheckSupported(OnnxModel onnx)
    {
        foreach (var n in onnx.Nodes)
        {
            if (n.Domain is not ("" or "ai.onnx")) throw new UnsupportedOnnxException(n.Name, n.OpType, $"domain '{n.Domain}' is not supported");
            if (!SupportedOps.Contains(n.OpType)) throw new UnsupportedOnnxException(n.Name, n.OpType, "op is not supported");
        }
    }

    /// <summary>The ONNX ops Verity imports (those of all-MiniLM-L6-v2 and ResNet18).</summary>
    public static readonly IReadOnlySet<string> SupportedOps = new HashSet<string>
    {
        "Add", "Cast", "Concat", "Constant", "Div", "Erf", "Gather", "Gemm", "MatMul", "Mul", "Pow", "ReduceMean", "Reshape",
        "Shape", "Slice", "Softmax", "Sqrt", "Sub", "Tanh", "Transpose", "Unsqueeze",
        "AveragePool", "BatchNormalization", "Conv", "MaxPool", "Relu",
    };
}
