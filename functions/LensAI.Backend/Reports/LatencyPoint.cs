using System.Text.Json.Serialization;

namespace LensAI.Backend.Reports;

/// <summary>Latency percentiles of one bucket (exact: computed from that bucket's events).</summary>
internal sealed record LatencyPoint(
    [property: JsonPropertyName("bucket")] DateTimeOffset Bucket,
    [property: JsonPropertyName("requests")] long Requests,
    [property: JsonPropertyName("p50")] double? P50,
    [property: JsonPropertyName("p95")] double? P95,
    [property: JsonPropertyName("ttft_p50")] double? TtftP50);
