using System.Globalization;
using System.Text;

namespace Verity.Inputs;

/// <summary>BERT's normalizer and pre-tokenizer for uncased models: clean, split CJK, strip accents, lowercase, split words.</summary>
/// <remarks>
/// Follows HuggingFace tokenizers' BertNormalizer (clean_text, handle_chinese_chars, strip_accents, lowercase)
/// and BertPreTokenizer, in that order, one code point at a time:
/// <list type="number">
/// <item>U+0000, U+FFFD and "other" code points (Cc, Cf, Co, Cs; not Cn) are dropped, except tab, LF and CR;
/// lone UTF-16 surrogates count as U+FFFD.</item>
/// <item>Tab, LF, CR and Zs/Zl/Zp separate words.</item>
/// <item>CJK ideographs (BERT's ranges) become words of their own.</item>
/// <item>Everything else is decomposed (canonical NFD from <see cref="Generated.Decompositions"/>, Hangul by
/// formula), nonspacing marks (Mn) are dropped, and each code point is lowercased (simple mapping).</item>
/// <item>Punctuation (ASCII 33-47, 58-64, 91-96, 123-126, or Unicode P*) becomes a word of its own.</item>
/// </list>
/// string.Normalize is not used: with InvariantGlobalization it returns non-ASCII text unchanged.
/// Category tests use .NET's current Unicode tables; HuggingFace's Rust tables are older (about Unicode 8),
/// so a P*, Mn or Cf code point assigned since then can be treated differently there.
/// </remarks>
internal static class BasicTokenizer
{
    private const int HangulBase = 0xAC00, HangulCount = 11172, JamoL = 0x1100, JamoV = 0x1161, JamoT = 0x11A7;
    private const int JamoVCount = 21, JamoTCount = 28;

    private static readonly Dictionary<int, int[]> StrippedDecompositions = ParseDecompositions(Generated.Decompositions.Data);

    /// <summary>Splits normalized <paramref name="text"/> into words, in order.</summary>
    public static List<string> Split(string text)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        foreach (var rune in text.EnumerateRunes())
        {
            var cp = rune.Value;
            if (cp is '\t' or '\n' or '\r' || IsSeparator(cp))
            {
                Flush(words, word);
            }
            else if (cp == 0 || cp == 0xFFFD || IsOther(cp))
            {
                continue;
            }
            else if (IsCjkIdeograph(cp))
            {
                Flush(words, word);
                AppendStripped(word, cp);
                Flush(words, word);
            }
            else
            {
                AppendStripped(word, cp, words);
            }
        }
        Flush(words, word);
        return words;
    }

    /// <summary>ASCII punctuation or Unicode general category P*.</summary>
    public static bool IsPunctuation(int cp) =>
        cp is >= 33 and <= 47 or >= 58 and <= 64 or >= 91 and <= 96 or >= 123 and <= 126
        || CharUnicodeInfo.GetUnicodeCategory(cp) is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
            or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
            or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation;

    /// <summary>The CJK Unified and Compatibility Ideograph blocks that BERT isolates.</summary>
    public static bool IsCjkIdeograph(int cp) =>
        cp is >= 0x4E00 and <= 0x9FFF or >= 0x3400 and <= 0x4DBF or >= 0x20000 and <= 0x2A6DF or >= 0x2A700 and <= 0x2B73F
            or >= 0x2B740 and <= 0x2B81F or >= 0x2B820 and <= 0x2CEAF or >= 0xF900 and <= 0xFAFF or >= 0x2F800 and <= 0x2FA1F;

    private static bool IsSeparator(int cp) =>
        CharUnicodeInfo.GetUnicodeCategory(cp) is UnicodeCategory.SpaceSeparator or UnicodeCategory.LineSeparator
            or UnicodeCategory.ParagraphSeparator;

    private static bool IsOther(int cp) =>
        CharUnicodeInfo.GetUnicodeCategory(cp) is UnicodeCategory.Control or UnicodeCategory.Format
            or UnicodeCategory.PrivateUse or UnicodeCategory.Surrogate;

    /// <summary>Appends the decomposed, mark-free, lowercased form of <paramref name="cp"/>; with
    /// <paramref name="words"/>, punctuation in it becomes a word of its own.</summary>
    private static void AppendStripped(StringBuilder word, int cp, List<string>? words = null)
    {
        if (cp is >= HangulBase and < HangulBase + HangulCount)
        {
            var s = cp - HangulBase;
            word.Append((char)(JamoL + s / (JamoVCount * JamoTCount)));
            word.Append((char)(JamoV + s % (JamoVCount * JamoTCount) / JamoTCount));
            if (s % JamoTCount != 0)
            {
                word.Append((char)(JamoT + s % JamoTCount));
            }
            return;
        }
        if (StrippedDecompositions.TryGetValue(cp, out var parts))
        {
            foreach (var part in parts)
            {
                AppendLower(word, part, words);
            }
        }
        else if (CharUnicodeInfo.GetUnicodeCategory(cp) != UnicodeCategory.NonSpacingMark)
        {
            AppendLower(word, cp, words);
        }
    }

    private static void AppendLower(StringBuilder word, int cp, List<string>? words)
    {
        var lower = Rune.ToLowerInvariant(new Rune(cp));
        if (words is not null && IsPunctuation(lower.Value))
        {
            Flush(words, word);
            word.Append(lower.ToString());
            Flush(words, word);
        }
        else
        {
            word.Append(lower.ToString());
        }
    }

    private static void Flush(List<string> words, StringBuilder word)
    {
        if (word.Length > 0)
        {
            words.Add(word.ToString());
            word.Clear();
        }
    }

    private static Dictionary<int, int[]> ParseDecompositions(string data)
    {
        var map = new Dictionary<int, int[]>();
        foreach (var entry in data.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = entry.IndexOf('=');
            var parts = entry[(eq + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            map[int.Parse(entry[..eq], NumberStyles.HexNumber, CultureInfo.InvariantCulture)] =
                Array.ConvertAll(parts, p => int.Parse(p, NumberStyles.HexNumber, CultureInfo.InvariantCulture));
        }
        return map;
    }
}
