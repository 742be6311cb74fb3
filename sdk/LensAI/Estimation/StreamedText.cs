using System.Buffers;
using System.Text.Json;
using LensAI.Capture;

namespace LensAI.Estimation;

/// <summary>
/// The text a stream has delivered so far, kept for the estimate of a stream that ends before its usage arrives:
/// the incremental text of each event (OpenAI chat <c>content</c>/<c>refusal</c>/tool <c>arguments</c>, Responses
/// <c>*.delta</c>, Anthropic <c>text</c>/<c>thinking</c>/<c>partial_json</c> deltas, Gemini <c>text</c> parts), never
/// the full-text recaps some streams send at the end. Its bytes are counted for every event; the text itself is kept
/// only up to <see cref="MaxKeptBytes"/> (beyond that the estimate scales by the bytes counted).
/// </summary>
internal sealed class StreamedText : IDisposable
{
    /// <summary>The most text kept for a tokenizer; the bytes past it are counted, not kept.</summary>
    public const int MaxKeptBytes = 256 * 1024;

    private static readonly byte[][] s_chat = ["\"content\""u8.ToArray(), "\"refusal\""u8.ToArray(), "\"arguments\""u8.ToArray(), "\"reasoning_content\""u8.ToArray()];
    private static readonly byte[][] s_responses = ["\"delta\""u8.ToArray()];
    private static readonly byte[][] s_anthropic = ["\"text\""u8.ToArray(), "\"thinking\""u8.ToArray(), "\"partial_json\""u8.ToArray()];
    private static readonly byte[][] s_gemini = ["\"text\""u8.ToArray()];

    private readonly byte[][] _keys;
    private readonly bool _keep;
    private byte[]? _kept;
    private int _keptLength;

    /// <param name="dialect">Which keys hold the streamed text.</param>
    /// <param name="keep">Whether to keep the text (for a tokenizer) or only count its bytes (for the default estimator).</param>
    public StreamedText(UsageDialect dialect, bool keep)
    {
        _keep = keep;
        _keys = dialect switch
        {
            UsageDialect.OpenAIResponses => s_responses,
            UsageDialect.Anthropic => s_anthropic,
            UsageDialect.Gemini => s_gemini,
            _ => s_chat,
        };
    }

    /// <summary>UTF-8 bytes of text seen, kept or not.</summary>
    public long Bytes { get; private set; }

    /// <summary>The text kept (at most <see cref="MaxKeptBytes"/>).</summary>
    public ReadOnlySpan<byte> Kept => _kept.AsSpan(0, _keptLength);

    /// <summary>Reads the text out of one event's <c>data</c> (a JSON document). Never throws.</summary>
    public void Feed(ReadOnlySpan<byte> data)
    {
        foreach (var key in _keys)
        {
            var rest = data;
            while (true)
            {
                var at = rest.IndexOf(key);
                if (at < 0)
                {
                    break;
                }

                rest = rest[(at + key.Length)..];
                var value = StringValueAt(rest);
                if (value >= 0)
                {
                    rest = Read(rest[value..]);
                }
            }
        }
    }

    public void Dispose()
    {
        if (_kept is not null)
        {
            ArrayPool<byte>.Shared.Return(_kept);
            _kept = null;
        }
    }

    /// <summary>After a key: the offset of the opening quote of its string value (whitespace and the colon skipped), or -1 when the value is not a string.</summary>
    private static int StringValueAt(ReadOnlySpan<byte> afterKey)
    {
        var i = 0;
        while (i < afterKey.Length && afterKey[i] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
        {
            i++;
        }

        if (i >= afterKey.Length || afterKey[i] != (byte)':')
        {
            return -1;
        }

        i++;
        while (i < afterKey.Length && afterKey[i] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
        {
            i++;
        }

        return i < afterKey.Length && afterKey[i] == (byte)'"' ? i : -1;
    }

    /// <summary>Reads the string at <paramref name="quoted"/> (its opening quote first); returns what follows it.</summary>
    private ReadOnlySpan<byte> Read(ReadOnlySpan<byte> quoted)
    {
        var reader = new Utf8JsonReader(quoted, isFinalBlock: false, state: default);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.String)
            {
                return quoted[1..];
            }
        }
        catch (JsonException)
        {
            return quoted[1..];
        }

        var raw = reader.ValueSpan;
        if (!reader.ValueIsEscaped)
        {
            Add(raw);
        }
        else
        {
            var rented = ArrayPool<byte>.Shared.Rent(raw.Length);
            try
            {
                Add(rented.AsSpan(0, reader.CopyString(rented)));
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }

        return quoted[(int)reader.BytesConsumed..];
    }

    private void Add(ReadOnlySpan<byte> text)
    {
        Bytes += text.Length;
        if (!_keep)
        {
            return;
        }

        var room = MaxKeptBytes - _keptLength;
        if (room <= 0 || text.IsEmpty)
        {
            return;
        }

        var take = text[..Math.Min(room, text.Length)];
        var needed = _keptLength + take.Length;
        if (_kept is null || _kept.Length < needed)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(MaxKeptBytes, Math.Max(needed, Math.Max(1024, (_kept?.Length ?? 0) * 2))));
            _kept?.AsSpan(0, _keptLength).CopyTo(bigger);
            if (_kept is not null)
            {
                ArrayPool<byte>.Shared.Return(_kept);
            }

            _kept = bigger;
        }

        take.CopyTo(_kept.AsSpan(_keptLength));
        _keptLength = needed;
    }
}
