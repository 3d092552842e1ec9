using System.Diagnostics;
using System.Text.Json;
using Verity.Cli.Models;
using Verity.Commitments;
using Verity.Engine;
using Verity.Engine.Tensors;

namespace Verity.Cli.Commands;

/// <summary>One local inference: canonical input, engine run, output vector and commitments.</summary>
public sealed record InferResult(string Model, Hash256 ModelId, Hash256 OutputSha256, Hash256 TraceRoot, int Ops, int InputLength, double[] Output, double Milliseconds);

/// <summary>`verity infer --local`: runs the engine on this machine.</summary>
public static class Infer
{
    public static InferResult Run(LoadedModel m, string? text, string? image, int threads)
    {
        var input = Encode(m, text, image);
        var sw = Stopwatch.StartNew();
        var result = new Executor(m.Model, threads).Run([input]);
        sw.Stop();
        var output = result.Outputs[0];
        return new InferResult(m.Model.Name, m.Id, Hash256.Of(output.Bytes), result.TraceRoot, m.Model.Ops.Length, input.Length,
            Vector(output, m.Model.Outputs[0].Scale, normalize: m.Profile is TextProfile), sw.Elapsed.TotalMilliseconds);
    }

    /// <summary>The model's canonical input for a text or an image file (what a job on the network carries).</summary>
    public static IntTensor Encode(LoadedModel m, string? text, string? image) =>
        (m.Profile, text, image) switch
        {
            (TextProfile p, { } t, null) => p.Encode(t),
            (ImageProfile p, null, { } path) => p.Encode(path, m.Model.Inputs[0]),
            (TextProfile, _, _) => throw new ArgumentException($"model '{m.Model.Name}' takes text: pass --text"),
            (ImageProfile, _, _) => throw new ArgumentException($"model '{m.Model.Name}' takes an image: pass --image"),
            _ => throw new ArgumentException("unknown model profile"),
        };

    /// <summary>Dequantized output; sentence embeddings are L2-normalised (in double, a fixed order: reproducible).</summary>
    public static double[] Vector(IntTensor output, double scale, bool normalize)
    {
        var v = output.ToInts().Select(q => q * scale).ToArray();
        if (!normalize) return v;
        double norm = Math.Sqrt(v.Sum(x => x * x));
        return norm > 0 ? [.. v.Select(x => x / norm)] : v;
    }

    public static void Print(InferResult r, bool json, TextWriter o)
    {
        if (json)
        {
            o.WriteLine(JsonSerializer.Serialize(new
            {
                model = r.Model,
                model_id = r.ModelId.ToString(),
                output_sha256 = r.OutputSha256.ToString(),
                trace_root = r.TraceRoot.ToString(),
                ops = r.Ops,
                input_elements = r.InputLength,
                elapsed_ms = Math.Round(r.Milliseconds, 3),
                output = r.Output.Select(x => Math.Round(x, 7)),
            }));
            return;
        }
        o.WriteLine($"model         {r.Model}");
        o.WriteLine($"model id      {r.ModelId}");
        o.WriteLine($"output sha256 {r.OutputSha256}");
        o.WriteLine($"trace root    {r.TraceRoot}  ({r.Ops} ops)");
        o.WriteLine($"output        [{string.Join(", ", r.Output.Take(8).Select(x => x.ToString("F5", System.Globalization.CultureInfo.InvariantCulture)))}, …] ({r.Output.Length} values)");
        o.WriteLine($"time          {r.Milliseconds:F1} ms");
    }
}
