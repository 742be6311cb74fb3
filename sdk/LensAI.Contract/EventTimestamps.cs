using System.Globalization;

namespace LensAI;

/// <summary>
/// The event timestamp (<c>ts</c>) as the contract defines it: UTC, microsecond precision, written on the wire as
/// <c>2026-11-21T23:20:00.123456Z</c> (<see cref="WireFormat"/>) and stored as a Parquet/DuckDB <c>TIMESTAMPTZ</c>.
/// </summary>
public static class EventTimestamps
{
    /// <summary>The wire format as a custom date and time format string: 27 characters, UTC, six fractional digits.</summary>
    public const string WireFormat = "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'ffffff'Z'";

    /// <summary>The length of a timestamp in <see cref="WireFormat"/>.</summary>
    internal const int WireLength = 27;

    /// <summary>
    /// Returns <paramref name="value"/> in UTC with everything finer than a microsecond dropped (toward the past): the
    /// value a timestamp has after it went through the wire or the store.
    /// </summary>
    public static DateTimeOffset Truncate(DateTimeOffset value)
        => new(value.UtcTicks - (value.UtcTicks % TimeSpan.TicksPerMicrosecond), TimeSpan.Zero);

    /// <summary>
    /// Parses a UTF-8 timestamp in exactly <see cref="WireFormat"/> without allocating. Returns <see langword="false"/>
    /// for anything else (another offset, fewer digits, an impossible date); parse those with a general ISO 8601
    /// parser such as <see cref="System.Text.Json.Utf8JsonReader.TryGetDateTimeOffset(out DateTimeOffset)"/>.
    /// </summary>
    public static bool TryParseWireFormat(ReadOnlySpan<byte> utf8, out DateTimeOffset value)
    {
        value = default;
        var s = utf8;
        if (s.Length != WireLength || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != '.' || s[26] != 'Z')
        {
            return false;
        }

        if (!Digits(s, 0, 4, out var year) || !Digits(s, 5, 2, out var month) || !Digits(s, 8, 2, out var day)
            || !Digits(s, 11, 2, out var hour) || !Digits(s, 14, 2, out var minute) || !Digits(s, 17, 2, out var second)
            || !Digits(s, 20, 6, out var micros))
        {
            return false;
        }

        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        var ticks = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Utc).Ticks + (micros * TimeSpan.TicksPerMicrosecond);
        value = new DateTimeOffset(ticks, TimeSpan.Zero);
        return true;
    }

    /// <summary>Writes <paramref name="value"/> in <see cref="WireFormat"/> as UTF-8; returns the bytes written (27).</summary>
    internal static int FormatUtf8(DateTimeOffset value, Span<byte> destination)
    {
        var ok = value.UtcDateTime.TryFormat(destination, out var written, WireFormat, CultureInfo.InvariantCulture);
        return ok && written == WireLength ? written : throw new FormatException("Timestamp could not be formatted.");
    }

    private static bool Digits(ReadOnlySpan<byte> span, int start, int count, out int result)
    {
        result = 0;
        for (var i = start; i < start + count; i++)
        {
            var d = span[i] - (byte)'0';
            if ((uint)d > 9)
            {
                return false;
            }

            result = (result * 10) + d;
        }

        return true;
    }
}
