using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;

namespace LensAI.Backend.Ingest;

/// <summary>
/// Shares the strings that repeat across events (provider, model, operation, sdk, route, user ids, price versions),
/// so reading a batch does not allocate one copy per event. Bounded; values it has no room for are simply allocated.
/// </summary>
internal static class StringPool
{
    private const int MaxEntries = 50_000;
    private const int MaxLength = 128;
    private static readonly ConcurrentDictionary<string, string> s_pool = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> s_lookup = s_pool.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>The string value of the current token, shared when it has been seen before.</summary>
    public static string Get(ref Utf8JsonReader reader)
    {
        if (reader.ValueIsEscaped || reader.HasValueSequence || reader.ValueSpan.Length > MaxLength)
        {
            return reader.GetString()!;
        }

        Span<char> chars = stackalloc char[MaxLength];
        if (!Encoding.UTF8.TryGetChars(reader.ValueSpan, chars, out var written))
        {
            return reader.GetString()!;
        }

        var span = chars[..written];
        if (s_lookup.TryGetValue(span, out var pooled))
        {
            return pooled;
        }

        var value = reader.GetString()!; // also validates UTF-8 strictly
        if (s_pool.Count < MaxEntries)
        {
            s_pool.TryAdd(value, value);
        }

        return value;
    }
}
