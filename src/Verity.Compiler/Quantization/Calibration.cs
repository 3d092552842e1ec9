using Verity.Compiler.Float;
using Verity.Compiler.Onnx;

namespace Verity.Compiler.Quantization;

/// <summary>Ranges of every ONNX tensor over the calibration inputs, from the float reference interpreter.</summary>
public sealed class Calibration
{
    private readonly Dictionary<string, float> _maxAbs = [];

    public int Samples { get; private set; }

    public static Calibration Run(OnnxModel model, IEnumerable<IReadOnlyDictionary<string, FloatTensor>> inputs, Action<int>? progress = null)
    {
        var c = new Calibration();
        foreach (var input in inputs)
        {
            foreach (var (name, t) in input) c.Observe(name, t);
            FloatInterpreter.Run(model, input, c.Observe);
            c.Samples++;
            progress?.Invoke(c.Samples);
        }
        if (c.Samples == 0) throw new ArgumentException("calibration needs at least one input");
        return c;
    }

    private void Observe(string name, FloatTensor t)
    {
        if (!t.IsFloat) return;
        float m = 0;
        foreach (float v in t.FloatData) m = Math.Max(m, Math.Abs(v));
        _maxAbs[name] = Math.Max(m, _maxAbs.GetValueOrDefault(name));
    }

    /// <summary>Largest |value| seen for the tensor; throws if the tensor was never observed.</summary>
    public float MaxAbs(string tensor) =>
        _maxAbs.TryGetValue(tensor, out float m) ? Math.Max(m, 1e-6f) : throw new InvalidOperationException($"tensor '{tensor}' was not seen during calibration");
}
