using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace LensAI.Backend.Http;

/// <summary>Parsing of query-string values shared by the endpoints.</summary>
internal static class QueryValues
{
    /// <summary>
    /// The <c>from</c>/<c>to</c> of a query: <c>to</c> defaults to <paramref name="now"/>, <c>from</c> to <c>to</c> −
    /// <paramref name="defaultSpan"/>; null when <c>from</c> is not before <c>to</c> or they are more than
    /// <paramref name="maxSpan"/> apart.
    /// </summary>
    public static (DateTimeOffset From, DateTimeOffset To)? Range(IQueryCollection query, DateTimeOffset now, TimeSpan defaultSpan, TimeSpan maxSpan)
    {
        var to = Instant(query["to"]) ?? now;
        var from = Instant(query["from"]) ?? to - defaultSpan;
        return to <= from || to - from > maxSpan ? null : (from, to);
    }

    /// <summary>A date (<c>2026-11-01</c>, midnight UTC) or an ISO 8601 timestamp (UTC when it names no offset); null when absent or unreadable.</summary>
    public static DateTimeOffset? Instant(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            return new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value) ? value.ToUniversalTime() : null;
    }
}
