using System.Globalization;
using System.Text;
using System.Text.Json.Serialization;

namespace LensAI;

/// <summary>
/// One LLM call: who made it, which model answered, what it used and cost, how long it took and how it ended.
/// This is the wire and storage contract shared by the SDK and the backend; JSON and Parquet use the same names, and
/// <see cref="UsageEventFields.All"/> describes every field. A record: <c>e with { Route = … }</c> copies every field.
/// </summary>
public sealed record UsageEvent
{
    /// <summary>Metadata key LensAI sets when a stream ended before the provider finished it: <c>abandoned</c> (the caller stopped reading) or <c>broken</c> (the read failed).</summary>
    public const string IncompleteMetadataKey = "lensai.incomplete";

    /// <summary>Metadata key LensAI sets on an event whose <see cref="UsageEstimated"/> is true: the estimator that counted the missing tokens (<c>utf8-bytes/4</c>, <c>tiktoken:o200k_base</c>, …).</summary>
    public const string EstimatorMetadataKey = "lensai.estimator";

    /// <summary>The idempotency key (a ULID made by the SDK): an event sent twice is stored once.</summary>
    [JsonPropertyName("event_id")]
    public required string EventId { get; init; }

    /// <summary>Start of the call, UTC, microsecond precision.</summary>
    [JsonPropertyName("ts")]
    [JsonConverter(typeof(MicrosecondTimestampJsonConverter))]
    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>The project; set by the backend from the API key, never trusted from the SDK.</summary>
    [JsonPropertyName("project_id")]
    public string? ProjectId { get; init; }

    /// <summary>The provider's response id (<c>chatcmpl-…</c>, <c>msg_…</c>, <c>resp_…</c>), when it sent one.</summary>
    [JsonPropertyName("request_id")]
    public string? RequestId { get; init; }

    /// <summary>The end user the call is attributed to.</summary>
    [JsonPropertyName("user_id")]
    public string? UserId { get; init; }

    /// <summary>The feature or route the call is attributed to (e.g. <c>POST /chat</c> or <c>summarize</c>).</summary>
    [JsonPropertyName("route")]
    public string? Route { get; init; }

    /// <summary>The provider: <c>openai</c>, <c>azure_openai</c>, <c>anthropic</c>, <c>gemini</c>, or a configured OpenAI-compatible name.</summary>
    [JsonPropertyName("provider")]
    public required string Provider { get; init; }

    /// <summary>The model the response names (e.g. <c>gpt-4o-mini-2024-07-18</c>); the requested model when the response names none.</summary>
    [JsonPropertyName("model")]
    public required string Model { get; init; }

    /// <summary>The API operation: <c>chat</c>, <c>responses</c>, <c>embeddings</c>, <c>messages</c>, <c>generate_content</c>, …</summary>
    [JsonPropertyName("operation")]
    public required string Operation { get; init; }

    /// <summary>Whether the response was streamed.</summary>
    [JsonPropertyName("stream")]
    public bool Stream { get; init; }

    /// <summary>Every input token, cached reads and cache writes included.</summary>
    [JsonPropertyName("tokens_in")]
    public int TokensIn { get; init; }

    /// <summary>Every output token, reasoning included.</summary>
    [JsonPropertyName("tokens_out")]
    public int TokensOut { get; init; }

    /// <summary>The part of <see cref="TokensIn"/> read from the prompt cache.</summary>
    [JsonPropertyName("tokens_cached_in")]
    public int TokensCachedIn { get; init; }

    /// <summary>The part of <see cref="TokensIn"/> written to the prompt cache.</summary>
    [JsonPropertyName("tokens_cache_write")]
    public int TokensCacheWrite { get; init; }

    /// <summary>The part of <see cref="TokensCacheWrite"/> written with a one-hour TTL (Anthropic); 0 when not reported.</summary>
    [JsonPropertyName("tokens_cache_write_1h")]
    public int TokensCacheWrite1h { get; init; }

    /// <summary>The part of <see cref="TokensOut"/> spent on reasoning.</summary>
    [JsonPropertyName("tokens_reasoning")]
    public int TokensReasoning { get; init; }

