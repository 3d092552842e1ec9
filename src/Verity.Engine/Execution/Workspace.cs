namespace Verity.Engine;

/// <summary>Scratch buffers reused across ops and runs, plus the thread budget; one per executor.</summary>
public sealed class Workspace(int threads)
{
    public int Threads { get; } = threads >= 1 ? threads : throw new ArgumentOutOfRangeException(nameof(threads), threads, "threads must be ≥ 1");

    private short[] _a = [];
    private short[] _b = [];
    private short[] _c = [];
    private byte[] _bytes = [];
    private byte[] _probabilities = [];

    /// <summary>A scratch int16 buffer of at least n elements (contents undefined).</summary>
    public short[] ScratchA(int n) => _a.Length >= n ? _a : _a = new short[n];

    public short[] ScratchB(int n) => _b.Length >= n ? _b : _b = new short[n];

    public short[] ScratchC(int n) => _c.Length >= n ? _c : _c = new short[n];

    public byte[] ScratchBytes(int n) => _bytes.Length >= n ? _bytes : _bytes = new byte[n];

    /// <summary>Attention's probabilities, held between its two products (separate from the scratch those use).</summary>
    public byte[] ScratchProbabilities(int n) => _probabilities.Length >= n ? _probabilities : _probabilities = new byte[n];

    public ParallelOptions Parallel => new() { MaxDegreeOfParallelism = Threads };
}
