using System.Text;
using System.Text.Json;
using LensAI.Backend.Ingest;

namespace LensAI.Backend.Tests.Ingest;

public sealed class TimestampParsingTests
{
    private static bool Fast(string json, out DateTimeOffset value)
    {
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json));
        reader.Read();
        return EventBatchReader.TryParseSdkTimestamp(ref reader, out value);
    }

    [Theory]
    [InlineData("\"2026-11-21T23:20:00.123456Z\"")]
    [InlineData("\"2024-02-29T00:00:00.000001Z\"")]
    [InlineData("\"1999-12-31T23:59:59.999999Z\"")]
    public void The_sdk_format_parses_fast_and_equals_the_general_parser(string json)
    {
        Assert.True(Fast(json, out var fast));
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json));
        reader.Read();
        Assert.True(reader.TryGetDateTimeOffset(out var general));
        Assert.Equal(general, fast);
    }

    [Theory]
    [InlineData("\"2026-02-30T00:00:00.000000Z\"")] // no such day
    [InlineData("\"2026-11-21T24:00:00.000000Z\"")]
    [InlineData("\"2026-11-21T23:20:00.123456+01:00\"")] // another offset: the general parser handles it
    [InlineData("\"2026-11-21 23:20:00.123456Z\"")]
    [InlineData("\"2026-11-21T23:20:00.12345xZ\"")]
    public void Anything_else_falls_back_to_the_general_parser(string json) => Assert.False(Fast(json, out _));
}