    /// <summary>The part of <see cref="TokensIn"/> that is audio, billed at the model's audio rate; 0 when not reported.</summary>
    [JsonPropertyName("tokens_audio_in")]
    public int TokensAudioIn { get; init; }

    /// <summary>The part of <see cref="TokensAudioIn"/> (and of <see cref="TokensCachedIn"/>) read from the prompt cache.</summary>
    [JsonPropertyName("tokens_audio_cached_in")]
    public int TokensAudioCachedIn { get; init; }

    /// <summary>The part of <see cref="TokensOut"/> that is audio, billed at the model's audio output rate; 0 when not reported.</summary>
    [JsonPropertyName("tokens_audio_out")]
    public int TokensAudioOut { get; init; }

    /// <summary>Cost in US dollars (9 decimals), or <see langword="null"/> when the catalogue has no price for the model — never a silent 0.</summary>
    [JsonPropertyName("cost_usd")]
    public decimal? CostUsd { get; init; }

    /// <summary>Which catalogue entry priced the call (<c>&lt;catalogue date&gt;:&lt;provider&gt;/&lt;model&gt;</c>), or <see langword="null"/> when unpriced.</summary>
    [JsonPropertyName("price_version")]
    public string? PriceVersion { get; init; }

    /// <summary>
    /// The provider's service tier when it was not the standard one (<c>flex</c>, <c>priority</c>, <c>batch</c>, …; see
    /// <see cref="TokenUsage.ServiceTier"/>), priced at that tier's rates; <see langword="null"/> for standard processing.
    /// </summary>
    [JsonPropertyName("service_tier")]
    public string? ServiceTier { get; init; }

    /// <summary>
    /// Whether LensAI estimated some of the token counts instead of reading them all from the provider's usage: a
    /// stream abandoned or broken before its usage arrived, or a call that failed after it was sent. What the provider
    /// reported is kept; what it did not is estimated (the prompt from the request body, the output from the text
    /// already streamed), so the call is never a silent $0. <c>metadata["lensai.estimator"]</c> names the estimator.
    /// </summary>
    [JsonPropertyName("usage_estimated")]
    public bool UsageEstimated { get; init; }

    /// <summary>Milliseconds from the start of the call until the response body was read to its end (or the call failed).</summary>
    [JsonPropertyName("latency_ms")]
    public int LatencyMs { get; init; }

    /// <summary>For streams, milliseconds from the start of the call to the first streamed byte.</summary>
    [JsonPropertyName("ttft_ms")]
    public int? TtftMs { get; init; }

    /// <summary>How the call ended.</summary>
    [JsonPropertyName("status")]
    public UsageStatus Status { get; init; }

    /// <summary>The provider's HTTP status code, when a response arrived.</summary>
    [JsonPropertyName("http_status")]
    public int? HttpStatus { get; init; }

    /// <summary>Free-form attribution (string to string); PII is redacted on ingest.</summary>
    [JsonPropertyName("metadata")]
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    /// <summary>The SDK that captured the call: <c>name/version</c>.</summary>
    [JsonPropertyName("sdk")]
    public required string Sdk { get; init; }

    /// <summary>
    /// What <see cref="ToString"/> prints: the call's identity and outcome, never its attribution (user, route,
    /// metadata), which may hold personal data until the backend redacts it.
    /// </summary>
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append(CultureInfo.InvariantCulture, $"EventId = {EventId}, Timestamp = {Timestamp:O}, Provider = {Provider}, Model = {Model}, ");
        builder.Append(CultureInfo.InvariantCulture, $"Operation = {Operation}, Status = {Status}, TokensIn = {TokensIn}, TokensOut = {TokensOut}, CostUsd = {CostUsd}");
        return true;
    }

    /// <summary>The token counts of this event as a <see cref="TokenUsage"/>.</summary>
    [JsonIgnore]
    public TokenUsage Usage => new(TokensIn, TokensOut, TokensCachedIn, TokensCacheWrite, TokensReasoning) { CacheWrite1hTokens = TokensCacheWrite1h, AudioInputTokens = TokensAudioIn, CachedAudioInputTokens = TokensAudioCachedIn, AudioOutputTokens = TokensAudioOut, ServiceTier = ServiceTier };
}
