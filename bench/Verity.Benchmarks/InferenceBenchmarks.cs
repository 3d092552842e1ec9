using BenchmarkDotNet.Attributes;
using Verity.Cli.Models;
using Verity.Cli.Reference;
using Verity.Engine;
using Verity.Engine.Tensors;

namespace Verity.Benchmarks;

/// <summary>MiniLM at 128 tokens, one thread: ONNX Runtime fp32 (baseline) against Verity with and without the trace.</summary>
public class InferenceBenchmarks
{
    private Executor _exec = null!;
    private OrtReference _ort = null!;
    private IntTensor _input = null!;
    private int[] _ids = [];

    [GlobalSetup]
    public void Setup()
    {
        var store = new ModelStore(ModelFiles.Default(), Console.Error.WriteLine);
        var m = store.Load("minilm");
        _exec = new Executor(m.Model, 1);
        _ids = ((TextProfile)m.Profile).Tokenizer.Encode(string.Concat(Enumerable.Repeat("Verifiable inference lets anyone check a result. ", 40)), 128);
        _input = IntTensor.FromInts(DType.I32, [1, _ids.Length], _ids);
        _ort = new OrtReference(store.Files.MiniLmOnnx(), 1);
    }

    [GlobalCleanup]
    public void Cleanup() => _ort.Dispose();

    [Benchmark(Baseline = true)]
    public int OnnxRuntimeFp32() => _ort.SentenceEmbedding(_ids).Length;

    [Benchmark]
    public int VerityTraced() => _exec.Run([_input], trace: true).Outputs.Length;

    [Benchmark]
    public int VerityUntraced() => _exec.Run([_input], trace: false).Outputs.Length;
}
