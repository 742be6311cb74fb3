using System.Globalization;
using System.Text;
using System.Text.Json;

namespace LensAI.Contract.Tests;

public sealed class EventTimestampsTests
{
    private static bool Fast(string text, out DateTimeOffset value) => EventTimestamps.TryParseWireFormat(Encoding.UTF8.GetBytes(text), out value);

    [Theory]
    [InlineData("2026-11-21T23:20:00.123456Z")]
    [InlineData("2024-02-29T00:00:00.000001Z")]
    [InlineData("1999-12-31T23:59:59.999999Z")]
    public void The_wire_format_parses_fast_and_equals_the_general_parser(string text)
    {
        Assert.True(Fast(text, out var fast));
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes($"\"{text}\""));
        reader.Read();
        Assert.True(reader.TryGetDateTimeOffset(out var general));
        Assert.Equal(general, fast);
        Assert.Equal(TimeSpan.Zero, fast.Offset);
        Assert.Equal(text, fast.UtcDateTime.ToString(EventTimestamps.WireFormat, CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("2026-02-30T00:00:00.000000Z")] // no such day
    [InlineData("2026-11-21T24:00:00.000000Z")]
    [InlineData("2026-11-21T23:20:00.123456+01:00")] // another offset: the general parser handles it
    [InlineData("2026-11-21 23:20:00.123456Z")]
    [InlineData("2026-11-21T23:20:00.12345xZ")]
    [InlineData("2026-11-21T23:20:00.12345Z")]
    [InlineData("")]
    public void Anything_else_is_left_to_the_general_parser(string text) => Assert.False(Fast(text, out _));

    [Fact]
    public void Truncation_drops_sub_microsecond_ticks_toward_the_past_and_converts_to_UTC()
    {
        var local = new DateTimeOffset(2026, 11, 21, 23, 20, 0, TimeSpan.FromHours(2)).AddTicks(1_234_567);
        var truncated = EventTimestamps.Truncate(local);
        Assert.Equal(TimeSpan.Zero, truncated.Offset);
        Assert.Equal(local.UtcTicks - 7, truncated.UtcTicks);
        Assert.Equal(truncated, EventTimestamps.Truncate(truncated));
    }

    [Fact]
    public void An_event_timestamp_is_written_in_the_wire_format_and_read_back_exactly()
    {
        var ts = new DateTimeOffset(2026, 11, 21, 23, 20, 0, TimeSpan.FromHours(-5)).AddTicks(1_234_560);
        var json = JsonSerializer.Serialize(Event(ts), LensAIJsonContext.Default.UsageEvent);
        Assert.Contains("\"ts\":\"2026-11-22T04:20:00.123456Z\"", json, StringComparison.Ordinal);
        Assert.Equal(ts, JsonSerializer.Deserialize(json, LensAIJsonContext.Default.UsageEvent)!.Timestamp);
    }

    [Theory]
    [InlineData("2026-11-21T23:20:00.123456+01:00", "2026-11-21T22:20:00.123456Z")]
    [InlineData("2026-11-21T23:20:00Z", "2026-11-21T23:20:00.000000Z")]
    [InlineData("2026-11-21T23:20:00.1\\u0032Z", "2026-11-21T23:20:00.120000Z")] // escaped: no fast path
    public void Other_ISO_8601_forms_are_read_as_UTC(string wire, string expected)
    {
        var json = JsonSerializer.Serialize(Event(DateTimeOffset.UnixEpoch), LensAIJsonContext.Default.UsageEvent)
            .Replace("1970-01-01T00:00:00.000000Z", wire, StringComparison.Ordinal);
        var read = JsonSerializer.Deserialize(json, LensAIJsonContext.Default.UsageEvent)!.Timestamp;
        Assert.Equal(TimeSpan.Zero, read.Offset);
        Assert.Equal(expected, read.UtcDateTime.ToString(EventTimestamps.WireFormat, CultureInfo.InvariantCulture));
    }

    private static UsageEvent Event(DateTimeOffset ts) => new()
    {
        EventId = "01JD0000000000000000000000",
        Timestamp = ts,
        Provider = "openai",
        Model = "gpt-4o-mini",
        Operation = "chat",
        Sdk = "tests/1.0",
    };
}
