using System.Text;

namespace Verity.Inputs;

/// <summary>BERT uncased WordPiece tokenizer giving the same ids as HuggingFace's tokenizer for all-MiniLM-L6-v2.</summary>
/// <remarks>
/// The special tokens [PAD], [UNK], [CLS], [SEP] and [MASK] written literally in the text are kept as those tokens,
/// as HuggingFace does. The rest is split into words by <see cref="BasicTokenizer"/>; each word becomes its
/// greedy longest-match-first pieces ("##" marks a continuation), or [UNK] when it has more than 100 code points
/// or some part of it matches nothing. Where HuggingFace's Python and Rust tokenizers differ, this follows the
/// Rust one that sentence-transformers uses: lowercasing is per code point, so a final Σ becomes σ, not ς.
/// </remarks>
public sealed class WordPieceTokenizer
{
    /// <summary>The default length limit, all-MiniLM-L6-v2's max_seq_length.</summary>
    public const int DefaultMaxTokens = 256;

    /// <summary>The largest length limit: BERT's position embeddings end there.</summary>
    public const int MaxTokensLimit = 512;

    private const int MaxWordCodePoints = 100;
    private static readonly string[] SpecialTokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];

    private readonly string[] _tokens;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _ids;
    private readonly Dictionary<string, int> _specialIds = [];
    private readonly int _unk, _cls, _sep;

    /// <summary>Reads a vocabulary: one token per line, the line number (from 0) is its id.</summary>
    public WordPieceTokenizer(IEnumerable<string> vocabLines)
    {
        ArgumentNullException.ThrowIfNull(vocabLines);
        _tokens = vocabLines.Select(line => line.EndsWith('\r') ? line[..^1] : line).ToArray();
        var ids = new Dictionary<string, int>(_tokens.Length, StringComparer.Ordinal);
        for (var i = 0; i < _tokens.Length; i++)
        {
            ids[_tokens[i]] = i;
        }
        foreach (var special in SpecialTokens)
        {
            if (!ids.TryGetValue(special, out var id))
            {
                throw new ArgumentException($"vocabulary of {_tokens.Length} lines has no {special} token", nameof(vocabLines));
            }
            _specialIds[special] = id;
        }
        _ids = ids.GetAlternateLookup<ReadOnlySpan<char>>();
        (_unk, _cls, _sep) = (_specialIds["[UNK]"], _specialIds["[CLS]"], _specialIds["[SEP]"]);
    }

    /// <summary>Reads a vocab.txt file.</summary>
    public static WordPieceTokenizer FromFile(string vocabPath) => new(File.ReadLines(vocabPath));

    /// <summary>Number of tokens in the vocabulary.</summary>
    public int VocabularySize => _tokens.Length;

    /// <summary>The token with id <paramref name="id"/>.</summary>
    public string Token(int id) => _tokens[id];

    /// <summary>Token ids of <paramref name="text"/>: [CLS], its pieces, [SEP]; pieces past
    /// <paramref name="maxTokens"/> - 2 are dropped so that [SEP] stays last.</summary>
    public int[] Encode(string text, int maxTokens = DefaultMaxTokens)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTokens, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxTokens, MaxTokensLimit);
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new ArgumentException("text is empty", nameof(text));
        }

        var ids = new List<int>(Math.Min(maxTokens, text.Length + 2)) { _cls };
        var pieceLimit = maxTokens - 1;
        var start = 0;
        while (start < text.Length && ids.Count < pieceLimit)
        {
            var (at, special) = NextSpecialToken(text, start);
            foreach (var word in BasicTokenizer.Split(text[start..at]))
            {
                if (ids.Count >= pieceLimit)
                {
                    break;
                }
                AppendPieces(word, ids);
            }
            if (special is not null && ids.Count < pieceLimit)
            {
                ids.Add(_specialIds[special]);
            }
            start = at + (special?.Length ?? 0);
        }
        if (ids.Count > pieceLimit)
        {
            ids.RemoveRange(pieceLimit, ids.Count - pieceLimit);
        }
        ids.Add(_sep);
        return [.. ids];
    }

    private static (int At, string? Token) NextSpecialToken(string text, int start)
    {
        var best = (At: text.Length, Token: (string?)null);
        foreach (var special in SpecialTokens)
        {
            var at = text.IndexOf(special, start, StringComparison.Ordinal);
            if (at >= 0 && at < best.At)
            {
                best = (at, special);
            }
        }
        return best;
    }

    /// <summary>Greedy longest-match-first WordPiece over code points.</summary>
    private void AppendPieces(string word, List<int> ids)
    {
        if (word.EnumerateRunes().Count() > MaxWordCodePoints)
        {
            ids.Add(_unk);
            return;
        }
        var firstPiece = ids.Count;
        Span<char> buffer = stackalloc char[2 + word.Length];
        buffer[0] = buffer[1] = '#';
        var start = 0;
        while (start < word.Length)
        {
            var end = word.Length;
            var found = -1;
            while (end > start)
            {
                scoped ReadOnlySpan<char> key = word.AsSpan(start, end - start);
                if (start > 0)
                {
                    key.CopyTo(buffer[2..]);
                    key = buffer[..(2 + key.Length)];
                }
                if (_ids.TryGetValue(key, out found))
                {
                    break;
                }
                found = -1;
                end -= end - 2 >= start && char.IsSurrogatePair(word[end - 2], word[end - 1]) ? 2 : 1;
            }
            if (found < 0)
            {
                ids.RemoveRange(firstPiece, ids.Count - firstPiece);
                ids.Add(_unk);
                return;
            }
            ids.Add(found);
            start = end;
        }
    }
}
