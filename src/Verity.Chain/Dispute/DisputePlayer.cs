using System.Numerics;
using Nethereum.ABI.FunctionEncoding.Attributes;
using Nethereum.Contracts;
using Nethereum.RPC.Eth.DTOs;
using Verity.Commitments;
using G = Verity.Chain.Generated.DisputeGame;
using V = Verity.Chain.Generated.OneStepVerifier;

namespace Verity.Chain.Dispute;

/// <summary>The phases of <c>DisputeGame</c>, in its order.</summary>
public enum DisputePhase { None, ChallengerRoot, Trace, OpRoot, Chunks, Reveal, OneStep, Ended }

/// <summary>One side of a dispute: its account, the execution it claims and, for the worker, the output bytes it posted
/// (needed only when the challenger agrees with the trace but not with the output).</summary>
public sealed record DisputeParty(Address Account, DisputeTrace Trace, byte[]? Output = null);

/// <summary>How a played dispute ended, and what it cost. An output dispute (same trace, different output) has
/// <see cref="ChunkIndex"/> and <see cref="ElementInChunk"/> −1.</summary>
public sealed record DisputeOutcome(bool WorkerWasRight, int Op, int ChunkIndex, int ElementInChunk,
    IReadOnlyList<TransactionReceipt> Receipts)
{
    public long TotalGas => Receipts.Sum(r => (long)r.GasUsed.Value);
    public long MaxTxGas => Receipts.Max(r => (long)r.GasUsed.Value);
}

/// <summary>Where a one-sided <see cref="DisputePlayer.PlaySideAsync"/> stopped: the phase (Ended or None when the
/// game is over, else the other side's turn) and its moves.</summary>
public sealed record DisputeTurn(DisputePhase Phase, IReadOnlyList<TransactionReceipt> Receipts);

/// <summary>
/// Plays a dispute to its end on chain for both parties, each from its own claimed execution: the challenger commits
/// its trace root; at each node of the trace tree, then of the disputed op's chunk tree, the party to move reveals its
/// two children; at the op both reveal their output roots; at the chunk the worker reveals its bytes of it on chain,
/// and the challenger picks the first element where the two chunks differ and sends the one-step proof
/// (<see cref="OneStepProver"/>, operands proven against the challenger's own trace root).
/// </summary>
public sealed class DisputePlayer(ChainClient chain, Address game, DisputeModel model)
{
    /// <summary>Plays the dispute of <paramref name="job"/> to its end.</summary>
    public async Task<DisputeOutcome> PlayAsync(JobId job, DisputeParty worker, DisputeParty challenger, CancellationToken ct = default) =>
        (await RunAsync(job, worker, challenger, null, ct).ConfigureAwait(false))!;

    /// <summary>Plays moves until the game reaches <paramref name="phase"/> (for tests of single moves).</summary>
    public Task PlayUntilAsync(JobId job, DisputeParty worker, DisputeParty challenger, DisputePhase phase, CancellationToken ct = default) =>
        RunAsync(job, worker, challenger, phase, ct);

