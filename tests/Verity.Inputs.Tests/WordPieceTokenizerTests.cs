namespace Verity.Inputs.Tests;

public class WordPieceTokenizerTests
{
    private static readonly WordPieceTokenizer Tokenizer = TestData.MiniLM;

    private static string Pieces(string text, int maxTokens = WordPieceTokenizer.DefaultMaxTokens) =>
        string.Join(' ', Tokenizer.Encode(text, maxTokens).Select(Tokenizer.Token));

    [Fact]
    public void Vocabulary_is_all_MiniLM_L6_v2s()
    {
        Assert.Equal(30522, Tokenizer.VocabularySize);
        Assert.Equal("[PAD]", Tokenizer.Token(0));
        Assert.Equal("[UNK]", Tokenizer.Token(100));
        Assert.Equal("[CLS]", Tokenizer.Token(101));
        Assert.Equal("[SEP]", Tokenizer.Token(102));
        Assert.Equal("[MASK]", Tokenizer.Token(103));
    }

    [Theory]
    [InlineData("unaffable", "[CLS] una ##ffa ##ble [SEP]")]
    [InlineData("Hello, World!", "[CLS] hello , world ! [SEP]")]
    [InlineData("UNwantéd,running", "[CLS] unwanted , running [SEP]")]
    [InlineData("  Tab\tand\nnew\r\nlines  ", "[CLS] tab and new lines [SEP]")]
    public void Splits_words_and_pieces(string text, string expected) => Assert.Equal(expected, Pieces(text));

    [Theory]
    [InlineData("café naïve Zürich", "[CLS] cafe naive zurich [SEP]")]
    [InlineData("Ångström façade", "[CLS] ang ##strom facade [SEP]")]
    [InlineData("e\u0301te\u0301", "[CLS] et ##e [SEP]")]
    [InlineData("İstanbul", "[CLS] istanbul [SEP]")]
    public void Strips_accents_and_lowercases(string text, string expected) => Assert.Equal(expected, Pieces(text));

    [Theory]
    [InlineData("a.b", "[CLS] a . b [SEP]")]
    [InlineData("$5+3=8", "[CLS] $ 5 + 3 = 8 [SEP]")]
    [InlineData("“quoted”—dash…", "[CLS] “ quoted ” — dash … [SEP]")]
    [InlineData("¿qué?", "[CLS] ¿ que ? [SEP]")]
    public void Splits_ascii_and_unicode_punctuation(string text, string expected) => Assert.Equal(expected, Pieces(text));

    [Fact]
    public void Isolates_cjk_ideographs_but_not_kana()
    {
        Assert.Equal("[CLS] 東 京 は 日 本 [SEP]", Pieces("東京は日本"));
        Assert.Equal("[CLS] ab 中 cd [SEP]", Pieces("ab中cd"));
    }

    [Fact]
    public void Decomposes_hangul_into_jamo()
    {
        Assert.Equal([101, 1469, 30006, 30021, 102], Tokenizer.Encode("한"));
    }

    [Fact]
    public void Drops_control_and_format_characters()
    {
        Assert.Equal(Pieces("abc def"), Pieces("a\u0000b\u200Bc\u00AD d\u0007e\uFFFDf"));
        Assert.Equal(Pieces("xy"), Pieces("x\uD800y"));
    }

    [Fact]
    public void Unknown_and_overlong_words_become_a_single_unk()
    {
        Assert.Equal("[CLS] [UNK] [SEP]", Pieces("😀"));
        Assert.Equal("[CLS] [UNK] [SEP]", Pieces("abc😀def"));
        Assert.DoesNotContain(100, Tokenizer.Encode(new string('a', 100)));
        Assert.Equal("[CLS] [UNK] [SEP]", Pieces(new string('a', 101)));
    }

    [Fact]
    public void Keeps_literal_special_tokens()
    {
        Assert.Equal("[CLS] hello [MASK] world [SEP]", Pieces("hello [MASK] world"));
        Assert.Equal("[CLS] foo [SEP] bar [SEP]", Pieces("foo[SEP]bar"));
        Assert.Equal("[CLS] [ mask ] [SEP]", Pieces("[mask]"));
    }

    [Fact]
    public void Truncates_keeping_sep_last()
    {
        var text = string.Join(' ', Enumerable.Repeat("hello", 600));
        var ids = Tokenizer.Encode(text);
        Assert.Equal(WordPieceTokenizer.DefaultMaxTokens, ids.Length);
        Assert.Equal(101, ids[0]);
        Assert.Equal(102, ids[^1]);
        Assert.All(ids[1..^1], id => Assert.Equal(7592, id));
        Assert.Equal(512, Tokenizer.Encode(text, 512).Length);
        Assert.Equal([101, 7592, 7592, 102], Tokenizer.Encode(text, 4));
        Assert.Equal([101, 102], Tokenizer.Encode(text, 2));
        Assert.Equal([101, 7592, 7592, 102], Tokenizer.Encode("hello hello", 512));
    }

    [Fact]
    public void Truncation_cuts_inside_a_word()
    {
        Assert.Equal("[CLS] una ##ffa [SEP]", Pieces("unaffable", 4));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(513)]
    public void Rejects_limits_outside_2_to_512(int maxTokens) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Tokenizer.Encode("hello", maxTokens));

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\t\r\n\u00A0")]
    public void Rejects_empty_text(string text)
    {
        var error = Assert.Throws<ArgumentException>(() => Tokenizer.Encode(text));
        Assert.StartsWith("text is empty", error.Message);
    }

    [Fact]
    public void Requires_the_special_tokens_in_the_vocabulary()
    {
        var error = Assert.Throws<ArgumentException>(() => new WordPieceTokenizer(["[PAD]", "[UNK]", "[CLS]", "hello"]));
        Assert.Contains("no [SEP]", error.Message);
    }

    [Fact]
    public void Reads_a_vocab_file_with_crlf_lines()
    {
        var path = Path.Combine(Path.GetTempPath(), $"vocab-{Guid.NewGuid():N}.txt");
        File.WriteAllText(path, string.Join("\r\n", TestData.VocabLines) + "\r\n");
        try
        {
            var fromFile = WordPieceTokenizer.FromFile(path);
            Assert.Equal(Tokenizer.Encode("Zürich, 2024!"), fromFile.Encode("Zürich, 2024!"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Normalize_FormD_is_a_no_op_under_invariant_globalization()
    {
        // Why BasicTokenizer carries its own decomposition table: this would be "e\u0301" with ICU.
        Assert.Equal("é", "é".Normalize(System.Text.NormalizationForm.FormD));
    }
}
