using System.Text.Json;
using System.Text.Json.Serialization;

namespace LensAI;

/// <summary>
/// Writes timestamps in <see cref="EventTimestamps.WireFormat"/> (UTC, exactly six fractional digits:
/// <c>2026-11-21T23:20:00.123456Z</c>); reads that format on a fast path and any other ISO 8601 offset as UTC.
/// </summary>
internal sealed class MicrosecondTimestampJsonConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new JsonException("A timestamp must be an ISO 8601 string.");
        }

        if (!reader.ValueIsEscaped && !reader.HasValueSequence && EventTimestamps.TryParseWireFormat(reader.ValueSpan, out var exact))
        {
            return exact;
        }

        return reader.TryGetDateTimeOffset(out var value)
            ? value.ToUniversalTime()
            : throw new JsonException("A timestamp must be an ISO 8601 string such as 2026-11-21T23:20:00.123456Z.");
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
    {
        Span<byte> buffer = stackalloc byte[32];
        writer.WriteStringValue(buffer[..EventTimestamps.FormatUtf8(value, buffer)]);
    }
}