    private async Task<DisputeOutcome?> RunAsync(JobId job, DisputeParty worker, DisputeParty challenger, DisputePhase? stopAt,
        CancellationToken ct)
    {
        var receipts = new List<TransactionReceipt>();
        var id = job.ToBigInteger();
        int elementInChunk = 0;
        var outputDispute = false;
        for (var moves = 0; moves < 1000; moves++)
        {
            var g = await StateAsync(job).ConfigureAwait(false);
            var phase = (DisputePhase)(int)g.Phase;
            var mover = g.ChallengerMoves ? challenger : worker;
            int start = (int)g.Start, size = (int)g.Size, op = (int)g.Op;
            if (phase == stopAt)
                return null;
            switch (phase)
            {
                case DisputePhase.ChallengerRoot when challenger.Trace.Root == worker.Trace.Root:
                    var posted = worker.Output ?? throw new InvalidOperationException("same trace: the posted output is needed");
                    op = model.OutputOp;
                    outputDispute = true;
                    receipts.Add(await chain.SendAsync(game, new G.DisputeOutputFunction
                    {
                        JobId = id, Output = posted, OpRoot = worker.Trace.OpRoots[op].ToArray(),
                        TraceProof = [.. TraceRoot.Proof(worker.Trace.OpRoots, op).Select(h => h.ToArray())],
                    }, challenger.Account, ct: ct).ConfigureAwait(false));
                    break;
                case DisputePhase.ChallengerRoot:
                    receipts.Add(await chain.SendAsync(game, new G.CommitTraceFunction { JobId = id, TraceRoot = challenger.Trace.Root.ToArray() },
                        challenger.Account, ct: ct).ConfigureAwait(false));
                    break;
                case DisputePhase.Trace or DisputePhase.Chunks:
                    var leaves = phase == DisputePhase.Trace ? mover.Trace.LeafHashes : TensorCommitment.ChunkHashes(mover.Trace.Outputs[op]);
                    int k = Split(size);
                    receipts.Add(await chain.SendAsync(game, new G.BisectFunction
                    {
                        JobId = id,
                        Left = Merkle.Root(leaves.AsSpan(start, k)).ToArray(),
                        Right = Merkle.Root(leaves.AsSpan(start + k, size - k)).ToArray(),
                    }, mover.Account, ct: ct).ConfigureAwait(false));
                    break;
                case DisputePhase.OpRoot:
                    receipts.Add(await chain.SendAsync(game, new G.RevealOpRootFunction
                    {
                        JobId = id, OpRoot = mover.Trace.OpRoots[op].ToArray(),
                        Lengths = g.ChallengerMoves ? [] : model.Lengths,
                        Input = g.ChallengerMoves || !model.LengthDependsOnInput(op) ? [] : worker.Trace.Input,
                    }, mover.Account, ct: ct).ConfigureAwait(false));
                    break;
                case DisputePhase.Reveal:
                    receipts.Add(await RevealAsync(id, worker, op, start, ct).ConfigureAwait(false));
                    break;
                case DisputePhase.OneStep:
                    var revealed = await RevealedChunkAsync(job).ConfigureAwait(false);
                    var ours = TensorCommitment.Chunk(challenger.Trace.Outputs[op], start).ToArray();
                    elementInChunk = DifferingElement(revealed, ours, 0, model.DtypeOf(op));
                    var proof = OneStepProver.Prove(model, challenger.Trace, op, start, elementInChunk);
                    receipts.Add(await chain.SendAsync(game, new OneStepCall
                    {
                        JobId = id, Chunk = revealed, ElementInChunk = elementInChunk, Proof = proof,
                    }, challenger.Account, ct: ct).ConfigureAwait(false));
                    break;
                case DisputePhase.Ended:
                    var ended = receipts[^1].DecodeAllEvents<G.DisputeEndedEvent>().Single().Event;
                    return outputDispute
                        ? new DisputeOutcome(ended.WorkerWasRight, model.OutputOp, -1, -1, receipts)
                        : new DisputeOutcome(ended.WorkerWasRight, op, start, elementInChunk, receipts);
                default:
                    throw new InvalidOperationException($"job {job}: no dispute open");
            }
        }
        throw new InvalidOperationException($"job {job}: the dispute did not end");
    }

    /// <summary>
    /// Plays one side only, as a party's own process does: makes every move that is <paramref name="me"/>'s now and
    /// returns when it is the other side's turn or the game is over (<see cref="DisputeTurn.Phase"/>). The challenger
    /// passes, in <paramref name="me"/>.Output, the output the worker posted (for an output dispute, same trace root).
    /// Everything else comes from the chain and the party's own trace: the worker reveals its bytes of the disputed
    /// chunk from its trace; the challenger reads them from the <c>ChunkRevealed</c> event and proves the operands
    /// against its own trace root (docs/PROTOCOL.md).
    /// </summary>
    public async Task<DisputeTurn> PlaySideAsync(JobId job, DisputeParty me, bool asChallenger, CancellationToken ct = default)
    {
        var receipts = new List<TransactionReceipt>();
        var id = job.ToBigInteger();
        for (var moves = 0; moves < 1000; moves++)
        {
            var g = await StateAsync(job).ConfigureAwait(false);
            var phase = (DisputePhase)(int)g.Phase;
            if (phase is DisputePhase.None or DisputePhase.Ended || g.ChallengerMoves != asChallenger)
                return new DisputeTurn(phase, receipts);
            int start = (int)g.Start, size = (int)g.Size, op = (int)g.Op;
            switch (phase)
            {
                case DisputePhase.ChallengerRoot when me.Trace.Root == new Hash256(g.TraceRoot):
                    var posted = me.Output ?? throw new InvalidOperationException("same trace: the posted output is needed");
                    receipts.Add(await chain.SendAsync(game, new G.DisputeOutputFunction
                    {
                        JobId = id, Output = posted, OpRoot = me.Trace.OpRoots[model.OutputOp].ToArray(),
                        TraceProof = [.. TraceRoot.Proof(me.Trace.OpRoots, model.OutputOp).Select(h => h.ToArray())],
                    }, me.Account, ct: ct).ConfigureAwait(false));
                    break;
                case DisputePhase.ChallengerRoot:
                    receipts.Add(await chain.SendAsync(game, new G.CommitTraceFunction { JobId = id, TraceRoot = me.Trace.Root.ToArray() },
                        me.Account, ct: ct).ConfigureAwait(false));
                    break;
                case DisputePhase.Trace or DisputePhase.Chunks:
                    var leaves = phase == DisputePhase.Trace ? me.Trace.LeafHashes : TensorCommitment.ChunkHashes(me.Trace.Outputs[op]);
                    int k = Split(size);
                    receipts.Add(await chain.SendAsync(game, new G.BisectFunction
                    {
                        JobId = id,
                        Left = Merkle.Root(leaves.AsSpan(start, k)).ToArray(),
                        Right = Merkle.Root(leaves.AsSpan(start + k, size - k)).ToArray(),
                    }, me.Account, ct: ct).ConfigureAwait(false));
                    break;
                case DisputePhase.OpRoot:
                    receipts.Add(await chain.SendAsync(game, new G.RevealOpRootFunction
                    {
                        JobId = id, OpRoot = me.Trace.OpRoots[op].ToArray(),
                        Lengths = asChallenger ? [] : model.Lengths,
                        Input = asChallenger || !model.LengthDependsOnInput(op) ? [] : me.Trace.Input,
                    }, me.Account, ct: ct).ConfigureAwait(false));
                    break;
                case DisputePhase.Reveal:
                    receipts.Add(await RevealAsync(id, me, op, start, ct).ConfigureAwait(false));
                    break;
                case DisputePhase.OneStep:
                    var revealed = await RevealedChunkAsync(job).ConfigureAwait(false);
                    var mine = TensorCommitment.Chunk(me.Trace.Outputs[op], start).ToArray();
                    int element = DifferingElement(revealed, mine, 0, model.DtypeOf(op));
                    receipts.Add(await chain.SendAsync(game, new OneStepCall
                    {
                        JobId = id, Chunk = revealed, ElementInChunk = element,
                        Proof = OneStepProver.Prove(model, me.Trace, op, start, element),
                    }, me.Account, ct: ct).ConfigureAwait(false));
                    break;
            }
        }
        throw new InvalidOperationException($"job {job}: the dispute did not end");
    }

