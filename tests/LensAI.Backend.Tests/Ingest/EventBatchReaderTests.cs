using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LensAI.Backend.Ingest;

namespace LensAI.Backend.Tests.Ingest;

public sealed class EventBatchReaderTests
{
    internal static readonly DateTimeOffset Now = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);
    private static readonly IngestLimits s_limits = new();

    internal static JsonObject ValidEvent(int i = 0) => new()
    {
        ["event_id"] = $"01JD00000000000000000000{i:D2}",
        ["ts"] = "2026-11-21T11:59:00.123456Z",
        ["project_id"] = "attacker-project",
        ["request_id"] = "chatcmpl-1",
        ["user_id"] = "u1",
        ["route"] = "POST /chat",
        ["provider"] = "openai",
        ["model"] = "gpt-4o-mini-2024-07-18",
        ["operation"] = "chat",
        ["stream"] = false,
        ["tokens_in"] = 100,
        ["tokens_out"] = 20,
        ["tokens_cached_in"] = 50,
        ["tokens_cache_write"] = 0,
        ["tokens_reasoning"] = 0,
        ["cost_usd"] = 0.0000225m,
        ["price_version"] = "2026-11-21:openai/gpt-4o-mini",
        ["latency_ms"] = 420,
        ["ttft_ms"] = null,
        ["status"] = "ok",
        ["http_status"] = 200,
        ["metadata"] = new JsonObject { ["plan"] = "pro" },
        ["sdk"] = "LensAI.NET/0.1.0",
        ["some_future_field"] = new JsonObject { ["x"] = 1 },
    };

    private static BatchReadResult Read(params JsonNode[] events)
        => EventBatchReader.Read(Encoding.UTF8.GetBytes(new JsonObject { ["events"] = new JsonArray(events) }.ToJsonString()), s_limits, Now);

    private static IReadOnlyList<FieldError> ErrorsOf(JsonNode e) => Assert.Single(Read(e).Rejected).Errors;

    [Fact]
    public void A_valid_event_reads_every_field_and_ignores_project_id_and_unknown_fields()
    {
        var r = Read(ValidEvent());
        var e = Assert.Single(r.Accepted);
        Assert.Empty(r.Rejected);
        Assert.Null(e.ProjectId);
        Assert.Equal(new DateTimeOffset(2026, 11, 21, 11, 59, 0, TimeSpan.Zero).AddTicks(1234560), e.Timestamp);
        Assert.Equal(0.0000225m, e.CostUsd);
        Assert.Equal(UsageStatus.Ok, e.Status);
        Assert.Equal("pro", e.Metadata!["plan"]);
        Assert.Equal(50, e.TokensCachedIn);
    }

    [Theory]
    [InlineData("tokens_in", -1, "/events/0/tokens_in", "negative")]
    [InlineData("tokens_out", "12", "/events/0/tokens_out", "integer")]
    [InlineData("tokens_in", 100_000_001, "/events/0/tokens_in", "exceed")]
    [InlineData("tokens_cached_in", 101, "/events/0/tokens_cached_in", "exceed tokens_in")]
    [InlineData("tokens_reasoning", 21, "/events/0/tokens_reasoning", "exceed tokens_out")]
    [InlineData("tokens_audio_out", 21, "/events/0/tokens_audio_out", "exceed tokens_out")]
    [InlineData("tokens_audio_in", 51, "/events/0/tokens_audio_in", "uncached audio must fit")] // 100 in, 50 cached: 50 uncached
    [InlineData("tokens_audio_cached_in", 1, "/events/0/tokens_audio_in", "must not exceed tokens_audio_in")]
    [InlineData("usage_estimated", "yes", "/events/0/usage_estimated", "true or false")]
    [InlineData("status", "done", "/events/0/status", "ok, rate_limited, error, blocked")]
    [InlineData("ts", "2027-01-01T00:00:00Z", "/events/0/ts", "future")]
    [InlineData("ts", "2020-01-01T00:00:00Z", "/events/0/ts", "older")]
    [InlineData("ts", "yesterday", "/events/0/ts", "ISO 8601")]
    [InlineData("ts", "2026-11-21T11:59:00", "/events/0/ts", "UTC offset")]
    [InlineData("ts", "2026-11-21T11:59:00.123456", "/events/0/ts", "UTC offset")]
    [InlineData("ts", "2026-11-21", "/events/0/ts", "UTC offset")]
    [InlineData("event_id", "   ", "/events/0/event_id", "whitespace")]
    [InlineData("event_id", " 01JD0000000000000000000000", "/events/0/event_id", "whitespace")]
    [InlineData("event_id", "01JD0000000000000000000000\t", "/events/0/event_id", "whitespace")]
    [InlineData("event_id", "01JD\u000100", "/events/0/event_id", "control")]
    [InlineData("event_id", "01JD\u00A000", "/events/0/event_id", "whitespace")]
    [InlineData("model", null, "/events/0/model", "required")]
    [InlineData("model", "", "/events/0/model", "empty")]
    [InlineData("stream", "yes", "/events/0/stream", "true or false")]
    [InlineData("http_status", 42, "/events/0/http_status", "HTTP status")]
    [InlineData("cost_usd", -0.5, "/events/0/cost_usd", "between")]
    [InlineData("metadata", "x", "/events/0/metadata", "object")]
    [InlineData("latency_ms", -3, "/events/0/latency_ms", "non-negative")]
    [InlineData("user_id", "u\0x", "/events/0/user_id", "U+0000")]
    [InlineData("route", "\0", "/events/0/route", "U+0000")]
    public void Each_bad_field_is_named_by_pointer(string field, object? value, string pointer, string message)
    {
        var e = ValidEvent();
        e[field] = value is null ? null : JsonValue.Create(value);
        var error = Assert.Single(ErrorsOf(e));
        Assert.Equal(pointer, error.Pointer);
        Assert.Contains(message, error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Metadata_keys_and_values_with_NUL_are_refused_because_DuckDB_would_cut_them()
    {
        var e = ValidEvent();
        e["metadata"] = new JsonObject { ["a\0b"] = "v", ["ok"] = "x\0y", ["fine"] = "tab\tnewline\n" };
        var errors = ErrorsOf(e).OrderBy(f => f.Pointer, StringComparer.Ordinal).ToList();
        Assert.Equal(["/events/0/metadata/a\uFFFDb", "/events/0/metadata/ok"], errors.Select(f => f.Pointer));
        Assert.All(errors, f => Assert.Contains("U+0000", f.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void Every_error_of_an_event_is_reported_and_valid_siblings_are_kept()
    {
        var bad = ValidEvent(1);
        bad.Remove("event_id");
        bad["tokens_in"] = -5;
        bad["status"] = 7;
        bad["metadata"] = new JsonObject { ["ok"] = "fine", ["n"] = 3 };
        var r = Read(ValidEvent(0), bad, ValidEvent(2));
        Assert.Equal(2, r.Accepted.Count);
        var rejected = Assert.Single(r.Rejected);
        Assert.Equal(1, rejected.Index);
        Assert.Equal(
            ["/events/1/event_id", "/events/1/metadata/n", "/events/1/status", "/events/1/tokens_in"],
            rejected.Errors.Select(x => x.Pointer).Order());
    }

    [Fact]
    public void Huge_strings_and_too_many_metadata_entries_are_refused()
    {
        var e = ValidEvent();
        e["route"] = new string('r', 100_000);
        var meta = new JsonObject();
        for (var i = 0; i < 40; i++)
        {
            meta[$"k{i}"] = "v";
        }

        e["metadata"] = meta;
        var errors = ErrorsOf(e);
        Assert.Contains(errors, x => x.Pointer == "/events/0/route" && x.Message.Contains("512", StringComparison.Ordinal));
        Assert.Contains(errors, x => x.Pointer == "/events/0/metadata" && x.Message.Contains("32", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("2026-11-21T11:59:00+00:00")]
    [InlineData("2026-11-21T12:59:00+01:00")]
    [InlineData("2026-11-21T06:59:00-05:00")]
    public void Timestamps_with_an_offset_are_read_in_UTC(string ts)
    {
        var e = ValidEvent();
        e["ts"] = ts;
        Assert.Equal(new DateTimeOffset(2026, 11, 21, 11, 59, 0, TimeSpan.Zero), Assert.Single(Read(e).Accepted).Timestamp);
    }

    [Fact]
    public void Metadata_past_its_entry_limit_is_one_error_however_many_entries_it_has()
    {
        // The audit's body: one event carrying hundreds of thousands of metadata keys, each of them invalid too.
        var body = new StringBuilder("{\"events\":[{\"metadata\":{");
        for (var i = 0; i < 300_000; i++)
        {
            body.Append(i == 0 ? "" : ",").Append("\"k").Append(i).Append("\":").Append(i % 2 == 0 ? "1" : "\"v\"");
        }

        body.Append("}}]}");
        var rejected = Assert.Single(EventBatchReader.Read(Encoding.UTF8.GetBytes(body.ToString()), s_limits, Now).Rejected);
        var metadata = Assert.Single(rejected.Errors, e => e.Pointer == "/events/0/metadata");
        Assert.Contains("300000 entries; at most 32", metadata.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(rejected.Errors, e => e.Pointer.StartsWith("/events/0/metadata/", StringComparison.Ordinal));
    }

    [Fact]
    public void The_errors_of_one_event_are_capped_and_the_rest_counted()
    {
        // One property repeated 5,000 times, each with a bad value: ten errors kept, the other 4,990 (plus the missing fields) counted.
        var body = "{\"events\":[{" + string.Join(",", Enumerable.Repeat("\"tokens_in\":-1", 5000)) + "}]}";
        var rejected = Assert.Single(EventBatchReader.Read(Encoding.UTF8.GetBytes(body), s_limits, Now).Rejected);
        Assert.Equal(EventBatchReader.MaxErrorsPerEvent, rejected.Errors.Count);
        Assert.True(rejected.MoreErrors >= 4990, rejected.MoreErrors.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("{\"events\":[", "not valid JSON")]
    [InlineData("[]", "JSON object")]
    [InlineData("{}", "no \"events\"")]
    [InlineData("{\"events\":{}}", "must be an array")]
    [InlineData("{\"events\":[]}", "empty")]
    [InlineData("{\"events\":[{\"a\":[[[[[[[[[[[[1]]]]]]]]]]]]}]}", "not valid JSON")]
    public void Malformed_bodies_refuse_the_whole_batch(string body, string message)
    {
        var ex = Assert.Throws<BatchFormatException>(() => EventBatchReader.Read(Encoding.UTF8.GetBytes(body), s_limits, Now));
        Assert.Equal(400, ex.Status);
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_utf8_is_named()
    {
        var json = Encoding.UTF8.GetBytes(new JsonObject { ["events"] = new JsonArray(ValidEvent()) }.ToJsonString());
        var at = Encoding.UTF8.GetString(json).IndexOf("u1", StringComparison.Ordinal);
        json[at] = 0xC3; // a lead byte without its continuation
        json[at + 1] = 0x28;
        var result = EventBatchReader.Read(json, s_limits, Now);
        var error = Assert.Single(Assert.Single(result.Rejected).Errors);
        Assert.Equal("/events/0/user_id", error.Pointer);
        Assert.Contains("UTF-8", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void More_than_the_batch_limit_is_413()
    {
        var limits = new IngestLimits { MaxEventsPerBatch = 3 };
        var body = Encoding.UTF8.GetBytes(new JsonObject { ["events"] = new JsonArray(ValidEvent(0), ValidEvent(1), ValidEvent(2), ValidEvent(3)) }.ToJsonString());
        Assert.Equal(413, Assert.Throws<BatchFormatException>(() => EventBatchReader.Read(body, limits, Now)).Status);
    }

    [Fact]
    public void The_sdk_wire_format_round_trips()
    {
        var sent = new UsageEvent
        {
            EventId = "01JD0000000000000000000042",
            Timestamp = Now.AddMinutes(-1),
            Provider = "anthropic",
            Model = "claude-sonnet-4-5-20250929",
            Operation = "messages",
            Stream = true,
            TokensIn = 1532,
            TokensOut = 33,
            TokensCachedIn = 1111,
            TokensCacheWrite = 418,
            TokensCacheWrite1h = 100,
            CostUsd = 0.002379375m,
            LatencyMs = 900,
            TtftMs = 120,
            Status = UsageStatus.RateLimited,
            HttpStatus = 429,
            Sdk = "LensAI.NET/0.1.0",
        };
        var body = JsonSerializer.SerializeToUtf8Bytes(new UsageEventBatch { Events = [sent] }, LensAIJsonContext.Default.UsageEventBatch);
        var read = Assert.Single(EventBatchReader.Read(body, s_limits, Now).Accepted);
        Assert.Equivalent(sent, read, strict: true);
    }

    [Fact]
    public void Fuzzed_batches_never_throw_anything_but_a_batch_format_error()
    {
        var random = new Random(1234);
        var seed = Encoding.UTF8.GetBytes(new JsonObject { ["events"] = new JsonArray(ValidEvent(0), ValidEvent(1)) }.ToJsonString());
        for (var i = 0; i < 5_000; i++)
        {
            var mutated = (byte[])seed.Clone();
            for (var m = random.Next(1, 6); m > 0; m--)
            {
                mutated[random.Next(mutated.Length)] = (byte)random.Next(256);
            }

            try
            {
                var r = EventBatchReader.Read(mutated, s_limits, Now);
                Assert.Equal(r.Total, r.Accepted.Count + r.Rejected.Count);
            }
            catch (BatchFormatException)
            {
            }
        }
    }
}
