using System.Text.Json;
using Verity.Cli.Models;
using Verity.Commitments;
using Verity.Engine;
using Verity.Engine.Tensors;

namespace Verity.Cli.Commands;

/// <summary>
/// `verity tour`: the engine end to end on this machine — both real models compiled, inferences committed,
/// bit-exactness across threads and code paths, and a tampered trace located down to one op and one chunk.
/// </summary>
public static class Tour
{
    private static readonly string[] Sentences =
    [
        "A worker stakes tokens and serves a model.",
        "Someone who runs a model puts up collateral.",
        "The recipe needs two eggs and a cup of flour.",
    ];

    public static int Run(bool json)
    {
        var log = json ? (Action<string>)Console.Error.WriteLine : Console.WriteLine;
        var store = new ModelStore(ModelFiles.Default(), log);
        var minilm = store.Load("minilm");
        var resnet = store.Load("resnet18");
        log($"minilm   id {minilm.Id}  ({minilm.Model.Ops.Length} integer ops, weights root {minilm.WeightsRoot})");
        log($"resnet18 id {resnet.Id}  ({resnet.Model.Ops.Length} integer ops, weights root {resnet.WeightsRoot})");

        var text = (TextProfile)minilm.Profile;
        var embeddings = Sentences.Select(s => Infer.Run(minilm, s, null, 2)).ToList();
        foreach (var (s, e) in Sentences.Zip(embeddings)) log($"\"{s}\"\n    output {e.OutputSha256}\n    trace  {e.TraceRoot}");
        double related = Dot(embeddings[0].Output, embeddings[1].Output), unrelated = Dot(embeddings[0].Output, embeddings[2].Output);
        log($"similarity: paraphrase {related:F3}, unrelated {unrelated:F3}");

        // The same job on 1 and 2 threads, and on the scalar reference path: the same bits.
        var input = text.Encode(Sentences[0]);
        var roots = new[] { new Executor(minilm.Model, 1).Run([input]), new Executor(minilm.Model, 2).Run([input]), new Executor(minilm.Model, 1, reference: true).Run([input]) };
        bool bitExact = roots.All(r => r.TraceRoot == roots[0].TraceRoot);
        log($"bit-exact across 1 thread, 2 threads and the scalar reference: {bitExact}");

        string image = Directory.GetFiles(Path.Combine(store.Files.ImagesDir, "test")).Order(StringComparer.Ordinal).First();
        var features = Infer.Run(resnet, null, image, 2);
        log($"image {Path.GetFileName(image)}: 512 features, output {features.OutputSha256}, trace {features.TraceRoot}");

        // A dishonest worker changes one element deep in the trace; comparing op roots finds the op,
        // comparing chunk hashes finds the chunk, and re-executing that one op shows who is right.
        var honest = new Executor(minilm.Model, 2).Run([input], keepValues: true);
        int nIn = minilm.Model.Inputs.Length, victim = minilm.Model.Ops.Length / 2;
        var forged = honest.Values![nIn + victim];
        var cheat = new IntTensor(forged.Type, forged.Shape, forged.Bytes.ToArray());
        cheat.Set(cheat.Length / 3, cheat.Get(cheat.Length / 3) == 0 ? 1 : 0);
        var cheatRoots = (Hash256[])honest.OpRoots.Clone();
        cheatRoots[victim] = TensorCommitment.Root(cheat.Bytes);
        int firstBad = Enumerable.Range(0, cheatRoots.Length).First(i => cheatRoots[i] != honest.OpRoots[i]);
        var (hc, cc) = (TensorCommitment.ChunkHashes(forged.Bytes), TensorCommitment.ChunkHashes(cheat.Bytes));
        int badChunk = Enumerable.Range(0, hc.Length).First(i => hc[i] != cc[i]);
        var op = minilm.Model.Ops[firstBad];
        var recomputed = Executor.ExecuteOne(minilm.Model, firstBad, [.. op.Inputs.Select(v => honest.Values[v])]);
        bool honestWins = recomputed.Bytes.SequenceEqual(forged.Bytes) && !recomputed.Bytes.SequenceEqual(cheat.Bytes);
        log($"dispute: trace roots differ ({TraceRoot.Compute(cheatRoots)} vs {honest.TraceRoot}); first differing op #{firstBad} '{op.Name}' ({op.Kind}), chunk {badChunk} of {hc.Length}; re-executing that op alone agrees with the honest worker: {honestWins}");

        if (json)
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                minilm_id = minilm.Id.ToString(), resnet18_id = resnet.Id.ToString(),
                paraphrase_similarity = related, unrelated_similarity = unrelated,
                bit_exact = bitExact, dispute_op = firstBad, dispute_chunk = badChunk, honest_wins = honestWins,
            }));
        return bitExact && honestWins ? 0 : 1;
    }

    private static double Dot(double[] a, double[] b) => a.Zip(b).Sum(p => p.First * p.Second);
}