    /// <summary>Ends the job's dispute by <c>timeout</c> when the side to move has let its deadline pass (by the latest
    /// block's time); null when there is no open game or time remains. Call it after <see cref="PlaySideAsync"/>,
    /// when the side to move is the other one.</summary>
    public async Task<TransactionReceipt?> TimeoutIfOverdueAsync(JobId job, Address caller, CancellationToken ct = default)
    {
        var g = await StateAsync(job).ConfigureAwait(false);
        if ((DisputePhase)(int)g.Phase is DisputePhase.None or DisputePhase.Ended)
            return null;
        if (await chain.BlockTimestampAsync().ConfigureAwait(false) <= g.Deadline)
            return null;
        return await chain.SendAsync(game, new G.TimeoutFunction { JobId = job.ToBigInteger() }, caller, ct: ct).ConfigureAwait(false);
    }

    /// <summary>The worker's move after the chunk bisection: its bytes of chunk <paramref name="chunk"/> of op
    /// <paramref name="op"/>'s output, from its own trace.</summary>
    private Task<TransactionReceipt> RevealAsync(BigInteger id, DisputeParty worker, int op, int chunk, CancellationToken ct) =>
        chain.SendAsync(game, new G.RevealChunkFunction
        {
            JobId = id, Chunk = TensorCommitment.Chunk(worker.Trace.Outputs[op], chunk).ToArray(),
        }, worker.Account, ct: ct);

    /// <summary>The chunk bytes the worker revealed in the job's current dispute (the latest <c>ChunkRevealed</c> of
    /// the job; the game checked them against the worker's leaf hash, and checks them again in the one-step).</summary>
    public async Task<byte[]> RevealedChunkAsync(JobId job)
    {
        var e = chain.Web3.Eth.GetEvent<G.ChunkRevealedEvent>(game.Hex);
        var logs = await e.GetAllChangesAsync(e.CreateFilterInput(job.ToBigInteger(), BlockParameter.CreateEarliest(), BlockParameter.CreateLatest()))
            .ConfigureAwait(false);
        return logs.Count == 0 ? throw new InvalidOperationException($"job {job}: no chunk revealed") : logs[^1].Event.Chunk;
    }

    public async Task<G.Game> StateAsync(JobId job) =>
        (await chain.CallAsync<G.GameFunction, G.GameOutput>(game, new() { JobId = job.ToBigInteger() }).ConfigureAwait(false)).ReturnValue1;

    /// <summary>The first element of chunk <paramref name="chunk"/> where the two outputs differ (0 if none does).</summary>
    public static int DifferingElement(byte[] worker, byte[] challenger, int chunk, int dtype)
    {
        int bytes = dtype == 1 ? 1 : dtype == 2 ? 2 : 4, from = chunk * TensorCommitment.ChunkBytes;
        int end = Math.Min(Math.Min(worker.Length, challenger.Length), from + TensorCommitment.ChunkBytes);
        for (int at = from; at < end; at++)
            if (worker[at] != challenger[at]) return (at - from) / bytes;
        return 0;
    }

    private static int Split(int size)
    {
        var k = 1;
        while (k << 1 < size) k <<= 1;
        return k;
    }

    /// <summary><c>oneStep</c> with the verifier's proof type (the game's generated binding has its own copy of the
    /// same tuple).</summary>
    [Function("oneStep")]
    private sealed class OneStepCall : FunctionMessage
    {
        [Parameter("uint256", "jobId", 1)] public BigInteger JobId { get; set; }
        [Parameter("bytes", "chunk", 2)] public byte[] Chunk { get; set; } = [];
        [Parameter("uint256", "elementInChunk", 3)] public BigInteger ElementInChunk { get; set; }
        [Parameter("tuple", "proof", 4)] public V.Proof Proof { get; set; } = new();
    }
}
