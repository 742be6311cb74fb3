using Xunit;

namespace LensAI.Testing;

/// <summary>Usage events for tests that go through the contract's one table of fields (<see cref="UsageEventFields.All"/>).</summary>
public static class UsageEventSamples
{
    /// <summary>
    /// An event with every field set to a value that is neither null nor its type's default, built through the table's
    /// property names, so a field added to <see cref="UsageEvent"/> and the table needs a sample here.
    /// </summary>
    public static UsageEvent Full()
    {
        var e = Activator.CreateInstance<UsageEvent>();
        foreach (var field in UsageEventFields.All)
        {
            Assert.True(s_samples.TryGetValue(field.Name, out var value), $"Add a sample value for the new field '{field.Name}'.");
            typeof(UsageEvent).GetProperty(field.PropertyName)!.SetValue(e, value);
        }

        Assert.All(UsageEventFields.All, f => Assert.NotEqual(f.ClrType.IsValueType && Nullable.GetUnderlyingType(f.ClrType) is null ? Activator.CreateInstance(f.ClrType) : null, f.GetValue(e)));
        return e;
    }

    private static readonly Dictionary<string, object> s_samples = new()
    {
        ["event_id"] = "01JD5W3Y1J8Z6XG0E8X9R4T2QK",
        ["ts"] = new DateTimeOffset(2026, 11, 21, 23, 20, 0, TimeSpan.Zero).AddTicks(1_234_560),
        ["project_id"] = "acme",
        ["request_id"] = "chatcmpl-9",
        ["user_id"] = "user-42",
        ["route"] = "POST /chat",
        ["provider"] = "anthropic",
        ["model"] = "claude-sonnet-4-20250514",
        ["operation"] = "messages",
        ["stream"] = true,
        ["tokens_in"] = 5000,
        ["tokens_out"] = 700,
        ["tokens_cached_in"] = 1000,
        ["tokens_cache_write"] = 400,
        ["tokens_cache_write_1h"] = 150,
        ["tokens_reasoning"] = 90,
        ["tokens_audio_in"] = 300,
        ["tokens_audio_cached_in"] = 200,
        ["tokens_audio_out"] = 40,
        ["cost_usd"] = 0.012345678m,
        ["price_version"] = "2026-11-21:anthropic/claude-sonnet-4",
        ["service_tier"] = "priority",
        ["usage_estimated"] = true,
        ["latency_ms"] = 1234,
        ["ttft_ms"] = 321,
        ["status"] = UsageStatus.RateLimited,
        ["http_status"] = 429,
        ["metadata"] = new Dictionary<string, string> { ["team"] = "search", ["quote"] = "it's \"x\"" },
        ["sdk"] = "LensAI.NET/9.9.9",
    };

    /// <summary>Asserts that two values of <paramref name="field"/> are the same (a map by its entries).</summary>
    public static void AssertSameValue(UsageEventField field, object? expected, object? actual)
    {
        if (expected is IReadOnlyDictionary<string, string> map)
        {
            var other = Assert.IsAssignableFrom<IReadOnlyDictionary<string, string>>(actual);
            Assert.Equal(map.OrderBy(p => p.Key), other.OrderBy(p => p.Key));
            return;
        }

        Assert.True(Equals(expected, actual), $"{field.Name}: expected {expected}, got {actual}");
    }
}
