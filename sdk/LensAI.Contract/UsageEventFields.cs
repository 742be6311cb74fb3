using static LensAI.UsageEventFieldTraits;

namespace LensAI;

/// <summary>
/// The one table of the fields of <see cref="UsageEvent"/>, in wire and column order. The backend's batch reader,
/// Parquet schema, row writer and redactor are generated from it or tested against it, so adding a field is one row
/// here (and its property on <see cref="UsageEvent"/>) plus its tests.
/// </summary>
public static class UsageEventFields
{
    /// <summary>The longest identifier-like value accepted by default (<c>event_id</c>, <c>request_id</c>, <c>provider</c>, <c>model</c>, <c>operation</c>, <c>price_version</c>, <c>sdk</c>).</summary>
    public const int MaxIdLength = 256;

    /// <summary>The longest <c>user_id</c> accepted by default.</summary>
    public const int MaxUserIdLength = 256;

    /// <summary>The longest <c>route</c> accepted by default.</summary>
    public const int MaxRouteLength = 512;

    /// <summary>Every field, in wire and column order.</summary>
    public static IReadOnlyList<UsageEventField> All { get; } =
    [
        Text("event_id", nameof(UsageEvent.EventId), e => e.EventId, MaxIdLength, Required),
        Of<DateTimeOffset>("ts", nameof(UsageEvent.Timestamp), "TIMESTAMPTZ", e => e.Timestamp, Required),
        Text("project_id", nameof(UsageEvent.ProjectId), e => e.ProjectId, MaxIdLength, SetOnIngest),
        Text("request_id", nameof(UsageEvent.RequestId), e => e.RequestId, MaxIdLength, NullableColumn),
        Text("user_id", nameof(UsageEvent.UserId), e => e.UserId, MaxUserIdLength, NullableColumn | Attribution | Redacted),
        Text("route", nameof(UsageEvent.Route), e => e.Route, MaxRouteLength, NullableColumn | Attribution | Redacted),
        Text("provider", nameof(UsageEvent.Provider), e => e.Provider, MaxIdLength, Required),
        Text("model", nameof(UsageEvent.Model), e => e.Model, MaxIdLength, Required),
        Text("operation", nameof(UsageEvent.Operation), e => e.Operation, MaxIdLength, Required),
        Of<bool>("stream", nameof(UsageEvent.Stream), "BOOLEAN", e => e.Stream, Required),
        Of<int>("tokens_in", nameof(UsageEvent.TokensIn), "INTEGER", e => e.TokensIn, Required),
        Of<int>("tokens_out", nameof(UsageEvent.TokensOut), "INTEGER", e => e.TokensOut, Required),
        Of<int>("tokens_cached_in", nameof(UsageEvent.TokensCachedIn), "INTEGER", e => e.TokensCachedIn),
        Of<int>("tokens_cache_write", nameof(UsageEvent.TokensCacheWrite), "INTEGER", e => e.TokensCacheWrite),
        Of<int>("tokens_cache_write_1h", nameof(UsageEvent.TokensCacheWrite1h), "INTEGER", e => e.TokensCacheWrite1h),
        Of<int>("tokens_reasoning", nameof(UsageEvent.TokensReasoning), "INTEGER", e => e.TokensReasoning),
        Of<int>("tokens_audio_in", nameof(UsageEvent.TokensAudioIn), "INTEGER", e => e.TokensAudioIn),
        Of<int>("tokens_audio_cached_in", nameof(UsageEvent.TokensAudioCachedIn), "INTEGER", e => e.TokensAudioCachedIn),
        Of<int>("tokens_audio_out", nameof(UsageEvent.TokensAudioOut), "INTEGER", e => e.TokensAudioOut),
        Of<decimal?>("cost_usd", nameof(UsageEvent.CostUsd), "DECIMAL(18,9)", e => e.CostUsd, NullableColumn),
        Text("price_version", nameof(UsageEvent.PriceVersion), e => e.PriceVersion, MaxIdLength, NullableColumn),
        Text("service_tier", nameof(UsageEvent.ServiceTier), e => e.ServiceTier, MaxIdLength, NullableColumn),
        Of<bool>("usage_estimated", nameof(UsageEvent.UsageEstimated), "BOOLEAN", e => e.UsageEstimated),
        Of<int>("latency_ms", nameof(UsageEvent.LatencyMs), "INTEGER", e => e.LatencyMs, Required),
        Of<int?>("ttft_ms", nameof(UsageEvent.TtftMs), "INTEGER", e => e.TtftMs, NullableColumn),
        Of<UsageStatus>("status", nameof(UsageEvent.Status), "VARCHAR", e => e.Status, Required),
        Of<int?>("http_status", nameof(UsageEvent.HttpStatus), "INTEGER", e => e.HttpStatus, NullableColumn),
        Of<IReadOnlyDictionary<string, string>?>("metadata", nameof(UsageEvent.Metadata), "MAP(VARCHAR, VARCHAR)", e => e.Metadata, NullableColumn | Attribution | Redacted),
        Text("sdk", nameof(UsageEvent.Sdk), e => e.Sdk, MaxIdLength, Required),
    ];

    /// <summary>Finds a field by its wire name (case-sensitive, like the wire).</summary>
    /// <returns><see langword="null"/> when no field has that name.</returns>
    public static UsageEventField? Find(string name)
    {
        foreach (var field in All)
        {
            if (string.Equals(field.Name, name, StringComparison.Ordinal))
            {
                return field;
            }
        }

        return null;
    }

    private static UsageEventField Text(string name, string property, Func<UsageEvent, string?> get, int maxLength, UsageEventFieldTraits traits = default)
        => new(name, property, typeof(string), "VARCHAR", get, traits, maxLength);

    private static UsageEventField Of<T>(string name, string property, string columnType, Func<UsageEvent, T> get, UsageEventFieldTraits traits = default)
        => new(name, property, typeof(T), columnType, e => get(e), traits, maxLength: null);
}
