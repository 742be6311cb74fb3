using System.Globalization;

namespace LensAI.Backend.Http;

/// <summary>Parsing of query-string values shared by the endpoints.</summary>
internal static class QueryValues
{
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
