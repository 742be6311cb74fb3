using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace LensAI;

/// <summary>Writes timestamps as UTC ISO 8601 with exactly six fractional digits (<c>2026-11-21T23:20:00.123456Z</c>); reads any ISO 8601 offset.</summary>
internal sealed class MicrosecondTimestampJsonConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new JsonException("A timestamp must be an ISO 8601 string.");
        }

        return reader.TryGetDateTimeOffset(out var value)
            ? value.ToUniversalTime()
            : throw new JsonException("A timestamp must be an ISO 8601 string such as 2026-11-21T23:20:00.123456Z.");
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
    {
        Span<byte> buffer = stackalloc byte[32];
        writer.WriteStringValue(buffer[..Format(value, buffer)]);
    }

    internal static int Format(DateTimeOffset value, Span<byte> destination)
    {
        var utc = value.UtcDateTime;
        // yyyy-MM-ddTHH:mm:ss.ffffffZ : 27 bytes.
        var ok = utc.TryFormat(destination, out _, "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'ffffff'Z'", CultureInfo.InvariantCulture);
        return ok ? 27 : throw new FormatException("Timestamp could not be formatted.");
    }
}
