using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Verity.Commitments;

namespace Verity.Benchmarks;

/// <summary>Committing a 4 MiB tensor (1 KiB-chunk Merkle root) against one plain SHA-256 over the same bytes.</summary>
[MemoryDiagnoser]
public class CommitmentBenchmarks
{
    private readonly byte[] _data = new byte[4 << 20];

    [GlobalSetup]
    public void Setup() => new Random(1).NextBytes(_data);

    [Benchmark(Baseline = true)]
    public byte[] PlainSha256() => SHA256.HashData(_data);

    [Benchmark]
    public Hash256 TensorRoot() => TensorCommitment.Root(_data);
}
