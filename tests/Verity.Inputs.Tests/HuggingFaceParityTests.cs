using System.Text.Json;

namespace Verity.Inputs.Tests;

/// <summary>Compares the tokenizer with HuggingFace's own (hf-token-ids.json, made by make-hf-token-ids.mjs).</summary>
public class HuggingFaceParityTests
{
    private static readonly JsonElement Golden =
        JsonDocument.Parse(File.ReadAllText(TestData.PathOf("hf-token-ids.json"))).RootElement;

    private static int[] Ids(JsonElement array) => array.EnumerateArray().Select(e => e.GetInt32()).ToArray();

    [Theory]
    [InlineData("sentences.txt", "sentences")]
    [InlineData("calibration-sentences.txt", "calibration")]
    public void Every_sentence_matches_huggingface(string file, string key)
    {
        var sentences = TestData.Lines(file);
        var expected = Golden.GetProperty(key).EnumerateArray().Select(Ids).ToArray();
        Assert.Equal(expected.Length, sentences.Length);
        for (var i = 0; i < sentences.Length; i++)
        {
            var actual = TestData.MiniLM.Encode(sentences[i], WordPieceTokenizer.MaxTokensLimit);
            Assert.True(expected[i].SequenceEqual(actual),
                $"{file} line {i + 1}: {sentences[i]}\n  hf:  {string.Join(' ', expected[i])}\n  got: {string.Join(' ', actual)}");
        }
    }

    [Fact]
    public void Every_edge_case_matches_huggingface()
    {
        var failures = new List<string>();
        foreach (var item in Golden.GetProperty("cases").EnumerateArray())
        {
            var text = item.GetProperty("text").GetString()!;
            var expected = Ids(item.GetProperty("ids"));
            var actual = TestData.MiniLM.Encode(text, WordPieceTokenizer.MaxTokensLimit);
            if (!expected.SequenceEqual(actual))
            {
                failures.Add($"{JsonSerializer.Serialize(text)}\n  hf:  {string.Join(' ', expected)}\n  got: {string.Join(' ', actual)}");
            }
        }
        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    [Fact]
    public void The_golden_file_covers_long_inputs()
    {
        var lengths = Golden.GetProperty("sentences").EnumerateArray().Select(a => a.GetArrayLength()).ToArray();
        Assert.True(lengths.Length >= 240, $"{lengths.Length} sentences");
        Assert.True(lengths.Count(n => n > 100) >= 20, $"{lengths.Count(n => n > 100)} sentences over 100 tokens");
    }
}
